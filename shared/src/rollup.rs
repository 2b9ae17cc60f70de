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

/// The initiatives an officer may log an "other activity" against.
pub fn initiatives_for_activities(plan: &PromisePlan) -> Vec<&Initiative> {
    plan.initiatives()
        .map(|(_, i)| i)
        .filter(|i| i.counts == Counts::Activities)
        .collect()
}
