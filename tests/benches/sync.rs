//! The sync engine's benchmark. Prints one `name: value` line per figure;
//! run with `cargo bench -p trygghetslogg-tests --bench sync`. Figures are
//! reported in the README, never asserted.
//!
//! (a) a device holding 10,000 records of which 40 changed: round trips,
//!     request+response bytes, their ratio to the changes' own size;
//! (b) a fresh device bootstrapping 2,000 visible records: time and bytes;
//! (c) server ingest with 50 concurrent devices: durable records/s;
//! (d) on-disk bytes per patrol visit, on the server and on a device.

use std::time::Instant;

use app::DeviceStore;
use e2e::{now_ms, TestDevice, TestServer};
use shared::domain::{Organisation, SafetyProblem};
use shared::record::Record;

fn visit(d: &TestDevice, i: i64) -> anyhow::Result<Record> {
    // One officer's visits one after another (validation refuses an officer
    // on many patrols at once), all in the last few days.
    let mut v = d.new_visit(now_ms() - 5 * 86_400_000 + i * 20 * 60_000)?;
    v.ended_at = Some(v.started_at + (10 + i % 7) * 60_000);
    v.contacts.increment(i % 4);
    v.problems
        .insert(SafetyProblem::ALL[(i % 8) as usize].key().into(), true);
    v.notes
        .update("Lugnt vid busshållplatsen, ungdomar samlade vid kiosken, en kontakt.");
    Ok(Record::PatrolVisit(v))
}

async fn db_bytes(server: &TestServer) -> anyhow::Result<i64> {
    Ok(server
        .db
        .read(|c| {
            let pages: i64 = c.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            let free: i64 = c.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
            let size: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0))?;
            Ok((pages - free) * size)
        })
        .await?)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    server.seed_demo().await?;

    // (a) 10,000 records, 40 changed.
    let a = TestDevice::enrol(&server, "Bench A", Organisation::Police).await?;
    a.sync().await?;
    let mut ids = Vec::new();
    for i in 0..10_000 {
        ids.push(a.create(visit(&a, i)?)?);
    }
    let upload = a.sync().await?;
    println!("a_initial_upload_rounds: {}", upload.rounds);
    for (k, id) in ids.iter().step_by(250).enumerate() {
        a.update(*id, |r| {
            if let Record::PatrolVisit(v) = r {
                v.contacts.increment(1);
                v.interventions.increment(1);
                v.officers_count = 3 + (k as u64 % 2);
            }
        })?;
    }
    let change_bytes: usize = a
        .lock()
        .outgoing(usize::MAX)?
        .request
        .docs
        .iter()
        .flat_map(|d| d.changes.iter())
        .map(|c| c.len())
        .sum();
    let report = a.sync().await?;
    let wire = report.bytes_sent + report.bytes_received;
    println!("a_changed_records: 40");
    println!("a_round_trips: {}", report.rounds);
    println!("a_request_bytes: {}", report.bytes_sent);
    println!("a_response_bytes: {}", report.bytes_received);
    println!("a_changes_bytes: {change_bytes}");
    println!(
        "a_wire_to_changes_ratio: {:.2}",
        wire as f64 / change_bytes as f64
    );

    // (b) a fresh device of an officer with 2,000 records.
    let b = TestDevice::enrol(&server, "Bench B", Organisation::Police).await?;
    b.sync().await?;
    for i in 0..2_000 {
        b.create(visit(&b, i)?)?;
    }
    b.sync().await?;
    let store_path = dir.path().join("fresh-device.sqlite3");
    let code = server
        .enrolment_code("Bench B", Organisation::Police)
        .await?;
    let fresh =
        TestDevice::enrol_with_code(&server.url, &code, DeviceStore::open(&store_path)?).await?;
    let t = Instant::now();
    let boot = fresh.sync().await?;
    let elapsed = t.elapsed();
    println!("b_visible_records: {}", boot.received_docs);
    println!("b_bootstrap_ms: {}", elapsed.as_millis());
    println!("b_bootstrap_round_trips: {}", boot.rounds);
    println!(
        "b_bootstrap_bytes: {}",
        boot.bytes_sent + boot.bytes_received
    );
    let device_bytes = fresh.lock().size_bytes()?;
    println!("d_device_bytes_per_visit: {}", device_bytes / 2_000);

    // (c) 50 devices with 200 records each, syncing at once.
    let mut devices = Vec::new();
    for n in 0..50 {
        let d = TestDevice::enrol(&server, &format!("Bench C{n}"), Organisation::Police).await?;
        devices.push(std::sync::Arc::new(d));
    }
    // Every enrolment republished the officers' directory, which every
    // device receives: catch up on it first, so that (c) times ingest only.
    for d in &devices {
        d.sync().await?;
        for i in 0..200 {
            d.create(visit(d, i)?)?;
        }
    }
    let before = db_bytes(&server).await?;
    let t = Instant::now();
    let mut tasks = Vec::new();
    for d in &devices {
        let d = d.clone();
        tasks.push(tokio::spawn(async move { d.sync().await }));
    }
    let mut acked = 0;
    for task in tasks {
        acked += task.await??.acknowledged;
    }
    let secs = t.elapsed().as_secs_f64();
    println!("c_devices: 50");
    println!("c_records: {acked}");
    println!("c_seconds: {secs:.2}");
    println!("c_durable_records_per_second: {:.0}", acked as f64 / secs);
    let after = db_bytes(&server).await?;
    println!(
        "d_server_bytes_per_visit: {}",
        (after - before) / acked.max(1) as i64
    );
    server.stop().await;
    Ok(())
}
