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

mod chunks;
mod edits;
mod index;
mod rebase;
mod schema;
mod sync_apply;

pub use index::RecordRow;
pub use rebase::Conflict;
pub use sync_apply::Lease;

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use shared::domain::Millis;
use shared::sync::{Cursor, SyncRequest};
use shared::{ActorKey, DocId};

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
    /// Where the erasure ledger stood when the phone enrolled (its first
    /// `erased_since`); 0 for a phone enrolled before erasure existed,
    /// which is then told of every erasure once.
    #[serde(default)]
    pub erasures_from: u64,
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
    /// Records the coordinators erased that this phone held, now deleted.
    pub erased: usize,
    /// Records whose old history was dropped for a redaction's new epoch.
    pub rebased: usize,
    /// Unsent edits a redaction clashed with, now conflicts.
    pub conflicts: usize,
    /// Hotspots, venues and plans of a municipality the officer no longer
    /// works in, deleted.
    pub withdrawn: usize,
}

/// One change in a record's history.
pub type HistoryEntry = shared::history::Edit;

/// How a record stands with the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordSync {
    Synced,
    Waiting(usize),
    /// Refused by the server: its code, its message (English, for logs)
    /// and, for an invalid record, the problems to word for the officer.
    Rejected {
        code: String,
        reason: String,
        problems: Vec<shared::sync::wire::WireProblem>,
    },
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
        // secure_delete: an erased record's pages are zeroed as they are
        // freed, not left readable in the file (`forget`).
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;",
        )?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use shared::domain::PatrolVisit;
    use shared::record::Record;
    use shared::sync::wire::DocResult;
    use shared::sync::SyncResponse;

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
                erasures_from: 0,
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
            venues: None,
            erased: Vec::new(),
            erased_to: None,
            redacted: Vec::new(),
            redacted_to: None,
            lease_days: None,
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
                    problems: Vec::new(),
                })
                .collect(),
            docs: vec![],
            cursor: Some(Cursor {
                seq: 1,
                check: vec![0; 8],
            }),
            reset: false,
            more: false,
            works_in: None,
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
    fn a_batch_stops_at_the_protocols_document_limit() {
        let mut s = DeviceStore::open_in_memory().expect("open");
        enrolled(&mut s);
        let max = shared::sync::wire::MAX_DOCS_PER_REQUEST;
        for n in 0..max + 20 {
            s.create(&visit(), n as i64).expect("create");
        }
        // Plenty of bytes allowed: the document count cuts the batch.
        let batch = s.outgoing(1 << 30).expect("batch");
        assert_eq!(batch.request.docs.len(), max);
        assert!(batch.truncated, "the device knows to send again");
        let applied = s.apply(&batch, &ack(&batch), 1).expect("apply");
        assert_eq!(applied.acknowledged, max);
        assert_eq!(s.outgoing(1 << 30).expect("rest").request.docs.len(), 20);
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
