//! Which initiative of the promise plan a field record counts toward, so
//! that the follow-up needs no manual tagging. The app calls these when it
//! creates a record and stores the answer in the record; the follow-up then
//! simply groups by it.

use uuid::Uuid;

use crate::domain::{Counts, Hotspot, Initiative, PromisePlan};

/// A patrol visit counts toward the initiative its hotspot is patrolled for.
pub fn initiative_for_visit(hotspot: &Hotspot) -> Uuid {
    hotspot.initiative_id
}

/// The initiative a new hotspot's patrols count toward: the first of the
/// plan that counts patrol visits (in the example: police presence in the
/// bar district and foot patrols at chosen places).
pub fn initiative_for_hotspots(plan: &PromisePlan) -> Option<Uuid> {
    plan.initiatives()
        .map(|(_, i)| i)
        .find(|i| i.counts == Counts::PatrolVisits)
        .map(|i| i.id)
}

/// An inspection counts toward the first initiative of the plan that counts
/// inspections (in the example: joint supervision of alcohol serving).
pub fn initiative_for_inspection(plan: &PromisePlan) -> Option<Uuid> {
    plan.initiatives()
        .map(|(_, i)| i)
        .find(|i| i.counts == Counts::Inspections)
        .map(|i| i.id)
}

/// The plan a record at a place of `municipality` counts toward, of the
/// plans a phone holds (one per municipality its officer works in): the
/// plan naming that municipality; a place or plans naming none (from
/// before municipalities) go by the only plan there is.
pub fn plan_for(plans: &[PromisePlan], municipality: Option<Uuid>) -> Option<&PromisePlan> {
    match municipality {
        Some(m) if plans.iter().any(|p| p.municipality_id.is_some()) => {
            plans.iter().find(|p| p.municipality_id == Some(m))
        }
        _ if plans.len() == 1 => plans.first(),
        _ => None,
    }
}

/// The initiatives an officer may log an "other activity" against.
pub fn initiatives_for_activities(plan: &PromisePlan) -> Vec<&Initiative> {
    plan.initiatives()
        .map(|(_, i)| i)
        .filter(|i| i.counts == Counts::Activities)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(m: Option<u128>) -> PromisePlan {
        PromisePlan {
            municipality: String::new(),
            period_start: "2026-01-01".into(),
            period_end: "2026-12-31".into(),
            focus_areas: Vec::new(),
            municipality_id: m.map(Uuid::from_u128),
            demo: false,
        }
    }

    #[test]
    fn a_record_counts_toward_the_plan_of_its_places_municipality() {
        let plans = [plan(Some(1)), plan(Some(2))];
        let of = |m| plan_for(&plans, m).and_then(|p| p.municipality_id);
        assert_eq!(of(Some(Uuid::from_u128(2))), Some(Uuid::from_u128(2)));
        assert_eq!(of(Some(Uuid::from_u128(3))), None, "no plan of it");
        assert_eq!(of(None), None, "two plans: which is unknown");
        let old = [plan(None)];
        assert!(plan_for(&old, Some(Uuid::from_u128(1))).is_some());
        assert!(plan_for(&old, None).is_some());
    }
}
