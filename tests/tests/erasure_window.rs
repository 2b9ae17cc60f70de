//! Erasure, redaction and revocation as the officer meets them, in the
//! real app window under Xvfb:
//! - a record of hers is on the phone; the phone loses the server; the
//!   coordinators erase the record meanwhile; when the phone reaches the
//!   server again the record disappears and every screen says why until
//!   she has read it;
//! - without coverage she adds to a visit's note while the coordinators
//!   redact it: back in coverage the note is empty, and her text is shown
//!   to her as a conflict until she throws it away;
//! - the server revokes her phone: it says so, and at the next start it
//!   has wiped its records and asks to be enrolled again.
//!
//! Screenshots in `tests/artifacts/erasure-window/`, `redaction-window/`
//! and `revoked-window/`.

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
    artifacts_of("erasure-window")
}

fn artifacts_of(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("artifacts")
        .join(name);
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
    let addr = server.addr().to_string();

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

    // The X server lives as long as the test.
    let (_x, mut app) = annas_window(&server, &tmp.path().join("phone"), &shots).await?;
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
    let told = app.sync_now_until("har raderats av samordnarna", Duration::from_secs(90))?;
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

/// The app in a window of its own X server, enrolled as Anna Berg's
/// phone with its data in `phone`.
async fn annas_window(
    server: &TestServer,
    phone: &std::path::Path,
    shots: &std::path::Path,
) -> anyhow::Result<(Xvfb, AppWindow)> {
    let code = server
        .enrolment_code("Anna Berg", Organisation::Police)
        .await?;
    let x = Xvfb::start()?;
    let mut app = AppWindow::launch(&x, phone, &server.url, shots)?;
    app.enrol(&code)?;
    Ok((x, app))
}

/// Anna's visit made on her other phone (so that it reaches the window's
/// phone by sync), with `note`; returns it and its hotspot's name.
async fn visit_from_other_phone(
    server: &TestServer,
    note: &str,
) -> anyhow::Result<(shared::DocId, String)> {
    let other = TestDevice::enrol(server, "Anna Berg", Organisation::Police).await?;
    other.sync().await?;
    let mut v = other.new_visit(e2e::nth_visit_start(0))?;
    v.ended_at = Some(v.started_at + 14 * 60_000);
    v.notes.update(note);
    let hotspot = match other.record(shared::DocId(v.hotspot_id))? {
        Record::Hotspot(h) => h.name,
        _ => anyhow::bail!("not a hotspot"),
    };
    let id = other.create(Record::PatrolVisit(v))?;
    other.sync().await?;
    Ok((id, hotspot))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_edit_of_a_redacted_note_is_shown_to_the_officer_to_decide() -> anyhow::Result<()>
{
    let tmp = tempfile::tempdir()?;
    let server_dir = tmp.path().join("server");
    let shots = artifacts_of("redaction-window");
    let server = TestServer::start(&server_dir).await?;
    server.seed_demo().await?;
    let addr = server.addr().to_string();
    let (id, hotspot) = visit_from_other_phone(&server, "Sven Svensson hotade vakten").await?;

    // The X server lives as long as the test.
    let (_x, mut app) = annas_window(&server, &tmp.path().join("phone"), &shots).await?;
    let line = format!("Platsbesök: {hotspot}");
    app.tap_to("Mina registreringar", &line)?;

    // Without coverage she adds to the note.
    server.stop().await;
    app.wait_for(
        |s| s.text.contains("Ingen kontakt"),
        Duration::from_secs(90),
    )?;
    app.tap_to(&line, "Ändringshistorik")?;
    app.fill("visit-notes", ", sedan lugnt")?;
    app.screenshot("offline-edit")?;

    // Meanwhile the coordinators redact the note.
    let server = TestServer::start_at(&server_dir, Limits::default(), &addr).await?;
    let now = e2e::now_ms();
    server
        .db
        .redact(
            id,
            vec!["notes".into()],
            shared::redaction::RedactionReason::PersonalData,
            None,
            "test".into(),
            now,
            |_| Ok(()),
        )
        .await?;

    // Back in coverage: her text is shown to her, not in the record.
    let told = app.sync_now_until("Samordnarna har tagit bort text", Duration::from_secs(90))?;
    assert!(told.text.contains("sedan lugnt"), "{}", told.text);
    assert!(told.text.contains("Släng min text"), "{}", told.text);
    app.screenshot("conflict")?;
    app.tap_to("Tillbaka", "Mina registreringar")?;
    app.tap_to("Mina registreringar", &line)?;
    app.tap_to(&line, "Ändringshistorik")?;
    let visit = app.screen()?;
    assert!(
        visit
            .controls
            .iter()
            .any(|c| c.id == "visit-notes" && c.value.is_empty()),
        "{}",
        visit.text
    );
    // Thrown away: gone, and it stays gone.
    app.click("Släng min text")?;
    app.wait_for(
        |s| !s.text.contains("Samordnarna har tagit bort text"),
        Duration::from_secs(30),
    )?;
    app.screenshot("decided")?;
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_phone_says_so_and_wipes_its_records_at_the_next_start() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server_dir = tmp.path().join("server");
    let shots = artifacts_of("revoked-window");
    let server = TestServer::start(&server_dir).await?;
    server.seed_demo().await?;
    let url = server.url.clone();
    let (_, hotspot) = visit_from_other_phone(&server, "Lugnt").await?;

    let phone = tmp.path().join("phone");
    let (x, mut app) = annas_window(&server, &phone, &shots).await?;
    let line = format!("Platsbesök: {hotspot}");
    app.tap_to("Mina registreringar", &line)?;

    // The coordinators revoke Anna's phones (lost, say); this one hears at
    // its next sync and shows no records.
    let now = e2e::now_ms();
    server
        .db
        .write(move |c| {
            let ids: Vec<String> = c
                .prepare("SELECT id FROM devices")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for id in ids {
                if let Ok(id) = uuid::Uuid::parse_str(&id) {
                    server::db::identity::revoke(c, id, now)?;
                }
            }
            Ok(())
        })
        .await?;
    let told = app.sync_now_until("Registreringarna visas inte", Duration::from_secs(90))?;
    assert!(!told.text.contains(&line), "{}", told.text);
    app.screenshot("revoked")?;

    // At the next start: wiped, and asking to be enrolled again.
    app.kill()?;
    let key = phone.join("device.key");
    let old_key = std::fs::read(&key)?;
    let mut app = AppWindow::launch(&x, &phone, &url, &shots)?;
    app.wait_for_text("Koppla telefonen")?;
    app.screenshot("after-restart")?;
    // The old store went with its key: a new key, and nothing of hers.
    assert_ne!(
        std::fs::read(&key)?,
        old_key,
        "the store's key was replaced"
    );
    let list = app.screen()?;
    assert!(!list.text.contains(&line), "{}", list.text);
    server.stop().await;
    Ok(())
}
