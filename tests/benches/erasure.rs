//! Erasure at scale (issue 13): a year of patrol visits (200,000 by
//! default) seeded through the real ingest path, a retention rule that no
//! longer keeps any of them, and the nightly job (`db::retention::run`:
//! ledger first, then the store, 50 records a write) erasing them all while
//! ten phones keep syncing over real HTTP, each sync pushing a new visit.
//! Reports the erasure's time and rate, and the syncs' latency before and
//! during it (target: p99 under 100 ms during the erasure). Prints a table;
//! nothing is asserted.
//!
//! `ERASURE_VISITS` sets the size (default 200,000).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use e2e::process::env_or;
use e2e::{now_ms, TestDevice, TestServer};
use shared::domain::Organisation;
use shared::record::Record;

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// One phone syncing in a loop until `stop`, a new visit before each sync;
/// returns each sync's time in ms.
async fn keep_syncing(
    phone: Arc<TestDevice>,
    stop: Arc<AtomicBool>,
    first: i64,
) -> Result<Vec<f64>> {
    let mut times = Vec::new();
    let mut n = first;
    while !stop.load(Ordering::Relaxed) {
        let mut v = phone.new_visit(e2e::nth_visit_start(n))?;
        v.ended_at = Some(v.started_at + 12 * 60_000);
        phone.create(Record::PatrolVisit(v))?;
        n += 1;
        let t = Instant::now();
        phone.sync().await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(times)
}

async fn phase(
    phones: &[Arc<TestDevice>],
    first: i64,
    work: impl std::future::Future<Output = Result<usize>>,
) -> Result<(usize, f64, Vec<f64>)> {
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = phones
        .iter()
        .map(|p| tokio::spawn(keep_syncing(p.clone(), stop.clone(), first)))
        .collect();
    let t = Instant::now();
    let done = work.await?;
    let took = t.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    Ok((done, took, all))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let visits = env_or("ERASURE_VISITS", 200_000);
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("server");
    let t = Instant::now();
    // The seeder blocks on the writer: off the runtime.
    let seed_dir = dir.clone();
    tokio::task::spawn_blocking(move || -> Result<()> {
        let db = server::db::Db::open(&seed_dir)?;
        let size = server::seed::Size {
            visits,
            inspections: 0,
            years: 1,
            ..Default::default()
        };
        server::seed::seed(&db, size, now_ms(), |_, _| {})?;
        db.close();
        Ok(())
    })
    .await??;
    let seeded_s = t.elapsed().as_secs_f64();
    let server = TestServer::start(&dir).await?;
    let mut phones = Vec::new();
    for i in 0..10 {
        let p =
            TestDevice::enrol(&server, &format!("Bench Officer {i}"), Organisation::Police).await?;
        p.sync().await?;
        phones.push(Arc::new(p));
    }
    // Before: ten seconds of syncs alone.
    let (_, _, mut before) = phase(&phones, 0, async {
        tokio::time::sleep(Duration::from_secs(10)).await;
        Ok(0)
    })
    .await?;
    // A rule that keeps visits one month past their plan's end, judged
    // years from now: every visit is due.
    let rule = shared::retention::RetentionRule::new(shared::DocKind::PatrolVisit, 1, "Benchmark")?;
    server
        .db
        .write(move |c| server::db::retention::set_rule(c, &rule, "bench", now_ms()))
        .await?;
    let later = now_ms() + 20 * 365 * 86_400_000;
    let db = server.db.clone();
    let (erased, took, mut during) = phase(&phones, 10_000, async move {
        Ok(server::db::retention::run(&db, later).await?)
    })
    .await?;
    let left: i64 = server
        .db
        .read(|c| {
            c.query_row("SELECT count(*) FROM docs WHERE kind = 'visit'", [], |r| {
                r.get(0)
            })
        })
        .await?;
    println!(
        "\nErasure of {visits} seeded visits (seeded in {seeded_s:.0} s), ten phones syncing\n"
    );
    println!("| figure | value |\n|---|---|");
    println!("| records erased (with the phones' own) | {erased} |");
    println!("| time | {took:.1} s |");
    println!(
        "| rate | {:.0} records/s |",
        erased as f64 / took.max(0.001)
    );
    println!("| visits left (pushed after the job's read) | {left} |");
    for (name, v) in [("before", &mut before), ("during the erasure", &mut during)] {
        let n = v.len();
        println!(
            "| syncs {name}: n, p50 / p99 / max | {n}, {:.1} / {:.1} / {:.1} ms |",
            percentile(v, 0.5),
            percentile(v, 0.99),
            percentile(v, 1.0)
        );
    }
    server.stop().await;
    Ok(())
}
