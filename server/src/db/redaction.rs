//! Redaction of one field (`shared::redaction` decides which fields and
//! builds the new epoch): the ledger of redactions, installing an epoch in
//! the store, and what each phone is told.
//!
//! **The ledger** is the erasure ledger's file (`erasures.sqlite3`), table
//! `redactions`: per redaction the record, its new epoch, the paths, why,
//! the case number, who and when, and the epoch's *base* change (the
//! record's state with the paths emptied: it holds none of the redacted
//! text). It is committed before the store is touched; a store restored
//! from an older backup meets it at open and installs the epoch again from
//! the stored base (`carry_out_pending`), so the phones that already hold
//! that epoch keep building on the very same change. An erasure removes
//! the record's redactions from the ledger with it.
//!
//! **Installing an epoch** (in the writer's transaction): every logged
//! change of the record keeps only its position and check value (as an
//! erased record's: the phones' cursors stand on them), its held and
//! quarantined changes leave (they may carry the text, and build on the
//! old history), the epoch's changes enter the log (as the server's, so
//! that they reach their authors' devices too), and the record is
//! projected again from them.

use crate::db::sql::{params, Connection, OptionalExtension as _};
use automerge::Automerge;
use shared::domain::Millis;
use shared::redaction::{join_paths, split_paths, RedactionReason};
use shared::sync::changes::parse_changes;
use shared::{DocId, DocKind, OfficerId};

use crate::error::Error;

pub const LEDGER_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS redactions (
    seq         INTEGER PRIMARY KEY,
    doc_id      BLOB NOT NULL,
    epoch       INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    owner       TEXT,
    paths       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    case_number TEXT,
    redacted_by TEXT NOT NULL,
    redacted_at INTEGER NOT NULL,
    base        BLOB NOT NULL,
    UNIQUE (doc_id, epoch)
) STRICT;";

/// One redaction, as the ledger keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Redaction {
    pub doc_id: DocId,
    pub epoch: u32,
    pub kind: DocKind,
    pub owner: Option<OfficerId>,
    pub paths: Vec<String>,
    pub reason: RedactionReason,
    pub case_number: Option<String>,
    pub redacted_by: String,
    pub redacted_at: Millis,
    /// The epoch's history (`shared::redaction::new_epoch`: a saved
    /// document, none of the redacted values in it).
    pub base: Vec<u8>,
}

/// Writes a redaction to the ledger (the ledger's own connection; the
/// caller commits). Returns its position.
pub fn record(ledger: &Connection, r: &Redaction) -> Result<u64, Error> {
    // A redaction built again (the record changed before it was
    // installed) replaces its first, never-installed entry.
    ledger.execute(
        "DELETE FROM redactions WHERE doc_id = ?1 AND epoch = ?2",
        params![r.doc_id.as_bytes(), r.epoch],
    )?;
    let seq: i64 = ledger.query_row(
        "INSERT INTO redactions (doc_id, epoch, kind, owner, paths, reason, case_number,
                                 redacted_by, redacted_at, base)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING seq",
        params![
            r.doc_id.as_bytes(),
            r.epoch,
            r.kind.as_str(),
            r.owner.map(|o| o.0.to_string()),
            join_paths(&r.paths),
            r.reason.as_str(),
            r.case_number,
            r.redacted_by,
            r.redacted_at,
            r.base
        ],
        |row| row.get(0),
    )?;
    Ok(seq as u64)
}

/// The records redacted after ledger position `since` with their epochs,
/// at most `limit`, and the position reached (`since` when none).
pub fn since(
    conn: &Connection,
    since: u64,
    limit: usize,
) -> Result<(Vec<(DocId, u32)>, u64), Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, doc_id, epoch FROM ledger.redactions WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let mut out = Vec::new();
    let mut to = since;
    for row in stmt.query_map(params![since as i64, limit as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, u32>(2)?,
        ))
    })? {
        let (seq, id, epoch) = row?;
        to = seq as u64;
        if let Some(id) = DocId::from_slice(&id) {
            out.push((id, epoch));
        }
    }
    Ok((out, to))
}

/// The position of the document's last logged change (0: none): a
/// redaction built from the document is installed only if it is unchanged.
pub fn last_seq(conn: &Connection, id: DocId) -> Result<i64, Error> {
    conn.prepare_cached("SELECT COALESCE(max(seq), 0) FROM changes WHERE doc_id = ?1")?
        .query_row([id.as_bytes()], |r| r.get(0))
}

/// The document's epoch and every path redacted in it; `(0, [])` for one
/// never redacted (or not held).
pub fn epoch_of(conn: &Connection, id: DocId) -> Result<(u32, Vec<String>), Error> {
    let row: Option<(u32, String)> = conn
        .prepare_cached("SELECT epoch, redacted FROM docs WHERE id = ?1")?
        .query_row([id.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row
        .map(|(e, p)| (e, split_paths(&p)))
        .unwrap_or((0, Vec::new())))
}

fn entry(r: &crate::db::sql::Row) -> Result<Option<Redaction>, Error> {
    let id: Vec<u8> = r.get(0)?;
    let kind: String = r.get(2)?;
    let owner: Option<String> = r.get(3)?;
    let paths: String = r.get(4)?;
    let reason: String = r.get(5)?;
    let (Some(doc_id), Some(kind), Some(reason)) = (
        DocId::from_slice(&id),
        DocKind::parse(&kind),
        RedactionReason::parse(&reason),
    ) else {
        return Ok(None);
    };
    Ok(Some(Redaction {
        doc_id,
        epoch: r.get(1)?,
        kind,
        owner: owner
            .and_then(|o| uuid::Uuid::parse_str(&o).ok())
            .map(OfficerId),
        paths: split_paths(&paths),
        reason,
        case_number: r.get(6)?,
        redacted_by: r.get(7)?,
        redacted_at: r.get(8)?,
        base: r.get::<_, Option<Vec<u8>>>(9)?.unwrap_or_default(),
    }))
}

/// Ledger redactions the store has not installed: the latest epoch of each
/// record that is not erased and that the store holds at an older epoch,
/// or not at all (a store restored from a backup older than the record).
pub fn pending(conn: &Connection) -> Result<Vec<Redaction>, Error> {
    let mut stmt = conn.prepare(
        "SELECT r.doc_id, r.epoch, r.kind, r.owner, r.paths, r.reason, r.case_number,
                r.redacted_by, r.redacted_at, r.base
           FROM ledger.redactions r
          WHERE r.epoch = (SELECT max(epoch) FROM ledger.redactions x WHERE x.doc_id = r.doc_id)
            AND NOT EXISTS (SELECT 1 FROM ledger.erasures e WHERE e.doc_id = r.doc_id)
            AND COALESCE((SELECT d.epoch FROM docs d WHERE d.id = r.doc_id), -1) < r.epoch
          ORDER BY r.seq",
    )?;
    let rows = stmt.query_map([], entry)?;
    let mut out = Vec::new();
    for r in rows {
        if let Some(r) = r? {
            out.push(r);
        }
    }
    Ok(out)
}

/// Every pending redaction installed; returns how many.
pub fn carry_out_pending(conn: &Connection, now: Millis) -> Result<usize, Error> {
    let pending = pending(conn)?;
    for r in &pending {
        install(conn, r, now)?;
    }
    Ok(pending.len())
}

/// Installs a redaction's epoch in the store (the writer's transaction).
pub fn install(conn: &Connection, r: &Redaction, now: Millis) -> Result<(), Error> {
    let id = r.doc_id.as_bytes().to_vec();
    let raw = shared::redaction::epoch_changes(&r.base)
        .ok_or_else(|| Error::internal("a redaction's epoch does not load"))?;
    let mut base = parse_changes(&raw)
        .map_err(|_| Error::internal("a redaction's epoch has a change that does not parse"))?;
    // The epoch's changes keep their authors' actors, but the server wrote
    // them: logged as the server's, so that every reader gets them, the
    // authors' own devices too (a device is never sent what it sent).
    let server = super::reference::server_actor(conn)?;
    for c in &mut base {
        c.actor = server.clone();
    }
    let mut doc = Automerge::new();
    doc.apply_changes(base.iter().map(|c| c.change.clone()))
        .map_err(|e| Error::Internal(format!("a redaction's base does not apply: {e}")))?;
    let record = shared::record::read_record(&doc)
        .map_err(|e| Error::Internal(format!("a redaction's base is not a record: {e}")))?;
    let (_, mut paths) = epoch_of(conn, r.doc_id)?;
    for p in &r.paths {
        if !paths.contains(p) {
            paths.push(p.clone());
        }
    }
    // As an erasure empties the log rows: position and check stay, the
    // hash becomes random (it is unique in the table, and the real one
    // would confirm a guess of the change).
    conn.prepare_cached(&format!(
        "UPDATE changes SET bytes = ?2, actor = ?2, hash = {}
          WHERE doc_id = ?1 AND length(bytes) > 0",
        conn.random_32_bytes()
    ))?
    .execute(params![id, Vec::<u8>::new()])?;
    for sql in [
        "DELETE FROM held_changes WHERE doc_id = ?1",
        "DELETE FROM quarantine WHERE doc_id = ?1",
    ] {
        conn.prepare_cached(sql)?.execute([&id])?;
    }
    super::documents::append_changes(conn, r.doc_id, &base, now)?;
    let stored = super::documents::stored(conn, r.doc_id)?;
    let first = stored
        .as_ref()
        .map(|s| s.first_received_at)
        .unwrap_or(r.redacted_at);
    let owner = stored.and_then(|s| s.state.owner).or(r.owner);
    // Its follow-up rows are there (or were): replaced, never only added.
    let before = match epoch_row_missing(conn, r.doc_id)? {
        true => super::ingest::Before::MaybeRows,
        false => super::ingest::Before::Accepted,
    };
    let municipality = super::projection::municipality_of(conn, &record);
    super::ingest::accept(
        conn,
        r.doc_id,
        &record,
        owner,
        municipality,
        before,
        first,
        now,
    )?;
    conn.prepare_cached("UPDATE docs SET epoch = ?2, redacted = ?3 WHERE id = ?1")?
        .execute(params![id, r.epoch, join_paths(&paths)])?;
    Ok(())
}

fn epoch_row_missing(conn: &Connection, id: DocId) -> Result<bool, Error> {
    Ok(!conn
        .prepare_cached("SELECT 1 FROM docs WHERE id = ?1")?
        .exists([id.as_bytes()])?)
}

/// The redactions of erased records leave the ledger: their bases hold
/// the record's content. Run on the ledger's own connection, with each
/// erasure and at open (for a ledger written before this rule).
pub fn forget_erased(ledger: &Connection) -> Result<usize, Error> {
    ledger.execute(
        "DELETE FROM redactions WHERE doc_id IN (SELECT doc_id FROM erasures)",
        [],
    )
}

/// The redactions of one record, newest first, for its page: epoch, paths,
/// reason, case number, who, when.
pub fn of_record(conn: &Connection, id: DocId) -> Result<Vec<Redaction>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT doc_id, epoch, kind, owner, paths, reason, case_number, redacted_by, redacted_at, NULL
           FROM ledger.redactions WHERE doc_id = ?1 ORDER BY epoch DESC",
    )?;
    // The page needs no base: none is read.
    let rows = stmt.query_map([id.as_bytes()], entry)?;
    let mut out = Vec::new();
    for r in rows {
        if let Some(r) = r? {
            out.push(r);
        }
    }
    Ok(out)
}
