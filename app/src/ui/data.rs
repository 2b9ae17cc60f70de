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

/// The promise plans the phone holds: one per municipality its officer
/// works in.
pub fn plans(s: &DeviceStore) -> Vec<PromisePlan> {
    let ids = s.ids(Some(DocKind::PromisePlan)).unwrap_or_default();
    let mut out: Vec<PromisePlan> = ids
        .into_iter()
        .filter_map(|id| match s.record(id) {
            Ok(Some(Record::PromisePlan(p))) => Some(p),
            _ => None,
        })
        .collect();
    out.sort_by(|a, b| a.municipality.cmp(&b.municipality));
    out
}

/// The colleagues the phone knows: the directories of its officer's
/// municipalities as one.
pub fn directory(s: &DeviceStore) -> Directory {
    let ids = s.ids(Some(DocKind::Directory)).unwrap_or_default();
    Directory::merged(ids.into_iter().filter_map(|id| match s.record(id) {
        Ok(Some(Record::Directory(d))) => Some(d),
        _ => None,
    }))
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
    plans(s)
        .iter()
        .find_map(|p| p.initiative(id).map(|i| i.title.clone()))
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

/// What the venue picker says of a venue: `shared::follow_up::venue_status`
/// over the inspections this phone holds (its officer's own and those they
/// took part in, possibly newer than the server has) and the server's venue
/// list (every officer's latest counted inspection, as of the last sync).
pub use shared::follow_up::venue_status::VenueStatus;

/// `known` is the server's list, read once for all venues
/// (`DeviceStore::venue_list`).
pub fn venue_status(
    s: &DeviceStore,
    venue: Uuid,
    now: Millis,
    known: &[shared::follow_up::InspectionFact<Uuid>],
) -> VenueStatus {
    // Only the latest counted one matters; newest first, so it is the
    // first that counts.
    let mut facts: Vec<shared::follow_up::InspectionFact<Uuid>> = s
        .ids_of_subject(DocKind::Inspection, venue)
        .unwrap_or_default()
        .into_iter()
        .find_map(|id| match s.record(id) {
            Ok(Some(Record::Inspection(i))) if i.state().counts() => {
                Some(shared::follow_up::InspectionFact {
                    venue,
                    started_at: i.started_at,
                    follow_up: i.follow_up,
                })
            }
            _ => None,
        })
        .into_iter()
        .collect::<Vec<_>>();
    facts.extend(known.iter().filter(|f| f.venue == venue).cloned());
    shared::follow_up::venue_status::status(&facts, &venue, now)
}
