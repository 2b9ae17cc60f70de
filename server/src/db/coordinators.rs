//! Coordinators' accounts and their web sessions.
//!
//! Passwords are hashed with Argon2id (the `argon2` crate's defaults, OWASP's
//! recommended parameters). A session cookie is 32 random bytes kept only as
//! its SHA-256, like device tokens; each session has its own CSRF token that
//! every form must carry. Failed sign-ins are counted per user name and
//! source address, and a source waits after too many, whatever the
//! password (a guesser cannot tell); the rule is `shared::sign_in`. Every
//! sign-in, failure, wait and sign-out goes to the security log.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::rngs::OsRng;
use rusqlite::{params, Connection, OptionalExtension};
use shared::domain::Millis;
use uuid::Uuid;

use shared::sign_in::{self, SecurityEvent};

use super::identity::{hash_secret, random_token};
use super::security_log;
use crate::error::Error;

/// How long a session lasts without signing in again.
pub const SESSION_TTL_MS: Millis = 8 * 60 * 60 * 1000;
/// Shortest password accepted (NIST SP 800-63B asks for at least 8; a
/// shared office computer argues for more).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// A signed-in coordinator, as the pages see one.
#[derive(Debug, Clone)]
pub struct Coordinator {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    /// The session's CSRF token, for the forms of the page.
    pub csrf: String,
}

/// Why a sign-in failed, said to the user in one message only (which of
/// name or password was wrong is not told).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    Ok {
        session: String,
    },
    Wrong,
    /// Too many failures from this source for this name: the attempt was
    /// not checked; the next one is, after this many milliseconds.
    Wait {
        ms: Millis,
    },
}

/// Adds a coordinator (the `create-coordinator` command).
pub fn create(
    conn: &Connection,
    username: &str,
    display_name: &str,
    password: &str,
    now: Millis,
) -> Result<Uuid, Error> {
    let username = normalise(username);
    let bad = |message: &str| Error::BadRequest {
        code: shared::sync::ErrorCode::BadCoordinator,
        message: message.into(),
    };
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        return Err(bad(
            "a user name is 1 to 64 letters a-z, digits, '.', '_', '-' or '@'",
        ));
    }
    if display_name.trim().is_empty() || display_name.chars().count() > 200 {
        return Err(bad("a display name is 1 to 200 characters"));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(bad(&format!(
            "a password must have at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(Error::internal)?
        .to_string();
    let id = Uuid::new_v4();
    let inserted = conn.execute(
        "INSERT INTO coordinators (id, username, display_name, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (username) DO NOTHING",
        params![id.to_string(), username, display_name.trim(), hash, now],
    )?;
    if inserted == 0 {
        return Err(bad("a coordinator with that user name exists"));
    }
    Ok(id)
}

/// What the password check needs, decided before it: whether the source
/// must wait, the account's id and hash if there is one, and the failure
/// the attempt reserved.
#[derive(Debug, Clone)]
pub enum Attempt {
    Wait {
        ms: Millis,
    },
    Check {
        account: Option<(Uuid, String)>,
        /// The row in `sign_in_failures` this attempt counts as until it
        /// succeeds.
        reserved: i64,
    },
}

/// Step 1 of a sign-in (a write, on the writer): the wait, and a failure
/// reserved before the password is checked. Counting and reserving in the
/// same serialised write means parallel guesses cannot all pass: 25 at once
/// from one source get `FREE_FAILURES` checks and wait for the rest.
pub fn attempt(
    conn: &Connection,
    username: &str,
    source: &str,
    now: Millis,
) -> Result<Attempt, Error> {
    let username = normalise(username);
    let (failures, last): (i64, Option<Millis>) = conn.query_row(
        "SELECT count(*), max(at) FROM sign_in_failures
          WHERE username = ?1 AND source = ?2 AND at > ?3",
        params![username, source, now - sign_in::FAILURE_MEMORY_MS],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if let Some(ms) = sign_in::wait_ms(failures, last.unwrap_or(0), now) {
        security_log::record(conn, SecurityEvent::SignInDelayed, &username, source, now)?;
        return Ok(Attempt::Wait { ms });
    }
    conn.execute(
        "INSERT INTO sign_in_failures (username, source, at) VALUES (?1, ?2, ?3)",
        params![username, source, now],
    )?;
    let reserved = conn.last_insert_rowid();
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT id, password_hash FROM coordinators WHERE username = ?1",
            [&username],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(Attempt::Check {
        account: row.and_then(|(id, hash)| Some((Uuid::parse_str(&id).ok()?, hash))),
        reserved,
    })
}

/// Step 2 (CPU only, tens of milliseconds: run it off the async runtime
/// and off the writer): whether the password matches. Without an account
/// a hash is still computed, so that timing does not tell which names
/// exist.
pub fn verify(hash: Option<&str>, password: &str) -> bool {
    match hash.map(PasswordHash::new) {
        Some(Ok(h)) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        _ => {
            let salt = SaltString::generate(&mut OsRng);
            let _ = Argon2::default().hash_password(password.as_bytes(), &salt);
            false
        }
    }
}

/// Who tried to sign in, from where: what the security log keeps of an
/// attempt.
#[derive(Debug, Clone)]
pub struct Who {
    pub username: String,
    pub source: String,
}

/// Step 3 (a write): a session for a right password, which clears the
/// source's failures; for a wrong one the reserved failure stays. Either
/// goes to the security log. An account keeps at most
/// `sign_in::MAX_SESSIONS` sessions: the oldest end.
pub fn finish(
    conn: &Connection,
    account: Option<Uuid>,
    ok: bool,
    reserved: i64,
    who: &Who,
    now: Millis,
) -> Result<SignIn, Error> {
    let username = normalise(&who.username);
    conn.execute(
        "DELETE FROM sign_in_failures WHERE at < ?1",
        [now - sign_in::FAILURE_MEMORY_MS],
    )?;
    security_log::forget_old(conn, now)?;
    let Some(id) = account.filter(|_| ok) else {
        security_log::record(
            conn,
            SecurityEvent::SignInFailed,
            &username,
            &who.source,
            now,
        )?;
        return Ok(SignIn::Wrong);
    };
    conn.execute(
        "DELETE FROM sign_in_failures WHERE rowid = ?1 OR (username = ?2 AND source = ?3)",
        params![reserved, username, who.source],
    )?;
    conn.execute("DELETE FROM sessions WHERE expires_at < ?1", [now])?;
    let session = random_token();
    conn.execute(
        "INSERT INTO sessions (token_hash, coordinator_id, csrf, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            hash_secret(&session),
            id.to_string(),
            random_token(),
            now,
            now + SESSION_TTL_MS
        ],
    )?;
    security_log::record(conn, SecurityEvent::SignedIn, &username, &who.source, now)?;
    let ended = conn.execute(
        "DELETE FROM sessions WHERE coordinator_id = ?1 AND token_hash NOT IN (
             SELECT token_hash FROM sessions WHERE coordinator_id = ?1
              ORDER BY created_at DESC, rowid DESC LIMIT ?2)",
        params![id.to_string(), sign_in::MAX_SESSIONS as i64],
    )?;
    for _ in 0..ended {
        security_log::record(
            conn,
            SecurityEvent::SessionEnded,
            &username,
            &who.source,
            now,
        )?;
    }
    Ok(SignIn::Ok { session })
}

fn normalise(username: &str) -> String {
    username.trim().to_lowercase()
}

/// The coordinator of a live session.
pub fn by_session(
    conn: &Connection,
    session: &str,
    now: Millis,
) -> Result<Option<Coordinator>, Error> {
    let row: Option<(String, String, String, String)> = conn
        .query_row(
            "SELECT c.id, c.username, c.display_name, s.csrf
             FROM sessions s JOIN coordinators c ON c.id = s.coordinator_id
             WHERE s.token_hash = ?1 AND s.expires_at > ?2",
            params![hash_secret(session), now],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(row.and_then(|(id, username, display_name, csrf)| {
        Some(Coordinator {
            id: Uuid::parse_str(&id).ok()?,
            username,
            display_name,
            csrf,
        })
    }))
}

pub fn sign_out(conn: &Connection, session: &str, source: &str, now: Millis) -> Result<(), Error> {
    let username: Option<String> = conn
        .query_row(
            "SELECT c.username FROM sessions s JOIN coordinators c ON c.id = s.coordinator_id
              WHERE s.token_hash = ?1",
            [hash_secret(session)],
            |r| r.get(0),
        )
        .optional()?;
    conn.execute(
        "DELETE FROM sessions WHERE token_hash = ?1",
        [hash_secret(session)],
    )?;
    if let Some(username) = username {
        security_log::record(conn, SecurityEvent::SignedOut, &username, source, now)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().expect("memory db");
        crate::db::schema::migrate(&conn).expect("schema");
        conn
    }

    /// The three steps in one, as the sign-in handler runs them.
    fn sign_in(
        conn: &Connection,
        username: &str,
        password: &str,
        now: Millis,
    ) -> Result<SignIn, Error> {
        sign_in_from(conn, username, password, "192.0.2.1", now)
    }

    fn sign_in_from(
        conn: &Connection,
        username: &str,
        password: &str,
        source: &str,
        now: Millis,
    ) -> Result<SignIn, Error> {
        match attempt(conn, username, source, now)? {
            Attempt::Wait { ms } => Ok(SignIn::Wait { ms }),
            Attempt::Check { account, reserved } => {
                let ok = verify(account.as_ref().map(|a| a.1.as_str()), password);
                let who = Who {
                    username: username.into(),
                    source: source.into(),
                };
                finish(conn, account.map(|a| a.0), ok, reserved, &who, now)
            }
        }
    }

    #[test]
    fn sign_in_opens_a_session_and_wrong_passwords_lock_the_name() {
        let conn = db();
        create(&conn, "Eva", "Eva Samordnare", "correct horse battery", 0).expect("created");
        assert!(create(&conn, "eva", "Eva", "another long password", 0).is_err());
        assert!(create(&conn, "kim", "Kim", "short", 0).is_err());
        let SignIn::Ok { session } =
            sign_in(&conn, " EVA ", "correct horse battery", 1).expect("sign in")
        else {
            panic!("the right password signs in")
        };
        let me = by_session(&conn, &session, 2)
            .expect("query")
            .expect("live");
        assert_eq!(me.display_name, "Eva Samordnare");
        assert!(by_session(&conn, &session, SESSION_TTL_MS + 2)
            .expect("query")
            .is_none());
        for _ in 0..sign_in::FREE_FAILURES {
            assert_eq!(
                sign_in(&conn, "eva", "guess", 10).expect("try"),
                SignIn::Wrong
            );
        }
        // The guesser's source waits, even with the right password...
        assert_eq!(
            sign_in(&conn, "eva", "correct horse battery", 11).expect("try"),
            SignIn::Wait { ms: 999 }
        );
        // ...Eva at her own desk does not.
        assert!(matches!(
            sign_in_from(&conn, "eva", "correct horse battery", "198.51.100.4", 12),
            Ok(SignIn::Ok { .. })
        ));
        // Once the wait has passed the source is checked again, and a
        // right password clears its failures.
        assert!(matches!(
            sign_in(&conn, "eva", "correct horse battery", 1010),
            Ok(SignIn::Ok { .. })
        ));
        assert_eq!(
            sign_in(&conn, "eva", "guess", 1011).expect("try"),
            SignIn::Wrong,
            "the count starts over"
        );
        let events: Vec<SecurityEvent> = security_log::recent(&conn, 100)
            .expect("log")
            .into_iter()
            .map(|e| e.event)
            .collect();
        assert!(events.contains(&SecurityEvent::SignInDelayed));
        assert_eq!(
            events
                .iter()
                .filter(|e| **e == SecurityEvent::SignInFailed)
                .count(),
            4
        );
        sign_out(&conn, &session, "192.0.2.1", 1012).expect("sign out");
        assert!(by_session(&conn, &session, 3).expect("query").is_none());
        assert_eq!(
            security_log::recent(&conn, 1).expect("log")[0].event,
            SecurityEvent::SignedOut
        );
    }

    #[test]
    fn an_account_keeps_its_newest_sessions() {
        let conn = db();
        create(&conn, "eva", "Eva", "correct horse battery", 0).expect("created");
        let sessions: Vec<String> = (0..sign_in::MAX_SESSIONS as i64 + 2)
            .map(
                |i| match sign_in(&conn, "eva", "correct horse battery", 100 + i) {
                    Ok(SignIn::Ok { session }) => session,
                    other => panic!("{other:?}"),
                },
            )
            .collect();
        let live = |s: &String| by_session(&conn, s, 200).expect("query").is_some();
        assert!(
            !live(&sessions[0]) && !live(&sessions[1]),
            "the two oldest ended"
        );
        assert!(sessions[2..].iter().all(live));
    }
}
