//! The device's store: every record the phone has made or may see, as an
//! Automerge document in one SQLite file, and the outbox of changes the
//! server has not acknowledged.
//!
//! Every edit is one SQLite transaction with `synchronous=FULL`: when
//! [`DeviceStore::create`] or [`DeviceStore::update`] returns, the change is
//! on disk, in the document and in the outbox. Applying a sync response is
//! also one transaction, so a crash at any moment leaves either the state
//! before the sync or the state after it.
//!
//! Tests use [`DeviceStore::open_in_memory`]: the same code on SQLite's
//! in-memory database, so there is no second implementation to drift.

mod schema;

use std::collections::HashMap;
use std::path::Path;

use automerge::{transaction::CommitOptions, AutoCommit, Automerge, Change, ReadDoc as _};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde_bytes::ByteBuf;
use shared::domain::Millis;
use shared::record::{read_kind, read_record, write_record, Record};
use shared::sync::wire::{AfterResult, DocChanges, PROTOCOL_VERSION};
use shared::sync::{Cursor, SyncRequest, SyncResponse};
use shared::{ActorKey, DocId, DocKind};

/// A document with more chunks than this is compacted after a sync.
const COMPACT_AFTER_CHUNKS: i64 = 32;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the phone's storage is full; free some space, nothing was lost")]
    DiskFull,
    #[error("the local database cannot be written ({0}); nothing was lost")]
    Io(String),
    #[error("the local database failed: {0}")]
    Sqlite(Box<rusqlite::Error>),
    #[error("this device is not enrolled yet")]
    NotEnrolled,
    #[error("no record {0}")]
    NoSuchRecord(DocId),
    #[error("the record cannot be read: {0}")]
    Record(Box<shared::RecordError>),
    #[error("a stored document is damaged: {0}")]
    Automerge(Box<automerge::AutomergeError>),
    #[error("a stored document is damaged: {0}")]
    Damaged(shared::chunks::LoadError),
    #[error("the server's answer held a damaged change of {0}; it will be fetched again")]
    DamagedIncoming(DocId),
}

impl From<shared::RecordError> for StoreError {
    fn from(e: shared::RecordError) -> Self {
        StoreError::Record(Box::new(e))
    }
}

impl From<automerge::AutomergeError> for StoreError {
    fn from(e: automerge::AutomergeError) -> Self {
        StoreError::Automerge(Box::new(e))
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StoreError::DiskFull,
            Some(ErrorCode::ReadOnly)
            | Some(ErrorCode::SystemIoFailure)
            | Some(ErrorCode::CannotOpen) => StoreError::Io(e.to_string()),
            _ => StoreError::Sqlite(Box::new(e)),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What the device got when it enrolled.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Enrolment {
    pub server_url: String,
    pub device_id: uuid::Uuid,
    pub token: String,
    /// The Automerge actor bound to this device, hex.
    pub actor: String,
    pub officer_id: uuid::Uuid,
    pub officer_name: String,
    pub organisation: String,
    /// The name this phone was enrolled under, shown to the officer.
    #[serde(default)]
    pub device_name: String,
}

/// A sync request ready to send, and what it carries, so that the response
/// can acknowledge exactly those changes.
#[derive(Debug, Clone)]
pub struct OutgoingBatch {
    pub request: SyncRequest,
    /// Per document, the hashes of the changes sent.
    pub sent: HashMap<DocId, Vec<Vec<u8>>>,
    /// Some pending documents did not fit and wait for the next request.
    pub truncated: bool,
}

/// What applying a response did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    pub acknowledged: usize,
    pub rejected: usize,
    /// Documents whose changes arrived damaged: sent again next time.
    pub retried: usize,
    pub received_docs: usize,
    pub reset: bool,
}

/// One change in a record's history.
pub type HistoryEntry = shared::history::Edit;

/// How a record stands with the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordSync {
    Synced,
    Waiting(usize),
    Rejected { code: String, reason: String },
}

pub struct DeviceStore {
    conn: Connection,
}

impl std::fmt::Debug for DeviceStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceStore").finish_non_exhaustive()
    }
}

impl DeviceStore {
    pub fn open(path: &Path) -> Result<Self> {
        Self::init(Connection::open(path)?)
    }

    /// Opens the database encrypted with `key` (SQLCipher, AES-256). A
    /// wrong key fails here, with the file left untouched.
    pub fn open_encrypted(path: &Path, key: &[u8; 32]) -> Result<Self> {
        let conn = Connection::open(path)?;
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex::encode(key)))?;
        // SQLCipher checks the key on first read.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })?;
        Self::init(conn)
    }

    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Self> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")?;
        schema::migrate(&conn)?;
        Ok(DeviceStore { conn })
    }

    fn meta(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    fn set_meta(conn: &Connection, key: &str, value: &[u8]) -> Result<()> {
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            params![key, value],
        )?;
        Ok(())
    }

    pub fn enrolment(&self) -> Result<Option<Enrolment>> {
        Ok(self
            .meta("enrolment")?
            .and_then(|b| serde_json::from_slice(&b).ok()))
    }

    pub fn save_enrolment(&mut self, e: &Enrolment) -> Result<()> {
        let bytes = serde_json::to_vec(e).map_err(|e| StoreError::Io(e.to_string()))?;
        Self::set_meta(&self.conn, "enrolment", &bytes)
    }

    fn actor(&self) -> Result<ActorKey> {
        let e = self.enrolment()?.ok_or(StoreError::NotEnrolled)?;
        hex::decode(&e.actor)
            .map(ActorKey)
            .map_err(|_| StoreError::NotEnrolled)
    }

    pub fn cursor(&self) -> Result<Option<Cursor>> {
        Ok(self
            .meta("cursor")?
            .and_then(|b| ciborium::from_reader(b.as_slice()).ok()))
    }

    /// The document as stored, or none.
    pub fn doc(&self, id: DocId) -> Result<Option<Automerge>> {
        let (doc, chunks) = load_chunks(&self.conn, id)?;
        Ok((chunks > 0).then_some(doc))
    }

    pub fn record(&self, id: DocId) -> Result<Option<Record>> {
        match self.doc(id)? {
            Some(doc) => Ok(Some(read_record(&doc)?)),
            None => Ok(None),
        }
    }

    /// Ids of the documents held, of one kind or all, newest edit first.
    pub fn ids(&self, kind: Option<DocKind>) -> Result<Vec<DocId>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM docs WHERE (?1 IS NULL OR kind = ?1) ORDER BY updated_at DESC, id",
        )?;
        let rows = stmt.query_map([kind.map(|k| k.as_str())], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for r in rows {
            if let Some(id) = DocId::from_slice(&r?) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// Records of a kind that happened in `[from, to)`, newest first.
    pub fn ids_between(&self, kind: DocKind, from: Millis, to: Millis) -> Result<Vec<DocId>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM docs WHERE kind = ?1 AND happened_at >= ?2 AND happened_at < ?3 ORDER BY happened_at DESC",
        )?;
        let rows = stmt.query_map(params![kind.as_str(), from, to], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for r in rows {
            if let Some(id) = DocId::from_slice(&r?) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// The latest visit per hotspot, for the picker's "recent" order.
    pub fn last_visit_per_subject(&self) -> Result<HashMap<uuid::Uuid, Millis>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT subject, max(happened_at) FROM docs WHERE kind = 'visit' GROUP BY subject",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, Option<Vec<u8>>>(0)?, r.get::<_, Option<i64>>(1)?))
        })?;
        let mut out = HashMap::new();
        for row in rows {
            if let (Some(s), Some(t)) = row? {
                if let Ok(id) = uuid::Uuid::from_slice(&s) {
                    out.insert(id, t);
                }
            }
        }
        Ok(out)
    }

    /// Field records, newest first.
    pub fn field_records(&self, kind: Option<DocKind>, limit: usize) -> Result<Vec<RecordRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, happened_at, subject FROM docs WHERE kind IN ('visit', 'inspection', 'activity')
               AND (?1 IS NULL OR kind = ?1) ORDER BY happened_at DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![kind.map(|k| k.as_str()), limit as i64], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<Vec<u8>>>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kind, at, subject) = row?;
            if let (Some(id), Some(kind)) = (DocId::from_slice(&id), DocKind::parse(&kind)) {
                out.push(RecordRow {
                    id,
                    kind,
                    happened_at: at,
                    subject: subject.and_then(|s| uuid::Uuid::from_slice(&s).ok()),
                });
            }
        }
        Ok(out)
    }

    /// The record's edit history, read from the document itself: when, by
    /// which actor (hex), and the note of what changed.
    pub fn history(&self, id: DocId) -> Result<Vec<HistoryEntry>> {
        Ok(self
            .doc(id)?
            .map(|doc| shared::history::edit_history(&doc))
            .unwrap_or_default())
    }

    /// The actor this device writes with, hex.
    pub fn actor_hex(&self) -> Result<String> {
        Ok(self.enrolment()?.ok_or(StoreError::NotEnrolled)?.actor)
    }

    /// A small value kept on the device (e.g. the screen to reopen).
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .meta(&format!("setting:{key}"))?
            .map(|b| String::from_utf8_lossy(&b).into_owned()))
    }

    pub fn set_setting(&mut self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => Self::set_meta(&self.conn, &format!("setting:{key}"), v.as_bytes()),
            None => {
                self.conn.execute(
                    "DELETE FROM meta WHERE key = ?1",
                    [format!("setting:{key}")],
                )?;
                Ok(())
            }
        }
    }

    /// Changes waiting to be sent (not counting refused ones).
    pub fn pending_changes(&self) -> Result<usize> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM outbox WHERE state = 0", [], |r| {
                r.get::<_, i64>(0)
            })? as usize)
    }

    pub fn record_sync(&self, id: DocId) -> Result<RecordSync> {
        let rejected: Option<(Option<String>, Option<String>)> = self
            .conn
            .query_row(
                "SELECT rejected_code, rejected_reason FROM docs WHERE id = ?1",
                [id.as_bytes()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((Some(code), reason)) = rejected {
            return Ok(RecordSync::Rejected {
                code,
                reason: reason.unwrap_or_default(),
            });
        }
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE doc_id = ?1",
            [id.as_bytes()],
            |r| r.get(0),
        )?;
        Ok(if n == 0 {
            RecordSync::Synced
        } else {
            RecordSync::Waiting(n as usize)
        })
    }

    /// Creates a record as a new document; durable when this returns.
    pub fn create(&mut self, record: &Record, now: Millis) -> Result<DocId> {
        let id = DocId::random();
        self.write(id, None, now, Some("created"), |_| Ok(record.clone()))?;
        Ok(id)
    }

    /// Amends a record; durable when this returns. An edit that changes
    /// nothing writes nothing.
    pub fn update(
        &mut self,
        id: DocId,
        now: Millis,
        edit: impl FnOnce(&mut Record),
    ) -> Result<Record> {
        self.update_noted(id, now, None, edit)
    }

    /// Like [`DeviceStore::update`], with a note of what was changed (a
    /// field name), kept as the change's message for the record's history.
    pub fn update_noted(
        &mut self,
        id: DocId,
        now: Millis,
        note: Option<&str>,
        edit: impl FnOnce(&mut Record),
    ) -> Result<Record> {
        let (stored, chunks) = chunk_bytes(&self.conn, id)?;
        if chunks == 0 {
            return Err(StoreError::NoSuchRecord(id));
        }
        self.write(id, Some(stored), now, note, |doc| {
            let mut r = read_record(doc)?;
            edit(&mut r);
            Ok(r)
        })
    }

    fn write(
        &mut self,
        id: DocId,
        existing: Option<Vec<u8>>,
        now: Millis,
        note: Option<&str>,
        make: impl FnOnce(&AutoCommit) -> Result<Record>,
    ) -> Result<Record> {
        let actor = self.actor()?;
        let mut doc = match existing {
            // Loaded straight from the stored chunks, with our actor.
            Some(bytes) => AutoCommit::load(&bytes)?.with_actor(actor.to_actor()),
            None => AutoCommit::new().with_actor(actor.to_actor()),
        };
        let record = make(&doc)?;
        write_record(&mut doc, &record)?;
        let mut options = CommitOptions::default().with_time(now / 1000);
        if let Some(note) = note {
            options = options.with_message(note);
        }
        if doc.commit_with(options).is_none() {
            return Ok(record);
        }
        let change = doc
            .get_last_local_change()
            .ok_or(StoreError::NoSuchRecord(id))?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO chunks (doc_id, bytes) VALUES (?1, ?2)",
            params![id.as_bytes(), change.raw_bytes()],
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO outbox (hash, doc_id, bytes) VALUES (?1, ?2, ?3)",
            params![&change.hash().0[..], id.as_bytes(), change.raw_bytes()],
        )?;
        // An amendment sends the refused changes again with it: the fix
        // builds on them, and the server decides the document as a whole.
        tx.execute(
            "UPDATE outbox SET state = 0 WHERE doc_id = ?1",
            [id.as_bytes()],
        )?;
        let (happened_at, subject) = index_of(&record);
        tx.execute(
            "INSERT INTO docs (id, kind, updated_at, happened_at, subject) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, updated_at = excluded.updated_at,
                happened_at = excluded.happened_at, subject = excluded.subject,
                rejected_code = NULL, rejected_reason = NULL",
            params![id.as_bytes(), record.kind().as_str(), now, happened_at, subject],
        )?;
        tx.commit()?;
        Ok(record)
    }

    /// The next sync request: the cursor and every document with changes
    /// to send, up to about `max_bytes` of changes (at least one document).
    pub fn outgoing(&self, max_bytes: usize) -> Result<OutgoingBatch> {
        let mut docs_stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT doc_id FROM outbox WHERE state = 0 ORDER BY doc_id")?;
        let doc_ids: Vec<Vec<u8>> = docs_stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut changes_stmt = self
            .conn
            .prepare_cached("SELECT hash, bytes FROM outbox WHERE doc_id = ?1 ORDER BY seq")?;
        let mut docs = Vec::new();
        let mut sent = HashMap::new();
        let mut bytes = 0usize;
        let mut truncated = false;
        for raw in doc_ids {
            if bytes >= max_bytes && !docs.is_empty() {
                truncated = true;
                break;
            }
            let Some(id) = DocId::from_slice(&raw) else {
                continue;
            };
            let rows: Vec<(Vec<u8>, Vec<u8>)> = changes_stmt
                .query_map([&raw], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            bytes += rows.iter().map(|(_, b)| b.len()).sum::<usize>();
            sent.insert(id, rows.iter().map(|(h, _)| h.clone()).collect());
            docs.push(DocChanges {
                id: ByteBuf::from(raw),
                changes: rows.into_iter().map(|(_, b)| ByteBuf::from(b)).collect(),
            });
        }
        Ok(OutgoingBatch {
            request: SyncRequest {
                v: PROTOCOL_VERSION,
                cursor: self.cursor()?,
                docs,
            },
            sent,
            truncated,
        })
    }

    /// Applies the server's response to `batch`, in one transaction.
    pub fn apply(
        &mut self,
        batch: &OutgoingBatch,
        resp: &SyncResponse,
        now: Millis,
    ) -> Result<Applied> {
        let mut applied = Applied::default();
        let actor = self.actor()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if resp.reset {
            // The server lost part of its log (restored backup): queue every
            // change this device ever made, and start over from no cursor.
            requeue_own_changes(&tx, &actor)?;
            tx.execute("DELETE FROM meta WHERE key = 'cursor'", [])?;
            tx.commit()?;
            applied.reset = true;
            return Ok(applied);
        }
        for result in &resp.results {
            let Some(id) = DocId::from_slice(&result.id) else {
                continue;
            };
            let Some(hashes) = batch.sent.get(&id) else {
                continue;
            };
            match result.after() {
                AfterResult::Acknowledge => {
                    let mut del =
                        tx.prepare_cached("DELETE FROM outbox WHERE doc_id = ?1 AND hash = ?2")?;
                    for h in hashes {
                        applied.acknowledged += del.execute(params![id.as_bytes(), h])?;
                    }
                    tx.execute(
                        "UPDATE docs SET rejected_code = NULL, rejected_reason = NULL WHERE id = ?1",
                        [id.as_bytes()],
                    )?;
                }
                AfterResult::SendAgain => applied.retried += 1,
                AfterResult::HoldUntilAmended => {
                    applied.rejected += 1;
                    let mut mark = tx.prepare_cached(
                        "UPDATE outbox SET state = 1 WHERE doc_id = ?1 AND hash = ?2",
                    )?;
                    for h in hashes {
                        mark.execute(params![id.as_bytes(), h])?;
                    }
                    tx.execute(
                        "UPDATE docs SET rejected_code = ?2, rejected_reason = ?3 WHERE id = ?1",
                        params![
                            id.as_bytes(),
                            result.code.map(|c| c.as_str()).unwrap_or("rejected"),
                            result.message.clone().unwrap_or_default()
                        ],
                    )?;
                }
            }
        }
        for update in &resp.docs {
            let Some(id) = DocId::from_slice(&update.id) else {
                continue;
            };
            if receive_doc(&tx, id, &update.kind, &update.changes, now)? {
                applied.received_docs += 1;
            }
        }
        if let Some(c) = &resp.cursor {
            let mut bytes = Vec::new();
            ciborium::into_writer(c, &mut bytes).map_err(|e| StoreError::Io(e.to_string()))?;
            Self::set_meta(&tx, "cursor", &bytes)?;
        }
        tx.commit()?;
        Ok(applied)
    }

    /// Keeps the time and outcome of the last sync attempt, for the status
    /// line; the error is in plain words.
    pub fn note_sync_attempt(
        &mut self,
        now: Millis,
        error: Option<&crate::sync_client::SyncProblem>,
    ) -> Result<()> {
        Self::set_meta(&self.conn, "last_attempt_at", &now.to_le_bytes())?;
        match error {
            None => {
                Self::set_meta(&self.conn, "last_success_at", &now.to_le_bytes())?;
                self.conn
                    .execute("DELETE FROM meta WHERE key = 'last_error'", [])?;
            }
            Some(e) => {
                let json = serde_json::to_vec(e).map_err(|e| StoreError::Io(e.to_string()))?;
                Self::set_meta(&self.conn, "last_error", &json)?
            }
        }
        Ok(())
    }

    pub fn last_success_at(&self) -> Result<Option<Millis>> {
        Ok(self
            .meta("last_success_at")?
            .and_then(|b| b.try_into().ok())
            .map(i64::from_le_bytes))
    }

    /// Why the last attempt failed; none after a success (or for a note
    /// an older version of the app wrote, which the next attempt replaces).
    pub fn last_error(&self) -> Result<Option<crate::sync_client::SyncProblem>> {
        Ok(self
            .meta("last_error")?
            .and_then(|b| serde_json::from_slice(&b).ok()))
    }

    /// Folds a document's chunks into one saved chunk.
    pub fn compact(&mut self, id: DocId) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        compact_doc(&tx, id)?;
        tx.commit()?;
        Ok(())
    }

    /// Bytes the database takes on disk (pages in use).
    pub fn size_bytes(&self) -> Result<u64> {
        let pages = self.pragma_int("page_count")?;
        let free = self.pragma_int("freelist_count")?;
        let size = self.pragma_int("page_size")?;
        Ok(((pages - free) * size).max(0) as u64)
    }

    /// Lets the database grow no further, as if the disk were full. For
    /// tests of the full-disk path only.
    #[doc(hidden)]
    pub fn fill_disk_for_tests(&self) -> Result<()> {
        let pages = self.pragma_int("page_count")?;
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
        Ok(())
    }

    /// A numeric pragma. SQLCipher answers some (`page_size`) as text.
    fn pragma_int(&self, name: &str) -> Result<i64> {
        let v: rusqlite::types::Value =
            self.conn
                .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))?;
        Ok(match v {
            rusqlite::types::Value::Integer(i) => i,
            rusqlite::types::Value::Text(t) => t.trim().parse().unwrap_or(0),
            _ => 0,
        })
    }
}

/// When a record happened and what it is about, for the `docs` index.
fn index_of(record: &Record) -> (Option<Millis>, Option<Vec<u8>>) {
    match record {
        Record::PatrolVisit(v) => (Some(v.started_at), Some(v.hotspot_id.as_bytes().to_vec())),
        Record::Inspection(i) => (Some(i.started_at), Some(i.venue_id.as_bytes().to_vec())),
        Record::Activity(a) => {
            let fmt = time::macros::format_description!("[year]-[month]-[day]");
            let t = time::Date::parse(&a.date, &fmt)
                .ok()
                .map(|d| d.midnight().assume_utc().unix_timestamp() * 1000);
            (t, Some(a.initiative_id.as_bytes().to_vec()))
        }
        _ => (None, None),
    }
}

/// The document's stored chunks, concatenated (Automerge loads them as
/// one), and how many there are.
fn chunk_bytes(conn: &Connection, id: DocId) -> Result<(Vec<u8>, i64)> {
    let mut stmt = conn.prepare_cached("SELECT bytes FROM chunks WHERE doc_id = ?1 ORDER BY id")?;
    let mut rows = stmt.query([id.as_bytes()])?;
    let mut all = Vec::new();
    let mut n = 0;
    while let Some(r) = rows.next()? {
        n += 1;
        all.extend_from_slice(&r.get::<_, Vec<u8>>(0)?);
    }
    Ok((all, n))
}

fn load_chunks(conn: &Connection, id: DocId) -> Result<(Automerge, i64)> {
    let (all, n) = chunk_bytes(conn, id)?;
    let doc = if n == 0 {
        Automerge::new()
    } else {
        shared::chunks::load_document(&all).map_err(StoreError::Damaged)?
    };
    Ok((doc, n))
}

/// Stores the changes the server sent for one document, keeping only those
/// the device lacks. Returns whether anything was new.
fn receive_doc(
    conn: &Connection,
    id: DocId,
    kind: &str,
    changes: &[ByteBuf],
    now: Millis,
) -> Result<bool> {
    let (mut doc, chunks) = load_chunks(conn, id)?;
    let mut fresh = Vec::new();
    let mut new_bytes = Vec::new();
    for raw in changes {
        // A damaged change fails the whole response: the transaction rolls
        // back, the cursor stays, and the next sync fetches it again.
        // Skipping it would move the cursor past it for good.
        let Some(change) = shared::sync::changes::verified_change(raw) else {
            tracing::warn!(doc = %id, "the server's answer held a damaged change");
            return Err(StoreError::DamagedIncoming(id));
        };
        if doc.get_change_by_hash(&change.hash()).is_none()
            && !fresh.iter().any(|c: &Change| c.hash() == change.hash())
        {
            new_bytes.extend_from_slice(raw);
            fresh.push(change);
        }
    }
    if fresh.is_empty() {
        return Ok(false);
    }
    // Guarded: Automerge can panic on crafted changes; the response then
    // fails whole, like a damaged one.
    match shared::sync::changes::guarded(|| doc.apply_changes(fresh)) {
        Some(result) => result?,
        None => return Err(StoreError::DamagedIncoming(id)),
    }
    conn.execute(
        "INSERT INTO chunks (doc_id, bytes) VALUES (?1, ?2)",
        params![id.as_bytes(), new_bytes],
    )?;
    let kind = DocKind::parse(kind)
        .or_else(|| read_kind(&doc).ok())
        .map(|k| k.as_str());
    let (happened_at, subject) = read_record(&doc)
        .map(|r| index_of(&r))
        .unwrap_or((None, None));
    conn.execute(
        "INSERT INTO docs (id, kind, updated_at, happened_at, subject) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET kind = COALESCE(excluded.kind, kind), updated_at = excluded.updated_at,
            happened_at = excluded.happened_at, subject = excluded.subject",
        params![id.as_bytes(), kind, now, happened_at, subject],
    )?;
    if chunks + 1 > COMPACT_AFTER_CHUNKS {
        compact_doc(conn, id)?;
    }
    Ok(true)
}

fn compact_doc(conn: &Connection, id: DocId) -> Result<()> {
    let (doc, chunks) = load_chunks(conn, id)?;
    // A document waiting for changes it depends on would lose them in a
    // save; leave it as it is until they arrive.
    if chunks <= 1 || !doc.get_missing_deps(&[]).is_empty() {
        return Ok(());
    }
    let saved = doc.save();
    conn.execute("DELETE FROM chunks WHERE doc_id = ?1", [id.as_bytes()])?;
    conn.execute(
        "INSERT INTO chunks (doc_id, bytes) VALUES (?1, ?2)",
        params![id.as_bytes(), saved],
    )?;
    Ok(())
}

fn requeue_own_changes(conn: &Connection, actor: &ActorKey) -> Result<()> {
    let ids: Vec<Vec<u8>> = conn
        .prepare("SELECT id FROM docs")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let me = actor.to_actor();
    for raw in ids {
        let Some(id) = DocId::from_slice(&raw) else {
            continue;
        };
        let (doc, _) = load_chunks(conn, id)?;
        for change in doc.get_changes(&[]) {
            if change.actor_id() == &me {
                conn.execute(
                    "INSERT OR IGNORE INTO outbox (hash, doc_id, bytes) VALUES (?1, ?2, ?3)",
                    params![&change.hash().0[..], id.as_bytes(), change.raw_bytes()],
                )?;
            }
        }
    }
    Ok(())
}

/// One line of the record index: what "My records" lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordRow {
    pub id: DocId,
    pub kind: DocKind,
    /// When it happened, device time.
    pub happened_at: Option<Millis>,
    /// The hotspot, venue or initiative it is about.
    pub subject: Option<uuid::Uuid>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::domain::PatrolVisit;
    use shared::sync::wire::DocResult;

    fn enrolled(store: &mut DeviceStore) {
        store
            .save_enrolment(&Enrolment {
                server_url: "http://127.0.0.1:1".into(),
                device_id: uuid::Uuid::new_v4(),
                token: "t".into(),
                actor: hex::encode(ActorKey::random().0),
                officer_id: uuid::Uuid::new_v4(),
                officer_name: "Anna".into(),
                organisation: "police".into(),
                device_name: "test".into(),
            })
            .expect("enrol");
    }

    fn visit() -> Record {
        Record::PatrolVisit(PatrolVisit::new(
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4(),
            1_732_000_000_000,
        ))
    }

    fn ack(batch: &OutgoingBatch) -> SyncResponse {
        SyncResponse {
            v: 1,
            results: batch
                .request
                .docs
                .iter()
                .map(|d| DocResult {
                    id: d.id.clone(),
                    ok: true,
                    code: None,
                    message: None,
                })
                .collect(),
            docs: vec![],
            cursor: Some(Cursor {
                seq: 1,
                check: vec![0; 8],
            }),
            reset: false,
            more: false,
        }
    }

    #[test]
    fn an_edit_is_on_disk_when_the_call_returns() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("device.sqlite3");
        let id = {
            let mut s = DeviceStore::open(&path).expect("open");
            enrolled(&mut s);
            let id = s.create(&visit(), 1).expect("create");
            s.update(id, 2, |r| {
                if let Record::PatrolVisit(v) = r {
                    v.notes.update("gatlyktan är trasig");
                }
            })
            .expect("update");
            id
            // Dropped without any shutdown: like a killed app.
        };
        let s = DeviceStore::open(&path).expect("reopen");
        let Some(Record::PatrolVisit(v)) = s.record(id).expect("read") else {
            panic!("lost")
        };
        assert_eq!(v.notes.as_str(), "gatlyktan är trasig");
        assert_eq!(s.pending_changes().expect("count"), 2);
    }

    #[test]
    fn a_damaged_stored_document_is_an_error_not_a_crash() {
        // The crafted document on which Automerge's loader alone asks for
        // 4 GiB (found by cargo fuzz): stored beside a real record's chunks,
        // it is refused before Automerge parses it.
        let crafted = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fuzz/regressions/document/oom-7301ad695cc0f0e5d05e5e42afae7a5f8a0c9abc"
        ))
        .expect("the committed fuzz input");
        let mut s = DeviceStore::open_in_memory().expect("open");
        enrolled(&mut s);
        let id = s.create(&visit(), 1).expect("create");
        s.conn
            .execute(
                "INSERT INTO chunks (doc_id, bytes) VALUES (?1, ?2)",
                params![id.as_bytes(), crafted],
            )
            .expect("insert");
        assert!(
            matches!(s.record(id), Err(StoreError::Damaged(_))),
            "{:?}",
            s.record(id)
        );
    }

    #[test]
    fn an_acknowledgement_clears_only_what_was_sent() {
        let mut s = DeviceStore::open_in_memory().expect("open");
        enrolled(&mut s);
        let id = s.create(&visit(), 1).expect("create");
        let batch = s.outgoing(1 << 20).expect("batch");
        // An edit while the request is in flight must stay in the outbox.
        s.update(id, 2, |r| {
            if let Record::PatrolVisit(v) = r {
                v.officers_count = 3;
            }
        })
        .expect("update");
        let applied = s.apply(&batch, &ack(&batch), 3).expect("apply");
        assert_eq!(applied.acknowledged, 1);
        assert_eq!(s.pending_changes().expect("count"), 1);
        assert_eq!(s.record_sync(id).expect("state"), RecordSync::Waiting(1));
        assert_eq!(s.cursor().expect("cursor").map(|c| c.seq), Some(1));
    }

    #[test]
    fn a_no_op_edit_writes_nothing_and_compaction_keeps_the_record() {
        let mut s = DeviceStore::open_in_memory().expect("open");
        enrolled(&mut s);
        let id = s.create(&visit(), 1).expect("create");
        s.update(id, 2, |_| {}).expect("no-op");
        assert_eq!(s.pending_changes().expect("count"), 1);
        for n in 0..5 {
            s.update(id, 3 + n, |r| {
                if let Record::PatrolVisit(v) = r {
                    v.contacts.increment(1);
                }
            })
            .expect("tap");
        }
        let before = s.record(id).expect("read");
        s.compact(id).expect("compact");
        assert_eq!(s.record(id).expect("read"), before);
    }

    #[test]
    fn a_copied_database_without_the_key_reveals_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("device.sqlite3");
        let key = [7u8; 32];
        let note = "Kiosken vid Lilla torget hade trasig belysning";
        let id = {
            let mut s = DeviceStore::open_encrypted(&path, &key).expect("open");
            enrolled(&mut s);
            let id = s.create(&visit(), 1).expect("create");
            s.update(id, 2, |r| {
                if let Record::PatrolVisit(v) = r {
                    v.notes.update(note);
                }
            })
            .expect("update");
            id
        };
        let copy = dir.path().join("copy.sqlite3");
        std::fs::copy(&path, &copy).expect("copy");
        let mut bytes = std::fs::read(&copy).expect("read");
        if let Ok(wal) = std::fs::read(format!("{}-wal", path.display())) {
            bytes.extend(wal);
        }
        for needle in [
            note.as_bytes(),
            b"Kiosken",
            b"SQLite format 3",
            b"officer_name",
        ] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{:?} readable in the file",
                String::from_utf8_lossy(needle)
            );
        }
        assert!(
            DeviceStore::open_encrypted(&path, &[8u8; 32]).is_err(),
            "a wrong key opens nothing"
        );
        assert!(
            DeviceStore::open(&path).and_then(|s| s.record(id)).is_err(),
            "no key opens nothing"
        );
        let s = DeviceStore::open_encrypted(&path, &key).expect("reopen");
        let Some(Record::PatrolVisit(v)) = s.record(id).expect("read") else {
            panic!("lost")
        };
        assert_eq!(v.notes.as_str(), note);
    }

    #[test]
    fn editing_before_enrolment_is_refused() {
        let mut s = DeviceStore::open_in_memory().expect("open");
        assert!(matches!(
            s.create(&visit(), 1),
            Err(StoreError::NotEnrolled)
        ));
    }
}
