//! Accounts from the command line: a coordinator who signs in to the pages,
//! and an officer's one-time enrolment code.

use anyhow::{bail, Context};
use server::db::{coordinators, identity, Db};
use shared::domain::{Millis, Organisation};

/// `enrol-code`.
pub fn enrol_code(
    db: &Db,
    now: Millis,
    officer: String,
    organisation: String,
) -> anyhow::Result<()> {
    let Some(org) = Organisation::parse(&organisation) else {
        bail!("--organisation must be police or municipality");
    };
    let name = officer.clone();
    let code = db.write_blocking(move |c| {
        let id = identity::officer_by_name(c, &name, org, now)?;
        identity::create_enrolment_code(c, id, now)
    })?;
    println!("{code}");
    eprintln!("One-time enrolment code for {officer}, valid 24 hours.");
    Ok(())
}

/// `create-coordinator`: the password from `TRYGGHETSLOGG_PASSWORD`, or
/// else the first line of stdin.
pub fn create_coordinator(
    db: &Db,
    now: Millis,
    username: String,
    name: String,
) -> anyhow::Result<()> {
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
