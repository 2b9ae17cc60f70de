//! Follow-ups still open: an inspection that proposed a revisit or a
//! supervision case stays open until the venue is inspected again.

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
/// before `at`. In start order.
pub fn open_follow_ups<V: PartialEq>(
    inspections: &[InspectionFact<V>],
    at: Millis,
) -> Vec<&InspectionFact<V>> {
    let mut open: Vec<&InspectionFact<V>> = inspections
        .iter()
        .filter(|i| i.started_at < at && i.follow_up != FollowUp::None)
        .filter(|i| {
            !inspections
                .iter()
                .any(|j| j.venue == i.venue && j.started_at > i.started_at && j.started_at < at)
        })
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
