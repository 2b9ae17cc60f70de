//! Load: 500 simulated devices syncing against the release server binary
//! on loopback for 5 minutes; bounded, stops by itself. Prints a table:
//! throughput, sync latency p50/p95/p99, errors (must be 0), the server's
//! peak memory and CPU time.
//!
//! ```sh
//! cargo build --release -p trygghetslogg-server
//! cargo bench -p trygghetslogg-tests --bench load            # 500 devices, 300 s
//! LOAD_DEVICES=50 LOAD_SECS=30 cargo bench -p trygghetslogg-tests --bench load
//! ```
//!
//! Each device logs a patrol visit, amends it, and syncs, then waits 1–3 s
//! (a real phone syncs far less often; this is a stress, not a model).

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use app::DeviceStore;
use e2e::process::{env_or, free_port, usage, Usage};
use e2e::{now_ms, workspace_binary, TestDevice};
use rand::Rng;
use shared::record::Record;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let devices = env_or("LOAD_DEVICES", 500) as usize;
    let secs = env_or("LOAD_SECS", 300);
    let bin = workspace_binary("trygghetslogg-server")?;
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let port = free_port()?;
    let url = format!("http://127.0.0.1:{port}");
    let server = Server(
        Command::new(&bin)
            .args(["--data-dir"])
            .arg(&data)
            .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
            // Every phone is on one loopback address here.
            .args([
                "--credentials-per-minute",
                "0",
                "--max-connections-per-peer",
                "4096",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let pid = server.0.id();
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.get(format!("{url}/health")).send().await.is_err() {
        if Instant::now() > deadline {
            bail!("the server did not start");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Enrol the devices, ten per officer, with codes from the CLI.
    let mut phones = Vec::with_capacity(devices);
    for i in 0..devices {
        let out = Command::new(&bin)
            .arg("--data-dir")
            .arg(&data)
            .args([
                "enrol-code",
                "--officer",
                &format!("Load Officer {}", i / 10),
                "--municipality",
                "demokommun",
            ])
            .output()?;
        let code = String::from_utf8(out.stdout)?.trim().to_string();
        let phone =
            TestDevice::enrol_with_code(&url, &code, DeviceStore::open_in_memory()?).await?;
        phone.sync().await?;
        phones.push(Arc::new(phone));
    }
    // Every enrolment republished the officers' directory, which reaches
    // every phone: the phones enrolled first catch up on it before the
    // timed part (in the field enrolments are days apart, not one burst).
    for phone in &phones {
        phone.sync().await?;
    }

    let latencies = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let errors = Arc::new(AtomicUsize::new(0));
    let records = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let end = started + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for (n, phone) in phones.into_iter().enumerate() {
        let (latencies, errors, records) = (latencies.clone(), errors.clone(), records.clone());
        tasks.push(tokio::spawn(async move {
            // Spread the first syncs over the first seconds.
            let first = rand::thread_rng().gen_range(0..2000);
            tokio::time::sleep(Duration::from_millis(first)).await;
            // One officer's ten phones take turns in 20-minute slots going
            // back in time, so that the officer is never on many patrols
            // at once (validation refuses that).
            let slot = 20 * 60_000i64;
            let mut earlier = (n as i64 % 10) * slot;
            while Instant::now() < end {
                earlier += 10 * slot;
                let made = (|| -> Result<()> {
                    let mut v = phone.new_visit(now_ms() - earlier)?;
                    v.contacts.increment(1);
                    let id = phone.create(Record::PatrolVisit(v))?;
                    phone.update(id, |r| {
                        if let Record::PatrolVisit(v) = r {
                            v.ended_at = Some(v.started_at + 12 * 60_000);
                            v.notes.update("Lugnt, en kontakt vid kiosken.");
                        }
                    })?;
                    Ok(())
                })();
                if made.is_err() {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                let t = Instant::now();
                match phone.sync().await {
                    Ok(_) => {
                        records.fetch_add(1, Ordering::Relaxed);
                        if let Ok(mut l) = latencies.lock() {
                            l.push(t.elapsed());
                        }
                    }
                    Err(_) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                let pause = rand::thread_rng().gen_range(1000..3000);
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let Usage {
        peak_bytes: peak,
        cpu_s: cpu,
    } = usage(pid)?;
    let mut l = latencies
        .lock()
        .map_err(|_| anyhow::anyhow!("lock"))?
        .clone();
    l.sort();
    let pct = |p: f64| {
        l.get(((l.len() as f64 - 1.0) * p).round() as usize)
            .map(|d| format!("{:.1} ms", d.as_secs_f64() * 1000.0))
            .unwrap_or_else(|| "—".into())
    };
    let stored: i64 = {
        let conn = rusqlite::Connection::open(server::db::db_path(&data))?;
        conn.query_row("SELECT count(*) FROM patrol_visits", [], |r| r.get(0))?
    };
    println!("\n| figure | measured |\n|---|---|");
    println!("| devices × duration | {devices} × {elapsed:.0} s |");
    println!(
        "| syncs (each: one new visit, created and amended) | {} |",
        l.len()
    );
    println!("| throughput | {:.0} syncs/s |", l.len() as f64 / elapsed);
    println!(
        "| sync latency p50 / p95 / p99 | {} / {} / {} |",
        pct(0.5),
        pct(0.95),
        pct(0.99)
    );
    println!("| errors | {} |", errors.load(Ordering::Relaxed));
    println!("| patrol visits stored (follow-up rows) | {stored} |");
    println!(
        "| server peak memory (VmHWM) | {:.0} MiB |",
        peak as f64 / 1_048_576.0
    );
    println!("| server CPU time | {cpu:.1} s |");
    drop(server);
    Ok(())
}
