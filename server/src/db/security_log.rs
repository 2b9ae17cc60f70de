//! The security log: sign-ins, failures, waits and sign-outs, with the
//! user name as typed, the source address and the time; never a password.
//! Coordinators read it on the pages; it keeps
//! `shared::sign_in::SECURITY_LOG_DAYS` days.

use crate::db::sql::{params, Connection};
use shared::domain::Millis;
use shared::sign_in::{SecurityEvent, SECURITY_LOG_DAYS};

use crate::error::Error;

/// One event as the page shows it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub at: Millis,
    pub event: SecurityEvent,
    pub username: String,
    pub source: String,
    /// The administrator who changed the account `username`; none for the
    /// user's own sign-ins.
    pub by: Option<String>,
}

/// Longest user name kept: what a person types in the name field may be
/// anything (even a password typed in the wrong field), so it is cut.
const NAME_CHARS: usize = 64;

pub fn record(
    conn: &Connection,
    event: SecurityEvent,
    username: &str,
    source: &str,
    now: Millis,
) -> Result<(), Error> {
    let name: String = username.chars().take(NAME_CHARS).collect();
    conn.prepare_cached(
        "INSERT INTO security_log (at, event, username, source) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![now, event.as_str(), name, source])?;
    Ok(())
}

/// An administrator's change of the account `target`.
pub fn record_by(
    conn: &Connection,
    event: SecurityEvent,
    target: &str,
    by: &str,
    source: &str,
    now: Millis,
) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO security_log (at, event, username, source, by_account) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![now, event.as_str(), target, source, by])?;
    Ok(())
}

pub fn forget_old(conn: &Connection, now: Millis) -> Result<(), Error> {
    conn.execute(
        "DELETE FROM security_log WHERE at < ?1",
        [now - SECURITY_LOG_DAYS * 24 * 60 * 60 * 1000],
    )?;
    Ok(())
}

/// The newest `limit` events, newest first.
pub fn recent(conn: &Connection, limit: usize) -> Result<Vec<Entry>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, event, username, source, by_account FROM security_log ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        Ok((
            r.get::<_, Millis>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (at, event, username, source, by) = row?;
        // An event this version does not know (a newer server wrote it)
        // is left out rather than misnamed.
        if let Some(event) = SecurityEvent::parse(&event) {
            out.push(Entry {
                at,
                event,
                username,
                source,
                by,
            });
        }
    }
    Ok(out)
}
