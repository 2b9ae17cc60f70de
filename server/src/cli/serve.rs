//! `serve`: the sync protocol and the pages on one listener, with the demo
//! data when asked for.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use server::clock::SystemClock;
use server::db::{coordinators, identity, municipalities, Db};
use server::{AppState, Limits};
use shared::domain::{Millis, Organisation};

/// The limits an operator may set; each default is `Limits::default()`'s.
#[derive(clap::Args, Debug)]
pub struct LimitArgs {
    /// Largest request body in bytes.
    #[arg(long, default_value_t = 8 * 1024 * 1024)]
    max_body_bytes: usize,
    /// Seconds for a request's headers to arrive, and for an idle
    /// kept-alive connection to start its next request.
    #[arg(long, default_value_t = 10)]
    header_timeout_secs: u64,
    /// Connections open at once (lowered to fit the open-file limit).
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// Connections open at once from one address.
    #[arg(long, default_value_t = 64)]
    max_connections_per_peer: usize,
    /// Enrolments and sign-ins per minute from one address (0: no limit);
    /// the burst is one and a half times as many.
    #[arg(long, default_value_t = 20)]
    credentials_per_minute: u32,
    /// The address of a proxy in front: exempt from the per-address
    /// connection cap, and its X-Forwarded-For names the client.
    #[arg(long)]
    trusted_proxy: Option<std::net::IpAddr>,
}

impl LimitArgs {
    pub fn limits(&self) -> Limits {
        let mut limits = Limits {
            max_body_bytes: self.max_body_bytes,
            ..Limits::default()
        };
        limits.transport.header_timeout = std::time::Duration::from_secs(self.header_timeout_secs);
        limits.transport.max_connections = self.max_connections;
        limits.transport.max_connections_per_peer = self.max_connections_per_peer;
        limits.transport.trusted_proxy = self.trusted_proxy;
        limits.anonymous.credentials.per_minute = self.credentials_per_minute;
        limits.anonymous.credentials.burst = self.credentials_per_minute.saturating_mul(3) / 2;
        limits
    }
}

/// Single sign-on through an OpenID Connect provider (docs/web.md); off
/// unless `--sso-issuer` is given.
#[derive(clap::Args, Debug)]
pub struct SsoArgs {
    /// The provider's issuer URL (its discovery document is read).
    #[arg(long, env = "TRYGGHETSLOGG_SSO_ISSUER", requires_all = ["sso_client_id", "public_url"])]
    sso_issuer: Option<String>,
    /// This server's client id at the provider.
    #[arg(long, env = "TRYGGHETSLOGG_SSO_CLIENT_ID")]
    sso_client_id: Option<String>,
    /// A file holding the client secret (never on the command line).
    #[arg(long, env = "TRYGGHETSLOGG_SSO_CLIENT_SECRET_FILE")]
    sso_client_secret_file: Option<std::path::PathBuf>,
    /// The sign-in button's words: "Sign in with <label>".
    #[arg(long, default_value = "the organisation's sign-in")]
    sso_label: String,
    /// This server's address as browsers reach it (the provider sends
    /// them back to <public-url>/sign-in/sso/callback).
    #[arg(long, env = "TRYGGHETSLOGG_PUBLIC_URL")]
    public_url: Option<String>,
}

impl SsoArgs {
    pub fn config(&self) -> anyhow::Result<Option<server::web::sso::SsoConfig>> {
        let (Some(issuer), Some(client_id), Some(public_url)) =
            (&self.sso_issuer, &self.sso_client_id, &self.public_url)
        else {
            return Ok(None);
        };
        let client_secret = match &self.sso_client_secret_file {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading the client secret from {}", path.display()))?
                    .trim()
                    .to_string(),
            ),
            None => None,
        };
        Ok(Some(server::web::sso::SsoConfig {
            issuer: issuer.clone(),
            client_id: client_id.clone(),
            client_secret,
            public_url: public_url.clone(),
            label: self.sso_label.clone(),
        }))
    }
}

/// The token `/metrics` asks for, read from its file (never the command
/// line); at least 16 characters.
pub fn metrics_token(file: Option<&Path>) -> anyhow::Result<Option<Arc<str>>> {
    let Some(file) = file else {
        return Ok(None);
    };
    let token = std::fs::read_to_string(file)
        .with_context(|| format!("reading the metrics token from {}", file.display()))?;
    let token = token.trim();
    anyhow::ensure!(
        token.len() >= 16,
        "the metrics token in {} must be at least 16 characters",
        file.display()
    );
    Ok(Some(Arc::from(token)))
}

/// The demo coordinator's password: demo data only, printed at start.
const DEMO_PASSWORD: &str = "demo-samordnare";

#[allow(clippy::too_many_arguments)]
pub fn run(
    db: &Db,
    data_dir: &Path,
    now: Millis,
    listen: SocketAddr,
    demo: bool,
    demo_records: bool,
    limits: Limits,
    secure_cookies: bool,
    sso: Option<server::web::sso::SsoConfig>,
    metrics_token: Option<Arc<str>>,
) -> anyhow::Result<()> {
    if demo {
        // Two invented municipalities in one police area.
        let seeded = db
            .write_blocking(move |c| server::demo::seed_both(c, now))
            .context("seeding demo data")?;
        if seeded && demo_records {
            // Field records too, so that the pages have something
            // to show: a year's invented patrols and inspections.
            for (name, visits) in server::demo::MUNICIPALITIES.iter().zip([3_000, 1_500]) {
                let size = server::seed::Size {
                    municipality: name.to_string(),
                    visits,
                    inspections: visits / 40,
                    hotspots: 12,
                    venues: 12,
                    years: 1,
                    officers: 6,
                };
                server::seed::seed(db, size, now, |_, _| {}).context("seeding demo records")?;
            }
            tracing::info!("demo data seeded");
        }
        let code = db
            .write_blocking(move |c| {
                let officer =
                    identity::officer_by_name(c, "Demo Polis", Organisation::Police, now)?;
                // A police officer of the area patrols in both.
                let all: Vec<_> = municipalities::all(c)?.into_iter().map(|m| m.id).collect();
                municipalities::set_officer_works_in(c, officer, &all, now)?;
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
                let id = coordinators::create(c, "demo", "Demo Samordnare", DEMO_PASSWORD, now)?;
                // The police area's coordinator: both municipalities.
                coordinators::set_roles(
                    c,
                    id,
                    &[
                        shared::roles::Role::AreaCoordinator,
                        shared::roles::Role::Administrator,
                    ],
                )?;
                let area = municipalities::police_area(c, server::demo::POLICE_AREA, true)?;
                municipalities::set_account(c, id, &[], &[area])?;
            }
            // Marked as demo (also in a data folder made before the mark
            // existed): it signs in without a second factor, so that the
            // demo stays one command, and every page says "(demo)".
            coordinators::mark_demo(c, "demo")?;
            Ok(!exists)
        })?;
        if made {
            println!("Demo coordinator: user name \"demo\", password \"{DEMO_PASSWORD}\"");
        }
    }
    let state = AppState {
        db: db.clone(),
        clock: Arc::new(SystemClock),
        limits,
        secure_cookies,
        sso: sso.map(Arc::new),
        metrics: Default::default(),
        metrics_token,
    };
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("binding {listen}"))?;
        let addr = listener.local_addr()?;
        println!("Trygghetslogg server listening on http://{addr}");
        tracing::info!(%addr, data_dir = %data_dir.display(), "serving");
        server::run(listener, state, shutdown_signal())
            .await
            .context("serving")?;
        anyhow::Ok(())
    })?;
    db.close();
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
