//! A full disk on both sides, and a database that cannot be written.
//!
//! The disk is "filled" with SQLite's own `max_page_count` on the live
//! connection (the database may not grow past its current size), which
//! fails writes with `SQLITE_FULL` exactly as a full disk does, without
//! needing to mount a small file system (CI may not allow it). The
//! read-only case is `query_only` on the writer's connection: SQLite
//! answers `SQLITE_READONLY`, the error a read-only file or data directory
//! gives (file permissions do not stop root, which CI runs as).
//! The server must refuse syncs with a clear 503, keep serving, change
//! nothing, and recover by itself when space returns; the device store must
//! report the problem and lose nothing it had saved.

use app::DeviceStore;
use e2e::{now_ms, TestDevice, TestServer};
use shared::domain::Organisation;
use shared::record::Record;

async fn count(server: &TestServer, sql: &'static str) -> anyhow::Result<i64> {
    Ok(server
        .db
        .read(move |c| c.query_row(sql, [], |r| r.get(0)))
        .await?)
}

async fn set_writer(server: &TestServer, pragma: &'static str) -> anyhow::Result<()> {
    server.db.write(move |c| c.execute_batch(pragma)).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_or_read_only_server_refuses_clearly_and_recovers() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    server.seed_demo().await?;
    let phone = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    phone.sync().await?;

    let mut slot = 0;
    for (fault, heal) in [
        (
            "PRAGMA max_page_count = 1",
            "PRAGMA max_page_count = 1073741823",
        ),
        ("PRAGMA query_only = 1", "PRAGMA query_only = 0"),
    ] {
        let changes_before = count(&server, "SELECT count(*) FROM changes").await?;
        for _ in 0..20 {
            slot += 1;
            let mut v = phone.new_visit(e2e::nth_visit_start(slot))?;
            v.notes
                .update("Lång anteckning om läget vid torget. ".repeat(40));
            phone.create(Record::PatrolVisit(v))?;
        }
        // The disk is full (max_page_count never goes below the current
        // size, so 1 means "no growth at all"), or the database is
        // read-only, for two attempts in a row.
        for _attempt in 0..2 {
            set_writer(&server, fault).await?;
            let err = phone.sync().await.expect_err("the server cannot write");
            let text = err.to_string();
            assert!(text.contains("503"), "a clear server-side error: {text}");
            assert_eq!(phone.lock().pending_changes()?, 20, "nothing dropped");
            assert_eq!(
                count(&server, "SELECT count(*) FROM changes").await?,
                changes_before,
                "nothing half-applied"
            );
        }
        // Still serving: the health check answers.
        let health = reqwest::get(format!("{}/health", server.url)).await?;
        assert_eq!(health.status(), 200);

        // Space returns: the next sync goes through by itself.
        set_writer(&server, heal).await?;
        phone.sync().await?;
        assert_eq!(phone.lock().pending_changes()?, 0);
        assert_eq!(
            count(&server, "SELECT count(*) FROM changes").await? - changes_before,
            20
        );
    }
    let ok: String = server
        .db
        .read(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get(0)))
        .await?;
    assert_eq!(ok, "ok");
    server.stop().await;
    Ok(())
}

#[test]
fn a_full_phone_reports_it_and_keeps_everything_saved() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("phone.sqlite3");
    let mut store = DeviceStore::open(&path)?;
    store.save_enrolment(&app::store::Enrolment {
        server_url: "http://127.0.0.1:9".into(),
        device_id: uuid::Uuid::new_v4(),
        token: "t".into(),
        actor: "00112233445566778899aabbccddeeff".into(),
        officer_id: uuid::Uuid::new_v4(),
        officer_name: "Anna Berg".into(),
        organisation: "police".into(),
        device_name: "test".into(),
        erasures_from: 0,
    })?;
    let visit = |notes: &str| {
        let mut v =
            shared::domain::PatrolVisit::new(uuid::Uuid::new_v4(), uuid::Uuid::new_v4(), now_ms());
        v.notes.update(notes);
        Record::PatrolVisit(v)
    };
    let saved = store.create(&visit("före"), now_ms())?;
    store.fill_disk_for_tests()?;
    let big = "x".repeat(200_000);
    let err = store
        .create(&visit(&big), now_ms())
        .expect_err("no room for a new record");
    assert!(matches!(err, app::StoreError::DiskFull), "{err}");
    assert!(err.to_string().contains("full"));
    // What was saved is intact and readable, and the store still works
    // once there is room again.
    drop(store);
    let mut store = DeviceStore::open(&path)?;
    assert!(store.record(saved)?.is_some());
    store.create(&visit(&big), now_ms())?;
    Ok(())
}
