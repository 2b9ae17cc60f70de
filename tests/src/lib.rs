//! Helpers for the end-to-end tests and benchmarks: a real server on a
//! loopback port with its SQLite file in a temporary directory, devices
//! with real device stores syncing over real HTTP, and builders for
//! plausible records.

pub mod browser;
pub mod oidc;
pub mod pdf;
pub mod postgres;
pub mod process;
pub mod scan;
pub mod sim;
pub mod web;
pub mod window;

pub use pdf::{assert_no_heading_ends_a_page, pdf_pages};

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use app::store::Enrolment;
use app::sync_client::{sync_once, HttpTransport, SyncError, SyncReport};
use app::DeviceStore;
use server::clock::{Clock, SystemClock};
use server::db::{identity, Db};
use server::{AppState, Limits};
use shared::domain::{Inspection, Millis, Organisation, PatrolVisit, PromisePlan};
use shared::record::Record;
use shared::{DocId, DocKind};
use tokio::sync::oneshot;

/// The start of an officer's `n`-th visit in a test: 20 minutes apart,
/// going back from an hour ago, so that one officer is never on many
/// patrols at once (validation refuses that, as a person cannot do it).
pub fn nth_visit_start(n: i64) -> Millis {
    now_ms() - 3_600_000 - n * 20 * 60_000
}

/// How many of `follow_up_rows`' lines belong to `table`.
pub fn rows_of(rows: &[String], table: &str) -> usize {
    rows.iter()
        .filter(|r| r.starts_with(&format!("{table}:")))
        .count()
}

pub fn now_ms() -> Millis {
    SystemClock.now_ms()
}

/// The bearer token a `TestServer`'s `/metrics` asks for.
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789";

/// The in-process server's warnings and errors (`RUST_LOG` chooses
/// otherwise) go to the test's output, shown when it fails.
pub fn show_server_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // Set once per test binary; later calls find it set.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

/// A server running in this process on 127.0.0.1, port chosen by the OS.
pub struct TestServer {
    pub url: String,
    pub db: Db,
    pub dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// The server's limits, with room for what tests do from one loopback
/// address: enrol tens of devices at once and sync them all in parallel.
/// The production defaults are tried by the attack tests.
pub fn many_devices_one_address() -> Limits {
    let mut limits = Limits::default();
    limits.anonymous.credentials.per_minute = 0;
    limits.transport.max_connections_per_peer = 1024;
    limits
}

impl TestServer {
    pub async fn start(dir: &Path) -> Result<TestServer> {
        Self::start_with(dir, many_devices_one_address()).await
    }

    pub async fn start_with(dir: &Path, limits: Limits) -> Result<TestServer> {
        Self::start_at(dir, limits, "127.0.0.1:0").await
    }

    /// Starts on a given address, e.g. the one a stopped server had, so
    /// that devices find it again.
    pub async fn start_at(dir: &Path, limits: Limits, addr: &str) -> Result<TestServer> {
        Self::start_full(dir, limits, addr, None).await
    }

    /// With single sign-on through the provider at `issuer` (client
    /// `client_id`, `secret`): the callback is this server's own address.
    pub async fn start_with_sso(
        dir: &Path,
        issuer: &str,
        client_id: &str,
        secret: &str,
    ) -> Result<TestServer> {
        let sso = (
            issuer.to_string(),
            client_id.to_string(),
            secret.to_string(),
        );
        Self::start_full(dir, Limits::default(), "127.0.0.1:0", Some(sso)).await
    }

    async fn start_full(
        dir: &Path,
        limits: Limits,
        addr: &str,
        sso: Option<(String, String, String)>,
    ) -> Result<TestServer> {
        show_server_logs();
        let db = postgres::open_store(dir)?;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let (tx, rx) = oneshot::channel::<()>();
        let state = AppState {
            db: db.clone(),
            clock: Arc::new(SystemClock),
            limits,
            secure_cookies: false,
            metrics: Default::default(),
            metrics_token: Some(std::sync::Arc::from(METRICS_TOKEN)),
            sso: sso.map(|(issuer, client_id, secret)| {
                Arc::new(server::web::sso::SsoConfig {
                    issuer,
                    client_id,
                    client_secret: Some(secret),
                    public_url: url.clone(),
                    label: "Testkommunen".into(),
                })
            }),
        };
        let task = tokio::spawn(async move {
            let _ = server::run(listener, state, async {
                let _ = rx.await;
            })
            .await;
        });
        Ok(TestServer {
            url,
            db,
            dir: dir.to_path_buf(),
            stop: Some(tx),
            task: Some(task),
        })
    }

    /// `host:port` it listens on.
    pub fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// How many patrol visits of `officer` the follow-up counts.
    pub async fn visits_counted(&self, officer: uuid::Uuid) -> Result<i64> {
        let officer = officer.to_string();
        Ok(self
            .db
            .read(move |c| {
                c.query_row(
                    "SELECT count(*) FROM patrol_visits WHERE owner = ?1",
                    [officer],
                    |r| r.get(0),
                )
            })
            .await?)
    }

    /// Seeds the demo reference data (plan, hotspots, venues).
    pub async fn seed_demo(&self) -> Result<()> {
        let now = now_ms();
        self.db.write(move |c| server::demo::seed(c, now)).await?;
        Ok(())
    }

    pub async fn enrolment_code(
        &self,
        officer: &str,
        organisation: Organisation,
    ) -> Result<String> {
        let (name, now) = (officer.to_string(), now_ms());
        Ok(self
            .db
            .write(move |c| {
                let id = identity::officer_by_name(c, &name, organisation, now)?;
                identity::create_enrolment_code(c, id, now)
            })
            .await?)
    }

    /// Adds a coordinator who can sign in to the pages.
    /// A coordinator marked as demo: signs in with the password alone, so
    /// that the tests of the pages are not about the second factor (its
    /// own tests are `tests/two_factor.rs`, with `create_real_coordinator`).
    pub async fn create_coordinator(&self, username: &str, password: &str) -> Result<()> {
        let (u, p, now) = (username.to_string(), password.to_string(), now_ms());
        self.db
            .write(move |c| {
                let id = server::db::coordinators::create(c, &u, "Test Coordinator", &p, now)?;
                server::db::coordinators::set_roles(c, id, &shared::roles::Role::ALL[..])?;
                server::db::coordinators::mark_demo(c, &u)
            })
            .await?;
        Ok(())
    }

    /// A coordinator as `create-coordinator` makes one: a second factor
    /// is set up at the first sign-in and asked at every one after.
    pub async fn create_real_coordinator(&self, username: &str, password: &str) -> Result<()> {
        let (u, p, now) = (username.to_string(), password.to_string(), now_ms());
        self.db
            .write(move |c| {
                let id = server::db::coordinators::create(c, &u, "Test Coordinator", &p, now)?;
                server::db::coordinators::set_roles(
                    c,
                    id,
                    &[
                        shared::roles::Role::Coordinator,
                        shared::roles::Role::Administrator,
                    ],
                )
            })
            .await?;
        Ok(())
    }

    /// Every follow-up row, as text.
    pub async fn follow_up_rows(&self) -> Result<Vec<String>> {
        Ok(self.db.read(server::db::projection::dump).await?)
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
        self.db.close();
    }
}

/// A device: a real store (in memory or on disk) and the HTTP transport.
pub struct TestDevice {
    pub store: Mutex<DeviceStore>,
    pub transport: HttpTransport,
    pub enrolment: Enrolment,
}

impl TestDevice {
    /// Enrols a new device for `officer` against `server`.
    pub async fn enrol(
        server: &TestServer,
        officer: &str,
        organisation: Organisation,
    ) -> Result<TestDevice> {
        let code = server.enrolment_code(officer, organisation).await?;
        Self::enrol_with_code(&server.url, &code, DeviceStore::open_in_memory()?).await
    }

    pub async fn enrol_with_code(
        url: &str,
        code: &str,
        mut store: DeviceStore,
    ) -> Result<TestDevice> {
        let enrolment = app::enrolment::enrol(url, code, "test phone").await?;
        store.save_enrolment(&enrolment)?;
        Ok(TestDevice {
            store: Mutex::new(store),
            transport: HttpTransport::new(url),
            enrolment,
        })
    }

    pub async fn sync(&self) -> Result<SyncReport, SyncError> {
        sync_once(&self.store, &self.transport, now_ms).await
    }

    pub fn officer(&self) -> uuid::Uuid {
        self.enrolment.officer_id
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, DeviceStore> {
        self.store.lock().expect("device store lock")
    }

    pub fn create(&self, record: Record) -> Result<DocId> {
        Ok(self.lock().create(&record, now_ms())?)
    }

    pub fn update(&self, id: DocId, edit: impl FnOnce(&mut Record)) -> Result<Record> {
        Ok(self.lock().update(id, now_ms(), edit)?)
    }

    pub fn record(&self, id: DocId) -> Result<Record> {
        self.lock()
            .record(id)?
            .with_context(|| format!("device lacks {id}"))
    }

    /// The device's copy of the reference data it synced.
    pub fn plan(&self) -> Result<PromisePlan> {
        let id = *self
            .lock()
            .ids(Some(DocKind::PromisePlan))?
            .first()
            .context("no plan on the device")?;
        match self.record(id)? {
            Record::PromisePlan(p) => Ok(p),
            _ => anyhow::bail!("not a plan"),
        }
    }

    pub fn reference_ids(&self, kind: DocKind) -> Result<Vec<DocId>> {
        Ok(self.lock().ids(Some(kind))?)
    }

    /// A new patrol visit at the device's first known hotspot.
    pub fn new_visit(&self, started_at: Millis) -> Result<PatrolVisit> {
        let hid = *self
            .reference_ids(DocKind::Hotspot)?
            .first()
            .context("no hotspot")?;
        let Record::Hotspot(h) = self.record(hid)? else {
            anyhow::bail!("not a hotspot")
        };
        Ok(PatrolVisit::new(
            hid.0,
            shared::rollup::initiative_for_visit(&h),
            started_at,
        ))
    }

    /// A new inspection at the device's first known venue.
    pub fn new_inspection(&self, started_at: Millis) -> Result<Inspection> {
        let vid = *self
            .reference_ids(DocKind::Venue)?
            .first()
            .context("no venue")?;
        let Record::Venue(venue) = self.record(vid)? else {
            anyhow::bail!("not a venue")
        };
        // The venue's own municipality's plan, as the app chooses it.
        let mut plans = Vec::new();
        for id in self.reference_ids(DocKind::PromisePlan)? {
            if let Record::PromisePlan(p) = self.record(id)? {
                plans.push(p);
            }
        }
        let initiative = shared::rollup::plan_for(&plans, venue.municipality_id)
            .and_then(shared::rollup::initiative_for_inspection)
            .context("no plan with an inspection initiative for the venue")?;
        Ok(Inspection::new(vid.0, initiative, started_at))
    }
}

/// The path of a binary built from this workspace, in the test's or
/// benchmark's own profile directory (debug for tests, release for
/// benchmarks), for running the server or the app as a separate process.
pub fn workspace_binary(name: &str) -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    // target/<profile>/deps/<test> -> target/<profile>/<name>
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .context("test binary has no parent directory")?;
    let path = dir.join(name);
    anyhow::ensure!(
        path.exists(),
        "{} is missing: build it first (cargo build{} -p {name})",
        path.display(),
        if dir.ends_with("release") {
            " --release"
        } else {
            ""
        }
    );
    Ok(path)
}
