//! Coordinators' accounts and their web sessions.
//!
//! Passwords are hashed with Argon2id (the `argon2` crate's defaults, OWASP's
//! recommended parameters). A session cookie is 32 random bytes kept only as
//! its SHA-256, like device tokens; each session has its own CSRF token that
//! every form must carry. Failed sign-ins are counted per user name and
//! source address, and a source waits after too many, whatever the
//! password (a guesser cannot tell); the rule is `shared::sign_in`. Every
//! sign-in, failure, wait and sign-out goes to the security log.

use crate::db::sql::{params, Connection, OptionalExtension};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::rngs::OsRng;
use shared::domain::Millis;
use shared::municipality::Municipality;
use shared::MunicipalityId;
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
    /// The name shown, with "(demo)" after a demo account's.
    pub display_name: String,
    /// The session's CSRF token, for the forms of the page.
    pub csrf: String,
    /// Whether the session is whole: the password and, unless a demo
    /// account, the second factor given (`shared::two_factor`).
    pub whole: bool,
    /// What the account may do (`shared::roles`).
    pub roles: Vec<shared::roles::Role>,
    /// An administrator reset the password: a new one is chosen before
    /// any page opens.
    pub must_change_password: bool,
    /// The municipalities the account's roles reach
    /// (`shared::roles::scope`), in the server's order.
    pub municipalities: Vec<Municipality>,
    /// The one its pages show now (`shared::roles::current`): none when
    /// it reaches none.
    pub here: Option<Municipality>,
}

impl Coordinator {
    /// Whether the account's roles reach this municipality.
    pub fn reaches(&self, m: Option<MunicipalityId>) -> bool {
        m.is_some_and(|m| self.municipalities.iter().any(|x| x.id == m))
    }
}

/// What a right password leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Signed in (a demo account): the page to land on, the first the
    /// account's roles open (`shared::roles::home`).
    Done(&'static str),
    /// The code from the authenticator app (or a recovery code) is asked.
    Code,
    /// The account has no app yet: set one up, then sign in with its code.
    SetUp,
}

/// Why a sign-in failed, said to the user in one message only (which of
/// name or password was wrong is not told).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    Ok {
        session: String,
        next: Next,
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
    let hash = hash_password(password)?;
    let id = Uuid::new_v4();
    let inserted = conn.execute(
        "INSERT INTO coordinators (id, username, display_name, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (username) DO NOTHING",
        params![id.to_string(), username, display_name.trim(), hash, now],
    )?;
    if inserted == 0 {
        return Err(bad("a coordinator with that user name exists"));
    }
    super::municipalities::place_new_account(conn, id)?;
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
    let reserved: i64 = conn.query_row(
        "INSERT INTO sign_in_failures (username, source, at) VALUES (?1, ?2, ?3) RETURNING rowid",
        params![username, source, now],
        |r| r.get(0),
    )?;
    let row: Option<(String, String)> = conn
        .query_row(
            // A disabled account is as no account: its password opens
            // nothing, and the answer does not tell.
            "SELECT id, password_hash FROM coordinators WHERE username = ?1 AND disabled_at IS NULL",
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
    let (demo, has_app): (bool, bool) = conn.query_row(
        "SELECT demo, totp_secret IS NOT NULL FROM coordinators WHERE id = ?1",
        [id.to_string()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let whole = !shared::two_factor::required(demo);
    let next = match (whole, has_app) {
        (true, _) => Next::Done(shared::roles::home(&roles_of(conn, id)?)),
        (false, true) => Next::Code,
        (false, false) => Next::SetUp,
    };
    let session = random_token();
    conn.execute(
        "INSERT INTO sessions (token_hash, coordinator_id, csrf, created_at, expires_at, second_factor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            hash_secret(&session),
            id.to_string(),
            random_token(),
            now,
            now + SESSION_TTL_MS,
            whole
        ],
    )?;
    // Signed in once whole: now, or when the second factor is given.
    if whole {
        security_log::record(conn, SecurityEvent::SignedIn, &username, &who.source, now)?;
    }
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
    Ok(SignIn::Ok { session, next })
}

fn normalise(username: &str) -> String {
    username.trim().to_lowercase()
}

/// The coordinator of a live session, whole or still to give the second
/// factor (`Coordinator::whole`).
pub fn by_session(
    conn: &Connection,
    session: &str,
    now: Millis,
) -> Result<Option<Coordinator>, Error> {
    type Row = (
        String,
        String,
        String,
        String,
        bool,
        bool,
        bool,
        Option<String>,
    );
    let row: Option<Row> = conn
        .query_row(
            "SELECT c.id, c.username, c.display_name, s.csrf, s.second_factor, c.demo, c.must_change_password,
                    s.municipality
             FROM sessions s JOIN coordinators c ON c.id = s.coordinator_id
             WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND c.disabled_at IS NULL",
            params![hash_secret(session), now],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            },
        )
        .optional()?;
    let Some((id, username, display_name, csrf, whole, demo, must_change_password, chosen)) = row
    else {
        return Ok(None);
    };
    let Ok(id) = Uuid::parse_str(&id) else {
        return Ok(None);
    };
    let roles = roles_of(conn, id)?;
    let municipalities = super::municipalities::scope_of(conn, id, &roles)?;
    let ids: Vec<MunicipalityId> = municipalities.iter().map(|m| m.id).collect();
    let chosen = chosen
        .and_then(|c| Uuid::parse_str(&c).ok())
        .map(MunicipalityId);
    let here = shared::roles::current(&ids, chosen)
        .and_then(|h| municipalities.iter().find(|m| m.id == h).cloned());
    Ok(Some(Coordinator {
        id,
        username,
        display_name: if demo {
            format!("{display_name} (demo)")
        } else {
            display_name
        },
        csrf,
        whole,
        roles,
        must_change_password,
        municipalities,
        here,
    }))
}

/// Makes `m` the municipality the session's pages show (the account's
/// roles must reach it: the caller checks with `Coordinator::reaches`).
pub fn choose_municipality(
    conn: &Connection,
    session: &str,
    m: MunicipalityId,
) -> Result<(), Error> {
    conn.execute(
        "UPDATE sessions SET municipality = ?2 WHERE token_hash = ?1",
        params![hash_secret(session), m.0.to_string()],
    )?;
    Ok(())
}

/// The roles an account holds.
pub fn roles_of(conn: &Connection, id: Uuid) -> Result<Vec<shared::roles::Role>, Error> {
    let mut stmt = conn
        .prepare_cached("SELECT role FROM account_roles WHERE coordinator_id = ?1 ORDER BY role")?;
    let rows = stmt.query_map([id.to_string()], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for r in rows {
        // A role this version does not know grants nothing here.
        if let Some(role) = shared::roles::Role::parse(&r?) {
            out.push(role);
        }
    }
    Ok(out)
}

/// Makes the account's roles exactly `roles`.
pub fn set_roles(conn: &Connection, id: Uuid, roles: &[shared::roles::Role]) -> Result<(), Error> {
    conn.execute(
        "DELETE FROM account_roles WHERE coordinator_id = ?1",
        [id.to_string()],
    )?;
    for r in roles {
        conn.execute(
            "INSERT INTO account_roles (coordinator_id, role) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![id.to_string(), r.as_str()],
        )?;
    }
    Ok(())
}

/// Hashes a password, checking its length first.
pub fn hash_password(password: &str) -> Result<String, Error> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::BadRequest {
            code: shared::sync::ErrorCode::BadCoordinator,
            message: format!("a password must have at least {MIN_PASSWORD_CHARS} characters"),
        });
    }
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(Error::internal)?
        .to_string())
}

/// The user's own new password (after an administrator's reset).
pub fn change_password(
    conn: &Connection,
    id: Uuid,
    hash: &str,
    source: &str,
    now: Millis,
) -> Result<(), Error> {
    conn.execute(
        "UPDATE coordinators SET password_hash = ?2, must_change_password = 0 WHERE id = ?1",
        params![id.to_string(), hash],
    )?;
    let username: String = conn.query_row(
        "SELECT username FROM coordinators WHERE id = ?1",
        [id.to_string()],
        |r| r.get(0),
    )?;
    security_log::record(conn, SecurityEvent::PasswordChanged, &username, source, now)
}

/// A sign-in under way at the OpenID Connect provider: kept by the hash
/// of its state until the browser comes back (ten minutes at most).
pub fn sso_begin(
    conn: &Connection,
    state: &str,
    verifier: &str,
    nonce: &str,
    now: Millis,
) -> Result<(), Error> {
    conn.execute(
        "DELETE FROM sso_pending WHERE created_at < ?1",
        [now - SSO_PENDING_MS],
    )?;
    conn.execute(
        "INSERT INTO sso_pending (state_hash, verifier, nonce, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![hash_secret(state), verifier, nonce, now],
    )?;
    Ok(())
}

/// How long a sign-in at the provider may take.
pub const SSO_PENDING_MS: Millis = 10 * 60 * 1000;

/// The verifier and nonce of the sign-in with `state`, taken (each state
/// works once); none when unknown or too old.
pub fn sso_take(
    conn: &Connection,
    state: &str,
    now: Millis,
) -> Result<Option<(String, String)>, Error> {
    let row: Option<(String, String, Millis)> = conn
        .query_row(
            "SELECT verifier, nonce, created_at FROM sso_pending WHERE state_hash = ?1",
            [hash_secret(state)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    conn.execute(
        "DELETE FROM sso_pending WHERE state_hash = ?1",
        [hash_secret(state)],
    )?;
    Ok(row
        .filter(|(_, _, at)| now - at <= SSO_PENDING_MS)
        .map(|(v, n, _)| (v, n)))
}

/// Whom the provider vouched for: its subject ("<issuer> <sub>"), user
/// name (`preferred_username`), name, and the roles its claim carried
/// (none: the claim was absent, roles are assigned here).
#[derive(Debug, Clone)]
pub struct SsoPerson {
    pub subject: String,
    pub username: String,
    pub name: Option<String>,
    pub roles: Option<Vec<shared::roles::Role>>,
}

/// A whole session for the account the provider vouched for: found by
/// its subject, or, at its first sign-in there, by its user name (which
/// then links the subject). When the provider's claim carries roles they
/// are the account's from now on (made for a person with none here yet,
/// with a password nobody knows: they sign in through the provider);
/// without the claim an administrator must have made the account and
/// given its roles. None (and a security log entry) when no enabled
/// account matches. The provider's second factor stands for ours.
pub fn sso_session(
    conn: &Connection,
    who: &SsoPerson,
    source: &str,
    now: Millis,
) -> Result<Option<(String, &'static str)>, Error> {
    let username = normalise(&who.username);
    let find = |sql: &str, key: &str| -> Result<Option<String>, Error> {
        conn.query_row(sql, [key], |r| r.get(0)).optional()
    };
    let mut id = find(
        "SELECT id FROM coordinators WHERE sso_subject = ?1 AND disabled_at IS NULL",
        &who.subject,
    )?;
    if id.is_none() {
        id = find(
            "SELECT id FROM coordinators
              WHERE username = ?1 AND sso_subject IS NULL AND disabled_at IS NULL",
            &username,
        )?;
        let disabled = find("SELECT id FROM coordinators WHERE username = ?1", &username)?;
        if id.is_none() && disabled.is_none() {
            if let Some(roles) = who
                .roles
                .as_ref()
                .filter(|r| shared::roles::sso_may_make_account(Some(r)))
            {
                let made = create(
                    conn,
                    &username,
                    who.name.as_deref().unwrap_or(&username),
                    &random_token(),
                    now,
                )?;
                set_roles(conn, made, roles)?;
                security_log::record_by(
                    conn,
                    SecurityEvent::AccountCreated,
                    &username,
                    "sign-in provider",
                    source,
                    now,
                )?;
                id = Some(made.to_string());
            }
        }
        if let Some(id) = &id {
            conn.execute(
                "UPDATE coordinators SET sso_subject = ?2 WHERE id = ?1",
                params![id, who.subject],
            )?;
        }
    }
    let Some(id) = id.and_then(|id| Uuid::parse_str(&id).ok()) else {
        security_log::record(conn, SecurityEvent::SsoNoAccount, &username, source, now)?;
        return Ok(None);
    };
    // The rule is `shared::roles::sso_roles`.
    if let Some(wanted) = shared::roles::sso_roles(who.roles.as_deref(), &roles_of(conn, id)?) {
        set_roles(conn, id, &wanted)?;
        security_log::record_by(
            conn,
            SecurityEvent::RolesChanged,
            &username,
            "sign-in provider",
            source,
            now,
        )?;
    }
    conn.execute("DELETE FROM sessions WHERE expires_at < ?1", [now])?;
    let session = random_token();
    conn.execute(
        "INSERT INTO sessions (token_hash, coordinator_id, csrf, created_at, expires_at, second_factor)
         VALUES (?1, ?2, ?3, ?4, ?5, 1)",
        params![
            hash_secret(&session),
            id.to_string(),
            random_token(),
            now,
            now + SESSION_TTL_MS
        ],
    )?;
    let name: String = conn.query_row(
        "SELECT username FROM coordinators WHERE id = ?1",
        [id.to_string()],
        |r| r.get(0),
    )?;
    security_log::record(conn, SecurityEvent::SignedInSso, &name, source, now)?;
    Ok(Some((session, shared::roles::home(&roles_of(conn, id)?))))
}

/// Marks an account as a demo account: it signs in without a second
/// factor, and every page says "(demo)" beside its name. For `serve
/// --demo` and the tests' fixtures; never for a real account.
pub fn mark_demo(conn: &Connection, username: &str) -> Result<(), Error> {
    conn.execute(
        "UPDATE coordinators SET demo = 1 WHERE username = ?1",
        [normalise(username)],
    )?;
    Ok(())
}

/// What giving a code did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeOutcome {
    /// The session is whole; at set-up, with the new recovery codes to
    /// show once; `home`, the page to go on to.
    Ok {
        recovery_codes: Vec<String>,
        home: &'static str,
    },
    /// Wrong (or reused): ask again.
    Wrong,
    /// Too many wrong codes: the session ended; sign in again.
    Ended,
}

/// Whether the account of a live session has no authenticator app yet
/// (it is set up before the first code is asked).
pub fn setting_up(conn: &Connection, session: &str, now: Millis) -> Result<bool, Error> {
    Ok(conn
        .query_row(
            "SELECT c.totp_secret IS NULL FROM sessions s JOIN coordinators c ON c.id = s.coordinator_id
              WHERE s.token_hash = ?1 AND s.expires_at > ?2",
            params![hash_secret(session), now],
            |r| r.get::<_, bool>(0),
        )
        .optional()?
        .unwrap_or(false))
}

/// The secret an app is being set up with in this session: made at the
/// first look and kept with the session, so that reloading the page shows
/// the same one. None for a session that is gone or whose account has an
/// app already.
pub fn pending_secret(
    conn: &Connection,
    session: &str,
    now: Millis,
) -> Result<Option<Vec<u8>>, Error> {
    let row: Option<(Option<Vec<u8>>, bool)> = conn
        .query_row(
            "SELECT s.pending_secret, c.totp_secret IS NOT NULL
               FROM sessions s JOIN coordinators c ON c.id = s.coordinator_id
              WHERE s.token_hash = ?1 AND s.expires_at > ?2",
            params![hash_secret(session), now],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        None | Some((_, true)) => Ok(None),
        Some((Some(secret), false)) => Ok(Some(secret)),
        Some((None, false)) => {
            let secret = shared::two_factor::new_secret();
            conn.execute(
                "UPDATE sessions SET pending_secret = ?2 WHERE token_hash = ?1",
                params![hash_secret(session), secret],
            )?;
            Ok(Some(secret))
        }
    }
}

/// The second factor of a half-signed-in session: a code from the app
/// (accepted once), a recovery code (used once), or, while the app is set
/// up, a code from the new app, which then becomes the account's, with
/// new recovery codes. Every failure and use goes to the security log;
/// after `MAX_CODE_FAILURES` wrong codes the session ends.
pub fn give_code(
    conn: &Connection,
    session: &str,
    code: &str,
    source: &str,
    now: Millis,
) -> Result<CodeOutcome, Error> {
    type Row = (String, String, Option<Vec<u8>>, i64, Option<Vec<u8>>, i64);
    let token = hash_secret(session);
    let row: Option<Row> = conn
        .query_row(
            "SELECT c.id, c.username, c.totp_secret, c.totp_last_step, s.pending_secret, s.code_failures
               FROM sessions s JOIN coordinators c ON c.id = s.coordinator_id
              WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND s.second_factor = 0",
            params![token, now],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .optional()?;
    let Some((id, username, secret, last_step, pending, failures)) = row else {
        return Ok(CodeOutcome::Ended);
    };
    let last_step = u64::try_from(last_step).unwrap_or(0);
    let home = shared::roles::home(&roles_of(
        conn,
        Uuid::parse_str(&id).map_err(Error::internal)?,
    )?);
    let log = |event| security_log::record(conn, event, &username, source, now);
    let whole = |conn: &Connection| -> Result<(), Error> {
        conn.execute(
            "UPDATE sessions SET second_factor = 1, pending_secret = NULL, code_failures = 0
              WHERE token_hash = ?1",
            [&token],
        )?;
        Ok(())
    };
    match (secret, pending) {
        // Setting the app up: its first code makes it the account's.
        (None, Some(pending)) => {
            if let Some(step) = shared::two_factor::check(&pending, &username, code, now, 0) {
                conn.execute(
                    "UPDATE coordinators SET totp_secret = ?2, totp_last_step = ?3 WHERE id = ?1",
                    params![id, pending, step as i64],
                )?;
                conn.execute(
                    "DELETE FROM recovery_codes WHERE coordinator_id = ?1",
                    [&id],
                )?;
                let codes: Vec<String> = (0..shared::two_factor::RECOVERY_CODES)
                    .map(|_| shared::two_factor::new_recovery_code())
                    .collect();
                for c in &codes {
                    let kept = shared::two_factor::normalise_recovery_code(c)
                        .ok_or_else(|| Error::internal("a new recovery code does not read back"))?;
                    conn.execute(
                        "INSERT INTO recovery_codes (coordinator_id, code_hash) VALUES (?1, ?2)",
                        params![id, hash_secret(&kept)],
                    )?;
                }
                whole(conn)?;
                log(SecurityEvent::SecondFactorSetUp)?;
                log(SecurityEvent::SignedIn)?;
                return Ok(CodeOutcome::Ok {
                    recovery_codes: codes,
                    home,
                });
            }
        }
        (Some(secret), _) => {
            if let Some(step) = shared::two_factor::check(&secret, &username, code, now, last_step)
            {
                conn.execute(
                    "UPDATE coordinators SET totp_last_step = ?2 WHERE id = ?1",
                    params![id, step as i64],
                )?;
                whole(conn)?;
                log(SecurityEvent::SignedIn)?;
                return Ok(CodeOutcome::Ok {
                    recovery_codes: Vec::new(),
                    home,
                });
            }
            if let Some(kept) = shared::two_factor::normalise_recovery_code(code) {
                let used = conn.execute(
                    "UPDATE recovery_codes SET used_at = ?3
                      WHERE coordinator_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
                    params![id, hash_secret(&kept), now],
                )?;
                if used == 1 {
                    whole(conn)?;
                    log(SecurityEvent::RecoveryCodeUsed)?;
                    log(SecurityEvent::SignedIn)?;
                    return Ok(CodeOutcome::Ok {
                        recovery_codes: Vec::new(),
                        home,
                    });
                }
            }
        }
        // No app and none being set up: nothing to check against.
        (None, None) => {}
    }
    log(SecurityEvent::SecondFactorFailed)?;
    if failures + 1 >= shared::two_factor::MAX_CODE_FAILURES {
        conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [&token])?;
        log(SecurityEvent::SecondFactorLocked)?;
        return Ok(CodeOutcome::Ended);
    }
    conn.execute(
        "UPDATE sessions SET code_failures = code_failures + 1 WHERE token_hash = ?1",
        [&token],
    )?;
    Ok(CodeOutcome::Wrong)
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
        let SignIn::Ok { session, next } =
            sign_in(&conn, " EVA ", "correct horse battery", 1).expect("sign in")
        else {
            panic!("the right password signs in")
        };
        // Not a demo account: the app is set up before any page opens.
        assert_eq!(next, Next::SetUp);
        let me = by_session(&conn, &session, 2)
            .expect("query")
            .expect("live");
        assert_eq!(me.display_name, "Eva Samordnare");
        assert!(!me.whole);
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
                    Ok(SignIn::Ok { session, .. }) => session,
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
