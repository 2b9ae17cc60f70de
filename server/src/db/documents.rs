//! The documents themselves: the change log, the per-document row, and who
//! may read each one. A document is rebuilt from its changes whenever the
//! server needs its content; the log is the truth. Only accepted documents
//! have a row and changes in the log (held changes wait in `held.rs`).

use std::collections::HashSet;

use automerge::{Automerge, Change};
use rusqlite::{params, Connection, OptionalExtension};
use shared::access::{readers, DocState, Readers};
use shared::domain::Millis;
use shared::sync::changes::CheckedChange;
use shared::sync::cursor::{next_check, GENESIS};
use shared::{DocId, DocKind, OfficerId};
use uuid::Uuid;

use crate::error::Error;

/// The server's row for an accepted document, with its participants.
#[derive(Debug, Clone)]
pub struct StoredDoc {
    pub state: DocState,
    pub first_received_at: Millis,
}

fn parse_officer(s: Option<String>) -> Result<Option<OfficerId>, Error> {
    s.map(|s| Uuid::parse_str(&s).map(OfficerId).map_err(Error::internal))
        .transpose()
}

/// The server's knowledge of an accepted document, or none if it has
/// never accepted it.
pub fn stored(conn: &Connection, id: DocId) -> Result<Option<StoredDoc>, Error> {
    let row: Option<(String, Option<String>, Millis)> = conn
        .query_row(
            "SELECT kind, owner, first_received_at FROM docs WHERE id = ?1",
            [id.as_bytes()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((kind, owner, first_received_at)) = row else {
        return Ok(None);
    };
    let kind = DocKind::parse(&kind)
        .ok_or_else(|| Error::Internal(format!("stored document {id} has kind {kind:?}")))?;
    Ok(Some(StoredDoc {
        state: DocState {
            kind,
            owner: parse_officer(owner)?,
            participants: participants(conn, id)?,
        },
        first_received_at,
    }))
}

/// The participants the accepted record names (the owner is a reader too,
/// but not a participant).
pub fn participants(conn: &Connection, id: DocId) -> Result<Vec<Uuid>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT officer_id FROM doc_access WHERE doc_id = ?1 AND participant = 1 ORDER BY officer_id",
    )?;
    let ids = stmt.query_map([id.as_bytes()], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for s in ids {
        out.push(Uuid::parse_str(&s?).map_err(Error::internal)?);
    }
    Ok(out)
}

/// The raw changes of a document in log order.
pub fn change_bytes(conn: &Connection, id: DocId) -> Result<Vec<Vec<u8>>, Error> {
    let mut stmt =
        conn.prepare_cached("SELECT bytes FROM changes WHERE doc_id = ?1 ORDER BY seq")?;
    let rows = stmt.query_map([id.as_bytes()], |r| r.get::<_, Vec<u8>>(0))?;
    rows.collect::<Result<_, _>>().map_err(Error::from)
}

/// Rebuilds a document from its stored changes.
pub fn load(conn: &Connection, id: DocId) -> Result<Automerge, Error> {
    let mut doc = Automerge::new();
    let mut changes = Vec::new();
    for bytes in change_bytes(conn, id)? {
        // These bytes parsed when they were accepted; failing now means the
        // file was damaged, which the operator must hear about.
        changes.push(
            Change::from_bytes(bytes).map_err(|e| {
                Error::Internal(format!("stored change of {id} does not parse: {e}"))
            })?,
        );
    }
    doc.apply_changes(changes)
        .map_err(|e| Error::Internal(format!("stored changes of {id} do not apply: {e}")))?;
    Ok(doc)
}

/// The log's last position and check value.
pub fn head(conn: &Connection) -> Result<(u64, Vec<u8>), Error> {
    let row: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, chain FROM changes ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row
        .map(|(s, c)| (s as u64, c))
        .unwrap_or((0, GENESIS.to_vec())))
}

/// The check value at a position, if the log reaches that far.
pub fn check_at(conn: &Connection, seq: u64) -> Result<Option<Vec<u8>>, Error> {
    if seq == 0 {
        return Ok(Some(GENESIS.to_vec()));
    }
    Ok(conn
        .query_row(
            "SELECT chain FROM changes WHERE seq = ?1",
            [seq as i64],
            |r| r.get(0),
        )
        .optional()?)
}

/// Appends new changes to the log.
pub fn append_changes(
    conn: &Connection,
    id: DocId,
    changes: &[CheckedChange],
    now: Millis,
) -> Result<(), Error> {
    let (_, mut check) = head(conn)?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO changes (doc_id, hash, actor, bytes, received_at, chain) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for c in changes {
        check = next_check(&check, &c.hash).to_vec();
        stmt.execute(params![
            id.as_bytes(),
            &c.hash[..],
            &c.actor.0,
            c.change.raw_bytes(),
            now,
            &check
        ])?;
    }
    Ok(())
}

/// Creates or updates an accepted document's row and who may read it. The
/// owner and first-received time are set once and never change.
pub fn upsert(
    conn: &Connection,
    id: DocId,
    state: &DocState,
    first_received_at: Millis,
    now: Millis,
) -> Result<(), Error> {
    let readers = readers(state);
    conn.execute(
        "INSERT INTO docs (id, kind, owner, first_received_at, last_changed_at, every_device) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, last_changed_at = excluded.last_changed_at, every_device = excluded.every_device",
        params![
            id.as_bytes(),
            state.kind.as_str(),
            state.owner.map(|o| o.0.to_string()),
            first_received_at,
            now,
            readers == Readers::EveryDevice
        ],
    )?;
    let (head, _) = head(conn)?;
    set_readers(conn, id, state, &readers, head)
}

/// Makes the document's reader rows match what `access::readers` decided:
/// the outgoing query selects by these rows, never by its own rule.
/// Officers added now get `granted_seq` (the log's head when a record
/// changes), so that their next sync brings the whole document.
fn set_readers(
    conn: &Connection,
    id: DocId,
    state: &DocState,
    readers: &Readers,
    granted_seq: u64,
) -> Result<(), Error> {
    let wanted: Vec<(OfficerId, bool)> = match readers {
        Readers::EveryDevice => Vec::new(),
        Readers::Officers(list) => list
            .iter()
            .map(|o| (*o, state.participants.contains(&o.0)))
            .collect(),
    };
    let mut stmt =
        conn.prepare_cached("SELECT officer_id, participant FROM doc_access WHERE doc_id = ?1")?;
    let current: Vec<(String, bool)> = stmt
        .query_map([id.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let current: HashSet<(String, bool)> = current.into_iter().collect();
    let wanted_set: HashSet<(String, bool)> =
        wanted.iter().map(|(o, p)| (o.0.to_string(), *p)).collect();
    if current == wanted_set {
        return Ok(());
    }
    for (officer, participant) in wanted_set.difference(&current) {
        conn.execute(
            "INSERT INTO doc_access (doc_id, officer_id, granted_seq, participant) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (doc_id, officer_id) DO UPDATE SET participant = excluded.participant",
            params![id.as_bytes(), officer, granted_seq as i64, participant],
        )?;
    }
    let wanted_officers: HashSet<&String> = wanted_set.iter().map(|(o, _)| o).collect();
    for (officer, _) in current.iter() {
        if !wanted_officers.contains(officer) {
            conn.execute(
                "DELETE FROM doc_access WHERE doc_id = ?1 AND officer_id = ?2",
                params![id.as_bytes(), officer],
            )?;
        }
    }
    Ok(())
}

/// Recomputes every document's readers from its stored state: run once
/// when the store is upgraded to reader rows (schema version 4). The
/// owners' devices already hold their records, so nothing is resent.
pub fn refresh_readers(conn: &Connection) -> Result<usize, Error> {
    let ids: Vec<Vec<u8>> = conn
        .prepare("SELECT id FROM docs ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for raw in &ids {
        let id = DocId::from_slice(raw)
            .ok_or_else(|| Error::internal("a stored document id is not 16 bytes"))?;
        let Some(stored) = stored(conn, id)? else {
            continue;
        };
        let readers = readers(&stored.state);
        conn.execute(
            "UPDATE docs SET every_device = ?2 WHERE id = ?1",
            params![id.as_bytes(), readers == Readers::EveryDevice],
        )?;
        set_readers(conn, id, &stored.state, &readers, 0)?;
    }
    Ok(ids.len())
}
