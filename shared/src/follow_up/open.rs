//! Follow-ups still open: an inspection that proposed a revisit or a
//! supervision case stays open until the venue is inspected again.

use std::collections::HashMap;
use std::hash::Hash;

use crate::domain::{FollowUp, Millis};

/// What the rule needs of one inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionFact<V> {
    pub venue: V,
    pub started_at: Millis,
    pub follow_up: FollowUp,
}

/// The inspections whose follow-up is open at `at`: each proposed one, of
/// those started before `at`, with no later inspection of the same venue
/// before `at`. In start order. Only a venue's latest inspection can be
/// open, so this is one pass, not a comparison of every pair (20,000
/// inspections made that half a second of every follow-up page).
pub fn open_follow_ups<V: Eq + Hash>(
    inspections: &[InspectionFact<V>],
    at: Millis,
) -> Vec<&InspectionFact<V>> {
    let mut latest: HashMap<&V, Millis> = HashMap::new();
    for i in inspections.iter().filter(|i| i.started_at < at) {
        let t = latest.entry(&i.venue).or_insert(i.started_at);
        *t = (*t).max(i.started_at);
    }
    let mut open: Vec<&InspectionFact<V>> = inspections
        .iter()
        .filter(|i| i.started_at < at && i.follow_up != FollowUp::None)
        .filter(|i| latest.get(&i.venue) == Some(&i.started_at))
        .collect();
    open.sort_by_key(|i| i.started_at);
    open
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::expect;

    #[test]
    fn a_follow_up_stays_open_until_the_venue_is_inspected_again() {
        let day = 86_400_000;
        let i = |venue: &'static str, d: i64, follow_up| InspectionFact {
            venue,
            started_at: d * day,
            follow_up,
        };
        let all = [
            i("Ankaret", 1, FollowUp::Revisit),
            i("Ankaret", 5, FollowUp::None),
            i("Kajutan", 2, FollowUp::SupervisionCase),
            i("Fyren", 3, FollowUp::Revisit),
            i("Fyren", 9, FollowUp::Revisit),
        ];
        let show = |at: i64| {
            open_follow_ups(&all, at * day)
                .iter()
                .map(|f| format!("{} day {} {:?}", f.venue, f.started_at / day, f.follow_up))
                .collect::<Vec<_>>()
                .join(", ")
        };
        expect![[r#"
            day 4: Ankaret day 1 Revisit, Kajutan day 2 SupervisionCase, Fyren day 3 Revisit
            day 6: Kajutan day 2 SupervisionCase, Fyren day 3 Revisit
            day 10: Kajutan day 2 SupervisionCase, Fyren day 9 Revisit"#]]
        .assert_eq(
            &[4, 6, 10]
                .map(|d| format!("day {d}: {}", show(d)))
                .join("\n"),
        );
    }
}
