//! Coordinators' accounts and their web sessions.
//!
//! Passwords are hashed with Argon2id (the `argon2` crate's defaults, OWASP's
//! recommended parameters). A session cookie is 32 random bytes kept only as
//! its SHA-256, like device tokens; each session has its own CSRF token that
//! every form must carry. Failed sign-ins are counted per user name: after
//! [`MAX_FAILURES`] in [`FAILURE_WINDOW_MS`] the name is locked until the
//! window has passed, whatever the password (a guesser cannot tell).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::rngs::OsRng;
use rusqlite::{params, Connection, OptionalExtension};
use shared::domain::Millis;
use uuid::Uuid;

use super::identity::{hash_secret, random_token};
use crate::error::Error;

/// How long a session lasts without signing in again.
pub const SESSION_TTL_MS: Millis = 8 * 60 * 60 * 1000;
/// Failed sign-ins allowed per user name in [`FAILURE_WINDOW_MS`].
pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_MS: Millis = 15 * 60 * 1000;
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
    Ok { session: String },
    Wrong,
    Locked,
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

/// What the password check needs, decided before it: whether the name is
/// locked, the account's id and hash if there is one, and the failure the
/// attempt reserved.
#[derive(Debug, Clone)]
pub enum Attempt {
    Locked,
    Check {
        account: Option<(Uuid, String)>,
        /// The row in `sign_in_failures` this attempt counts as until it
        /// succeeds.
        reserved: i64,
    },
}

/// Step 1 of a sign-in (a write, on the writer): the lock, and a failure
/// reserved before the password is checked. Counting and reserving in the
/// same serialised write means parallel guesses cannot all pass the lock:
/// 25 at once get 5 checks and 20 refusals, never 25 checks.
pub fn attempt(conn: &Connection, username: &str, now: Millis) -> Result<Attempt, Error> {
    let username = normalise(username);
    let failures: i64 = conn.query_row(
        "SELECT count(*) FROM sign_in_failures WHERE username = ?1 AND at > ?2",
        params![username, now - FAILURE_WINDOW_MS],
        |r| r.get(0),
    )?;
    if failures >= MAX_FAILURES {
        return Ok(Attempt::Locked);
    }
    conn.execute(
        "INSERT INTO sign_in_failures (username, at) VALUES (?1, ?2)",
        params![username, now],
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

/// Step 3 (a write): a session for a right password, whose reserved
/// failure is taken back; for a wrong one the reserved failure stays.
pub fn finish(
    conn: &Connection,
    account: Option<Uuid>,
    ok: bool,
    reserved: i64,
    now: Millis,
) -> Result<SignIn, Error> {
    conn.execute(
        "DELETE FROM sign_in_failures WHERE at < ?1",
        [now - 24 * 60 * 60 * 1000],
    )?;
    let Some(id) = account.filter(|_| ok) else {
        return Ok(SignIn::Wrong);
    };
    conn.execute("DELETE FROM sign_in_failures WHERE rowid = ?1", [reserved])?;
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

pub fn sign_out(conn: &Connection, session: &str) -> Result<(), Error> {
    conn.execute(
        "DELETE FROM sessions WHERE token_hash = ?1",
        [hash_secret(session)],
    )?;
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
        match attempt(conn, username, now)? {
            Attempt::Locked => Ok(SignIn::Locked),
            Attempt::Check { account, reserved } => {
                let ok = verify(account.as_ref().map(|a| a.1.as_str()), password);
                finish(conn, account.map(|a| a.0), ok, reserved, now)
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
        for _ in 0..MAX_FAILURES {
            assert_eq!(
                sign_in(&conn, "eva", "guess", 10).expect("try"),
                SignIn::Wrong
            );
        }
        assert_eq!(
            sign_in(&conn, "eva", "correct horse battery", 11).expect("try"),
            SignIn::Locked
        );
        assert!(matches!(
            sign_in(
                &conn,
                "eva",
                "correct horse battery",
                11 + FAILURE_WINDOW_MS
            ),
            Ok(SignIn::Ok { .. })
        ));
        sign_out(&conn, &session).expect("sign out");
        assert!(by_session(&conn, &session, 3).expect("query").is_none());
    }
}
