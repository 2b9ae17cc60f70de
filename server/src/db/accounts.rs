//! Accounts as an administrator keeps them on the pages: the list, making
//! one with its roles, changing roles, disabling and enabling, resetting a
//! password (the user sets a new one at the next sign-in) or the second
//! factor (the app is set up again). Every change is in the security log
//! with the administrator who made it. The sign-in itself is
//! `coordinators`.

use crate::db::sql::{params, Connection, OptionalExtension as _};
use shared::domain::Millis;
use shared::roles::Role;
use shared::sign_in::SecurityEvent;
use shared::{MunicipalityId, PoliceAreaId};
use uuid::Uuid;

use super::coordinators::{self, hash_password};
use super::security_log;
use crate::error::Error;

/// One account as the list shows it.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub demo: bool,
    pub disabled: bool,
    pub has_app: bool,
    pub must_change_password: bool,
    /// The municipalities and police areas given to it (what its roles
    /// reach of them is `shared::roles::scope`).
    pub municipalities: Vec<MunicipalityId>,
    pub police_areas: Vec<PoliceAreaId>,
}

pub fn list(conn: &Connection) -> Result<Vec<Account>, Error> {
    let mut stmt = conn.prepare(
        "SELECT id, username, display_name, demo, disabled_at IS NOT NULL, totp_secret IS NOT NULL,
                must_change_password
           FROM coordinators ORDER BY display_name, username",
    )?;
    type Row = (String, String, String, bool, bool, bool, bool);
    let rows: Vec<Row> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for (id, username, display_name, demo, disabled, has_app, must_change_password) in rows {
        let id = Uuid::parse_str(&id).map_err(Error::internal)?;
        let (municipalities, police_areas) = super::municipalities::account_given(conn, id)?;
        out.push(Account {
            municipalities,
            police_areas,
            id,
            username,
            display_name,
            roles: coordinators::roles_of(conn, id)?,
            demo,
            disabled,
            has_app,
            must_change_password,
        });
    }
    Ok(out)
}

pub fn get(conn: &Connection, id: Uuid) -> Result<Option<Account>, Error> {
    Ok(list(conn)?.into_iter().find(|a| a.id == id))
}

/// Who acts, for the security log: the administrator's user name and
/// address.
#[derive(Debug, Clone)]
pub struct Admin {
    pub username: String,
    pub source: String,
}

fn username_of(conn: &Connection, id: Uuid) -> Result<String, Error> {
    conn.query_row(
        "SELECT username FROM coordinators WHERE id = ?1",
        [id.to_string()],
        |r| r.get(0),
    )
    .optional()?
    .ok_or(Error::NotFound)
}

/// Ends every session of the account (it signs in again, under the
/// change just made).
fn end_sessions(conn: &Connection, id: Uuid) -> Result<(), Error> {
    conn.execute(
        "DELETE FROM sessions WHERE coordinator_id = ?1",
        [id.to_string()],
    )?;
    Ok(())
}

/// Makes an account with `roles` and a first password the administrator
/// hands over; the user sets their own at the first sign-in, then sets up
/// the authenticator app.
#[allow(clippy::too_many_arguments)]
pub fn create(
    conn: &Connection,
    username: &str,
    display_name: &str,
    first_password: &str,
    roles: &[Role],
    reach: &Reach,
    by: &Admin,
    now: Millis,
) -> Result<Uuid, Error> {
    let id = coordinators::create(conn, username, display_name, first_password, now)?;
    coordinators::set_roles(conn, id, roles)?;
    // Nothing ticked: what an account gets when made (the only
    // municipality of a server with one: `given_when_made`).
    if !reach.municipalities.is_empty() || !reach.police_areas.is_empty() {
        super::municipalities::set_account(conn, id, &reach.municipalities, &reach.police_areas)?;
    }
    conn.execute(
        "UPDATE coordinators SET must_change_password = 1 WHERE id = ?1",
        [id.to_string()],
    )?;
    let name = username_of(conn, id)?;
    security_log::record_by(
        conn,
        SecurityEvent::AccountCreated,
        &name,
        &by.username,
        &by.source,
        now,
    )?;
    Ok(id)
}

/// The municipalities and police areas an administrator gives an account.
#[derive(Debug, Clone, Default)]
pub struct Reach {
    pub municipalities: Vec<MunicipalityId>,
    pub police_areas: Vec<PoliceAreaId>,
}

/// Changes an account's roles and what they reach, as one change in the
/// security log ("roles changed").
pub fn change_roles(
    conn: &Connection,
    id: Uuid,
    roles: &[Role],
    reach: &Reach,
    by: &Admin,
    now: Millis,
) -> Result<(), Error> {
    let name = username_of(conn, id)?;
    coordinators::set_roles(conn, id, roles)?;
    super::municipalities::set_account(conn, id, &reach.municipalities, &reach.police_areas)?;
    security_log::record_by(
        conn,
        SecurityEvent::RolesChanged,
        &name,
        &by.username,
        &by.source,
        now,
    )
}

/// Disables (`true`) or enables an account; disabling ends its sessions.
pub fn set_disabled(
    conn: &Connection,
    id: Uuid,
    disabled: bool,
    by: &Admin,
    now: Millis,
) -> Result<(), Error> {
    let name = username_of(conn, id)?;
    if disabled {
        conn.execute(
            "UPDATE coordinators SET disabled_at = COALESCE(disabled_at, ?2) WHERE id = ?1",
            params![id.to_string(), now],
        )?;
        end_sessions(conn, id)?;
    } else {
        conn.execute(
            "UPDATE coordinators SET disabled_at = NULL WHERE id = ?1",
            [id.to_string()],
        )?;
    }
    let event = if disabled {
        SecurityEvent::AccountDisabled
    } else {
        SecurityEvent::AccountEnabled
    };
    security_log::record_by(conn, event, &name, &by.username, &by.source, now)
}

/// A new first password, which the user replaces at the next sign-in; the
/// account's sessions end.
pub fn reset_password(
    conn: &Connection,
    id: Uuid,
    first_password: &str,
    by: &Admin,
    now: Millis,
) -> Result<(), Error> {
    let name = username_of(conn, id)?;
    let hash = hash_password(first_password)?;
    conn.execute(
        "UPDATE coordinators SET password_hash = ?2, must_change_password = 1 WHERE id = ?1",
        params![id.to_string(), hash],
    )?;
    end_sessions(conn, id)?;
    security_log::record_by(
        conn,
        SecurityEvent::PasswordReset,
        &name,
        &by.username,
        &by.source,
        now,
    )
}

/// Forgets the account's authenticator app and recovery codes (a lost
/// phone): the app is set up again at the next sign-in.
pub fn reset_second_factor(
    conn: &Connection,
    id: Uuid,
    by: &Admin,
    now: Millis,
) -> Result<(), Error> {
    let name = username_of(conn, id)?;
    conn.execute(
        "UPDATE coordinators SET totp_secret = NULL, totp_last_step = 0 WHERE id = ?1",
        [id.to_string()],
    )?;
    conn.execute(
        "DELETE FROM recovery_codes WHERE coordinator_id = ?1",
        [id.to_string()],
    )?;
    end_sessions(conn, id)?;
    security_log::record_by(
        conn,
        SecurityEvent::SecondFactorReset,
        &name,
        &by.username,
        &by.source,
        now,
    )
}
