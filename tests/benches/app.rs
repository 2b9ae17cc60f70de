//! The officer app's benchmark, on the desktop build. Prints a table; run
//! with
//!
//! ```sh
//! cargo build --release -p trygghetslogg-app
//! cargo bench -p trygghetslogg-tests --bench app
//! ```
//!
//! (a) cold start of the release app, in a real window under Xvfb, to a
//!     usable home screen (today's hotspots listed) with 10,000 records in
//!     its encrypted store;
//! (b) a checklist tap: time until the change is durable in the encrypted
//!     store (SQLite `synchronous=FULL`, one transaction per tap);
//! (c) local database bytes per record.
//!
//! Figures are reported in the README, never asserted.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use app::keys::{KeyFile, KeyProvider};
use app::DeviceStore;
use e2e::window::{AppWindow, Xvfb};
use e2e::{now_ms, workspace_binary, TestDevice, TestServer};
use shared::domain::{Answer, ChecklistItem, Organisation, SafetyProblem};
use shared::record::Record;

const RECORDS: i64 = 10_000;
const TAPS: usize = 1_000;
const STARTS: usize = 5;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// A phone as the app keeps it: the encrypted store and its key file in
/// `dir`, enrolled, synced with the demo reference data, holding
/// `RECORDS` field records of its own (visits with notes, inspections).
async fn seed_phone(server: &TestServer, dir: &Path) -> anyhow::Result<TestDevice> {
    let key = KeyFile::new(dir.join("device.key")).key()?;
    let store = DeviceStore::open_encrypted(&dir.join("device.sqlite3"), &key)?;
    let code = server
        .enrolment_code("Bench Polis", Organisation::Police)
        .await?;
    let phone = TestDevice::enrol_with_code(&server.url, &code, store).await?;
    phone.sync().await?;
    let day = 86_400_000;
    let start = now_ms() - 365 * day;
    for i in 0..RECORDS {
        let at = start + i * (365 * day / RECORDS);
        let record = if i % 8 == 7 {
            let mut insp = phone.new_inspection(at)?;
            insp.ended_at = Some(at + 40 * 60_000);
            insp.entry_mut(ChecklistItem::ALL[(i % 10) as usize]).answer = Answer::Remark;
            insp.findings
                .update("Personalliggaren fanns men var inte ifylld.");
            Record::Inspection(insp)
        } else {
            let mut v = phone.new_visit(at)?;
            v.ended_at = Some(at + (10 + i % 7) * 60_000);
            v.contacts.increment(i % 4);
            v.problems
                .insert(SafetyProblem::ALL[(i % 8) as usize].key().into(), true);
            v.notes
                .update("Lugnt vid busshållplatsen, ungdomar samlade vid kiosken, en kontakt.");
            Record::PatrolVisit(v)
        };
        phone.create(record)?;
    }
    Ok(phone)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = TestServer::start(&tmp.path().join("server")).await?;
    server.seed_demo().await?;
    let phone_dir = tmp.path().join("phone");
    std::fs::create_dir_all(&phone_dir)?;
    let seeding = Instant::now();
    let phone = seed_phone(&server, &phone_dir).await?;
    let seeded_in = seeding.elapsed();
    // The app starts with the server out of reach, as in the field.
    let url = server.url.clone();
    server.stop().await;

    let mut rows: Vec<(String, String, &str)> = Vec::new();
    rows.push((
        "seeding 10,000 records, one durable transaction each".into(),
        format!("{:.1} s", seeded_in.as_secs_f64()),
        "—",
    ));

    // (b) checklist taps on an inspection, in the store of 10,000.
    let inspection = phone.create(Record::Inspection(phone.new_inspection(now_ms())?))?;
    let mut taps = Vec::with_capacity(TAPS);
    for i in 0..TAPS {
        let item = ChecklistItem::ALL[i % 10];
        let answer = [Answer::Fine, Answer::Remark, Answer::NotChecked][i % 3];
        let t = Instant::now();
        phone
            .lock()
            .update_noted(inspection, now_ms(), Some(item.key()), |r| {
                if let Record::Inspection(insp) = r {
                    insp.entry_mut(item).answer = answer;
                }
            })?;
        taps.push(t.elapsed());
    }
    taps.sort();
    rows.push((
        format!("checklist tap to durable, p50 ({TAPS} taps)"),
        ms(percentile(&taps, 0.5)),
        "—",
    ));
    rows.push((
        "checklist tap to durable, p99".into(),
        ms(percentile(&taps, 0.99)),
        "< 30 ms",
    ));

    // (c) bytes per record, after a checkpoint folds the WAL in.
    let records = {
        let s = phone.lock();
        s.ids(None)?.len()
    };
    let bytes = phone.lock().size_bytes()?;
    rows.push((
        format!("local database bytes per document ({records} documents)"),
        format!("{} B", bytes / records as u64),
        "—",
    ));
    drop(phone);

    // (a) cold start of the release build in a real window.
    // The benchmark's own profile directory is target/release, so the
    // window is the release build.
    if workspace_binary("trygghetslogg-app").is_err() {
        rows.push((
            "cold start to home (release, 10,000 records)".into(),
            "not run: cargo build --release -p trygghetslogg-app".into(),
            "< 1 s",
        ));
    } else {
        let x = Xvfb::start()?;
        let artifacts = tmp.path().join("artifacts");
        let mut starts = Vec::new();
        for _ in 0..STARTS {
            let t = Instant::now();
            let mut w = AppWindow::spawn(&x, &phone_dir, &url, &artifacts, 5)?;
            // Usable: the actions and today's hotspots are on screen.
            w.wait_for(
                |s| s.text.contains("Starta platsbesök") && s.text.contains("Demo – "),
                Duration::from_secs(60),
            )?;
            starts.push(t.elapsed());
            w.kill()?;
        }
        starts.sort();
        rows.push((
            format!("cold start to home, median of {STARTS} (release, 10,000 records)"),
            ms(percentile(&starts, 0.5)),
            "< 1 s",
        ));
        rows.push((
            "cold start to home, slowest".into(),
            ms(*starts.last().context("no starts")?),
            "—",
        ));
    }

    println!("\n| figure | measured | target |\n|---|---|---|");
    for (name, value, target) in rows {
        println!("| {name} | {value} | {target} |");
    }
    Ok(())
}
