//! The coordinators' pages in a real browser (headless Chromium over
//! WebDriver), used as a coordinator would: sign in, filter the records,
//! open one with a purpose and read its history, find the opening in the
//! access log, download the CSV, print-check the follow-up, and open the
//! public summary signed out. Screenshots are saved in
//! `tests/artifacts/web/` (the ones in `docs/screenshots/` come from here).

use e2e::browser::{shown, Browser};
use e2e::web::{pages_server, PASSWORD};
use e2e::{now_ms, TestDevice};
use fantoccini::Locator;
use shared::domain::{Answer, ChecklistItem, Organisation};
use shared::record::Record;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_reviews_the_work_in_a_browser() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = pages_server(dir.path()).await?;
    let anna = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    anna.sync().await?;
    let now = now_ms();
    for i in 0..8 {
        let mut v = anna.new_visit(now - 3_600_000 * (i + 1))?;
        v.ended_at = Some(v.started_at + (9 + i) * 60_000);
        v.contacts.increment(i % 3);
        v.notes.update("Lugnt vid kiosken");
        anna.create(Record::PatrolVisit(v))?;
    }
    let mut insp = anna.new_inspection(now - 7_200_000)?;
    insp.ended_at = Some(now - 6_000_000);
    insp.entry_mut(ChecklistItem::NoServingToMinors).answer = Answer::Remark;
    insp.findings.update("ID checks missed at the door");
    anna.create(Record::Inspection(insp))?;
    anna.sync().await?;

    let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts/web");
    let browser = Browser::start(&artifacts).await?;
    let c = &browser.client;

    // Signed out, the follow-up sends you to the sign-in page.
    c.goto(&format!("{}/follow-up", server.url)).await?;
    assert!(c.current_url().await?.path().ends_with("/sign-in"));
    browser.screenshot("01-sign-in").await?;
    c.find(Locator::Css("#username"))
        .await?
        .send_keys("eva")
        .await?;
    c.find(Locator::Css("#password"))
        .await?
        .send_keys(PASSWORD)
        .await?;
    c.find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    shown(c, "//h2[text()='Patrol dosage per hotspot']").await?;
    assert!(c.current_url().await?.path().ends_with("/follow-up"));
    let source = c.source().await?;
    assert!(source.contains("Patrol dosage per hotspot"));
    assert!(source.contains("<svg"), "the charts are inline SVG");
    browser.screenshot("02-follow-up").await?;
    // The report printed to PDF by the browser (the print stylesheet
    // leaves out the navigation and the forms).
    let pdf = c
        .print(fantoccini::wd::PrintConfiguration::default())
        .await?;
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    std::fs::write(artifacts.join("02-follow-up.pdf"), &pdf)?;
    // Read back page by page: the figures are dated; no heading ends a
    // page (each is followed by text on the same page); the charts count
    // weeks by number; the legend's colours are the bars'.
    let pages = e2e::pdf_pages(&artifacts.join("02-follow-up.pdf"))?;
    assert!(pages[0].contains("Figures as of "), "{}", pages[0]);
    e2e::assert_no_heading_ends_a_page(
        &pages,
        &[
            "Initiatives: delivered against target",
            "Patrol dosage per hotspot",
            "Inspections against the plan",
            "Findings per checklist item",
            "Open follow-ups",
            "Trafiksäkerhet",
            "Narkotika",
            "Bedrägerier",
        ],
    );
    assert!(
        pages.iter().any(|p| p.contains("v4") || p.contains("v5")),
        "weeks by number"
    );
    // The dosage charts, as the browser draws them.
    let charts = c
        .find(Locator::Css("div.charts"))
        .await?
        .screenshot()
        .await?;
    std::fs::write(artifacts.join("03-dosage-charts.png"), charts)?;

    // The records, filtered to inspections: one, Anna's.
    c.find(Locator::LinkText("Records")).await?.click().await?;
    shown(c, "//form[@class='filters']").await?;
    c.find(Locator::Css("#kind option[value=inspection]"))
        .await?
        .click()
        .await?;
    c.find(Locator::Css("form.filters button"))
        .await?
        .click()
        .await?;
    shown(c, "//p[contains(., '1 records')]").await?;
    let source = c.source().await?;
    assert!(source.contains("1 records"), "one inspection");
    assert!(source.contains("Anna Berg"));
    browser.screenshot("04-records").await?;

    // Open it: a purpose first, then the details and the history.
    c.find(Locator::LinkText("Details")).await?.click().await?;
    shown(c, "//input[@value='quality']").await?;
    assert!(!c.source().await?.contains("ID checks missed"));
    c.find(Locator::Css("input[value=quality]"))
        .await?
        .click()
        .await?;
    c.find(Locator::Css("main form button"))
        .await?
        .click()
        .await?;
    shown(c, "//h2[text()='Edit history']").await?;
    let source = c.source().await?;
    assert!(source.contains("ID checks missed at the door"));
    assert!(source.contains("Edit history"));
    assert!(source.contains("Anna Berg"));
    browser.screenshot("05-record").await?;

    // The protocol for the licensee, printed: the signature block whole on
    // one page, each line labelled.
    c.find(Locator::Css("form.no-print button"))
        .await?
        .click()
        .await?;
    shown(c, "//h1[text()='Inspection protocol']").await?;
    let pdf = c
        .print(fantoccini::wd::PrintConfiguration::default())
        .await?;
    std::fs::write(artifacts.join("05-protocol.pdf"), &pdf)?;
    let pages = e2e::pdf_pages(&artifacts.join("05-protocol.pdf"))?;
    let signed = pages
        .iter()
        .find(|p| p.contains("For the inspectors"))
        .expect("a page with the signatures");
    assert!(
        signed.contains("Findings"),
        "the signatures not alone: {signed}"
    );
    for label in [
        "Received by the licensee",
        "Signature",
        "Name in print",
        "Date",
    ] {
        assert!(
            signed.contains(label),
            "{label} beside the signatures: {signed}"
        );
    }
    // (Back in the browser would post the form again: go to a page.)
    c.goto(&format!("{}/records", server.url)).await?;

    // The opening is in the access log.
    c.find(Locator::LinkText("Access log"))
        .await?
        .click()
        .await?;
    shown(c, "//h1[text()='Access log']").await?;
    let source = c.source().await?;
    assert!(source.contains("Quality check of the record"));
    assert!(source.contains("Test Coordinator"));
    browser.screenshot("06-access-log").await?;

    // The same pages in Swedish, as a Swedish coordinator reads them.
    c.goto(&format!("{}/follow-up?lang=sv", server.url)).await?;
    shown(c, "//h2[text()='Patrulldos per plats']").await?;
    browser.screenshot("06-follow-up-sv").await?;
    c.goto(&format!("{}/records?lang=sv", server.url)).await?;
    shown(c, "//h1[starts-with(text(), 'Registreringar')]").await?;
    browser.screenshot("06-records-sv").await?;

    // A period mistyped in the address: a page that says what to write,
    // with a way back, not a raw error.
    c.goto(&format!("{}/follow-up?period=2026-Q9", server.url))
        .await?;
    shown(c, "//h1[text()='That did not work']").await?;
    assert!(c
        .source()
        .await?
        .contains("is not a period: write 2026-Q3 (quarter)"));
    browser.screenshot("07-error").await?;
    c.find(Locator::LinkText("Back")).await?.click().await?;
    shown(c, "//h2[text()='Patrol dosage per hotspot']").await?;

    // The follow-up's CSV, downloaded in the browser's session.
    c.goto(&format!("{}/follow-up", server.url)).await?;
    let href = c
        .find(Locator::LinkText("Download CSV"))
        .await?
        .attr("href")
        .await?
        .unwrap_or_default();
    // Fetched by the page itself, so with the browser's own session (the
    // cookie is HttpOnly: no script can read it, but the browser sends it).
    let got = c
        .execute_async(
            "const [href, done] = arguments;
             fetch(href).then(r => r.text().then(t => done([r.status, r.headers.get('content-disposition'), t])));",
            vec![serde_json::json!(href)],
        )
        .await?;
    assert_eq!(got[0], 200);
    assert!(got[1]
        .as_str()
        .unwrap_or("")
        .starts_with("attachment; filename=\"follow-up-"));
    let text = got[2].as_str().unwrap_or("").to_string();
    // (The browser's text decoding drops the byte-order mark.)
    assert!(text
        .trim_start_matches('\u{feff}')
        .starts_with("period;section;name;figure;value"));
    assert!(
        text.lines()
            .any(|l| l.contains(";hotspot;") && l.ends_with(";visits;8")),
        "{text}"
    );

    // The public summary, signed out: only ended quarters, rounded; the
    // records just made are not on it; no names.
    c.find(Locator::Css("header form button"))
        .await?
        .click()
        .await?;
    shown(c, "//input[@id='username']").await?;
    c.goto(&format!("{}/public", server.url)).await?;
    let source = c.source().await?;
    assert!(
        !source.contains("<strong>8</strong>"),
        "this quarter's eight foot patrols"
    );
    assert!(source.contains("rounded to the nearest 5"));
    assert!(!source.contains("Anna Berg") && !source.contains("kiosken"));
    browser.screenshot("08-public").await?;

    browser.close().await?;
    Ok(())
}
