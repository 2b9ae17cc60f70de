//! The `trygghetslogg-server` command: serve, and the operator's tasks
//! (enrolment codes, devices, rebuild, integrity check).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use server::clock::{Clock, SystemClock};
use server::db::{coordinators, identity, projection, quarantine, Db};
use server::{AppState, Limits};
use shared::domain::Organisation;

/// The demo coordinator's password: demo data only, printed at start.
const DEMO_PASSWORD: &str = "demo-samordnare";

#[derive(Parser)]
#[command(
    name = "trygghetslogg-server",
    version,
    about = "Trygghetslogg's sync and follow-up server"
)]
struct Cli {
    /// Directory holding the database (created if missing).
    #[arg(
        long,
        env = "TRYGGHETSLOGG_DATA_DIR",
        default_value = "data",
        global = true
    )]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
        /// Largest request body in bytes.
        #[arg(long, default_value_t = 8 * 1024 * 1024)]
        max_body_bytes: usize,
        /// Mark the pages' cookies Secure: set when users reach the server
        /// over TLS (through a proxy that terminates it).
        #[arg(long, env = "TRYGGHETSLOGG_SECURE_COOKIES")]
        secure_cookies: bool,
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
    },
    /// Fill the store with a large invented data set (for benchmarks): by
    /// default 1,000,000 patrol visits, 20,000 inspections, 200 hotspots and
    /// 300 venues over 5 years.
    Seed {
        #[arg(long, default_value_t = 1_000_000)]
        visits: u64,
        #[arg(long, default_value_t = 20_000)]
        inspections: u64,
        #[arg(long, default_value_t = 200)]
        hotspots: u64,
        #[arg(long, default_value_t = 300)]
        venues: u64,
        #[arg(long, default_value_t = 5)]
        years: i32,
    },
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

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let db = Db::open(&cli.data_dir)
        .with_context(|| format!("opening the store in {}", cli.data_dir.display()))?;
    let now = SystemClock.now_ms();
    match cli.command {
        Command::Serve {
            listen,
            demo,
            demo_records,
            max_body_bytes,
            secure_cookies,
        } => {
            if demo {
                let seeded = db
                    .write_blocking(move |c| server::demo::seed(c, now))
                    .context("seeding demo data")?;
                if seeded && demo_records {
                    // Field records too, so that the pages have something
                    // to show: a year's invented patrols and inspections.
                    let size = server::seed::Size {
                        visits: 3_000,
                        inspections: 80,
                        hotspots: 12,
                        venues: 12,
                        years: 1,
                        officers: 6,
                    };
                    server::seed::seed(&db, size, now, |_, _| {})
                        .context("seeding demo records")?;
                    tracing::info!("demo data seeded");
                }
                let code = db
                    .write_blocking(move |c| {
                        let officer =
                            identity::officer_by_name(c, "Demo Polis", Organisation::Police, now)?;
                        identity::create_enrolment_code(c, officer, now)
                    })
                    .context("creating a demo enrolment code")?;
                println!("Demo enrolment code for officer \"Demo Polis\": {code}");
                let made = db.write_blocking(move |c| {
                    let exists: bool = c.query_row(
                        "SELECT EXISTS (SELECT 1 FROM coordinators WHERE username = 'demo')",
                        [],
                        |r| r.get(0),
                    )?;
                    if !exists {
                        coordinators::create(c, "demo", "Demo Samordnare", DEMO_PASSWORD, now)?;
                    }
                    Ok(!exists)
                })?;
                if made {
                    println!("Demo coordinator: user name \"demo\", password \"{DEMO_PASSWORD}\"");
                }
            }
            let limits = Limits {
                max_body_bytes,
                ..Limits::default()
            };
            let state = AppState {
                db: db.clone(),
                clock: Arc::new(SystemClock),
                limits,
                secure_cookies,
            };
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .with_context(|| format!("binding {listen}"))?;
                let addr = listener.local_addr()?;
                println!("Trygghetslogg server listening on http://{addr}");
                tracing::info!(%addr, data_dir = %cli.data_dir.display(), "serving");
                server::run(listener, state, shutdown_signal())
                    .await
                    .context("serving")?;
                anyhow::Ok(())
            })?;
            db.close();
        }
        Command::EnrolCode {
            officer,
            organisation,
        } => {
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
        }
        Command::CreateCoordinator { username, name } => {
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
            db.write_blocking(move |c| coordinators::create(c, &user, &name, &password, now))?;
            println!("coordinator {username} created; sign in at /sign-in");
        }
        Command::Seed {
            visits,
            inspections,
            hotspots,
            venues,
            years,
        } => {
            let size = server::seed::Size {
                visits,
                inspections,
                hotspots,
                venues,
                years: years.max(1),
                ..Default::default()
            };
            let started = std::time::Instant::now();
            let mut last = 0;
            server::seed::seed(&db, size, now, |done, total| {
                if done * 20 / total != last || done == total {
                    last = done * 20 / total;
                    eprintln!(
                        "seeded {done} of {total} records ({:.0} s)",
                        started.elapsed().as_secs_f64()
                    );
                }
            })?;
            println!(
                "seeded {visits} visits and {inspections} inspections in {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
        Command::Devices => {
            for d in db.read_blocking(identity::list_devices)? {
                let state = if d.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{}\t{}\t{}\t{}\tlast sync {:?}",
                    d.id, d.officer_name, d.name, state, d.last_sync_at
                );
            }
        }
        Command::Revoke { device } => {
            if !db.write_blocking(move |c| identity::revoke(c, device, now))? {
                bail!("no device {device}");
            }
            println!("revoked {device}");
        }
        Command::Rebuild => {
            let n = db.write_blocking(projection::rebuild)?;
            println!("rebuilt the follow-up tables from {n} documents");
        }
        Command::Quarantine => {
            for q in db.read_blocking(quarantine::list)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    q.id, q.doc_id, q.received_at, q.code, q.reason
                );
            }
        }
        Command::Check => {
            let result: String =
                db.read_blocking(|c| Ok(c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?))?;
            println!("{result}");
            if result != "ok" {
                bail!("integrity check failed");
            }
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
