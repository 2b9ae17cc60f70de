//! Documents the server refused, kept with the reason so that coordinators
//! can see them and nothing an officer saved is silently dropped.

use rusqlite::{params, Connection};
use shared::domain::Millis;
use shared::sync::RejectCode;
use shared::{DocId, OfficerId};

use crate::error::Error;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Quarantined {
    pub id: i64,
    pub doc_id: String,
    pub device_id: String,
    pub received_at: Millis,
    pub code: String,
    pub reason: String,
    pub change_count: usize,
}

/// Keeps refused changes, as the device sent them, under the device and
/// officer that sent them (the syncing device, or the one that sent a held
/// change earlier).
#[allow(clippy::too_many_arguments)]
pub fn put_for(
    conn: &Connection,
    device_id: &str,
    officer: OfficerId,
    doc: DocId,
    code: RejectCode,
    reason: &str,
    changes: &[Vec<u8>],
    now: Millis,
) -> Result<(), Error> {
    let blob = shared::sync::wire::encode(
        &changes
            .iter()
            .map(|c| serde_bytes::ByteBuf::from(c.clone()))
            .collect::<Vec<_>>(),
    );
    conn.execute(
        "INSERT INTO quarantine (doc_id, device_id, officer_id, received_at, code, reason, changes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![doc.as_bytes(), device_id, officer.0.to_string(), now, code.as_str(), reason, blob],
    )?;
    Ok(())
}

pub fn list(conn: &Connection) -> Result<Vec<Quarantined>, Error> {
    let mut stmt = conn.prepare("SELECT id, doc_id, device_id, received_at, code, reason, changes FROM quarantine ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        let doc: Vec<u8> = r.get(1)?;
        let changes: Vec<u8> = r.get(6)?;
        let count = ciborium::from_reader::<Vec<serde_bytes::ByteBuf>, _>(changes.as_slice())
            .map(|v| v.len())
            .unwrap_or(0);
        Ok(Quarantined {
            id: r.get(0)?,
            doc_id: DocId::from_slice(&doc)
                .map(|d| d.to_string())
                .unwrap_or_else(|| "?".into()),
            device_id: r.get(2)?,
            received_at: r.get(3)?,
            code: r.get(4)?,
            reason: r.get(5)?,
            change_count: count,
        })
    })?;
    rows.collect::<Result<_, _>>().map_err(Error::from)
}
