//! The command line: the subcommands and their arguments; each runs in a
//! function of its own file.

pub mod accounts;
pub mod config;
pub mod operations;
pub mod seed;
pub mod serve;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    args_override_self = true,
    name = "trygghetslogg-server",
    version,
    about = "Trygghetslogg's sync and follow-up server"
)]
pub struct Cli {
    /// Directory holding the database (created if missing).
    #[arg(
        long,
        env = "TRYGGHETSLOGG_DATA_DIR",
        default_value = "data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Keep the store in PostgreSQL (`postgres://user:password@host/db`)
    /// instead of SQLite in the data directory. Every instance of a
    /// service names the same database (docs/operations.md).
    #[arg(
        long,
        env = "TRYGGHETSLOGG_DATABASE",
        global = true,
        hide_env_values = true
    )]
    pub database: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the sync protocol and the pages.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Seed the demo plan, hotspots and venues if the store has no plan,
        /// and print an enrolment code for a demo officer.
        #[arg(long)]
        demo: bool,
        /// With --demo: also a year of invented patrol visits and
        /// inspections, so that the pages have something to show.
        #[arg(long, requires = "demo")]
        demo_records: bool,
        #[command(flatten)]
        limits: serve::LimitArgs,
        /// Mark the pages' cookies Secure: set when users reach the server
        /// over TLS (through a proxy that terminates it).
        #[arg(long, env = "TRYGGHETSLOGG_SECURE_COOKIES")]
        secure_cookies: bool,
        #[command(flatten)]
        sso: serve::SsoArgs,
        /// A file holding the bearer token Prometheus scrapes `/metrics`
        /// with; without it `/metrics` is off (404).
        #[arg(long, env = "TRYGGHETSLOGG_METRICS_TOKEN_FILE")]
        metrics_token_file: Option<PathBuf>,
        /// A TOML file of these options (`listen = "0.0.0.0:8080"`, one key
        /// per flag without its dashes); flags typed here win over it.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Write a consistent copy of the store and the erasure ledger into a
    /// new directory while the server runs (SQLite's online backup).
    Backup {
        /// The directory to write (must not exist yet).
        #[arg(long)]
        to: PathBuf,
    },
    /// Copy this data directory's SQLite store into a new, empty
    /// PostgreSQL database (the server stopped): every document, change
    /// log position, device token and follow-up row as it is, so phones
    /// go on syncing without a reset (docs/operations.md).
    CopyToPostgres {
        /// The PostgreSQL database (`postgres://user:password@host/db`).
        #[arg(long, env = "TRYGGHETSLOGG_COPY_TO", hide_env_values = true)]
        to: String,
    },
    /// Put a backup made by `backup` in place of the data directory's store
    /// (the server stopped). The erasure ledger is kept when there is one:
    /// an older ledger would forget erasures (docs/operations.md).
    Restore {
        /// The backup's directory.
        #[arg(long)]
        from: PathBuf,
    },
    /// Add a coordinator who can sign in to the pages. The password is read
    /// from TRYGGHETSLOGG_PASSWORD, or else from the first line of stdin.
    CreateCoordinator {
        /// The name to sign in with.
        #[arg(long)]
        username: String,
        /// The name shown on the pages.
        #[arg(long)]
        name: String,
        /// A municipality the account reaches, by its address
        /// (`/public/<slug>`); may be given more than once. On a server
        /// with one municipality, that one without naming it.
        #[arg(long)]
        municipality: Vec<String>,
    },
    /// Create a one-time enrolment code for an officer (valid 24 hours).
    EnrolCode {
        /// The officer's display name; an officer of that name is created if
        /// there is none.
        #[arg(long)]
        officer: String,
        /// police or municipality.
        #[arg(long, default_value = "police")]
        organisation: String,
        /// A municipality the officer works in, by its address
        /// (`/public/<slug>`); may be given more than once.
        #[arg(long)]
        municipality: Vec<String>,
    },
    /// Make a municipality (the first one on a server is given to every
    /// officer and account already there).
    CreateMunicipality {
        #[arg(long)]
        name: String,
        /// Its police area, made if there is none of that name.
        #[arg(long)]
        police_area: Option<String>,
    },
    /// Fill the store with a large invented data set (for benchmarks): by
    /// default 1,000,000 patrol visits, 20,000 inspections, 200 hotspots and
    /// 300 venues over 5 years.
    Seed(seed::SeedArgs),
    /// List enrolled devices.
    Devices,
    /// Revoke a device: its next request gets 401; what it sent stays.
    Revoke {
        #[arg(long)]
        device: uuid::Uuid,
    },
    /// Recreate the follow-up tables from the documents.
    Rebuild,
    /// List quarantined documents and why they were refused.
    Quarantine,
    /// Run SQLite's integrity check.
    Check,
}
