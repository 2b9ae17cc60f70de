//! An erasure as the officer meets it, in the real app window under Xvfb:
//! a record of hers is on the phone; the phone loses the server; the
//! coordinators erase the record meanwhile; when the phone reaches the
//! server again the record disappears and every screen says why until she
//! has read it.
//!
//! Screenshots in `tests/artifacts/erasure-window/`.

use std::path::PathBuf;
use std::time::Duration;

use e2e::window::{AppWindow, Xvfb};
use e2e::{TestDevice, TestServer};
use server::db::erasure::Erasure;
use server::Limits;
use shared::domain::Organisation;
use shared::erasure::ErasureReason;
use shared::record::Record;
use shared::DocKind;

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/erasure-window");
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_erased_while_the_phone_was_offline_disappears_with_the_officer_told(
) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server_dir = tmp.path().join("server");
    let shots = artifacts();
    let server = TestServer::start(&server_dir).await?;
    server.seed_demo().await?;
    let (addr, url) = (server.addr().to_string(), server.url.clone());

    // Anna's record, made on her other phone: it reaches this one too.
    let other = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    other.sync().await?;
    let mut v = other.new_visit(e2e::nth_visit_start(0))?;
    v.ended_at = Some(v.started_at + 14 * 60_000);
    let hotspot = match other.record(shared::DocId(v.hotspot_id))? {
        Record::Hotspot(h) => h.name,
        _ => anyhow::bail!("not a hotspot"),
    };
    let id = other.create(Record::PatrolVisit(v))?;
    other.sync().await?;

    let code = server
        .enrolment_code("Anna Berg", Organisation::Police)
        .await?;
    let x = Xvfb::start()?;
    let mut app = AppWindow::launch(&x, &tmp.path().join("phone"), &url, &shots)?;
    app.enrol(&code)?;
    let line = format!("Platsbesök: {hotspot}");
    app.tap_to("Mina registreringar", &line)?;
    app.screenshot("records-before")?;

    // The phone loses the server; the coordinators erase the record.
    server.stop().await;
    app.wait_for(
        |s| s.text.contains("Ingen kontakt"),
        Duration::from_secs(90),
    )?;
    let server = TestServer::start_at(&server_dir, Limits::default(), &addr).await?;
    let now = e2e::now_ms();
    server
        .db
        .erase(
            Erasure {
                doc_id: id,
                kind: DocKind::PatrolVisit,
                reason: ErasureReason::EnteredByMistake,
                case_number: None,
                erased_by: "test".into(),
                erased_at: now,
            },
            |_| Ok(()),
        )
        .await?;

    // Back in coverage: gone, and said so, on this screen and the next.
    app.tap_to("Tillbaka", "Inställningar")?;
    app.tap_to("Inställningar", "Synka nu")?;
    app.click("Synka nu")?;
    let told = app.wait_for(
        |s| s.text.contains("har raderats av samordnarna"),
        Duration::from_secs(90),
    )?;
    assert!(
        told.text
            .contains("1 registrering har raderats av samordnarna"),
        "{}",
        told.text
    );
    app.screenshot("erased-notice")?;
    app.tap_to("Tillbaka", "Mina registreringar")?;
    let list = app.tap_to("Mina registreringar", "har raderats av samordnarna")?;
    assert!(!list.text.contains(&line), "{}", list.text);
    app.screenshot("records-after")?;
    // Read: the notice goes, and stays gone.
    app.click("Uppfattat")?;
    app.wait_for(
        |s| !s.text.contains("har raderats av samordnarna"),
        Duration::from_secs(30),
    )?;
    server.stop().await;
    Ok(())
}
