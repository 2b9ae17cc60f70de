//! SQLite against PostgreSQL, side by side in one run, with the release
//! server binary on loopback. Prints a table; the targets (PostgreSQL
//! ingest at least half of SQLite's, the page under 500 ms) are reported,
//! not asserted.
//!
//! 1. Ingest: `PG_PHONES` (50) phones each make `PG_RECORDS` (200) patrol
//!    visits offline, then all sync at once; the time until every record is
//!    acknowledged (stored durably). Against SQLite, PostgreSQL with one
//!    instance, and PostgreSQL with two instances on the same database (the
//!    phones split between them).
//! 2. The quarter follow-up page of a store of `PG_VISITS` (1,000,000)
//!    visits, median of 7 requests each: the SQLite store seeded with the
//!    `seed` command (kept in `target/postgres-bench/`), the PostgreSQL one
//!    made from it with `copy-to-postgres` (kept as database `bench_pages`).
//!
//! ```sh
//! cargo build --release -p trygghetslogg-server
//! cargo bench -p trygghetslogg-tests --bench postgres
//! PG_VISITS=100000 cargo bench -p trygghetslogg-tests --bench postgres
//! # only some of the ingest rows, no page (while working on the write path):
//! PG_INGEST=sqlite,one PG_VISITS=0 cargo bench -p trygghetslogg-tests --bench postgres
//! ```

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use app::DeviceStore;
use e2e::process::{env_or, free_port, median, server_on, wait_until_up};
use e2e::web::WebClient;
use e2e::{workspace_binary, TestDevice};
use server::db::sql::{off_runtime, Connection};
use shared::record::Record;

const PASSWORD: &str = "benchmark password";

/// A server process, stopped when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve(bin: &Path, data: &Path, database: Option<&str>, demo: bool) -> Result<Server> {
    let port = free_port()?;
    let mut cmd = server_on(bin, data, database);
    cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        // Every phone is on one loopback address here.
        .args([
            "--credentials-per-minute",
            "0",
            "--max-connections-per-peer",
            "4096",
        ]);
    if demo {
        cmd.arg("--demo");
    }
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
    let url = format!("http://127.0.0.1:{port}");
    wait_until_up(&url).await?;
    Ok(Server { child, url })
}

/// A new database on the tests' PostgreSQL server.
fn database(name: &str, fresh: bool) -> Result<String> {
    let admin = e2e::postgres::admin_url()?;
    let name = name.to_string();
    {
        let (admin, name) = (admin.clone(), name.clone());
        off_runtime(move || -> Result<()> {
            let c = Connection::postgres(&admin)?;
            if fresh {
                c.execute_batch(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
            }
            let there = c
                .prepare("SELECT 1 FROM pg_database WHERE datname = ?1")?
                .exists([name.as_str()])?;
            if !there {
                c.execute_batch(&format!("CREATE DATABASE {name}"))?;
            }
            Ok(())
        })?;
    }
    Ok(e2e::postgres::with_database(&admin, &name))
}

/// Ingest: every phone's records made offline, then all phones sync at
/// once; seconds until every record is acknowledged.
async fn ingest(
    bin: &Path,
    dir: &Path,
    database: Option<&str>,
    instances: usize,
    phones: usize,
    records: i64,
) -> Result<f64> {
    let data = dir.join(format!("ingest-{}-{instances}", database.is_some()));
    let mut servers = vec![serve(bin, &data, database, true).await?];
    for i in 1..instances {
        servers.push(serve(bin, &data.join(format!("i{i}")), database, false).await?);
    }
    let mut devices = Vec::new();
    for i in 0..phones {
        let code = e2e::process::enrolment_code(
            server_on(bin, &data, database),
            &format!("Bench Officer {i}"),
        )?;
        // The phones split between the instances.
        let url = &servers[i % servers.len()].url;
        let phone = TestDevice::enrol_with_code(url, &code, DeviceStore::open_in_memory()?).await?;
        phone.sync().await?;
        devices.push(Arc::new(phone));
    }
    for phone in &devices {
        for i in 0..records {
            let mut v = phone.new_visit(e2e::nth_visit_start(i))?;
            v.ended_at = Some(v.started_at + 12 * 60_000);
            v.contacts.increment(1);
            v.notes.update("Lugnt vid busshållplatsen, en kontakt.");
            phone.create(Record::PatrolVisit(v))?;
        }
    }
    let t = Instant::now();
    let mut tasks = Vec::new();
    for phone in &devices {
        let phone = Arc::clone(phone);
        tasks.push(tokio::spawn(async move { phone.sync().await }));
    }
    for task in tasks {
        task.await??;
    }
    let secs = t.elapsed().as_secs_f64();
    for phone in &devices {
        anyhow::ensure!(phone.lock().pending_changes()? == 0, "not all acknowledged");
    }
    Ok(secs)
}

/// The SQLite store of `visits` visits and its PostgreSQL copy, made once.
fn page_stores(bin: &Path, visits: u64) -> Result<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/postgres-bench");
    let data = root.join(format!("sqlite-{visits}"));
    let name = format!("bench_pages_{visits}");
    let seeded = data.join("seeded");
    if !seeded.exists() {
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data)?;
        let t = Instant::now();
        eprintln!("seeding {visits} visits into {}", data.display());
        let status = server_on(bin, &data, None)
            .args(["seed", "--municipality", "Demokommun"])
            .args(["--visits", &visits.to_string()])
            .args(["--inspections", &(visits / 50).to_string()])
            .args(["--hotspots", "20", "--venues", "30", "--years", "2"])
            .stdout(Stdio::null())
            .status()
            .context("running the seed command")?;
        if !status.success() {
            bail!("seeding failed");
        }
        let status = server_on(bin, &data, None)
            .args([
                "create-coordinator",
                "--username",
                "bench",
                "--name",
                "Bench",
            ])
            .args(["--municipality", "demokommun"])
            .env("TRYGGHETSLOGG_PASSWORD", PASSWORD)
            .stdout(Stdio::null())
            .status()?;
        if !status.success() {
            bail!("making the account failed");
        }
        eprintln!("seeded in {:.0} s", t.elapsed().as_secs_f64());
        let url = database(&name, true)?;
        let t = Instant::now();
        let out = server_on(bin, &data, None)
            .args(["copy-to-postgres", "--to", &url])
            .output()?;
        if !out.status.success() {
            bail!("copy-to-postgres: {}", String::from_utf8_lossy(&out.stderr));
        }
        eprintln!(
            "{} in {:.0} s",
            String::from_utf8_lossy(&out.stdout).trim(),
            t.elapsed().as_secs_f64()
        );
        std::fs::write(&seeded, b"")?;
    }
    Ok((data, database(&name, false)?))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let phones = env_or("PG_PHONES", 50) as usize;
    let records = env_or("PG_RECORDS", 200) as i64;
    let visits = env_or("PG_VISITS", 1_000_000);
    let bin = workspace_binary("trygghetslogg-server")?;
    let dir = tempfile::tempdir()?;

    // 1. Ingest: the rows PG_INGEST names (all four by default).
    let rows = std::env::var("PG_INGEST").unwrap_or_else(|_| "sqlite,one,two,socket".into());
    let wanted = |row: &str| rows.split(',').any(|r| r.trim() == row);
    let mut measured = Vec::new();
    // (PG_INGEST's name, label, PostgreSQL database, instances, over the
    // Unix socket: a database on the same machine)
    for (row, label, name, instances, socket) in [
        ("sqlite", "SQLite", None, 1, false),
        (
            "one",
            "PostgreSQL, one instance",
            Some("bench_ingest_one"),
            1,
            false,
        ),
        (
            "two",
            "PostgreSQL, two instances",
            Some("bench_ingest_two"),
            2,
            false,
        ),
        (
            "socket",
            "PostgreSQL, one instance, Unix socket",
            Some("bench_ingest_socket"),
            1,
            true,
        ),
    ] {
        if !wanted(row) {
            continue;
        }
        let url = match name {
            None => None,
            Some(name) if socket => {
                let socket_dir = std::env::var("TRYGGHETSLOGG_PG_DIR")
                    .unwrap_or_else(|_| "/tmp/trygghetslogg-pg".into())
                    .replace('/', "%2F");
                Some(database(name, true)?.replace("127.0.0.1:", &format!("{socket_dir}:")))
            }
            Some(name) => Some(database(name, true)?),
        };
        let data = dir.path().join(row);
        let secs = ingest(&bin, &data, url.as_deref(), instances, phones, records).await?;
        measured.push((label, secs));
    }
    let total = (phones as i64 * records) as f64;
    let sqlite = measured
        .iter()
        .find(|(l, _)| *l == "SQLite")
        .map(|(_, s)| *s);
    println!(
        "\n| ingest, {phones} phones x {records} records | seconds | records/s | of SQLite's |"
    );
    println!("|---|---|---|---|");
    for (label, secs) in measured {
        let ratio = sqlite.map_or("-".to_string(), |s| format!("{:.2}", s / secs));
        println!("| {label} | {secs:.2} | {:.0} | {ratio} |", total / secs);
    }
    if visits == 0 {
        return Ok(());
    }

    // 2. The quarter follow-up page on a large store.
    let (data, url) = page_stores(&bin, visits)?;
    let sqlite = serve(&bin, &data, None, false).await?;
    let pg = serve(&bin, &dir.path().join("pages"), Some(&url), false).await?;
    let quarter = shared::follow_up::Period::quarter_of(e2e::now_ms()).previous();
    let path = format!("/follow-up?period={}", quarter.key());
    let mut clients = Vec::new();
    // Each store set up its own second factor (the copy may predate it).
    for (s, key) in [
        (&sqlite, "bench-totp-key"),
        (&pg, "bench-totp-key-postgres"),
    ] {
        let mut web = WebClient::new(&s.url);
        web.sign_in_keeping_key("bench", PASSWORD, &data.join(key))
            .await?;
        clients.push(web);
    }
    let mut times = [Vec::new(), Vec::new()];
    let mut bodies = Vec::new();
    for web in clients.iter_mut() {
        // The first request reads the pages from disk: not counted.
        let page = web.get(&path).await?;
        if page.status != 200 {
            bail!("{path}: status {}", page.status);
        }
        bodies.push(page.body.len());
    }
    for _ in 0..7 {
        for (i, web) in clients.iter_mut().enumerate() {
            let t = Instant::now();
            let page = web.get(&path).await?;
            times[i].push(t.elapsed().as_secs_f64() * 1000.0);
            if page.status != 200 {
                bail!("{path}: status {}", page.status);
            }
        }
    }
    let [ts, tp] = times;
    let (s, p) = (median(ts), median(tp));
    println!(
        "\n| follow-up page, quarter {quarter}, {visits} visits | median of 7 (ms) | bytes |\n|---|---|---|"
    );
    println!("| SQLite | {s:.0} | {} |", bodies[0]);
    println!("| PostgreSQL | {p:.0} | {} |", bodies[1]);
    println!("\nPostgreSQL/SQLite page time: {:.2}", p / s);
    Ok(())
}
