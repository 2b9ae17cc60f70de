//! A server restored from an older backup, and a device reinstalled from
//! scratch, both get back to a complete state without anyone doing
//! anything: the cursor's check value tells the device the log changed
//! under it, and it sends its changes again.

use std::collections::BTreeSet;

use e2e::{TestDevice, TestServer};
use shared::domain::Organisation;
use shared::record::Record;
use shared::DocKind;

async fn server_visits(server: &TestServer) -> anyhow::Result<BTreeSet<String>> {
    Ok(server
        .db
        .read(|c| {
            let mut s = c.prepare("SELECT doc_id FROM patrol_visits")?;
            let rows = s.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect::<Result<_, _>>()
        })
        .await?)
}

/// Visits of this test, each in a slot of its own (see `nth_visit_start`).
static NEXT_SLOT: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

fn new_visits(d: &TestDevice, n: i64) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    for _ in 0..n {
        let slot = NEXT_SLOT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut v = d.new_visit(e2e::nth_visit_start(slot))?;
        v.ended_at = Some(v.started_at + 11 * 60_000);
        ids.push(d.create(Record::PatrolVisit(v))?.to_string());
    }
    Ok(ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_server_and_a_reinstalled_device_recover_everything() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("server");
    let backup = dir.path().join("backup.sqlite3");
    let server = TestServer::start(&data).await?;
    server.seed_demo().await?;
    let anna = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    let omar = TestDevice::enrol(&server, "Omar Said", Organisation::Police).await?;
    anna.sync().await?;
    omar.sync().await?;
    let mut all = new_visits(&anna, 5)?;
    anna.sync().await?;

    // The nightly backup, then more acknowledged work, then the disaster.
    let target = backup.to_string_lossy().into_owned();
    server
        .db
        .read(move |c| c.execute("VACUUM INTO ?1", [target]))
        .await?;
    all.extend(new_visits(&anna, 5)?);
    anna.sync().await?;
    assert_eq!(anna.lock().pending_changes()?, 0, "all ten acknowledged");
    let addr = server.addr().to_string();
    server.stop().await;
    let db_file = server::db::db_path(&data);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db_file.display()));
    }
    std::fs::copy(&backup, &db_file)?;

    // Restored server; another officer writes first, so the log grows past
    // Anna's cursor with other changes.
    let server = TestServer::start_at(&data, server::Limits::default(), &addr).await?;
    let omars = new_visits(&omar, 8)?;
    omar.sync().await?;
    assert_eq!(
        server_visits(&server).await?.len(),
        5 + 8,
        "the backup lacks Anna's last five"
    );

    // Anna's next sync notices, resends, and nothing is missing or doubled.
    anna.sync().await?;
    let on_server = server_visits(&server).await?;
    let expected: BTreeSet<String> = all.iter().chain(omars.iter()).cloned().collect();
    assert_eq!(on_server, expected);
    let changes_before: i64 = server
        .db
        .read(|c| c.query_row("SELECT count(*) FROM changes", [], |r| r.get(0)))
        .await?;
    anna.sync().await?;
    omar.sync().await?;
    let changes_after: i64 = server
        .db
        .read(|c| c.query_row("SELECT count(*) FROM changes", [], |r| r.get(0)))
        .await?;
    assert_eq!(changes_before, changes_after, "no change stored twice");

    // Anna's phone is wiped and enrolled again: it gets all her records back.
    let fresh = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    fresh.sync().await?;
    let mine: BTreeSet<String> = fresh
        .lock()
        .ids(Some(DocKind::PatrolVisit))?
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(mine, all.iter().cloned().collect::<BTreeSet<_>>());
    assert_eq!(fresh.reference_ids(DocKind::Hotspot)?.len(), 12);
    server.stop().await;
    Ok(())
}
