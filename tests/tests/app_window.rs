//! The real app window under Xvfb, driven as an officer would: enrol
//! against a real server on loopback; lose the server; log a patrol visit
//! and a licensing inspection offline; kill the app; start it again and
//! find both records; get the server back and see both reach it.
//!
//! Screenshots of every step are saved in `tests/artifacts/app-window/`.
//! Needs Xvfb, xdotool and ImageMagick (scripts/install-system-deps.sh).

use std::path::PathBuf;
use std::time::Duration;

use e2e::window::{AppWindow, Xvfb};
use e2e::TestServer;
use server::Limits;
use shared::domain::Organisation;

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/app-window");
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

use e2e::rows_of as count;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_logs_offline_survives_a_kill_and_the_records_reach_the_server(
) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server_dir = tmp.path().join("server");
    let app_dir = tmp.path().join("phone");
    let shots = artifacts();

    let server = TestServer::start(&server_dir).await?;
    server.seed_demo().await?;
    // A colleague (the municipality's licensing officer) inspected a venue
    // this morning and proposed a revisit: a record Anna's phone never
    // holds, which its venue picker must still know of (issue 12 item 10).
    let lisa = e2e::TestDevice::enrol(&server, "Lisa Holm", Organisation::Municipality).await?;
    lisa.sync().await?;
    let mut colleagues = lisa.new_inspection(e2e::now_ms() - 3 * 3_600_000)?;
    let inspected = colleagues.venue_id;
    let inspected_on = shared::local_time::format_date(colleagues.started_at);
    colleagues.ended_at = Some(colleagues.started_at + 30 * 60_000);
    colleagues.follow_up = shared::domain::FollowUp::Revisit;
    colleagues.participants.push(shared::domain::Participant {
        officer_id: lisa.officer(),
        organisation: Organisation::Municipality,
    });
    lisa.create(shared::record::Record::Inspection(colleagues))?;
    lisa.sync().await?;
    let inspected = match lisa.record(shared::DocId(inspected))? {
        shared::record::Record::Venue(v) => v.name,
        _ => anyhow::bail!("the inspected venue is not a venue"),
    };
    let code = server
        .enrolment_code("Anna Berg", Organisation::Police)
        .await?;
    let addr = server.addr().to_string();
    let url = server.url.clone();

    let x = Xvfb::start()?;
    let mut app = AppWindow::launch(&x, &app_dir, &url, &shots)?;

    // Enrolment, once, online.
    app.wait_for_text("Koppla telefonen")?;
    app.fill("Engångskod", &code)?;
    app.screenshot("enrolment")?;
    app.click("Koppla")?;
    app.wait_for_text("Inloggad som Anna Berg")?;
    // The first sync brings the plan, the hotspots and the venues.
    app.wait_for(
        |s| s.text.contains("Allt synkat") && s.text.contains("Demo – Torget"),
        Duration::from_secs(60),
    )?;
    app.screenshot("home-synced")?;
    let before = app.screen()?;
    let y_of = |s: &e2e::window::Screen, name: &str| s.control(name).map(|c| c.y);

    // Coverage lost: the status line says so without moving anything.
    server.stop().await;
    app.tap_to("Inställningar", "Synka nu")?;
    app.click("Synka nu")?;
    // "Sync now" says, where it was tapped, what came of it.
    app.wait_for_text("Synken misslyckades: Ingen kontakt med servern")?;
    let after = app.tap_to("Tillbaka", "Dagens platser")?;
    for name in ["Starta platsbesök", "Tillsynsbesök", "Annan aktivitet"] {
        assert_eq!(y_of(&before, name), y_of(&after, name), "{name} moved");
    }

    // A patrol visit: pick the hotspot, count a contact, tag a problem,
    // write a note, end the visit.
    app.tap_to("Starta platsbesök", "Välj plats")?;
    app.tap_to("Demo – Torget", "Stanna minst 10 minuter")?;
    // A running visit stays in sight on every screen, and a second one
    // cannot start: Home's start button opens the one under way.
    let home = app.tap_to("Tillbaka", "Dagens platser")?;
    assert!(
        home.control("Pågående besök: Demo – Torget").is_some(),
        "{}",
        home.text
    );
    assert!(home.control("Starta platsbesök").is_none(), "{}", home.text);
    app.screenshot("home-visit-under-way")?;
    app.tap_to("Pågående besök: Demo – Torget", "Stanna minst 10 minuter")?;
    // The counter's −1 becomes tappable once the contact is stored; a tap
    // that missed (the layout moved under the pointer) is tapped again.
    let counted = |s: &e2e::window::Screen| s.control("Kontakter −1").is_some_and(|c| !c.disabled);
    for _ in 0..3 {
        app.click("Kontakter +1")?;
        if app.wait_for(counted, Duration::from_secs(10)).is_ok() {
            break;
        }
    }
    app.wait_for(counted, Duration::from_secs(1))?;
    // Gloves: every button of the visit at least 56 px either way.
    let visit = app.screen()?;
    assert_eq!(visit.small_buttons(56), vec![], "{}", visit.text);
    app.click("Dålig belysning")?;
    app.fill(
        "visit-notes",
        "Lugnt vid torget, lampor trasiga vid busskuren.",
    )?;
    app.screenshot("visit-under-way")?;
    // Ending before ten minutes asks first; "keep going" ends nothing.
    app.tap_to("Avsluta besök", "Avsluta ändå")?;
    app.screenshot("visit-end-early-asks")?;
    app.tap_to("Fortsätt besöket", "Avsluta besök")?;
    app.tap_to("Avsluta besök", "Avsluta ändå")?;
    app.tap_to("Avsluta ändå", "Besöket är avslutat")?;
    app.screenshot("visit-ended")?;
    app.tap_to("Tillbaka", "Tillsynsbesök")?;

    // A licensing inspection: pick the venue, answer two checklist items,
    // write findings, read back the summary.
    let picker = app.tap_to("Tillsynsbesök", "Välj serveringsställe")?;
    // The colleague's inspection is on the picker: inspected today, not
    // due, its revisit open.
    let line = picker
        .controls
        .iter()
        .find(|c| c.tag == "button" && c.text.contains(&inspected))
        .map(|c| c.text.clone())
        .unwrap_or_default();
    assert!(
        line.contains(&format!("Senaste tillsyn {inspected_on}"))
            && !line.contains("tillsyn behövs")
            && line.contains("Öppen uppföljning"),
        "the picker's line for {inspected}: {line:?}"
    );
    app.screenshot("venue-picker")?;
    app.tap_to("Demo – Ankaret", "Kontrollpunkter")?;
    app.click("OK")?;
    app.fill("findings", "Personalliggaren saknades.")?;
    // A remark asks for its comment. (Typed text is ASCII: xdotool remaps
    // a key for each å, ä or ö, and fast typing around it can lose keys.)
    app.tap_to("Anmärkning", "Skriv vad anmärkningen gäller.")?;
    app.fill(
        "Serveringsansvarig på plats: Kommentar",
        "Ingen ansvarig fanns vid ankomst.",
    )?;
    app.screenshot("inspection-checklist")?;
    // The read-back: date, times and inspectors, the remark's comment
    // first, and the acknowledgement with its time.
    let read_back = app.tap_to("Sammanfattning", "Gå igenom med serveringsansvarig")?;
    for words in [
        "Inspektörer: Anna Berg",
        "Anmärkningar",
        "Ingen ansvarig fanns vid ankomst.",
    ] {
        assert!(
            read_back.text.contains(words),
            "{words}: {}",
            read_back.text
        );
    }
    app.screenshot("inspection-read-back")?;
    app.tap_to("Genomgånget med serveringsansvarig", "Genomgånget 20")?;
    app.screenshot("inspection-read-back-acknowledged")?;
    app.tap_to("Klar", "Starta platsbesök")?;

    // An activity opened by mistake is discarded, after a question.
    app.tap_to("Annan aktivitet", "Insats")?;
    let pick = app.screen()?;
    let first = pick
        .controls
        .iter()
        .find(|c| c.tag == "button" && c.text != "Tillbaka" && !c.text.is_empty())
        .map(|c| c.text.clone())
        .ok_or_else(|| anyhow::anyhow!("no initiative to pick: {}", pick.text))?;
    app.tap_to(&first, "Utkast – räknas när det är klart")?;
    app.tap_to("Makulera registreringen", "Ja, makulera")?;
    app.screenshot("activity-discard-asks")?;
    app.tap_to("Ja, makulera", "Dagens platser")?;

    // Wiping while records wait says how many would be lost; cancelled.
    app.tap_to("Inställningar", "Synka nu")?;
    app.tap_to("Logga ut och radera lokala data", "har inte nått servern")?;
    app.screenshot("wipe-asks-with-unsent")?;
    app.tap_to("Avbryt", "Logga ut och radera lokala data")?;
    app.tap_to("Tillbaka", "Starta platsbesök")?;

    // Offline: the status line says so, and nothing is lost.
    let home = app.wait_for(
        |s| s.text.contains("väntar") && s.text.contains("Ingen kontakt med servern"),
        Duration::from_secs(60),
    )?;
    assert!(home.text.contains("Starta platsbesök"));
    app.screenshot("home-offline")?;

    // The battery dies.
    app.kill()?;

    // Started again: both records are there.
    let mut app = AppWindow::launch(&x, &app_dir, &url, &shots)?;
    app.wait_for_text("Inloggad som Anna Berg")?;
    app.tap_to("Mina registreringar", "Tillsyn: Demo – Ankaret")?;
    let list = app.wait_for(
        |s| {
            s.text.contains("Platsbesök: Demo – Torget")
                && s.text.contains("Tillsyn: Demo – Ankaret")
        },
        Duration::from_secs(30),
    )?;
    assert!(list.text.contains("Väntar på att skickas"), "{}", list.text);
    app.screenshot("records-after-restart")?;
    // The note survived the kill too.
    app.tap_to("Platsbesök: Demo – Torget", "Ändringshistorik")?;
    app.wait_for(
        |s| {
            s.controls
                .iter()
                .any(|c| c.id == "visit-notes" && c.value.contains("lampor trasiga"))
        },
        Duration::from_secs(30),
    )?;
    app.tap_to("Tillbaka", "Inställningar")?;

    // Coverage is back: both records reach the server by themselves (or at
    // the latest when the officer taps "sync now").
    let server = TestServer::start_at(&server_dir, Limits::default(), &addr).await?;
    app.tap_to("Inställningar", "Synka nu")?;
    app.click("Synka nu")?;
    app.wait_for(|s| s.text.contains("Allt synkat"), Duration::from_secs(90))?;
    app.screenshot("synced-again")?;
    // Night: the dark theme, chosen once, kept.
    app.click("Mörkt")?;
    app.wait_for(
        |s| s.control("Mörkt").is_some_and(|c| c.hit),
        Duration::from_secs(10),
    )?;
    app.tap_to("Tillbaka", "Dagens platser")?;
    app.screenshot("home-dark")?;
    let rows = server.follow_up_rows().await?;
    assert_eq!(count(&rows, "patrol_visits"), 1, "{rows:#?}");
    // Anna's and, from before, her colleague's.
    assert_eq!(count(&rows, "inspections"), 2, "{rows:#?}");
    // The discarded activity reached the server and counts nowhere.
    assert_eq!(count(&rows, "activities"), 0, "{rows:#?}");
    assert_eq!(count(&rows, "uncounted_records"), 1, "{rows:#?}");
    assert!(
        rows.iter()
            .any(|r| r.starts_with("uncounted_records:") && r.contains("\"discarded\"")),
        "{rows:#?}"
    );
    app.kill()?;
    server.stop().await;
    Ok(())
}
