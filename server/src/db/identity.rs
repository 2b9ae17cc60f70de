//! Officers, their enrolled devices and the one-time enrolment codes.
//!
//! A device is enrolled once, online, with a code a coordinator created for
//! an officer. It receives a bearer token, which the server keeps only as a
//! SHA-256 hash, and an Automerge actor id bound to it: the only actor the
//! device may write with. Revoking a device makes its token fail at once;
//! what it sent before stays.

use crate::db::sql::{params, Connection, OptionalExtension};
use rand::{rngs::OsRng, RngCore};
use sha2::{Digest, Sha256};
use shared::domain::{Millis, Organisation};
use shared::{ActorKey, OfficerId};
use uuid::Uuid;

use crate::error::Error;

/// How long an enrolment code stays valid.
pub const CODE_TTL_MS: Millis = 24 * 60 * 60 * 1000;
/// Letters and digits that cannot be mistaken for each other when read
/// aloud or typed with gloves (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// An enrolled device, as the sync handler sees it.
#[derive(Debug, Clone)]
pub struct Device {
    pub id: Uuid,
    pub officer: OfficerId,
    pub actor: ActorKey,
}

/// What a device receives when it enrols.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Enrolled {
    pub device_id: Uuid,
    pub token: String,
    /// The device's Automerge actor id, hex.
    pub actor: String,
    pub officer_id: Uuid,
    pub officer_name: String,
    pub organisation: String,
    /// The erasure ledger's position now: a new phone holds nothing erased
    /// before it, so its first `erased_since` starts here.
    pub erasures_from: u64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceInfo {
    pub id: Uuid,
    pub officer_name: String,
    pub name: String,
    pub enrolled_at: Millis,
    pub last_sync_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
}

pub fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A fresh secret (a device token, a session, a CSRF token): 32 random
/// bytes from the operating system, as hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Codes are typed by people: ignore case, spaces and dashes.
fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Finds the officer with this display name, or adds one.
pub fn officer_by_name(
    conn: &Connection,
    name: &str,
    organisation: Organisation,
    now: Millis,
) -> Result<OfficerId, Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::BadRequest {
            code: shared::sync::ErrorCode::BadName,
            message: "an officer's name must be 1 to 200 characters".into(),
        });
    }
    if let Some(id) = officer_named(conn, name)? {
        return Ok(id);
    }
    let id = Uuid::new_v4();
    conn.execute(
        "INSERT INTO officers (id, display_name, organisation, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![id.to_string(), name, organisation.as_str(), now],
    )?;
    super::municipalities::place_new_officer(conn, OfficerId(id))?;
    super::reference::publish_directory(conn, now)?;
    Ok(OfficerId(id))
}

/// The officer of this display name, if there is one.
pub fn officer_named(conn: &Connection, name: &str) -> Result<Option<OfficerId>, Error> {
    let existing: Option<String> = conn
        .query_row(
            "SELECT id FROM officers WHERE display_name = ?1",
            [name.trim()],
            |r| r.get(0),
        )
        .optional()?;
    existing
        .map(|id| Uuid::parse_str(&id).map(OfficerId).map_err(Error::internal))
        .transpose()
}

/// Creates a one-time enrolment code for an officer and returns it; only
/// its hash is stored.
pub fn create_enrolment_code(
    conn: &Connection,
    officer: OfficerId,
    now: Millis,
) -> Result<String, Error> {
    let mut raw = [0u8; 12];
    OsRng.fill_bytes(&mut raw);
    let chars: String = raw
        .iter()
        .map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char)
        .collect();
    let code = format!("{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..12]);
    conn.execute(
        "INSERT INTO enrolment_codes (code_hash, officer_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![hash_secret(&normalise_code(&code)), officer.0.to_string(), now, now + CODE_TTL_MS],
    )?;
    Ok(code)
}

/// Spends an enrolment code: creates the device, its token and its actor.
pub fn enrol(
    conn: &Connection,
    code: &str,
    device_name: &str,
    now: Millis,
) -> Result<Enrolled, Error> {
    let device_name = device_name.trim();
    if device_name.is_empty() || device_name.chars().count() > 100 {
        return Err(Error::BadRequest {
            code: shared::sync::ErrorCode::BadDeviceName,
            message: "the device name must be 1 to 100 characters".into(),
        });
    }
    let code_hash = hash_secret(&normalise_code(code));
    let row: Option<(String, Millis, Option<Millis>)> = conn
        .query_row(
            "SELECT officer_id, expires_at, used_at FROM enrolment_codes WHERE code_hash = ?1",
            [&code_hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let officer_id = match row {
        Some((officer, expires, None)) if expires > now => officer,
        _ => return Err(Error::BadEnrolmentCode),
    };
    conn.execute(
        "UPDATE enrolment_codes SET used_at = ?1 WHERE code_hash = ?2",
        params![now, code_hash],
    )?;
    let (officer_name, organisation): (String, String) = conn.query_row(
        "SELECT display_name, organisation FROM officers WHERE id = ?1",
        [&officer_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let token = random_token();
    let actor = ActorKey::random();
    let device_id = Uuid::new_v4();
    conn.execute(
        "INSERT INTO devices (id, officer_id, name, token_hash, actor, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![device_id.to_string(), officer_id, device_name, hash_secret(&token), actor.0, now],
    )?;
    super::reference::publish_directory(conn, now)?;
    Ok(Enrolled {
        device_id,
        token,
        actor: hex::encode(&actor.0),
        officer_id: Uuid::parse_str(&officer_id).map_err(Error::internal)?,
        officer_name,
        organisation,
        erasures_from: super::erasure::head(conn)?,
    })
}

/// The device a bearer token belongs to, if it is enrolled and not revoked.
pub fn device_for_token(conn: &Connection, token: &str) -> Result<Device, Error> {
    let row: Option<(String, String, Vec<u8>, Option<Millis>)> = conn
        .query_row(
            "SELECT id, officer_id, actor, revoked_at FROM devices WHERE token_hash = ?1",
            [hash_secret(token)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    match row {
        Some((id, officer, actor, None)) => Ok(Device {
            id: Uuid::parse_str(&id).map_err(Error::internal)?,
            officer: OfficerId(Uuid::parse_str(&officer).map_err(Error::internal)?),
            actor: ActorKey(actor),
        }),
        // Told apart from an unknown token so that the phone wipes its
        // records (docs/privacy.md): a revoked token was a real device.
        Some((.., Some(_))) => Err(Error::Revoked),
        None => Err(Error::Unauthorized),
    }
}

pub fn touch(conn: &Connection, device: Uuid, now: Millis) -> Result<(), Error> {
    conn.execute_pipelined(
        "UPDATE devices SET last_sync_at = ?1 WHERE id = ?2",
        params![now, device.to_string()],
    )
}

/// Revokes a device; returns false if there is no such device.
pub fn revoke(conn: &Connection, device: Uuid, now: Millis) -> Result<bool, Error> {
    let n = conn.execute(
        "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2",
        params![now, device.to_string()],
    )?;
    Ok(n == 1)
}

/// Every enrolled device, or (`officers`) those of these officers.
pub fn list_devices(
    conn: &Connection,
    officers: Option<&[OfficerId]>,
) -> Result<Vec<DeviceInfo>, Error> {
    let mut stmt = conn.prepare(
        "SELECT d.id, o.display_name, d.name, d.enrolled_at, d.last_sync_at, d.revoked_at, o.id
           FROM devices d JOIN officers o ON o.id = d.officer_id ORDER BY o.display_name, d.enrolled_at",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, officer_name, name, enrolled_at, last_sync_at, revoked_at, officer) = row?;
        let officer = OfficerId(Uuid::parse_str(&officer).map_err(Error::internal)?);
        if officers.is_some_and(|list| !list.contains(&officer)) {
            continue;
        }
        out.push(DeviceInfo {
            id: Uuid::parse_str(&id).map_err(Error::internal)?,
            officer_name,
            name,
            enrolled_at,
            last_sync_at,
            revoked_at,
        });
    }
    Ok(out)
}
