//! Taking in one document of a sync request: the shell around
//! `shared::sync::push::decide`. It loads what the server holds of the
//! document, asks the core, and carries out the verdict, all inside the
//! writer's transaction, so a document is never half-applied.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use crate::db::sql::{Connection, OptionalExtension, Row};
use automerge::ChangeHash;
use shared::access::{DocState, Keeper};
use shared::domain::Millis;
use shared::domain::{Counts, Organisation};
use shared::municipality::Places;
use shared::projection::Projection;
use shared::record::Record;
use shared::sync::push::{decide, Rejection, Sender, Stored, Verdict};
use shared::sync::IncomingDoc;
use shared::validation::{NearbyVisits, OfficerLookup, References};
use shared::{DocId, MunicipalityId, OfficerId};
use uuid::Uuid;

use super::documents::FirstLook;
use super::identity::Device;
use super::push_store::PushStore;
use crate::error::Error;

/// What validation asks of the world, answered from the follow-up tables,
/// the officers and the server's clock; and where a record's places
/// belong (`shared::municipality::Places`), from the same rows, kept in a
/// [`Looked`].
pub struct SqlReferences<'a> {
    conn: &'a Connection,
    now: Option<Millis>,
    /// The document judged and its owner, for `nearby_visits`.
    record: Option<(DocId, OfficerId)>,
    looked: Cow<'a, Looked>,
}

/// The places and initiatives already looked up. Validation and the
/// municipality rule ask of the same ones several times per record, and a
/// sync's records mostly name the same few; each question is a round trip
/// on PostgreSQL. Kept for one sync at most: field records do not change
/// reference data, and [`ingest_doc`] forgets it all when a document that
/// does is accepted.
///
/// Likewise one officer's patrol visits around the ones being judged (the
/// overlap rule reads them for each visit; a sync's visits are mostly one
/// officer's, days apart at most): read once, then kept as the store holds
/// them by [`Looked::wrote`], which every accepted field record passes
/// through.
#[derive(Default, Clone)]
pub struct Looked {
    places: RefCell<HashMap<Uuid, Option<Place>>>,
    initiatives: RefCell<HashMap<Uuid, Option<Initiative>>>,
    visits: RefCell<Option<OwnVisits>>,
}

/// Every patrol visit of `owner` that starts strictly between `after` and
/// `before`: its start and end, by document.
#[derive(Clone)]
struct OwnVisits {
    owner: OfficerId,
    after: Millis,
    before: Millis,
    rows: HashMap<DocId, (Millis, Option<Millis>)>,
}

/// How far around the first visit judged [`OwnVisits`] reaches: a week
/// each side holds a phone's backlog of several days, and at most a few
/// hundred rows (the overlap rule bounds an officer's visits per hour).
const OWN_VISITS_MARGIN_MS: Millis = 7 * 24 * 3_600_000;

impl Looked {
    fn forget(&self) {
        self.places.borrow_mut().clear();
        self.initiatives.borrow_mut().clear();
        self.visits.borrow_mut().take();
    }

    /// The follow-up rows of field record `doc` are now `rows`: the kept
    /// visits follow.
    fn wrote(&self, doc: DocId, rows: &Projection) {
        let mut visits = self.visits.borrow_mut();
        let Some(v) = visits.as_mut() else { return };
        v.rows.remove(&doc);
        if let Projection::Visit(row) = rows {
            if row.owner == Some(v.owner) && row.started_at > v.after && row.started_at < v.before {
                v.rows.insert(doc, (row.started_at, row.ended_at));
            }
        }
    }
}

/// A hotspot or venue row, as validation and the municipality rule see it.
#[derive(Clone)]
struct Place {
    hotspot: bool,
    municipality: Option<String>,
}

/// An initiative row and its plan's municipality.
#[derive(Clone)]
struct Initiative {
    counts: Option<String>,
    municipality: Option<String>,
}

/// What ingest asks of the world: validation's questions and the
/// municipality rule's, answered from the same looked-up rows.
pub trait Lookups: References + Places {}
impl<T: References + Places> Lookups for T {}

impl<'a> SqlReferences<'a> {
    /// For coordinators' edits: no record of theirs has a time to judge.
    pub fn new(conn: &'a Connection) -> Self {
        SqlReferences {
            conn,
            now: None,
            record: None,
            looked: Cow::Owned(Looked::default()),
        }
    }

    /// For what devices send: "in the future" is judged by this clock;
    /// places and initiatives are kept in `looked`.
    pub fn at(conn: &'a Connection, now: Millis, looked: &'a Looked) -> Self {
        SqlReferences {
            now: Some(now),
            looked: Cow::Borrowed(looked),
            ..SqlReferences::new(conn)
        }
    }

    /// Judges `doc`, owned by `owner`, against the owner's other visits.
    pub fn of_record(mut self, doc: DocId, owner: OfficerId) -> Self {
        self.record = Some((doc, owner));
        self
    }

    // A failing lookup counts as "unknown": the document is refused and
    // kept in the quarantine, never accepted unchecked (and on PostgreSQL
    // the failure also undoes the job, `Connection::release_savepoint`).

    fn place(&self, id: Uuid) -> Option<Place> {
        self.row(
            &self.looked.places,
            id,
            "SELECT 1, municipality FROM hotspots WHERE id = ?1
             UNION ALL SELECT 0, municipality FROM venues WHERE id = ?1",
            |r| {
                Ok(Place {
                    hotspot: r.get::<_, i64>(0)? == 1,
                    municipality: r.get(1)?,
                })
            },
        )
    }

    fn initiative(&self, id: Uuid) -> Option<Initiative> {
        self.row(
            &self.looked.initiatives,
            id,
            "SELECT i.counts, p.municipality_id FROM initiatives i
               LEFT JOIN plans p ON p.id = i.plan_id WHERE i.id = ?1",
            |r| {
                Ok(Initiative {
                    counts: r.get(0)?,
                    municipality: r.get(1)?,
                })
            },
        )
    }

    /// The row of `id` that `sql` reads, read once and kept in `kept`.
    fn row<T: Clone>(
        &self,
        kept: &RefCell<HashMap<Uuid, Option<T>>>,
        id: Uuid,
        sql: &str,
        read: impl FnOnce(&Row) -> Result<T, Error>,
    ) -> Option<T> {
        if let Some(row) = kept.borrow().get(&id) {
            return row.clone();
        }
        let row = self
            .conn
            .prepare_cached(sql)
            .and_then(|mut s| s.query_row([id.to_string()], read).optional())
            .ok()
            .flatten();
        kept.borrow_mut().insert(id, row.clone());
        row
    }

    /// The owner's visits starting strictly between `after` and `before`,
    /// read from the store; none if the read fails.
    fn read_own_visits(
        &self,
        owner: OfficerId,
        after: Millis,
        before: Millis,
    ) -> Option<OwnVisits> {
        let rows = self
            .conn
            .prepare_cached(
                "SELECT doc_id, started_at, ended_at FROM patrol_visits
                  WHERE owner = ?1 AND started_at > ?2 AND started_at < ?3",
            )
            .and_then(|mut s| {
                s.query_map((owner.0.to_string(), after, before), |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Millis>(1)?,
                        r.get::<_, Option<Millis>>(2)?,
                    ))
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .ok()?;
        let rows = rows
            .into_iter()
            .filter_map(|(id, s, e)| Some((DocId(Uuid::parse_str(&id).ok()?), (s, e))))
            .collect();
        Some(OwnVisits {
            owner,
            after,
            before,
            rows,
        })
    }
}

fn municipality(m: Option<String>) -> Option<MunicipalityId> {
    m.and_then(|m| Uuid::parse_str(&m).ok()).map(MunicipalityId)
}

impl References for SqlReferences<'_> {
    fn has_hotspot(&self, id: Uuid) -> bool {
        self.place(id).is_some_and(|p| p.hotspot)
    }
    fn has_venue(&self, id: Uuid) -> bool {
        self.place(id).is_some_and(|p| !p.hotspot)
    }
    fn initiative_counts(&self, id: Uuid) -> Option<Counts> {
        self.initiative(id)?.counts.and_then(|c| Counts::parse(&c))
    }
    fn officer(&self, id: Uuid) -> OfficerLookup {
        self.conn
            .prepare_cached("SELECT organisation FROM officers WHERE id = ?1")
            .and_then(|mut s| s.query_row([id.to_string()], |r| r.get::<_, String>(0)))
            .ok()
            .and_then(|o| Organisation::parse(&o))
            .map_or(OfficerLookup::Unknown, OfficerLookup::Known)
    }
    fn now(&self) -> Option<Millis> {
        self.now
    }
    fn same_municipality(&self, place: Uuid, initiative: Uuid) -> Option<bool> {
        let of_place = self.place(place)?.municipality?;
        let of_initiative = self.initiative(initiative)?.municipality?;
        Some(of_place == of_initiative)
    }
    fn nearby_visits(&self, start: Millis, end: Millis) -> Option<NearbyVisits> {
        let (doc, owner) = self.record?;
        // The rows only; what counts is `NearbyVisits::count`.
        let (lo, hi) = NearbyVisits::window(start, end);
        if self.looked.visits.borrow().is_none() {
            let kept =
                self.read_own_visits(owner, lo - OWN_VISITS_MARGIN_MS, hi + OWN_VISITS_MARGIN_MS);
            // A failing read judges nothing rather than refusing a record.
            *self.looked.visits.borrow_mut() = Some(kept?);
        }
        if let Some(v) = self.looked.visits.borrow().as_ref() {
            if v.owner == owner && v.after <= lo && hi <= v.before {
                let others = v
                    .rows
                    .iter()
                    .filter(|(id, (s, _))| **id != doc && *s > lo && *s < hi)
                    .map(|(_, r)| *r);
                return Some(NearbyVisits::count(start, end, others));
            }
        }
        // Another officer's visit, or one far from the kept ones: read
        // from the (owner, start, end) index alone (rowid is in every index
        // entry), the document's own stored row left out by its rowid,
        // looked up once in the same statement.
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT started_at, ended_at FROM patrol_visits
                  WHERE owner = ?1 AND started_at > ?2 AND started_at < ?3
                    AND rowid <> coalesce((SELECT rowid FROM patrol_visits WHERE doc_id = ?4), -1)",
            )
            .ok()?;
        let rows = stmt
            .query_map((owner.0.to_string(), lo, hi, doc.to_string()), |r| {
                Ok((r.get::<_, Millis>(0)?, r.get::<_, Option<Millis>>(1)?))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            // A failing read judges nothing rather than refusing a record.
            .ok()?;
        Some(NearbyVisits::count(start, end, rows))
    }
}

impl Places for SqlReferences<'_> {
    fn hotspot(&self, id: Uuid) -> Option<MunicipalityId> {
        self.place(id)
            .filter(|p| p.hotspot)
            .and_then(|p| municipality(p.municipality))
    }
    fn venue(&self, id: Uuid) -> Option<MunicipalityId> {
        self.place(id)
            .filter(|p| !p.hotspot)
            .and_then(|p| municipality(p.municipality))
    }
    fn initiative(&self, id: Uuid) -> Option<MunicipalityId> {
        SqlReferences::initiative(self, id).and_then(|i| municipality(i.municipality))
    }
}

/// Decides one document from an officer's device and carries out the
/// verdict through the storage seam (`PushStore`). Returns what the device
/// is told (none for `ok`); `Err` only for failures of the store itself.
pub fn ingest_doc<S: PushStore + ?Sized>(
    store: &S,
    device: &Device,
    doc: &IncomingDoc,
    now: Millis,
    looked: &Looked,
    look: Option<FirstLook>,
) -> Result<Option<Rejection>, Error> {
    let look = match look {
        Some(look) => look,
        None => store.first_look(doc.id)?,
    };
    let accepted = look.stored;
    let held_rows = if look.has_held {
        store.held(doc.id)?
    } else {
        Vec::new()
    };
    let stored = Stored {
        state: accepted.as_ref().map(|s| s.state.clone()),
        doc: if accepted.is_some() {
            store.load(doc.id)?
        } else {
            automerge::Automerge::new()
        },
        held: held_rows.iter().map(|r| r.held.clone()).collect(),
        erased: look.erased,
        epoch: look.epoch,
    };
    let sender = Sender {
        officer: device.officer,
        actor: device.actor.clone(),
        epoch: doc.epoch,
    };
    // The owner of a new record is its maker, who must be the sender
    // (decide refuses anyone else).
    let owner = accepted
        .as_ref()
        .and_then(|a| a.state.owner)
        .unwrap_or(device.officer);
    let refs = store.references(now, doc.id, owner, looked);
    let mut verdict = decide(&stored, &sender, &doc.changes, &*refs);
    if matches!(verdict, Verdict::Hold { .. }) {
        verdict = verdict.within_quota(store.held_bytes(device.id)?);
    }
    let device_of = |hash: &[u8; 32]| {
        held_rows
            .iter()
            .find(|r| &r.held.change.hash == hash)
            .map(|r| r.device_id.clone())
            .unwrap_or_default()
    };
    let own = device.id.to_string();
    match &verdict {
        Verdict::AlreadyStored | Verdict::OverQuota | Verdict::Erased | Verdict::Redacted => {}
        Verdict::Accept(a) => {
            refuse_held(store, doc.id, &a.refused_held, &device_of, now)?;
            let before = match (&accepted, look.has_rows) {
                (Some(_), _) => Before::Accepted,
                (None, false) => Before::Nothing,
                (None, true) => Before::MaybeRows,
            };
            let first = accepted.map(|s| s.first_received_at).unwrap_or(now);
            store.append(doc.id, &a.append, now)?;
            store.release(doc.id, &a.released)?;
            let municipality = shared::municipality::of_record(&a.record, &*refs);
            let rows = accept(
                store,
                doc.id,
                &a.record,
                a.owner,
                municipality,
                before,
                first,
                now,
            )?;
            // Officers' records change no reference data.
            if a.record.kind().keeper() == Keeper::Officers {
                looked.wrote(doc.id, &rows);
            } else {
                looked.forget();
            }
        }
        Verdict::Hold { new, refused_held } => {
            refuse_held(store, doc.id, refused_held, &device_of, now)?;
            store.hold(doc.id, device, new, now)?;
        }
        Verdict::RefuseSender(r) | Verdict::Refuse(r) => {
            let whole = matches!(verdict, Verdict::Refuse(_));
            tracing::info!(doc = %doc.id, device = %device.id, code = r.code.as_str(), whole, "refused");
            store.quarantine(
                &own,
                device.officer,
                doc.id,
                r.code,
                &r.message,
                &doc.changes,
                now,
            )?;
            if whole {
                // The document's held changes go to the quarantine with it,
                // under the devices that sent them; none enters the log.
                let refused: Vec<_> = held_rows
                    .iter()
                    .map(|row| (row.held.clone(), r.clone()))
                    .collect();
                refuse_held(store, doc.id, &refused, &device_of, now)?;
            }
        }
    }
    Ok(verdict.result())
}

/// Quarantines held changes refused on their own, one row per device, and
/// removes them from the held set.
fn refuse_held<S: PushStore + ?Sized>(
    store: &S,
    id: DocId,
    refused: &[(shared::sync::push::HeldChange, Rejection)],
    device_of: &dyn Fn(&[u8; 32]) -> String,
    now: Millis,
) -> Result<(), Error> {
    // Per (device, officer): the reason and the changes' bytes.
    type Refused = (Rejection, Vec<Vec<u8>>);
    let mut per_device: BTreeMap<(String, OfficerId), Refused> = BTreeMap::new();
    for (h, r) in refused {
        let entry = per_device
            .entry((device_of(&h.change.hash), h.officer))
            .or_insert_with(|| (r.clone(), Vec::new()));
        entry.1.push(h.change.change.raw_bytes().to_vec());
    }
    for ((device_id, officer), (r, changes)) in per_device {
        tracing::info!(doc = %id, device = %device_id, code = r.code.as_str(), "held changes refused");
        store.quarantine(&device_id, officer, id, r.code, &r.message, &changes, now)?;
    }
    let hashes: Vec<ChangeHash> = refused
        .iter()
        .map(|(h, _)| ChangeHash(h.change.hash))
        .collect();
    store.release(id, &hashes)
}

/// What the store held of a document being accepted, as just read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Before {
    /// It was accepted before: its rows are replaced.
    Accepted,
    /// Never accepted, and no follow-up row names it: rows are only added.
    Nothing,
    /// Never accepted, but follow-up rows may name it (stray rows, written
    /// by hand or by a version with a bug; or the caller did not look):
    /// replaced, as if accepted.
    MaybeRows,
}

/// Records an accepted document's row, readers and follow-up rows;
/// `municipality`: the one it belongs to (`shared::municipality::of_record`).
/// Returns the follow-up rows written.
#[allow(clippy::too_many_arguments)]
pub fn accept<S: PushStore + ?Sized>(
    store: &S,
    id: DocId,
    record: &Record,
    owner: Option<OfficerId>,
    municipality: Option<MunicipalityId>,
    before: Before,
    first_received_at: Millis,
    now: Millis,
) -> Result<Projection, Error> {
    let state = DocState {
        kind: record.kind(),
        owner,
        participants: record.participants(),
        municipality,
    };
    let new = before != Before::Accepted;
    store.upsert(id, &state, new, first_received_at, now)?;
    let fresh = before == Before::Nothing;
    store.project(
        id,
        owner,
        first_received_at,
        state.municipality,
        record,
        fresh,
    )
}
