//! A record the coordinators redacted (`shared::redaction`): the phone
//! drops the old epoch's history, keeps its own unsent edits apart, takes
//! the new epoch when it arrives, and replays the edits on it. An edit the
//! redaction clashes with becomes a conflict the officer decides.
//!
//! The tables: `doc_epochs` (each redacted document's epoch and redacted
//! paths; kept while the document is dropped and not yet back),
//! `unsent_edits` (the stash, `UnsentEdits::to_bytes`), `conflicts`.

use automerge::{transaction::CommitOptions, AutoCommit, ChangeHash};
use rusqlite::{params, Connection, OptionalExtension as _};
use shared::domain::Millis;
use shared::record::read_record;
use shared::redaction::{join_paths, replay, split_paths, unsent_edits, UnsentEdits};
use shared::{ActorKey, DocId};

use super::chunks::{chunk_bytes, load_chunks};
use super::index::index_of;
use super::{DeviceStore, Result};

/// The note the replayed edits carry in the record's history.
const REPLAY_NOTE: &str = "edits replayed after a redaction";

/// An edit the officer made offline that a redaction clashed with: the
/// officer's text, not written into the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub id: i64,
    pub doc_id: DocId,
    /// The field's path (`notes`, `findings`, `checklist.<item>.comment`).
    pub path: String,
    pub mine: String,
}

/// The document's epoch on this phone and the paths redacted in it.
pub(super) fn local_epoch(conn: &Connection, id: DocId) -> Result<(u32, Vec<String>)> {
    Ok(conn
        .prepare_cached("SELECT epoch, redacted FROM doc_epochs WHERE doc_id = ?1")?
        .query_row([id.as_bytes()], |r| {
            Ok((r.get::<_, u32>(0)?, r.get::<_, String>(1)?))
        })
        .optional()?
        .map(|(e, p)| (e, split_paths(&p)))
        .unwrap_or((0, Vec::new())))
}

/// Records that the phone is at `epoch` of the document, with `redacted`
/// added to the paths it knows were redacted.
pub(super) fn set_epoch(
    conn: &Connection,
    id: DocId,
    epoch: u32,
    redacted: &[String],
) -> Result<()> {
    let (_, mut paths) = local_epoch(conn, id)?;
    for p in redacted {
        if !paths.contains(p) {
            paths.push(p.clone());
        }
    }
    conn.execute(
        "INSERT INTO doc_epochs (doc_id, epoch, redacted) VALUES (?1, ?2, ?3)
         ON CONFLICT (doc_id) DO UPDATE SET epoch = excluded.epoch, redacted = excluded.redacted",
        params![id.as_bytes(), epoch, join_paths(&paths)],
    )?;
    Ok(())
}

/// Drops the document's history on this phone (chunks, outbox, index
/// row), keeping the values its unsent changes made in the stash. Returns
/// whether the phone held it. A stash already there (a second redaction
/// before the first was replayed) keeps its entries; newer ones join it.
pub(super) fn stash_and_drop(conn: &Connection, id: DocId) -> Result<bool> {
    let (_, chunks) = chunk_bytes(conn, id)?;
    if chunks == 0 {
        return Ok(false);
    }
    let (doc, _) = load_chunks(conn, id)?;
    let unsent: Vec<ChangeHash> = conn
        .prepare_cached("SELECT hash FROM outbox WHERE doc_id = ?1")?
        .query_map([id.as_bytes()], |r| r.get::<_, Vec<u8>>(0))?
        .filter_map(|h| h.ok().and_then(|h| ChangeHash::try_from(h.as_slice()).ok()))
        .collect();
    if !unsent.is_empty() {
        let mut edits = unsent_edits(&doc, &unsent);
        if let Some(before) = stashed(conn, id)? {
            for (path, edit) in before.edits {
                edits.edits.entry(path).or_insert(edit);
            }
        }
        if !edits.is_empty() {
            conn.execute(
                "INSERT OR REPLACE INTO unsent_edits (doc_id, edits) VALUES (?1, ?2)",
                params![id.as_bytes(), edits.to_bytes()],
            )?;
        }
    }
    for sql in [
        "DELETE FROM chunks WHERE doc_id = ?1",
        "DELETE FROM outbox WHERE doc_id = ?1",
        "DELETE FROM docs WHERE id = ?1",
    ] {
        conn.prepare_cached(sql)?.execute([id.as_bytes()])?;
    }
    Ok(true)
}

fn stashed(conn: &Connection, id: DocId) -> Result<Option<UnsentEdits>> {
    let bytes: Option<Vec<u8>> = conn
        .prepare_cached("SELECT edits FROM unsent_edits WHERE doc_id = ?1")?
        .query_row([id.as_bytes()], |r| r.get(0))
        .optional()?;
    Ok(bytes.and_then(|b| UnsentEdits::from_bytes(&b)))
}

/// Once the new epoch is here: the stashed edits written onto it as one
/// change of this phone's (to send), the clashing ones kept as conflicts.
/// Returns how many conflicts arose. Nothing happens while the document
/// has not arrived.
pub(super) fn replay_stash(
    conn: &Connection,
    id: DocId,
    actor: &ActorKey,
    now: Millis,
) -> Result<usize> {
    let Some(edits) = stashed(conn, id)? else {
        return Ok(0);
    };
    let (bytes, chunks) = chunk_bytes(conn, id)?;
    if chunks == 0 {
        return Ok(0);
    }
    let (_, redacted) = local_epoch(conn, id)?;
    let mut doc = AutoCommit::load(&bytes)?.with_actor(actor.to_actor());
    let conflicts = replay(&mut doc, &edits, &redacted)?;
    let options = CommitOptions::default()
        .with_time(now / 1000)
        .with_message(REPLAY_NOTE);
    if doc.commit_with(options).is_some() {
        if let Some(change) = doc.get_last_local_change() {
            conn.execute(
                "INSERT INTO chunks (doc_id, bytes) VALUES (?1, ?2)",
                params![id.as_bytes(), change.raw_bytes()],
            )?;
            conn.execute(
                "INSERT OR IGNORE INTO outbox (hash, doc_id, bytes) VALUES (?1, ?2, ?3)",
                params![&change.hash().0[..], id.as_bytes(), change.raw_bytes()],
            )?;
        }
        if let Ok(record) = read_record(doc.document()) {
            let (happened_at, subject) = index_of(&record);
            conn.execute(
                "UPDATE docs SET happened_at = ?2, subject = ?3, updated_at = ?4 WHERE id = ?1",
                params![id.as_bytes(), happened_at, subject, now],
            )?;
        }
    }
    for c in &conflicts {
        conn.execute(
            "INSERT INTO conflicts (doc_id, path, mine, at) VALUES (?1, ?2, ?3, ?4)",
            params![id.as_bytes(), c.path, c.mine, now],
        )?;
    }
    conn.execute(
        "DELETE FROM unsent_edits WHERE doc_id = ?1",
        [id.as_bytes()],
    )?;
    Ok(conflicts.len())
}

/// Everything of a redaction an erased record leaves behind.
pub(super) fn forget(conn: &Connection, id: DocId) -> Result<()> {
    for sql in [
        "DELETE FROM doc_epochs WHERE doc_id = ?1",
        "DELETE FROM unsent_edits WHERE doc_id = ?1",
        "DELETE FROM conflicts WHERE doc_id = ?1",
    ] {
        conn.prepare_cached(sql)?.execute([id.as_bytes()])?;
    }
    Ok(())
}

impl DeviceStore {
    /// The redaction ledger's position this phone has carried out.
    pub fn redacted_since(&self) -> Result<u64> {
        Ok(self
            .meta("redacted_since")?
            .and_then(|b| b.as_slice().try_into().ok().map(u64::from_le_bytes))
            .unwrap_or(0))
    }

    /// The document's epoch on this phone (0: never redacted).
    pub fn epoch(&self, id: DocId) -> Result<u32> {
        Ok(local_epoch(&self.conn, id)?.0)
    }

    /// The edits a redaction clashed with, oldest first.
    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, doc_id, path, mine FROM conflicts ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (cid, raw, path, mine) = row?;
            if let Some(doc_id) = DocId::from_slice(&raw) {
                out.push(Conflict {
                    id: cid,
                    doc_id,
                    path,
                    mine,
                });
            }
        }
        Ok(out)
    }

    /// The officer has decided a conflict: `keep` writes their text into
    /// the field again (their deliberate act, sent like any edit); else it
    /// is thrown away. Either way the conflict is gone.
    pub fn resolve_conflict(&mut self, conflict_id: i64, keep: bool, now: Millis) -> Result<()> {
        let Some(c) = self.conflicts()?.into_iter().find(|c| c.id == conflict_id) else {
            return Ok(());
        };
        if keep {
            let path = c.path.clone();
            let text = c.mine.clone();
            if let Some(field) = shared::redaction::Field::parse(&path) {
                self.update_noted(c.doc_id, now, Some("text written again"), move |r| {
                    field.set(r, &text);
                })?;
            }
        }
        self.conn
            .execute("DELETE FROM conflicts WHERE id = ?1", [conflict_id])?;
        // The text may hold what was redacted: its pages were zeroed as
        // they were freed; the WAL's copies go too.
        self.scrub();
        Ok(())
    }
}
