//! Municipalities and police areas as the store keeps them, the
//! municipalities each officer works in and each account reaches, and the
//! upgrade that makes an existing store the first municipality. The rules
//! are `shared::municipality` and `shared::roles::scope`; this file only
//! reads and writes their rows.

use crate::db::sql::{params, Connection, OptionalExtension};
use shared::domain::Millis;
use shared::municipality::{given_to_everyone, given_when_made, name_and_slug, Municipality};
use shared::record::read_record;
use shared::roles::Role;
use shared::{DocId, MunicipalityId, OfficerId, PoliceAreaId};
use uuid::Uuid;

use super::{documents, projection, reference};
use crate::error::Error;

fn uuid(s: &str) -> Result<Uuid, Error> {
    Uuid::parse_str(s).map_err(Error::internal)
}

/// Every municipality on the server, by name.
pub fn all(conn: &Connection) -> Result<Vec<Municipality>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, slug, name, police_area, demo FROM municipalities ORDER BY name, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, bool>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, slug, name, area, demo) = row?;
        out.push(Municipality {
            id: MunicipalityId(uuid(&id)?),
            slug,
            name,
            police_area: area.map(|a| uuid(&a).map(PoliceAreaId)).transpose()?,
            demo,
        });
    }
    Ok(out)
}

/// The municipality at a public address.
pub fn by_slug(conn: &Connection, slug: &str) -> Result<Option<Municipality>, Error> {
    Ok(all(conn)?.into_iter().find(|m| m.slug == slug))
}

/// Every police area: id, name, demo.
pub fn police_areas(conn: &Connection) -> Result<Vec<(PoliceAreaId, String, bool)>, Error> {
    let mut stmt = conn.prepare_cached("SELECT id, name, demo FROM police_areas ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, bool>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, demo) = row?;
        out.push((PoliceAreaId(uuid(&id)?), name, demo));
    }
    Ok(out)
}

/// Makes a police area, or finds the one of that name.
pub fn police_area(conn: &Connection, name: &str, demo: bool) -> Result<PoliceAreaId, Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > shared::municipality::MAX_NAME_CHARS {
        return Err(Error::bad_input(
            "a police area needs a name of at most 80 characters",
        ));
    }
    if let Some(id) = conn
        .query_row("SELECT id FROM police_areas WHERE name = ?1", [name], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
    {
        return Ok(PoliceAreaId(uuid(&id)?));
    }
    let id = PoliceAreaId(Uuid::new_v4());
    conn.execute(
        "INSERT INTO police_areas (id, name, demo) VALUES (?1, ?2, ?3)",
        params![id.0.to_string(), name, demo],
    )?;
    Ok(id)
}

/// Makes a municipality. The first one on a server is given to every
/// officer and account already there (`given_to_everyone`).
pub fn create(
    conn: &Connection,
    name: &str,
    police_area: Option<PoliceAreaId>,
    demo: bool,
    now: Millis,
) -> Result<Municipality, Error> {
    let (name, slug) = name_and_slug(name).map_err(|e| Error::bad_input(e.to_string()))?;
    if by_slug(conn, &slug)?.is_some() {
        return Err(Error::bad_input(format!(
            "there is already a municipality at /public/{slug}"
        )));
    }
    let existing = all(conn)?.len();
    let m = Municipality {
        id: MunicipalityId(Uuid::new_v4()),
        slug,
        name,
        police_area,
        demo,
    };
    conn.execute(
        "INSERT INTO municipalities (id, slug, name, police_area, demo, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            m.id.0.to_string(),
            m.slug,
            m.name,
            m.police_area.map(|a| a.0.to_string()),
            m.demo,
            now
        ],
    )?;
    if given_to_everyone(existing) {
        // Their devices hold no reference data of it yet that they lack:
        // what there is reaches them through the log (granted at 0).
        conn.execute(
            "INSERT INTO officer_municipalities (officer_id, municipality_id, granted_seq)
             SELECT id, ?1, 0 FROM officers WHERE true ON CONFLICT DO NOTHING",
            [m.id.0.to_string()],
        )?;
        conn.execute(
            "INSERT INTO account_municipalities (coordinator_id, municipality_id)
             SELECT id, ?1 FROM coordinators WHERE true ON CONFLICT DO NOTHING",
            [m.id.0.to_string()],
        )?;
    }
    // Its directory of officers (those given it).
    reference::publish_directory(conn, now)?;
    Ok(m)
}

/// A municipality an officer works in, and the log position it was given
/// at (0: from the start).
#[derive(Debug, Clone, Copy)]
pub struct Given {
    pub id: MunicipalityId,
    pub granted_seq: u64,
}

/// The municipalities an officer works in, with when each was given.
pub fn officer_given(conn: &Connection, officer: OfficerId) -> Result<Vec<Given>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT municipality_id, granted_seq FROM officer_municipalities
          WHERE officer_id = ?1 ORDER BY municipality_id",
    )?;
    let rows = stmt.query_map([officer.0.to_string()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    let mut out = Vec::new();
    for r in rows {
        let (id, seq) = r?;
        out.push(Given {
            id: MunicipalityId(uuid(&id)?),
            granted_seq: u64::try_from(seq).unwrap_or(0),
        });
    }
    Ok(out)
}

/// The municipalities an officer works in.
pub fn officer_works_in(
    conn: &Connection,
    officer: OfficerId,
) -> Result<Vec<MunicipalityId>, Error> {
    Ok(officer_given(conn, officer)?
        .into_iter()
        .map(|g| g.id)
        .collect())
}

/// Makes the municipalities an officer works in exactly `list`. One
/// added now is granted at the log's head, so that the officer's next
/// sync brings its reference data whole (`outgoing`); one taken away
/// stops reaching the officer's devices, which delete it (`works_in`).
pub fn set_officer_works_in(
    conn: &Connection,
    officer: OfficerId,
    list: &[MunicipalityId],
    now: Millis,
) -> Result<(), Error> {
    let (head, _) = documents::head(conn)?;
    let current = officer_works_in(conn, officer)?;
    for m in list.iter().filter(|m| !current.contains(m)) {
        conn.execute(
            "INSERT INTO officer_municipalities (officer_id, municipality_id, granted_seq) VALUES (?1, ?2, ?3)",
            params![officer.0.to_string(), m.0.to_string(), head as i64],
        )?;
    }
    for m in current.iter().filter(|m| !list.contains(m)) {
        conn.execute(
            "DELETE FROM officer_municipalities WHERE officer_id = ?1 AND municipality_id = ?2",
            params![officer.0.to_string(), m.0.to_string()],
        )?;
    }
    // The municipalities' directories name who works there: published
    // again only when where the officer works changed (`current` is sorted).
    let mut after = list.to_vec();
    after.sort();
    after.dedup();
    if current != after {
        reference::publish_directory(conn, now)?;
    }
    Ok(())
}

/// An officer as the devices page lists them.
#[derive(Debug, Clone)]
pub struct OfficerRow {
    pub id: OfficerId,
    pub name: String,
    pub works_in: Vec<MunicipalityId>,
}

/// The officers a coordinator whose roles reach `scope` sees
/// (`shared::municipality::sees_officer`); every officer for `None` (an
/// administrator).
pub fn officers(
    conn: &Connection,
    scope: Option<&[MunicipalityId]>,
) -> Result<Vec<OfficerRow>, Error> {
    let mut stmt =
        conn.prepare_cached("SELECT id, display_name FROM officers ORDER BY display_name")?;
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for (id, name) in rows {
        let id = OfficerId(uuid(&id)?);
        let works_in = officer_works_in(conn, id)?;
        if scope.is_none_or(|s| shared::municipality::sees_officer(s, &works_in)) {
            out.push(OfficerRow { id, name, works_in });
        }
    }
    Ok(out)
}

/// A new officer works where `given_when_made` says: in the server's only
/// municipality, else nowhere until a coordinator chooses.
pub fn place_new_officer(conn: &Connection, officer: OfficerId) -> Result<(), Error> {
    let all: Vec<MunicipalityId> = all(conn)?.into_iter().map(|m| m.id).collect();
    for m in given_when_made(&all) {
        conn.execute(
            "INSERT INTO officer_municipalities (officer_id, municipality_id, granted_seq) VALUES (?1, ?2, 0) ON CONFLICT DO NOTHING",
            params![officer.0.to_string(), m.0.to_string()],
        )?;
    }
    Ok(())
}

/// A new account reaches what `given_when_made` says.
pub fn place_new_account(conn: &Connection, account: Uuid) -> Result<(), Error> {
    let all: Vec<MunicipalityId> = all(conn)?.into_iter().map(|m| m.id).collect();
    set_account(conn, account, &given_when_made(&all), &[])
}

/// The municipalities and police areas given to an account.
pub fn account_given(
    conn: &Connection,
    account: Uuid,
) -> Result<(Vec<MunicipalityId>, Vec<PoliceAreaId>), Error> {
    let mut own = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT municipality_id FROM account_municipalities WHERE coordinator_id = ?1",
    )?;
    for r in stmt.query_map([account.to_string()], |r| r.get::<_, String>(0))? {
        own.push(MunicipalityId(uuid(&r?)?));
    }
    let mut areas = Vec::new();
    let mut stmt = conn
        .prepare_cached("SELECT police_area FROM account_police_areas WHERE coordinator_id = ?1")?;
    for r in stmt.query_map([account.to_string()], |r| r.get::<_, String>(0))? {
        areas.push(PoliceAreaId(uuid(&r?)?));
    }
    Ok((own, areas))
}

/// Makes an account's municipalities and police areas exactly these.
pub fn set_account(
    conn: &Connection,
    account: Uuid,
    municipalities: &[MunicipalityId],
    areas: &[PoliceAreaId],
) -> Result<(), Error> {
    let a = account.to_string();
    conn.execute(
        "DELETE FROM account_municipalities WHERE coordinator_id = ?1",
        [&a],
    )?;
    conn.execute(
        "DELETE FROM account_police_areas WHERE coordinator_id = ?1",
        [&a],
    )?;
    for m in municipalities {
        conn.execute(
            "INSERT INTO account_municipalities (coordinator_id, municipality_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![a, m.0.to_string()],
        )?;
    }
    for p in areas {
        conn.execute(
            "INSERT INTO account_police_areas (coordinator_id, police_area) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![a, p.0.to_string()],
        )?;
    }
    Ok(())
}

/// The municipalities an account with `roles` reaches
/// (`shared::roles::scope`), in the server's order.
pub fn scope_of(
    conn: &Connection,
    account: Uuid,
    roles: &[Role],
) -> Result<Vec<Municipality>, Error> {
    let all = all(conn)?;
    let (own, areas) = account_given(conn, account)?;
    let ids = shared::roles::scope(roles, &own, &areas, &all);
    Ok(all.into_iter().filter(|m| ids.contains(&m.id)).collect())
}

/// Upgrade (schema version 16): a store made before municipalities
/// becomes the first municipality, named as its plan names its
/// municipality. Every officer and account is given it, every hotspot,
/// venue and plan names it (one change by the server each, which the
/// phones take like any other), and every follow-up row, access log entry
/// and published figure carries it. Records and figures are otherwise
/// unchanged. A store with nothing in it is left without one.
pub fn adopt_existing(conn: &Connection) -> Result<(), Error> {
    let anything: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM docs) OR EXISTS (SELECT 1 FROM officers)
             OR EXISTS (SELECT 1 FROM coordinators)",
        [],
        |r| r.get(0),
    )?;
    if !anything || !all(conn)?.is_empty() {
        return Ok(());
    }
    let name: Option<String> = conn
        .query_row(
            "SELECT municipality FROM plans ORDER BY period_start DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let name = shared::municipality::first_name(name.as_deref());
    let demo: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM plans WHERE demo = 1)",
        [],
        |r| r.get(0),
    )?;
    let now = crate::clock::Clock::now_ms(&crate::clock::SystemClock);
    let first = create(conn, &name, None, demo, now)?;
    let ids: Vec<Vec<u8>> = conn
        .prepare("SELECT id FROM docs WHERE kind IN ('plan', 'hotspot', 'venue') ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for raw in ids {
        let id = DocId::from_slice(&raw)
            .ok_or_else(|| Error::internal("a stored document id is not 16 bytes"))?;
        let existing = documents::load(conn, id)?;
        let stored = documents::stored(conn, id)?;
        // A document that does not read is left as it is (it is left out
        // of the follow-up already); the rest of the store moves on.
        let Ok(mut record) = read_record(&existing) else {
            continue;
        };
        reference::set_municipality(&mut record, first.id);
        // Not validated again: what was taken in stays as it was, with
        // the municipality named.
        reference::write(conn, id, now, existing, stored, record)?;
    }
    projection::rebuild(conn)?;
    let m = first.id.0.to_string();
    for t in super::schema::KEPT_TABLES {
        if *t == "inspection_findings" {
            continue;
        }
        // Kept figures of erased records have no document to ask.
        conn.execute(
            &format!("UPDATE {t} SET municipality = ?1 WHERE municipality IS NULL"),
            [&m],
        )?;
    }
    conn.execute(
        "UPDATE access_log SET municipality = ?1 WHERE municipality IS NULL",
        [&m],
    )?;
    conn.execute(
        "UPDATE public_figures SET municipality = ?1 WHERE municipality IS NULL",
        [&m],
    )?;
    Ok(())
}
