//! The `trygghetslogg-server` command: serve, and the operator's tasks
//! (accounts, enrolment codes, devices, rebuild, integrity check). Each
//! subcommand is a function in `cli/`.

mod cli;

use anyhow::Context;
use clap::Parser;
use cli::{Cli, Command};
use server::clock::{Clock, SystemClock};
use server::db::{Db, Location};

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse_from(cli::config::expand(std::env::args_os().collect())?);
    // Restoring replaces the store's files: done before anything opens it.
    if let Command::Restore { from } = &cli.command {
        return cli::operations::restore(&cli.data_dir, from);
    }
    // Reads the SQLite store of --data-dir, whatever --database says.
    if let Command::CopyToPostgres { to } = &cli.command {
        return cli::operations::copy_to_postgres(&cli.data_dir, to);
    }
    let db = match cli.database.as_deref() {
        None => Db::open(&cli.data_dir)
            .with_context(|| format!("opening the store in {}", cli.data_dir.display()))?,
        // The address may hold a password: not repeated in the error.
        Some(url) => {
            Db::open_at(Location::postgres(url)?).context("opening the PostgreSQL store")?
        }
    };
    let now = SystemClock.now_ms();
    match cli.command {
        Command::Serve {
            listen,
            demo,
            demo_records,
            limits,
            secure_cookies,
            sso,
            metrics_token_file,
            config: _,
        } => cli::serve::run(
            &db,
            &cli.data_dir,
            now,
            listen,
            demo,
            demo_records,
            limits.limits(),
            secure_cookies,
            sso.config()?,
            cli::serve::metrics_token(metrics_token_file.as_deref())?,
        ),
        Command::Backup { to } => cli::operations::backup(&db, &to),
        Command::Restore { .. } | Command::CopyToPostgres { .. } => Ok(()),
        Command::EnrolCode {
            officer,
            organisation,
            municipality,
        } => cli::accounts::enrol_code(&db, now, officer, organisation, municipality),
        Command::CreateMunicipality { name, police_area } => {
            cli::accounts::create_municipality(&db, now, name, police_area)
        }
        Command::CreateCoordinator {
            username,
            name,
            municipality,
        } => cli::accounts::create_coordinator(&db, now, username, name, municipality),
        Command::Seed(args) => cli::seed::run(&db, now, args),
        Command::Devices => cli::operations::devices(&db),
        Command::Revoke { device } => cli::operations::revoke(&db, now, device),
        Command::Rebuild => cli::operations::rebuild(&db),
        Command::Quarantine => cli::operations::quarantine(&db),
        Command::Check => cli::operations::check(&db),
    }
}
