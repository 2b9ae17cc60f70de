//! Our side of the side-by-side benchmark with automerge-repo's sync server
//! (`scripts/peer-bench.sh` runs both and prints the comparison): N phones
//! (one officer each) push M patrol visits each through a byte-counting TCP
//! proxy to the release server binary, until every record is acknowledged
//! (acknowledged = committed and fsynced); then fresh phones (one per
//! officer: a phone may see only its officer's records) fetch them all
//! again. Prints one JSON line.
//!
//! It also measures the limit a perfect protocol and server would reach on
//! this machine (issue 16): `limit_push_bytes`, the same changes
//! gzip-compressed on their own, one stream per phone (what a protocol
//! with no framing, ids or acknowledgements would send); `limit_push_ms`,
//! the fsyncs a perfect server needs, one per round of concurrent syncs
//! (group commit), each the median of 200 `fdatasync`s of a small write on
//! the disk the server writes to.
//!
//! `PEER_N` (default 50) and `PEER_M` (default 200) set the size.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use app::DeviceStore;
use e2e::process::{free_port, usage};
use e2e::{workspace_binary, TestDevice};
use shared::record::Record;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Forwards TCP connections to `target`, counting the bytes both ways.
async fn counting_proxy(target: String, bytes: Arc<AtomicUsize>) -> Result<u16> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            let (target, bytes) = (target.clone(), bytes.clone());
            tokio::spawn(async move {
                let Ok(outbound) = tokio::net::TcpStream::connect(&target).await else {
                    return;
                };
                let (ri, wi) = inbound.into_split();
                let (ro, wo) = outbound.into_split();
                // Counted as the bytes pass: connections stay open in the
                // clients' pools, so counting at close would miss them.
                let up = pump(ri, wo, bytes.clone());
                let down = pump(ro, wi, bytes);
                let _ = tokio::join!(up, down);
            });
        }
    });
    Ok(port)
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    bytes: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = from.read(&mut buf).await?;
        if n == 0 {
            return to.shutdown().await;
        }
        bytes.fetch_add(n, Ordering::Relaxed);
        to.write_all(&buf[..n]).await?;
    }
}

/// Every phone syncs at once; returns when all are done, with the most
/// request rounds any phone needed.
async fn sync_all(phones: &[Arc<TestDevice>]) -> Result<usize> {
    let mut tasks = Vec::new();
    for phone in phones {
        let phone = Arc::clone(phone);
        tasks.push(tokio::spawn(async move { phone.sync().await }));
    }
    let mut rounds = 0;
    for t in tasks {
        rounds = rounds.max(t.await??.rounds);
    }
    Ok(rounds)
}

/// The bytes of every change waiting on `phone`, gzip-compressed as one
/// stream.
fn gzipped_outbox(phone: &TestDevice) -> Result<usize> {
    use std::io::Write as _;
    let batch = phone.lock().outgoing(usize::MAX)?;
    anyhow::ensure!(!batch.truncated, "the outbox did not fit one batch");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    for d in &batch.request.docs {
        for c in &d.changes {
            gz.write_all(c)?;
        }
    }
    Ok(gz.finish()?.len())
}

/// The median time of one `fdatasync` after a small write, in `dir`.
fn fsync_median_ms(dir: &std::path::Path) -> Result<f64> {
    use std::io::Write as _;
    let mut f = std::fs::File::create(dir.join("fsync-probe"))?;
    let mut times = Vec::with_capacity(200);
    for i in 0..200u32 {
        f.write_all(&i.to_le_bytes().repeat(1024))?;
        let t = Instant::now();
        f.sync_data()?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let (n, m) = (env_or("PEER_N", 50), env_or("PEER_M", 200));
    let bin = workspace_binary("trygghetslogg-server")?;
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let port = free_port()?;
    let mut server = Command::new(&bin)
        .arg("--data-dir")
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
        .spawn()?;
    let pid = server.id();
    let bytes = Arc::new(AtomicUsize::new(0));
    let proxy = counting_proxy(format!("127.0.0.1:{port}"), bytes.clone()).await?;
    let url = format!("http://127.0.0.1:{proxy}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("http://127.0.0.1:{port}/health"))
        .await
        .is_err()
    {
        if Instant::now() > deadline {
            bail!("the server did not start");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // One officer per phone: a phone receives only its officer's records,
    // as automerge-repo's clients receive only the documents they ask for.
    let code = |i: usize| -> Result<String> {
        let out = Command::new(&bin)
            .arg("--data-dir")
            .arg(&data)
            .args(["enrol-code", "--officer", &format!("Bench Officer {i}")])
            .args(["--municipality", "demokommun"])
            .output()?;
        Ok(String::from_utf8(out.stdout)?.trim().to_string())
    };
    let mut phones = Vec::new();
    for i in 0..n {
        let phone =
            TestDevice::enrol_with_code(&url, &code(i)?, DeviceStore::open_in_memory()?).await?;
        phone.sync().await?;
        phones.push(Arc::new(phone));
    }
    // The records, made offline first; the clock starts at the first sync.
    for phone in &phones {
        for i in 0..m as i64 {
            // 20 minutes apart: validation refuses one officer on many
            // patrols at once.
            let mut v = phone.new_visit(e2e::nth_visit_start(i))?;
            v.ended_at = Some(v.started_at + 12 * 60_000);
            v.contacts.increment(1);
            v.notes.update("Lugnt vid busshållplatsen, en kontakt.");
            phone.create(Record::PatrolVisit(v))?;
        }
    }
    let mut limit_push_bytes = 0;
    for phone in &phones {
        limit_push_bytes += gzipped_outbox(phone)?;
    }
    let base = bytes.load(Ordering::Relaxed);
    let t0 = Instant::now();
    let rounds = sync_all(&phones).await?;
    let pushed = t0.elapsed();
    for phone in &phones {
        anyhow::ensure!(phone.lock().pending_changes()? == 0, "not all acknowledged");
    }
    let push_bytes = bytes.load(Ordering::Relaxed) - base;

    // Every record fetched again by fresh phones: one per officer, all at
    // once (a phone may see only its officer's records).
    let mut fresh = Vec::new();
    for i in 0..n {
        fresh.push(Arc::new(
            TestDevice::enrol_with_code(&url, &code(i)?, DeviceStore::open_in_memory()?).await?,
        ));
    }
    // What a fresh phone receives besides records (plan, hotspots, venues,
    // directory), measured on an officer with none, so that the records'
    // own bytes can be told apart: the peer's workload has no such data.
    let base = bytes.load(Ordering::Relaxed);
    let bare = TestDevice::enrol_with_code(&url, &code(n)?, DeviceStore::open_in_memory()?).await?;
    let enrol_bytes = bytes.load(Ordering::Relaxed) - base;
    bare.sync().await?;
    let reference_bytes = bytes.load(Ordering::Relaxed) - base - enrol_bytes;

    let base = bytes.load(Ordering::Relaxed);
    let t1 = Instant::now();
    sync_all(&fresh).await?;
    let fetched = t1.elapsed();
    let mut got = 0;
    for f in &fresh {
        got += f.lock().ids(Some(shared::DocKind::PatrolVisit))?.len();
    }
    anyhow::ensure!(
        got == n * m,
        "the fresh phones have {got} of {} visits",
        n * m
    );
    let fetch_bytes = bytes.load(Ordering::Relaxed) - base;
    let used = usage(pid)?;
    let _ = server.kill();
    let _ = server.wait();
    let fsync_ms = fsync_median_ms(&data)?;
    println!(
        "{{\"pushed_ms\":{:.1},\"push_bytes\":{push_bytes},\"fetch_ms\":{:.1},\"fetch_bytes\":{fetch_bytes},\"fetch_record_bytes\":{},\"server_cpu_s\":{:.2},\"server_peak_kib\":{},\"limit_push_bytes\":{limit_push_bytes},\"limit_push_ms\":{:.2},\"fsync_ms\":{fsync_ms:.2},\"push_rounds\":{rounds}}}",
        pushed.as_secs_f64() * 1000.0,
        fetched.as_secs_f64() * 1000.0,
        fetch_bytes.saturating_sub(n * reference_bytes),
        used.cpu_s,
        used.peak_bytes / 1024,
        rounds as f64 * fsync_ms,
    );
    Ok(())
}
