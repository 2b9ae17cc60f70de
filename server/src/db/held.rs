//! Changes held for their dependencies (`shared::sync::push`, rule 5):
//! stored apart from the log, so that no device or page sees them until
//! their document is complete and accepted, and counted per device against
//! its quota.

use crate::db::sql::{params, Connection};
use automerge::{Change, ChangeHash};
use shared::domain::Millis;
use shared::sync::changes::CheckedChange;
use shared::sync::push::HeldChange;
use shared::{ActorKey, DocId, OfficerId};
use uuid::Uuid;

use super::identity::Device;
use crate::error::Error;

/// A held change with the device that sent it, as the quarantine needs it.
#[derive(Debug, Clone)]
pub struct HeldRow {
    pub held: HeldChange,
    pub device_id: String,
}

/// The changes held for a document.
pub fn of_doc(conn: &Connection, id: DocId) -> Result<Vec<HeldRow>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT bytes, officer_id, device_id FROM held_changes WHERE doc_id = ?1 ORDER BY received_at, hash",
    )?;
    let rows: Vec<(Vec<u8>, String, String)> = stmt
        .query_map([id.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(bytes, officer, device_id)| {
            // These bytes passed the checks when they were held; failing
            // now means the file was damaged.
            let change = Change::from_bytes(bytes).map_err(|e| {
                Error::Internal(format!("a held change of {id} does not parse: {e}"))
            })?;
            let officer = Uuid::parse_str(&officer).map_err(Error::internal)?;
            Ok(HeldRow {
                held: HeldChange {
                    change: CheckedChange {
                        hash: change.hash().0,
                        actor: ActorKey::from_actor(change.actor_id()),
                        change,
                    },
                    officer: OfficerId(officer),
                },
                device_id,
            })
        })
        .collect()
}

/// Bytes of changes a device has held on the server.
pub fn bytes_of_device(conn: &Connection, device: Uuid) -> Result<usize, Error> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(sum(length(bytes)), 0) FROM held_changes WHERE device_id = ?1",
        )?
        .query_row([device.to_string()], |r| r.get(0))?;
    Ok(n.max(0) as usize)
}

pub fn put(
    conn: &Connection,
    id: DocId,
    device: &Device,
    changes: &[CheckedChange],
    now: Millis,
) -> Result<(), Error> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO held_changes (doc_id, hash, device_id, officer_id, bytes, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
    )?;
    for c in changes {
        stmt.execute(params![
            id.as_bytes(),
            &c.hash[..],
            device.id.to_string(),
            device.officer.0.to_string(),
            c.change.raw_bytes(),
            now
        ])?;
    }
    Ok(())
}

/// Removes held changes of a document: released into the log, or refused.
pub fn remove(conn: &Connection, id: DocId, hashes: &[ChangeHash]) -> Result<(), Error> {
    for h in hashes {
        conn.execute_pipelined(
            "DELETE FROM held_changes WHERE doc_id = ?1 AND hash = ?2",
            params![id.as_bytes(), &h.0[..]],
        )?;
    }
    Ok(())
}
