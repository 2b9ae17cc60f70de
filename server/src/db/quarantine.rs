//! Documents the server refused, kept with the reason so that coordinators
//! can see them and nothing an officer saved is silently dropped.

use crate::db::sql::{params, Connection};
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
/// change earlier). Past the device's quota
/// (`shared::sync::push::quarantine_keeps_changes`) the refusal is kept
/// without its changes, which stay on the phone.
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
    let used: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(sum(length(changes)), 0) FROM quarantine WHERE device_id = ?1",
        )?
        .query_row([device_id], |r| r.get(0))?;
    let bytes: usize = changes.iter().map(Vec::len).sum();
    let keep =
        shared::sync::push::quarantine_keeps_changes(usize::try_from(used).unwrap_or(0), bytes);
    let kept: Vec<serde_bytes::ByteBuf> = if keep {
        changes
            .iter()
            .map(|c| serde_bytes::ByteBuf::from(c.clone()))
            .collect()
    } else {
        tracing::warn!(
            device = device_id,
            "quarantine quota reached: a refusal kept without its changes"
        );
        Vec::new()
    };
    let blob = shared::sync::wire::encode(&kept);
    let reason = if keep {
        reason.to_string()
    } else {
        format!(
            "{reason} [changes not kept: the device's quarantine is full; they stay on the phone]"
        )
    };
    conn.execute(
        "INSERT INTO quarantine (doc_id, device_id, officer_id, received_at, code, reason, changes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![doc.as_bytes(), device_id, officer.0.to_string(), now, code.as_str(), reason, blob],
    )?;
    Ok(())
}

/// The quarantined documents: every one, or (`municipality`) those sent
/// by officers who work in it.
pub fn list(
    conn: &Connection,
    municipality: Option<shared::MunicipalityId>,
) -> Result<Vec<Quarantined>, Error> {
    let mut stmt = conn.prepare(
        "SELECT id, doc_id, device_id, received_at, code, reason, changes FROM quarantine q
          WHERE ?1 IS NULL OR EXISTS (SELECT 1 FROM officer_municipalities om
                                       WHERE om.officer_id = q.officer_id AND om.municipality_id = ?1)
          ORDER BY id",
    )?;
    let rows = stmt.query_map([municipality.map(|m| m.0.to_string())], |r| {
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
    rows.collect::<Result<_, _>>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::sync::push::MAX_QUARANTINED_BYTES_PER_DEVICE;

    #[test]
    fn a_device_past_its_quota_leaves_only_the_fact_of_a_refusal() {
        let conn = Connection::open_in_memory().expect("memory db");
        crate::db::schema::migrate(&conn).expect("schema");
        let officer = OfficerId(uuid::Uuid::new_v4());
        let change = vec![7u8; 500 * 1000];
        let put = |device: &str, n: u8| {
            put_for(
                &conn,
                device,
                officer,
                DocId(uuid::Uuid::from_bytes([n; 16])),
                RejectCode::Invalid,
                "invalid",
                std::slice::from_ref(&change),
                0,
            )
            .expect("put");
        };
        // Each blob is the change and a few bytes of CBOR around it.
        let fits = MAX_QUARANTINED_BYTES_PER_DEVICE / (change.len() + 16);
        for n in 0..fits + 3 {
            put("flooder", n as u8);
        }
        put("colleague", 200);
        let bytes = |device: &str| -> i64 {
            conn.query_row(
                "SELECT sum(length(changes)) FROM quarantine WHERE device_id = ?1",
                [device],
                |r| r.get(0),
            )
            .expect("sum")
        };
        assert!(bytes("flooder") <= (MAX_QUARANTINED_BYTES_PER_DEVICE + 64 * (fits + 3)) as i64);
        assert!(
            bytes("colleague") > change.len() as i64,
            "another device keeps its own"
        );
        let rows = list(&conn, None).expect("list");
        assert_eq!(rows.len(), fits + 4, "every refusal is recorded");
        let dropped: Vec<_> = rows.iter().filter(|r| r.change_count == 0).collect();
        assert_eq!(dropped.len(), 3);
        assert!(dropped
            .iter()
            .all(|r| r.reason.contains("stay on the phone")));
    }
}
