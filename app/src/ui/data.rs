//! Reading the reference data and records the screens show, from the
//! device store.

use shared::domain::{Directory, Hotspot, Millis, PromisePlan, Venue};
use shared::lifecycle::RecordState;
use shared::record::Record;
use shared::{DocId, DocKind};
use uuid::Uuid;

use crate::store::DeviceStore;

pub fn hotspots(s: &DeviceStore) -> Vec<(Uuid, Hotspot)> {
    let ids = s.ids(Some(DocKind::Hotspot)).unwrap_or_default();
    let mut v: Vec<(Uuid, Hotspot)> = ids
        .into_iter()
        .filter_map(|id| match s.record(id) {
            Ok(Some(Record::Hotspot(h))) => Some((id.0, h)),
            _ => None,
        })
        .collect();
    v.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    v
}

pub fn venues(s: &DeviceStore) -> Vec<(Uuid, Venue)> {
    let ids = s.ids(Some(DocKind::Venue)).unwrap_or_default();
    let mut v: Vec<(Uuid, Venue)> = ids
        .into_iter()
        .filter_map(|id| match s.record(id) {
            Ok(Some(Record::Venue(x))) => Some((id.0, x)),
            _ => None,
        })
        .collect();
    shared::domain::inspection_order(&mut v);
    v
}

pub fn plan(s: &DeviceStore) -> Option<PromisePlan> {
    let id = *s.ids(Some(DocKind::PromisePlan)).ok()?.first()?;
    match s.record(id).ok()?? {
        Record::PromisePlan(p) => Some(p),
        _ => None,
    }
}

pub fn directory(s: &DeviceStore) -> Directory {
    let Some(id) = s
        .ids(Some(DocKind::Directory))
        .ok()
        .and_then(|v| v.first().copied())
    else {
        return Directory::default();
    };
    match s.record(id) {
        Ok(Some(Record::Directory(d))) => d,
        _ => Directory::default(),
    }
}

pub fn hotspot(s: &DeviceStore, id: Uuid) -> Option<Hotspot> {
    match s.record(DocId(id)) {
        Ok(Some(Record::Hotspot(h))) => Some(h),
        _ => None,
    }
}

pub fn hotspot_name(s: &DeviceStore, id: Uuid) -> String {
    hotspot(s, id).map(|h| h.name).unwrap_or_else(|| "?".into())
}

pub fn venue_name(s: &DeviceStore, id: Uuid) -> String {
    match s.record(DocId(id)) {
        Ok(Some(Record::Venue(v))) => v.name,
        _ => "?".into(),
    }
}

pub fn initiative_title(s: &DeviceStore, id: Uuid) -> String {
    plan(s)
        .and_then(|p| p.initiative(id).map(|i| i.title.clone()))
        .unwrap_or_else(|| "?".into())
}

/// The visit under way on this phone, if any: its id, hotspot name and
/// start. A visit is under way while it is a draft (`shared::lifecycle`),
/// however long ago it started (it then needs ending or discarding); only
/// the three newest visits are looked at (one runs at a time, and this
/// runs after every keystroke, so it reads as few documents as it can).
pub fn running_visit(s: &DeviceStore) -> Option<(DocId, String, Millis)> {
    s.field_records(Some(DocKind::PatrolVisit), 3)
        .ok()?
        .into_iter()
        .find_map(|row| match s.record(row.id) {
            Ok(Some(Record::PatrolVisit(v))) if v.state() == RecordState::Draft => {
                Some((row.id, hotspot_name(s, v.hotspot_id), v.started_at))
            }
            _ => None,
        })
}

/// What the venue picker says of a venue, from the inspections this phone
/// holds (its officer's own and those they took part in): the latest that
/// counts, whether one is due (`shared::follow_up::inspection_due`), and
/// the follow-up that latest one proposed, still open until the venue is
/// inspected again (`shared::follow_up::open_follow_ups`' rule).
#[derive(Debug, Clone, PartialEq)]
pub struct VenueStatus {
    pub last: Option<Millis>,
    pub due: bool,
    pub open_follow_up: Option<shared::domain::FollowUp>,
}

pub fn venue_status(s: &DeviceStore, venue: Uuid, now: Millis) -> VenueStatus {
    let latest = s
        .ids_of_subject(DocKind::Inspection, venue)
        .unwrap_or_default()
        .into_iter()
        .find_map(|id| match s.record(id) {
            Ok(Some(Record::Inspection(i))) if i.state().counts() => Some(i),
            _ => None,
        });
    let last = latest.as_ref().map(|i| i.started_at);
    // The rule the follow-up report uses: the venue's latest inspection's
    // proposal is open (no later inspection can be on the phone).
    let facts: Vec<shared::follow_up::InspectionFact<Uuid>> = latest
        .iter()
        .map(|i| shared::follow_up::InspectionFact {
            venue,
            started_at: i.started_at,
            follow_up: i.follow_up,
        })
        .collect();
    VenueStatus {
        last,
        due: shared::follow_up::inspection_due(last, now),
        open_follow_up: shared::follow_up::open_follow_ups(&facts, now.saturating_add(1))
            .first()
            .map(|f| f.follow_up),
    }
}
