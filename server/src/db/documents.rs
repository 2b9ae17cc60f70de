//! The documents themselves: the change log, the per-document row, and who
//! has been given access. A document is rebuilt from its changes whenever
//! the server needs its content; the log is the truth.

use std::collections::HashSet;

use automerge::{Automerge, Change};
use rusqlite::{params, Connection, OptionalExtension};
use shared::access::DocState;
use shared::domain::Millis;
use shared::sync::changes::CheckedChange;
use shared::sync::cursor::{next_check, GENESIS};
use shared::{DocId, DocKind, OfficerId};
use uuid::Uuid;

use crate::error::Error;

/// The server's row for a document, with its participants.
#[derive(Debug, Clone)]
pub struct StoredDoc {
    pub state: Option<DocState>,
    pub owner: Option<OfficerId>,
    pub first_received_at: Millis,
}

fn parse_officer(s: Option<String>) -> Result<Option<OfficerId>, Error> {
    s.map(|s| Uuid::parse_str(&s).map(OfficerId).map_err(Error::internal))
        .transpose()
}

/// The server's knowledge of a document, or none if it has never seen it.
/// `state` is none while the document is incomplete (see `ingest`).
pub fn stored(conn: &Connection, id: DocId) -> Result<Option<StoredDoc>, Error> {
    let row: Option<(Option<String>, Option<String>, Millis, bool)> = conn
        .query_row(
            "SELECT kind, owner, first_received_at, complete FROM docs WHERE id = ?1",
            [id.as_bytes()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((kind, owner, first_received_at, complete)) = row else {
        return Ok(None);
    };
    let owner = parse_officer(owner)?;
    let kind = kind.as_deref().and_then(DocKind::parse);
    let state = match (kind, complete) {
        (Some(kind), true) => Some(DocState {
            kind,
            owner,
            participants: participants(conn, id)?,
        }),
        _ => None,
    };
    Ok(Some(StoredDoc {
        state,
        owner,
        first_received_at,
    }))
}

pub fn participants(conn: &Connection, id: DocId) -> Result<Vec<Uuid>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT officer_id FROM doc_access WHERE doc_id = ?1 ORDER BY officer_id",
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

/// Which of these change hashes the server already holds.
pub fn known_hashes<'a>(
    conn: &Connection,
    hashes: impl IntoIterator<Item = &'a [u8; 32]>,
) -> Result<HashSet<[u8; 32]>, Error> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM changes WHERE hash = ?1")?;
    let mut known = HashSet::new();
    for h in hashes {
        if stmt.exists([&h[..]])? {
            known.insert(*h);
        }
    }
    Ok(known)
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

/// Creates or updates the document's row. The owner and first-received
/// time are set once, on first receipt, and never change.
pub fn upsert(
    conn: &Connection,
    id: DocId,
    kind: Option<DocKind>,
    owner: Option<OfficerId>,
    complete: bool,
    now: Millis,
) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO docs (id, kind, owner, first_received_at, last_changed_at, complete) VALUES (?1, ?2, ?3, ?4, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET kind = COALESCE(excluded.kind, kind), last_changed_at = excluded.last_changed_at, complete = excluded.complete",
        params![id.as_bytes(), kind.map(|k| k.as_str()), owner.map(|o| o.0.to_string()), now, complete],
    )?;
    Ok(())
}

/// Makes the access list match the record's participants. Officers added
/// now get `granted_seq` = the log's head, so their next sync brings the
/// whole document.
pub fn set_access(conn: &Connection, id: DocId, participants: &[Uuid]) -> Result<(), Error> {
    let current: HashSet<Uuid> = self::participants(conn, id)?.into_iter().collect();
    let wanted: HashSet<Uuid> = participants.iter().copied().collect();
    let (head, _) = head(conn)?;
    for added in wanted.difference(&current) {
        conn.execute(
            "INSERT INTO doc_access (doc_id, officer_id, granted_seq) VALUES (?1, ?2, ?3)",
            params![id.as_bytes(), added.to_string(), head as i64],
        )?;
    }
    for removed in current.difference(&wanted) {
        conn.execute(
            "DELETE FROM doc_access WHERE doc_id = ?1 AND officer_id = ?2",
            params![id.as_bytes(), removed.to_string()],
        )?;
    }
    Ok(())
}
