//! What the venue picker says of a venue: when it was last inspected (any
//! officer's counted inspection, not only the phone's own), whether an
//! inspection is due, and the follow-up still open there. The server sends
//! every phone each venue's latest counted inspection (`latest_per_venue`);
//! the phone adds the inspections it holds itself, which may be newer than
//! what the server has seen, and asks `status` of the union.
//!
//! What travels is a venue's date and proposed follow-up only: no officer,
//! no record id, no findings, so a colleague's inspection stays theirs to
//! see (`shared::access`) while its existence keeps the venue from looking
//! due.

use std::collections::HashMap;
use std::hash::Hash;

use super::{inspection_due, open_follow_ups, InspectionFact};
use crate::domain::{FollowUp, Millis};

/// The venue's latest counted inspection: the only one the picker's rules
/// need (the later one closes an earlier one's follow-up).
pub fn latest_per_venue<V: Eq + Hash + Clone>(
    inspections: &[InspectionFact<V>],
) -> Vec<InspectionFact<V>> {
    let mut latest: HashMap<&V, &InspectionFact<V>> = HashMap::new();
    for i in inspections {
        let e = latest.entry(&i.venue).or_insert(i);
        // Two inspections starting at the same millisecond: the one that
        // proposes a follow-up wins, so an open case is never hidden by
        // its twin (both sides sort the same way).
        if (i.started_at, i.follow_up != FollowUp::None)
            > (e.started_at, e.follow_up != FollowUp::None)
        {
            *e = i;
        }
    }
    latest.into_values().cloned().collect()
}

/// What the picker shows of one venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VenueStatus {
    pub last: Option<Millis>,
    pub due: bool,
    pub open_follow_up: Option<FollowUp>,
}

/// The status of `venue` at `now` from every inspection fact known of it
/// (the server's latest and the phone's own, in any order, duplicates
/// allowed): the report's own rules, `inspection_due` and
/// `open_follow_ups`.
pub fn status<V: Eq + Hash + Clone>(
    facts: &[InspectionFact<V>],
    venue: &V,
    now: Millis,
) -> VenueStatus {
    let mine: Vec<InspectionFact<V>> = facts
        .iter()
        .filter(|f| &f.venue == venue)
        .cloned()
        .collect();
    let latest = latest_per_venue(&mine);
    let last = latest.first().map(|f| f.started_at);
    VenueStatus {
        last,
        due: inspection_due(last, now),
        open_follow_up: open_follow_ups(&latest, now.saturating_add(1))
            .first()
            .map(|f| f.follow_up),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Millis = 86_400_000;

    fn fact(venue: &'static str, day: i64, follow_up: FollowUp) -> InspectionFact<&'static str> {
        InspectionFact {
            venue,
            started_at: day * DAY,
            follow_up,
        }
    }

    #[test]
    fn the_latest_inspection_of_each_venue_is_kept() {
        let mut latest = latest_per_venue(&[
            fact("Ankaret", 1, FollowUp::Revisit),
            fact("Ankaret", 5, FollowUp::None),
            fact("Kajutan", 2, FollowUp::SupervisionCase),
        ]);
        latest.sort_by_key(|f| f.venue);
        assert_eq!(
            latest,
            vec![
                fact("Ankaret", 5, FollowUp::None),
                fact("Kajutan", 2, FollowUp::SupervisionCase)
            ]
        );
    }

    #[test]
    fn a_colleagues_later_inspection_closes_the_phones_own_follow_up() {
        // The phone's own inspection on day 10 proposed a revisit; the
        // server says a colleague inspected on day 40 without one.
        let facts = [
            fact("Ankaret", 10, FollowUp::Revisit),
            fact("Ankaret", 40, FollowUp::None),
        ];
        let s = status(&facts, &"Ankaret", 41 * DAY);
        assert_eq!(s.last, Some(40 * DAY));
        assert_eq!(s.open_follow_up, None);
        assert!(!s.due);
    }

    #[test]
    fn the_phones_own_newer_inspection_wins_over_the_servers_list() {
        let facts = [
            fact("Ankaret", 40, FollowUp::None),
            fact("Ankaret", 50, FollowUp::SupervisionCase),
        ];
        let s = status(&facts, &"Ankaret", 51 * DAY);
        assert_eq!(s.last, Some(50 * DAY));
        assert_eq!(s.open_follow_up, Some(FollowUp::SupervisionCase));
    }

    #[test]
    fn a_venue_never_inspected_or_inspected_long_ago_is_due() {
        assert!(status(&[], &"Fyren", 10 * DAY).due);
        assert_eq!(status(&[], &"Fyren", 10 * DAY).last, None);
        let old = [fact("Fyren", 1, FollowUp::None)];
        assert!(status(&old, &"Fyren", 800 * DAY).due);
        assert!(!status(&old, &"Fyren", 30 * DAY).due);
    }

    #[test]
    fn twins_on_the_same_millisecond_keep_the_open_case() {
        let facts = [
            fact("Ankaret", 10, FollowUp::None),
            fact("Ankaret", 10, FollowUp::Revisit),
        ];
        for f in [facts.clone(), [facts[1].clone(), facts[0].clone()]] {
            assert_eq!(
                status(&f, &"Ankaret", 11 * DAY).open_follow_up,
                Some(FollowUp::Revisit)
            );
        }
    }
}
