//! Taking in one document of a sync request: the per-document decision of
//! the protocol. Each document is accepted or rejected on its own; a
//! rejected one goes to the quarantine with its reason. Everything happens
//! inside the writer's transaction, so a document is never half-applied.

use automerge::ReadDoc as _;
use rusqlite::Connection;
use shared::access::{check_actors, may_write};
use shared::domain::Millis;
use shared::record::{read_record, Record};
use shared::sync::changes::{parse_changes, CheckedChange};
use shared::sync::{IncomingDoc, RejectCode};
use shared::validation::{errors, validate, References};
use shared::DocId;
use uuid::Uuid;

use super::identity::Device;
use super::{documents, projection, quarantine};
use crate::error::Error;

/// Why a document was refused, for the device and the quarantine. The
/// message names fields and rules, never the record's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: RejectCode,
    pub message: String,
}

impl Rejection {
    fn new(code: RejectCode, message: impl Into<String>) -> Self {
        Rejection {
            code,
            message: message.into(),
        }
    }
}

/// Reference ids, answered from the follow-up tables.
pub struct SqlReferences<'a>(pub &'a Connection);

impl SqlReferences<'_> {
    fn exists(&self, sql: &str, id: Uuid) -> bool {
        // A failing lookup counts as "unknown": the document is refused
        // and kept in the quarantine, never accepted unchecked.
        self.0
            .prepare_cached(sql)
            .and_then(|mut s| s.exists([id.to_string()]))
            .unwrap_or(false)
    }
}

impl References for SqlReferences<'_> {
    fn has_hotspot(&self, id: Uuid) -> bool {
        self.exists("SELECT 1 FROM hotspots WHERE id = ?1", id)
    }
    fn has_venue(&self, id: Uuid) -> bool {
        self.exists("SELECT 1 FROM venues WHERE id = ?1", id)
    }
    fn has_initiative(&self, id: Uuid) -> bool {
        self.exists("SELECT 1 FROM initiatives WHERE id = ?1", id)
    }
}

/// Decides one document from an officer's device, stores it if accepted
/// and quarantines it if not. `Err` only for failures of the store itself.
pub fn ingest_doc(
    conn: &Connection,
    device: &Device,
    doc: &IncomingDoc,
    now: Millis,
) -> Result<Result<(), Rejection>, Error> {
    let decision = decide(conn, device, doc, now)?;
    if let Err(rejection) = &decision {
        tracing::info!(doc = %doc.id, device = %device.id, code = rejection.code.as_str(), "document rejected");
        quarantine::put(
            conn,
            device,
            doc.id,
            rejection.code,
            &rejection.message,
            &doc.changes,
            now,
        )?;
    }
    Ok(decision)
}

fn decide(
    conn: &Connection,
    device: &Device,
    doc: &IncomingDoc,
    now: Millis,
) -> Result<Result<(), Rejection>, Error> {
    let parsed = match parse_changes(&doc.changes) {
        Ok(p) => p,
        Err(code) => {
            return Ok(Err(Rejection::new(
                code,
                "a change is not valid Automerge data",
            )))
        }
    };
    let known = documents::known_hashes(conn, parsed.iter().map(|c| &c.hash))?;
    let mut new: Vec<CheckedChange> = Vec::new();
    for c in parsed {
        if !known.contains(&c.hash) && !new.iter().any(|n| n.hash == c.hash) {
            new.push(c);
        }
    }
    if new.is_empty() {
        // A replayed or duplicated request: everything is already stored.
        return Ok(Ok(()));
    }
    if let Err(code) = check_actors(new.iter().map(|c| &c.actor), &device.actor) {
        return Ok(Err(Rejection::new(
            code,
            "a change was made by an actor not bound to this device",
        )));
    }
    let stored = documents::stored(conn, doc.id)?;
    let mut am = documents::load(conn, doc.id)?;
    let changes: Vec<_> = new.iter().map(|c| c.change.clone()).collect();
    // Guarded: Automerge can panic on crafted changes (see `guarded`).
    let applied = shared::sync::changes::guarded(|| am.apply_changes(changes).is_ok());
    if applied != Some(true) {
        return Ok(Err(Rejection::new(
            RejectCode::MalformedChange,
            "the changes do not apply to the document",
        )));
    }
    let owner = stored
        .as_ref()
        .and_then(|s| s.owner)
        .or(Some(device.officer));
    if !am.get_missing_deps(&[]).is_empty() {
        // The device builds on changes the server does not have: it was
        // restored from an older backup, and another device will send the
        // rest. Keep the device's own changes (their author is checked);
        // the document is decided once it is complete.
        if stored
            .as_ref()
            .and_then(|s| s.state.as_ref())
            .is_some_and(|s| s.kind.is_reference())
        {
            return Ok(Err(Rejection::new(
                RejectCode::ReferenceReadOnly,
                "reference data is kept by coordinators",
            )));
        }
        documents::append_changes(conn, doc.id, &new, now)?;
        documents::upsert(conn, doc.id, None, owner, false, now)?;
        return Ok(Ok(()));
    }
    let record = match read_record(&am) {
        Ok(r) => r,
        Err(e) => return Ok(Err(Rejection::new(RejectCode::Schema, schema_message(&e)))),
    };
    if let Err(code) = may_write(
        stored.as_ref().and_then(|s| s.state.as_ref()),
        record.kind(),
        device.officer,
    ) {
        let message = match code {
            RejectCode::ReferenceReadOnly => "reference data is kept by coordinators",
            RejectCode::KindChanged => "a record cannot change its kind",
            _ => "only the officer who made the record and its participants may change it",
        };
        return Ok(Err(Rejection::new(code, message)));
    }
    let problems = validate(&record, &SqlReferences(conn));
    let errs: Vec<String> = errors(&problems).map(|p| p.to_string()).collect();
    if !errs.is_empty() {
        return Ok(Err(Rejection::new(RejectCode::Invalid, errs.join("; "))));
    }
    let first_received_at = stored.as_ref().map(|s| s.first_received_at).unwrap_or(now);
    documents::append_changes(conn, doc.id, &new, now)?;
    accept(conn, doc.id, &record, owner, first_received_at, now)?;
    Ok(Ok(()))
}

/// Records an accepted document's row, access and follow-up rows.
pub fn accept(
    conn: &Connection,
    id: DocId,
    record: &Record,
    owner: Option<shared::OfficerId>,
    first_received_at: Millis,
    now: Millis,
) -> Result<(), Error> {
    documents::upsert(conn, id, Some(record.kind()), owner, true, now)?;
    documents::set_access(conn, id, &record.participants())?;
    projection::write_record(conn, id, owner, first_received_at, record)
}

/// The schema error without values from the document.
fn schema_message(e: &shared::RecordError) -> String {
    use shared::RecordError::*;
    match e {
        MissingKind | UnknownKind(_) => "the document is not a Trygghetslogg record".into(),
        NewerSchema(v) => format!("the record uses schema version {v}, newer than this server's"),
        Schema { kind, .. } => format!("the document does not match the {kind} schema"),
        _ => "the document could not be read".into(),
    }
}
