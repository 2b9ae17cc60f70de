//! Erasure of whole field records (`shared::erasure` decides what may be
//! erased and whether the figures stay): the ledger, carrying an erasure
//! out in the store, and what each phone is told.
//!
//! **The ledger** (`erasures.sqlite3`, beside the store, attached to every
//! connection as `ledger`) lists every erasure: the record's id and kind,
//! when, by whom, why, the case number. Nothing of the record's content.
//! An erasure is written to the ledger and committed (its own connection,
//! fsynced) *before* the store is touched, so a crash in between leaves an
//! erasure that `carry_out_pending` finishes, never a record gone without
//! the phones being told. Because the ledger is its own file, a store
//! restored from a backup taken before an erasure meets the ledger at open
//! and the erasure is carried out again before the first request is
//! answered (`Db::open`); docs/privacy.md says what an operator restores.
//!
//! **Carrying out** (in the writer's transaction): the document, its
//! readers, held and quarantined changes, and uncounted row leave; its log
//! rows keep only their position and check value (the phones' cursors
//! stand on them) with the bytes, actor and hash gone; its follow-up rows
//! leave too, unless `shared::erasure::keeps_figures`, when they stay
//! anonymised (`kept_rows`: a new random id, no officer, no time of day, no
//! free text) so a closed quarter's report does not change.

use crate::db::sql::{params, Connection, OptionalExtension as _};
use shared::domain::Millis;
use shared::erasure::{keeps_figures, kept_instant, ErasureReason};
use shared::{DocId, DocKind};

use crate::error::Error;

/// The ledger's file name in the data directory.
pub const LEDGER_FILE: &str = "erasures.sqlite3";

pub const LEDGER_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS erasures (
    seq         INTEGER PRIMARY KEY,
    doc_id      BLOB NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    case_number TEXT,
    erased_by   TEXT NOT NULL,
    erased_at   INTEGER NOT NULL
) STRICT;";

/// Who erased: a coordinator (their id) or the retention job.
pub const BY_RETENTION_JOB: &str = "retention";

/// One erasure, as the ledger keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Erasure {
    pub doc_id: DocId,
    pub kind: DocKind,
    pub reason: ErasureReason,
    pub case_number: Option<String>,
    pub erased_by: String,
    pub erased_at: Millis,
}

/// Opens the ledger for writing, creating it if needed.
pub fn open_ledger(path: &std::path::Path) -> Result<Connection, Error> {
    let conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA secure_delete = ON;",
    )?;
    let conn = Connection::from(conn);
    conn.execute_batch(LEDGER_SCHEMA)?;
    conn.execute_batch(super::redaction::LEDGER_SCHEMA)?;
    super::redaction::forget_erased(&conn)?;
    Ok(conn)
}

/// Writes an erasure to the ledger (committed on return). Returns its
/// position; an erasure already there keeps its first entry.
pub fn record(ledger: &Connection, e: &Erasure) -> Result<u64, Error> {
    ledger.execute(
        "INSERT INTO erasures (doc_id, kind, reason, case_number, erased_by, erased_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        params![
            e.doc_id.as_bytes(),
            e.kind.as_str(),
            e.reason.as_str(),
            e.case_number,
            e.erased_by,
            e.erased_at
        ],
    )?;
    // The record's redactions go with it: their bases hold its content.
    ledger.execute(
        "DELETE FROM redactions WHERE doc_id = ?1",
        [e.doc_id.as_bytes()],
    )?;
    let seq: i64 = ledger.query_row(
        "SELECT seq FROM erasures WHERE doc_id = ?1",
        [e.doc_id.as_bytes()],
        |r| r.get(0),
    )?;
    Ok(seq as u64)
}

/// Whether `id` is in the ledger (read through the attached ledger).
pub fn is_erased(conn: &Connection, id: DocId) -> Result<bool, Error> {
    conn.prepare_cached("SELECT 1 FROM ledger.erasures WHERE doc_id = ?1")?
        .exists([id.as_bytes()])
}

/// The ids erased after ledger position `since`, at most `limit`, and the
/// position they reach (`since` when there are none).
pub fn since(conn: &Connection, since: u64, limit: usize) -> Result<(Vec<DocId>, u64), Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, doc_id FROM ledger.erasures WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let mut ids = Vec::new();
    let mut to = since;
    for row in stmt.query_map(params![since as i64, limit as i64], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
    })? {
        let (seq, id) = row?;
        to = seq as u64;
        if let Some(id) = DocId::from_slice(&id) {
            ids.push(id);
        }
    }
    Ok((ids, to))
}

/// The ledger's last position: where a newly enrolled phone starts (it
/// holds nothing erased before).
pub fn head(conn: &Connection) -> Result<u64, Error> {
    let seq: Option<i64> =
        conn.query_row("SELECT max(seq) FROM ledger.erasures", [], |r| r.get(0))?;
    Ok(seq.unwrap_or(0).max(0) as u64)
}

/// One ledger entry read back.
fn entry(r: &crate::db::sql::Row) -> Result<Option<Erasure>, Error> {
    let id: Vec<u8> = r.get(0)?;
    let kind: String = r.get(1)?;
    let reason: String = r.get(2)?;
    Ok(Some(Erasure {
        doc_id: match DocId::from_slice(&id) {
            Some(id) => id,
            None => return Ok(None),
        },
        kind: match DocKind::parse(&kind) {
            Some(k) => k,
            None => return Ok(None),
        },
        reason: match ErasureReason::parse(&reason) {
            Some(r) => r,
            None => return Ok(None),
        },
        case_number: r.get(3)?,
        erased_by: r.get(4)?,
        erased_at: r.get(5)?,
    }))
}

/// Ledger entries whose record the store still holds something of: a
/// store restored from an older backup, or a crash between the ledger's
/// commit and the store's.
pub fn pending(conn: &Connection) -> Result<Vec<Erasure>, Error> {
    let mut stmt = conn.prepare(
        "SELECT e.doc_id, e.kind, e.reason, e.case_number, e.erased_by, e.erased_at
           FROM ledger.erasures e
          WHERE EXISTS (SELECT 1 FROM docs d WHERE d.id = e.doc_id)
             OR EXISTS (SELECT 1 FROM changes c WHERE c.doc_id = e.doc_id AND length(c.bytes) > 0)
             OR EXISTS (SELECT 1 FROM held_changes h WHERE h.doc_id = e.doc_id)
             OR EXISTS (SELECT 1 FROM quarantine q WHERE q.doc_id = e.doc_id)
          ORDER BY e.seq",
    )?;
    let rows = stmt.query_map([], entry)?;
    let mut out = Vec::new();
    for r in rows {
        if let Some(e) = r? {
            out.push(e);
        }
    }
    Ok(out)
}

/// Every pending erasure carried out; returns how many.
pub fn carry_out_pending(conn: &Connection) -> Result<usize, Error> {
    let pending = pending(conn)?;
    for e in &pending {
        carry_out(conn, e)?;
    }
    Ok(pending.len())
}

/// When the record happened, from its follow-up row: the instant the
/// figure rule judges by. None when it counts nowhere (a draft, a
/// discarded record, or one never projected).
fn counted_at(conn: &Connection, kind: DocKind, id: &str) -> Result<Option<Millis>, Error> {
    let sql = match kind {
        DocKind::PatrolVisit => "SELECT started_at FROM patrol_visits WHERE doc_id = ?1",
        DocKind::Inspection => "SELECT started_at FROM inspections WHERE doc_id = ?1",
        DocKind::Activity => {
            let date: Option<String> = conn
                .prepare_cached("SELECT date FROM activities WHERE doc_id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?;
            return Ok(date
                .and_then(|d| shared::local_time::day_of_date(&d))
                .map(|day| shared::local_time::day_bounds(day).0));
        }
        _ => return Ok(None),
    };
    conn.prepare_cached(sql)?
        .query_row([id], |r| r.get(0))
        .optional()
}

/// Carries out one erasure in the store (the writer's transaction).
/// Idempotent: carrying out an erasure twice changes nothing more.
pub fn carry_out(conn: &Connection, e: &Erasure) -> Result<(), Error> {
    let id_text = e.doc_id.to_string();
    let id = e.doc_id.as_bytes().to_vec();
    let at = counted_at(conn, e.kind, &id_text)?;
    if at.is_some_and(|at| keeps_figures(e.reason, at, e.erased_at)) {
        keep_figures(conn, e.kind, &id_text, e.erased_at)?;
    }
    for table in [
        "patrol_visits",
        "inspections",
        "inspection_findings",
        "activities",
        "uncounted_records",
    ] {
        // Table names are the constants above, never input.
        conn.prepare_cached(&format!("DELETE FROM {table} WHERE doc_id = ?1"))?
            .execute([&id_text])?;
    }
    // The log keeps each position and its check value, which the phones'
    // cursors stand on; the change itself is gone. The hash is replaced
    // by random bytes: it is unique in the table, and the real one would
    // let anyone holding a guess of the change confirm it.
    conn.prepare_cached(&format!(
        "UPDATE changes SET bytes = ?2, actor = ?2, hash = {}
          WHERE doc_id = ?1 AND length(bytes) > 0",
        conn.random_32_bytes()
    ))?
    .execute(params![id, Vec::<u8>::new()])?;
    for sql in [
        "DELETE FROM docs WHERE id = ?1",
        "DELETE FROM doc_access WHERE doc_id = ?1",
        "DELETE FROM held_changes WHERE doc_id = ?1",
        "DELETE FROM quarantine WHERE doc_id = ?1",
    ] {
        conn.prepare_cached(sql)?.execute([&id])?;
    }
    if e.kind == DocKind::Inspection {
        super::venue_list::changed(conn)?;
    }
    Ok(())
}

/// Keeps a record's follow-up rows as anonymous figures: a fresh id that
/// leads nowhere, no officer, the start of the day for every time, no
/// received time; the checklist answers stay (no comment text is in them).
fn keep_figures(conn: &Connection, kind: DocKind, id: &str, now: Millis) -> Result<(), Error> {
    let kept = uuid::Uuid::new_v4().to_string();
    match kind {
        DocKind::PatrolVisit => {
            let started: Millis = conn.query_row(
                "SELECT started_at FROM patrol_visits WHERE doc_id = ?1",
                [id],
                |r| r.get(0),
            )?;
            let day = kept_instant(started);
            conn.execute(
                "UPDATE patrol_visits SET doc_id = ?2, owner = NULL, started_at = ?3,
                        ended_at = ?3 + coalesce(duration_s, 0) * 1000,
                        inside_at_start = NULL, inside_at_end = NULL, received_at = ?3
                  WHERE doc_id = ?1",
                params![id, kept, day],
            )?;
        }
        DocKind::Inspection => {
            let started: Millis = conn.query_row(
                "SELECT started_at FROM inspections WHERE doc_id = ?1",
                [id],
                |r| r.get(0),
            )?;
            let day = kept_instant(started);
            conn.execute(
                "UPDATE inspections SET doc_id = ?2, owner = NULL, started_at = ?3,
                        ended_at = ?3, received_at = ?3
                  WHERE doc_id = ?1",
                params![id, kept, day],
            )?;
            conn.execute(
                "UPDATE inspection_findings SET doc_id = ?2 WHERE doc_id = ?1",
                params![id, kept],
            )?;
        }
        DocKind::Activity => {
            conn.execute(
                "UPDATE activities SET doc_id = ?2, owner = NULL, received_at = 0 WHERE doc_id = ?1",
                params![id, kept],
            )?;
        }
        _ => return Ok(()),
    }
    conn.execute(
        "INSERT INTO kept_rows (doc_id, kind, kept_at) VALUES (?1, ?2, ?3)",
        params![kept, kind.as_str(), now],
    )?;
    Ok(())
}

/// After a batch of erasures: the freed pages were zeroed as they were
/// freed (`secure_delete`); the WAL, which still holds the old pages, is
/// checkpointed into the file and truncated, and free pages given back to
/// the file system where the store allows it (`auto_vacuum`). A reader
/// holding an old snapshot can keep the WAL from being truncated: the next
/// batch or the nightly job tries again.
pub fn scrub(conn: &Connection) -> Result<(), Error> {
    if conn.is_postgres() {
        // PostgreSQL frees dead rows with its own VACUUM (autovacuum);
        // docs/operations.md says what an operator does about the bytes
        // of erased records in its files and WAL archive.
        return Ok(());
    }
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    conn.execute_batch("PRAGMA incremental_vacuum;")?;
    Ok(())
}

/// How many records of the follow-up are kept figures of erased records,
/// in `[start, end)`: the report says so.
pub fn kept_in(
    conn: &Connection,
    municipality: shared::MunicipalityId,
    start: Millis,
    end: Millis,
) -> Result<u64, Error> {
    let (first, end_date) = (
        shared::local_time::format_date(start),
        shared::local_time::format_date(end),
    );
    let n: i64 = conn.query_row(
        "SELECT (SELECT count(*) FROM patrol_visits p JOIN kept_rows k ON k.doc_id = p.doc_id
                  WHERE p.municipality = ?5 AND p.started_at >= ?1 AND p.started_at < ?2)
              + (SELECT count(*) FROM inspections i JOIN kept_rows k ON k.doc_id = i.doc_id
                  WHERE i.municipality = ?5 AND i.started_at >= ?1 AND i.started_at < ?2)
              + (SELECT count(*) FROM activities a JOIN kept_rows k ON k.doc_id = a.doc_id
                  WHERE a.municipality = ?5 AND a.date >= ?3 AND a.date < ?4)",
        params![start, end, first, end_date, municipality.0.to_string()],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}
