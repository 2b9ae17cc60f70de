//! A joint inspection (samordnad tillsyn) as two inspectors do it: a police
//! officer in the real app window under Xvfb, and the municipality's
//! licensing officer on a second phone (a device of the tests crate with the
//! app's own store and sync client). The officer names the colleague from
//! the directory; both edit the inspection offline, different checklist
//! items and the same findings text; both phones and the coordinators'
//! record page and protocol show the merge ("1 från polisen, 1 från
//! kommunen").
//!
//! Screenshots in `tests/artifacts/joint-inspection/`.

use std::path::PathBuf;
use std::time::Duration;

use e2e::web::{WebClient, PASSWORD};
use e2e::window::{AppWindow, Xvfb};
use e2e::{TestDevice, TestServer};
use server::Limits;
use shared::domain::{Answer, ChecklistItem, Organisation};
use shared::record::Record;
use shared::DocKind;

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/joint-inspection");
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

const ANNAS: &str = "Personalliggaren saknades.";
const KIMS: &str = "Ordningsvakt saknades.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_inspectors_edit_one_inspection_offline_and_see_the_merge() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server_dir = tmp.path().join("server");
    let shots = artifacts();
    let server = TestServer::start(&server_dir).await?;
    server.seed_demo().await?;
    let addr = server.addr().to_string();
    let url = server.url.clone();

    // The municipality's licensing officer, on the second phone.
    let kim = TestDevice::enrol(&server, "Kim Lund", Organisation::Municipality).await?;
    kim.sync().await?;

    // The police officer in the window.
    let code = server
        .enrolment_code("Anna Berg", Organisation::Police)
        .await?;
    let x = Xvfb::start()?;
    let mut app = AppWindow::launch(&x, &tmp.path().join("phone"), &url, &shots)?;
    app.enrol(&code)?;

    // The inspection, with the colleague named from the directory.
    app.tap_to("Tillsynsbesök", "Välj serveringsställe")?;
    app.tap_to("Demo – Ankaret", "Kontrollpunkter")?;
    let named = app.wait_for_text("Anna Berg · Polisen")?;
    assert!(!named.text.contains("?"), "every participant has a name");
    app.tap_to("Lägg till deltagare", "+ Kim Lund · Kommunen")?;
    app.click("+ Kim Lund")?;
    app.wait_for(
        |s| s.control("+ Kim Lund").is_none() && s.text.contains("Kim Lund · Kommunen"),
        Duration::from_secs(30),
    )?;
    app.screenshot("participants")?;
    // Online: it reaches the server, and from there the colleague's phone.
    app.wait_for(|s| s.text.contains("Allt synkat"), Duration::from_secs(90))?;
    let mut id = None;
    for _ in 0..30 {
        kim.sync().await?;
        id = kim.reference_ids(DocKind::Inspection)?.first().copied();
        if id.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let id = id.expect("the inspection reached the colleague's phone");

    // Coverage lost on both phones; each edits the inspection.
    server.stop().await;
    app.click("OK")?;
    app.fill("findings", ANNAS)?;
    kim.update(id, |r| {
        if let Record::Inspection(i) = r {
            i.entry_mut(ChecklistItem::SecurityStaff).answer = Answer::Remark;
            i.findings.update(KIMS);
        }
    })?;
    app.screenshot("offline-edits")?;

    // Coverage back: the colleague's phone syncs, then the officer's.
    let server = TestServer::start_at(&server_dir, Limits::default(), &addr).await?;
    kim.sync().await?;
    app.tap_to("Tillbaka", "Inställningar")?;
    app.tap_to("Inställningar", "Synka nu")?;
    app.click("Synka nu")?;
    app.wait_for(|s| s.text.contains("Allt synkat"), Duration::from_secs(90))?;
    kim.sync().await?;

    // The officer's window shows the merge: both findings, both answers.
    app.tap_to("Tillbaka", "Mina registreringar")?;
    app.tap_to("Mina registreringar", "Tillsyn: Demo – Ankaret")?;
    app.tap_to("Tillsyn: Demo – Ankaret", "Kontrollpunkter")?;
    app.wait_for(
        |s| {
            s.controls
                .iter()
                .any(|c| c.id == "findings" && c.value.contains(ANNAS) && c.value.contains(KIMS))
        },
        Duration::from_secs(30),
    )?;
    app.screenshot("merged")?;
    let summary = app.tap_to("Sammanfattning", "Gå igenom med serveringsansvarig")?;
    assert_eq!(
        summary.text.matches("Anmärkning").count(),
        1,
        "the colleague's remark: {}",
        summary.text
    );
    assert!(summary
        .text
        .contains("Ordningsvakter där tillståndet kräver"));
    app.screenshot("read-back")?;

    // The colleague's phone holds the same merge.
    let Record::Inspection(on_kims) = kim.record(id)? else {
        panic!("not an inspection");
    };
    assert!(on_kims.findings.as_str().contains(ANNAS) && on_kims.findings.as_str().contains(KIMS));
    assert_eq!(
        on_kims
            .entry(ChecklistItem::ResponsibleManagerPresent)
            .map(|e| e.answer),
        Some(Answer::Fine)
    );
    assert_eq!(
        on_kims
            .entry(ChecklistItem::SecurityStaff)
            .map(|e| e.answer),
        Some(Answer::Remark)
    );

    // And the coordinators' record page and the licensee's protocol.
    server.create_coordinator("eva", PASSWORD).await?;
    let mut eva = WebClient::new(&server.url);
    eva.accept_language = Some("sv".into());
    eva.sign_in("eva", PASSWORD).await?;
    let protocol = eva.protocol(&id.to_string()).await?;
    assert_eq!(protocol.status, 200);
    for words in ["1 från polisen, 1 från kommunen", ANNAS, KIMS, "Anmärkning"] {
        assert!(protocol.body.contains(words), "protocol lacks {words:?}");
    }
    let form = eva.get(&format!("/records/{id}")).await?;
    let csrf = form.csrf().expect("csrf");
    let record = eva
        .post(
            &format!("/records/{id}"),
            &[("csrf", &csrf), ("purpose", "follow_up")],
        )
        .await?;
    for words in [ANNAS, KIMS, "Ordningsvakter där tillståndet kräver"] {
        assert!(record.body.contains(words), "record page lacks {words:?}");
    }
    app.kill()?;
    server.stop().await;
    Ok(())
}
