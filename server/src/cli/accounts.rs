//! Accounts from the command line: a coordinator who signs in to the pages,
//! and an officer's one-time enrolment code.

use anyhow::{bail, Context};
use server::db::{coordinators, identity, municipalities, Db};
use shared::domain::{Millis, Organisation};

/// `enrol-code`: the officer works in the municipalities named (added to
/// any they work in already); a new officer on a server with several
/// municipalities must be given one.
pub fn enrol_code(
    db: &Db,
    now: Millis,
    officer: String,
    organisation: String,
    municipalities: Vec<String>,
) -> anyhow::Result<()> {
    let Some(org) = Organisation::parse(&organisation) else {
        bail!("--organisation must be police or municipality");
    };
    let name = officer.clone();
    let all = db.read_blocking(server::db::municipalities::all)?;
    let named = by_slugs(&all, &municipalities)?;
    let code = db.write_blocking(move |c| {
        let id = identity::officer_by_name(c, &name, org, now)?;
        let current = municipalities::officer_works_in(c, id)?;
        let works_in = shared::municipality::works_in_adding(&current, &named);
        municipalities::set_officer_works_in(c, id, &works_in, now)?;
        Ok((
            works_in.is_empty(),
            identity::create_enrolment_code(c, id, now)?,
        ))
    })?;
    let (nowhere, code) = code;
    if nowhere && all.len() > 1 {
        eprintln!(
            "{officer} works in no municipality yet: their phone gets no hotspots, venues or plan \
             until a coordinator chooses on the devices page, or give --municipality <slug>."
        );
    }
    println!("{code}");
    eprintln!("One-time enrolment code for {officer}, valid 24 hours.");
    Ok(())
}

/// The municipalities at these addresses, or which one is unknown.
fn by_slugs(
    all: &[shared::municipality::Municipality],
    slugs: &[String],
) -> anyhow::Result<Vec<shared::MunicipalityId>> {
    slugs
        .iter()
        .map(|slug| match all.iter().find(|m| &m.slug == slug) {
            Some(m) => Ok(m.id),
            None => {
                let known: Vec<&str> = all.iter().map(|m| m.slug.as_str()).collect();
                bail!("no municipality {slug:?}; the server has {known:?}")
            }
        })
        .collect()
}

/// `create-coordinator`: the password from `TRYGGHETSLOGG_PASSWORD`, or
/// else the first line of stdin. The account reaches the municipalities
/// named (on a server with one, that one without naming it).
pub fn create_coordinator(
    db: &Db,
    now: Millis,
    username: String,
    name: String,
    municipalities: Vec<String>,
) -> anyhow::Result<()> {
    let all = db.read_blocking(server::db::municipalities::all)?;
    let named = by_slugs(&all, &municipalities)?;
    let password = match std::env::var("TRYGGHETSLOGG_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!(
                "Password (at least {} characters):",
                coordinators::MIN_PASSWORD_CHARS
            );
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("reading the password from stdin")?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let user = username.clone();
    // Made on the command line: the first account of a server, which
    // then gives the others their roles on the pages.
    db.write_blocking(move |c| {
        let id = coordinators::create(c, &user, &name, &password, now)?;
        if !named.is_empty() {
            municipalities::set_account(c, id, &named, &[])?;
        }
        coordinators::set_roles(
            c,
            id,
            &[
                shared::roles::Role::Coordinator,
                shared::roles::Role::Administrator,
            ],
        )
    })?;
    println!("coordinator {username} created; sign in at /sign-in");
    Ok(())
}

/// `create-municipality`.
pub fn create_municipality(
    db: &Db,
    now: Millis,
    name: String,
    police_area: Option<String>,
) -> anyhow::Result<()> {
    let m = db.write_blocking(move |c| {
        let area = police_area
            .as_deref()
            .map(|a| municipalities::police_area(c, a, false))
            .transpose()?;
        municipalities::create(c, &name, area, false, now)
    })?;
    println!("{}", m.slug);
    eprintln!(
        "Municipality {} made; its public summary is /public/{}.",
        m.name, m.slug
    );
    Ok(())
}
