//! The coordinators' pages and the public summary over real HTTP: sign-in
//! with its CSRF and rate limit, the authorisation matrix (every route ×
//! anonymous, officer token, revoked device, coordinator), and no record
//! contents on public pages.

use e2e::web::{pages_server, WebClient, PASSWORD};
use e2e::{now_ms, TestDevice};
use shared::domain::Organisation;
use shared::record::Record;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_each_kind_of_caller_as_expected() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = pages_server(dir.path()).await?;
    let officer = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    officer.sync().await?;
    let visit = officer.create(Record::PatrolVisit(officer.new_visit(now_ms())?))?;
    officer.sync().await?;
    let record_path = format!("/records/{visit}");
    let erase_path = format!("/records/{visit}/erase");
    let redact_path = format!("/records/{visit}/redact");
    let unknown_record = format!("/records/{}", uuid::Uuid::new_v4());
    let unknown_account = format!("/accounts/{}", uuid::Uuid::new_v4());
    let lost = TestDevice::enrol(&server, "Omar Said", Organisation::Police).await?;
    lost.sync().await?;
    let lost_id = lost.enrolment.device_id;
    server
        .db
        .write(move |c| server::db::identity::revoke(c, lost_id, now_ms()))
        .await?;

    let mut coordinator = WebClient::new(&server.url);
    let signed = coordinator.sign_in("eva", PASSWORD).await?;
    assert_eq!(
        (signed.status, signed.location.as_deref()),
        (303, Some("/follow-up"))
    );
    let csrf = coordinator
        .get("/devices")
        .await?
        .csrf()
        .expect("forms carry the CSRF token");

    let mut anonymous = WebClient::new(&server.url);
    let mut with_token = WebClient::new(&server.url);
    with_token.bearer = Some(officer.enrolment.token.clone());
    let mut revoked = WebClient::new(&server.url);
    revoked.bearer = Some(lost.enrolment.token.clone());

    // The public summary switches language on the page.
    let mut citizen = WebClient::new(&server.url);
    let sv = citizen.get("/public?lang=sv").await?;
    assert!(
        sv.body.contains("<html lang=\"sv\">") && sv.body.contains("In English"),
        "{}",
        sv.body
    );
    let en = citizen.get("/public?lang=en").await?;
    assert!(en.body.contains("<html lang=\"en\">") && en.body.contains("På svenska"));

    // (method, path) → expected status for anonymous, officer, revoked,
    // coordinator. 303 is the way to the sign-in page.
    let someone = officer.enrolment.device_id.to_string();
    let revoke = format!("/devices/{someone}/revoke");
    let place_officer = format!("/devices/officers/{}", officer.officer());
    let routes: Vec<(&str, &str, [u16; 4])> = vec![
        ("GET", "/", [303, 303, 303, 303]),
        ("GET", "/sign-in", [200, 200, 200, 200]),
        ("GET", "/follow-up", [303, 303, 303, 200]),
        ("GET", "/follow-up?period=2026-Q3", [303, 303, 303, 200]),
        ("GET", "/follow-up?period=nonsense", [303, 303, 303, 400]),
        ("GET", "/follow-up.csv", [303, 303, 303, 200]),
        ("GET", "/devices", [303, 303, 303, 200]),
        ("GET", "/records", [303, 303, 303, 200]),
        (
            "GET",
            "/records?kind=inspection&period=2026",
            [303, 303, 303, 200],
        ),
        ("GET", &record_path, [303, 303, 303, 200]),
        ("POST", &record_path, [303, 303, 303, 200]),
        ("GET", "/records/not-a-record", [303, 303, 303, 404]),
        ("GET", &unknown_record, [303, 303, 303, 404]),
        ("POST", &unknown_record, [303, 303, 303, 404]),
        ("GET", "/access-log", [303, 303, 303, 200]),
        ("GET", "/access-log.csv", [303, 303, 303, 200]),
        ("GET", "/quarantine", [303, 303, 303, 200]),
        ("GET", "/security-log", [303, 303, 303, 200]),
        ("GET", "/retention", [303, 303, 303, 200]),
        // Erasing asks first; a post without a reason erases nothing.
        ("GET", &erase_path, [303, 303, 303, 200]),
        ("POST", &erase_path, [303, 303, 303, 400]),
        // The second factor's pages: none for anyone without a session;
        // a whole session (eva is a demo account) goes on to the pages.
        ("GET", "/sign-in/code", [303, 303, 303, 303]),
        ("POST", "/sign-in/code", [303, 303, 303, 303]),
        ("GET", "/sign-in/set-up", [303, 303, 303, 303]),
        ("GET", "/sign-in/new-password", [303, 303, 303, 303]),
        // Single sign-on is off on this server.
        ("GET", "/sign-in/sso", [404, 404, 404, 404]),
        ("GET", "/sign-in/sso/callback", [404, 404, 404, 404]),
        // Accounts: administrators (eva holds every role).
        ("GET", "/accounts", [303, 303, 303, 200]),
        ("POST", "/accounts", [303, 303, 303, 400]),
        ("GET", &unknown_account, [303, 303, 303, 404]),
        // Redacting too; a post without a reason redacts nothing.
        ("GET", &redact_path, [303, 303, 303, 200]),
        ("POST", &redact_path, [303, 303, 303, 400]),
        ("GET", "/reference", [303, 303, 303, 200]),
        ("GET", "/reference/hotspots.csv", [303, 303, 303, 200]),
        ("GET", "/reference/venues.csv", [303, 303, 303, 200]),
        ("GET", "/reference/plan.csv", [303, 303, 303, 200]),
        ("GET", "/reference/nothing.csv", [303, 303, 303, 404]),
        ("GET", "/follow-up.xlsx", [303, 303, 303, 200]),
        ("POST", "/devices/codes", [303, 303, 303, 200]),
        ("GET", "/public", [200, 200, 200, 200]),
        ("GET", "/public/demokommun", [200, 200, 200, 200]),
        ("GET", "/public/nowhere", [404, 404, 404, 404]),
        ("GET", "/public/Not%20A%20Slug", [404, 404, 404, 404]),
        ("GET", "/municipalities", [303, 303, 303, 200]),
        // No municipality named: nothing chosen.
        ("POST", "/municipality", [303, 303, 303, 400]),
        ("POST", &place_officer, [303, 303, 303, 303]),
        ("GET", "/public?period=2026-Q1", [200, 200, 200, 200]),
        // Revoking asks first on a page of its own.
        ("GET", &revoke, [303, 303, 303, 200]),
        ("POST", &revoke, [303, 303, 303, 303]),
    ];
    for (method, path, expected) in &routes {
        let mut got = [0u16; 4];
        for (i, client) in [
            &mut anonymous,
            &mut with_token,
            &mut revoked,
            &mut coordinator,
        ]
        .into_iter()
        .enumerate()
        {
            let page = if *method == "GET" {
                client.get(path).await?
            } else {
                client
                    .post(
                        path,
                        &[
                            ("csrf", csrf.as_str()),
                            ("officer", "Kim Lund"),
                            ("organisation", "police"),
                            ("purpose", "follow_up"),
                        ],
                    )
                    .await?
            };
            // A whole session on the second factor's pages goes on to its
            // home page (`/`); every other redirect is to the sign-in.
            let onward = i == 3 && path.starts_with("/sign-in/");
            if page.status == 303 && !path.starts_with("/devices/") && *path != "/" {
                assert_eq!(
                    page.location.as_deref(),
                    Some(if onward { "/" } else { "/sign-in" }),
                    "{method} {path}"
                );
            }
            got[i] = page.status;
        }
        assert_eq!(
            &got, expected,
            "{method} {path}: anonymous, officer, revoked, coordinator"
        );
    }
    // The revocation went through: the officer's device is now refused.
    assert!(
        officer.sync().await.is_err(),
        "a revoked device cannot sync"
    );

    // The sync endpoint is for devices only: a coordinator's cookie opens
    // nothing there, a revoked token neither.
    for client in [&mut coordinator, &mut revoked, &mut anonymous] {
        assert_eq!(client.post("/v1/sync", &[]).await?.status, 401);
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_protected_and_forms_need_the_csrf_token() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = pages_server(dir.path()).await?;

    // A form posted without the sign-in page's cookie (from another site).
    let mut stranger = WebClient::new(&server.url);
    let page = stranger
        .post(
            "/sign-in",
            &[("username", "eva"), ("password", PASSWORD), ("csrf", "x")],
        )
        .await?;
    assert_eq!(page.status, 403);
    assert!(stranger.cookie("tl_session").is_none());

    // Wrong passwords: one message, and after three the guesser's address
    // waits, even for the right password.
    let mut guesser = WebClient::from_address(&server.url, "127.0.0.2")?;
    for _ in 0..shared::sign_in::FREE_FAILURES {
        let page = guesser.sign_in("eva", "wrong password!!").await?;
        assert_eq!(page.status, 401);
        assert!(page.body.contains("Wrong user name or password."));
        // The name typed stays in the form; the password never comes back.
        assert!(page.body.contains(r#"value="eva""#), "{}", page.body);
        assert!(!page.body.contains("wrong password!!"));
    }
    let page = guesser.sign_in("eva", PASSWORD).await?;
    assert_eq!(page.status, 429);
    assert!(page.body.contains("Too many failed attempts"));
    assert!(guesser.cookie("tl_session").is_none());
    // Eva at her own address is not locked out by the guesser, and the
    // security log shows what the guesser did, with no password.
    let mut eva = WebClient::new(&server.url);
    assert_eq!(eva.sign_in("eva", PASSWORD).await?.status, 303);
    let log = eva.get("/security-log").await?;
    assert_eq!(log.status, 200);
    assert_eq!(
        log.body.matches("failed sign-in").count(),
        3,
        "{}",
        log.body
    );
    assert!(log
        .body
        .contains("sign-in refused: too many failures, must wait"));
    assert!(log.body.contains("127.0.0.2"));
    assert!(!log.body.contains("wrong password!!"));
    // An unknown name gets the same answer as a wrong password.
    let page = WebClient::new(&server.url)
        .sign_in("nobody", PASSWORD)
        .await?;
    assert_eq!(page.status, 401);

    // The session cookie is HttpOnly and SameSite=Strict.
    server.create_coordinator("kim", PASSWORD).await?;
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let form = resp.get(format!("{}/sign-in", server.url)).send().await?;
    let form_cookie = form
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .to_string();
    let body = form.text().await?;
    let csrf = body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("");
    let signed = resp
        .post(format!("{}/sign-in", server.url))
        .header("cookie", form_cookie)
        .form(&[("username", "kim"), ("password", PASSWORD), ("csrf", csrf)])
        .send()
        .await?;
    let session = signed
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("tl_session="))
        .expect("a session cookie")
        .to_string();
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Strict"), "{session}");

    // Signed in, a form without the session's token is refused and changes
    // nothing; with it, it works.
    let mut kim = WebClient::new(&server.url);
    assert_eq!(kim.sign_in("kim", PASSWORD).await?.status, 303);
    let refused = kim
        .post(
            "/devices/codes",
            &[
                ("csrf", "forged"),
                ("officer", "Kim Lund"),
                ("organisation", "police"),
            ],
        )
        .await?;
    assert_eq!(refused.status, 403);
    let devices = kim.get("/devices").await?;
    let csrf = devices.csrf().expect("csrf");
    let made = kim
        .post(
            "/devices/codes",
            &[
                ("csrf", &csrf),
                ("officer", "Kim Lund"),
                ("organisation", "police"),
            ],
        )
        .await?;
    assert_eq!(made.status, 200);
    assert!(made.body.contains("Enrolment code for Kim Lund"));
    // The code as an enrolment link the app takes pasted, and as a QR code.
    let link_at = made.body.find("/enrol#code=").expect("an enrolment link");
    let code_shown = made.body[link_at + "/enrol#code=".len()..]
        .split('<')
        .next()
        .unwrap_or("");
    assert!(!code_shown.is_empty(), "{}", made.body);
    assert!(
        made.body
            .contains(&format!("http://{}/enrol#code=", server.addr())),
        "the link names the address the browser used: {}",
        made.body
    );
    assert!(made.body.contains("<svg"), "a QR code");
    // Server-side validation with a clear message.
    let bad = kim
        .post(
            "/devices/codes",
            &[
                ("csrf", &csrf),
                ("officer", "   "),
                ("organisation", "police"),
            ],
        )
        .await?;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body
            .contains("an officer&#39;s name must be 1 to 200 characters")
            || bad
                .body
                .contains("an officer's name must be 1 to 200 characters"),
        "{}",
        bad.body
    );

    // Signing out ends the session.
    let out = kim.post("/sign-out", &[("csrf", &csrf)]).await?;
    assert_eq!(out.status, 303);
    assert_eq!(kim.get("/follow-up").await?.status, 303);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_follow_up_counts_records_and_the_public_page_shows_no_contents() -> anyhow::Result<()>
{
    let dir = tempfile::tempdir()?;
    let server = pages_server(dir.path()).await?;
    let anna = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    anna.sync().await?;
    let now = now_ms();
    for i in 0..6 {
        let mut v = anna.new_visit(e2e::nth_visit_start(i))?;
        v.ended_at = Some(v.started_at + 12 * 60_000);
        v.notes.update("Secret note: youths near the kiosk");
        anna.create(Record::PatrolVisit(v))?;
    }
    let mut inspection = anna.new_inspection(now - 7_200_000)?;
    inspection.ended_at = Some(now - 6_000_000);
    anna.create(Record::Inspection(inspection))?;
    anna.sync().await?;

    let mut eva = WebClient::new(&server.url);
    eva.sign_in("eva", PASSWORD).await?;
    let page = eva.get("/follow-up").await?;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<svg"), "charts are inline SVG");
    assert!(page.body.contains("Patrol dosage per hotspot"));
    // Six visits of 12 minutes at one hotspot: 72 minutes, all in 10–16.
    assert!(
        page.body.contains("<td class=\"n\">6</td><td class=\"n\">"),
        "six visits are counted"
    );
    assert!(page.body.contains("<td class=\"n\">72</td>"), "72 minutes");
    assert!(
        page.body.contains("100 %"),
        "all in the 10–16 minute window"
    );

    let csv = eva.get("/follow-up.csv").await?;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.content_type.as_deref(), Some("text/csv; charset=utf-8"));
    assert!(csv
        .body
        .starts_with("\u{feff}period;section;name;figure;value"));
    assert!(csv
        .body
        .lines()
        .any(|l| l.contains(";hotspot;") && l.ends_with(";visits;6")));

    // The timeline lists the records; a record opens only with a purpose,
    // shows its history from the document, and the opening is logged.
    let records = eva.get("/records?kind=patrol_visit").await?;
    assert_eq!(records.status, 200);
    assert!(records.body.contains("6 records"), "{}", records.body);
    // The export links carry the period and no empty filter.
    assert!(
        records.body.contains("/records.csv?period="),
        "{}",
        records.body
    );
    assert!(!records.body.contains("kind=&amp;"), "{}", records.body);
    let link = records
        .body
        .split("href=\"/records/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a link to a record")
        .to_string();
    let form = eva.get(&format!("/records/{link}")).await?;
    assert!(
        !form.body.contains("Secret note"),
        "no details before a purpose"
    );
    // The form says which record, and chooses no purpose for the
    // coordinator.
    assert!(form.body.contains(link.as_str()) && form.body.contains("Patrol visit"));
    assert!(!form.body.contains("checked"), "a purpose is preselected");
    let csrf = form.csrf().expect("csrf");
    let refused = eva
        .post(
            &format!("/records/{link}"),
            &[("csrf", &csrf), ("purpose", "curiosity")],
        )
        .await?;
    assert_eq!(refused.status, 400, "a purpose from the list only");
    let details = eva
        .post(
            &format!("/records/{link}"),
            &[("csrf", &csrf), ("purpose", "quality")],
        )
        .await?;
    assert_eq!(details.status, 200);
    assert!(details.body.contains("Secret note: youths near the kiosk"));
    assert!(details.body.contains("Edit history"));
    assert!(
        details.body.contains(" · Anna Berg · "),
        "the session's author is named: {}",
        details.body
    );
    assert!(
        details.body.contains("Logged by: Anna Berg"),
        "the record says who logged it"
    );
    // The history says what changed, in words: the note, old → new.
    assert!(details.body.contains("<th>Notes</th>"), "{}", details.body);
    let log = eva.get("/access-log").await?;
    assert!(log.body.contains(&link), "the opening is in the access log");
    assert!(log.body.contains("Quality check of the record"));
    let log_csv = eva.get("/access-log.csv").await?;
    assert_eq!(
        log_csv.body.lines().count(),
        2,
        "one opening, one row: {}",
        log_csv.body
    );
    assert!(
        log_csv
            .body
            .contains(&format!("Test Coordinator;{link};visit;quality;")),
        "{}",
        log_csv.body
    );
    // The log says what the record is, not only its id.
    assert!(log.body.contains("Patrol visit · "), "{}", log.body);

    // A case number goes into the log with the opening; a personal
    // identity number is refused and nothing is logged.
    let refused = eva
        .post(
            &format!("/records/{link}"),
            &[
                ("csrf", &csrf),
                ("purpose", "inquiry"),
                ("case_number", "850709-9805"),
            ],
        )
        .await?;
    assert_eq!(refused.status, 400, "{}", refused.body);
    let with_case = eva
        .post(
            &format!("/records/{link}"),
            &[
                ("csrf", &csrf),
                ("purpose", "inquiry"),
                ("case_number", "KS 2026/12"),
            ],
        )
        .await?;
    assert_eq!(with_case.status, 200);
    let filtered = eva.get("/access-log?purpose=inquiry").await?;
    assert!(filtered.body.contains("KS 2026/12"), "{}", filtered.body);
    assert!(
        !filtered.body.contains("Quality check of the record</td>"),
        "the filter leaves other purposes out: {}",
        filtered.body
    );
    assert_eq!(eva.get("/access-log.csv").await?.body.lines().count(), 3);

    // The filtered records as a spreadsheet: no free text...
    let plain = eva.get("/records.csv?kind=patrol_visit").await?;
    assert_eq!(plain.status, 200);
    assert!(plain.body.contains(&link), "{}", plain.body);
    assert!(!plain.body.contains("Secret note"), "{}", plain.body);
    // ...unless asked for with a purpose; then each record exported is an
    // opening in the access log.
    let no_purpose = eva
        .post(
            "/records/export",
            &[
                ("csrf", &csrf),
                ("query", "kind=patrol_visit"),
                ("purpose", ""),
                ("format", "csv"),
            ],
        )
        .await?;
    assert_eq!(no_purpose.status, 400);
    let logged_before = eva.get("/access-log.csv").await?.body.lines().count();
    let with_text = eva
        .post(
            "/records/export",
            &[
                ("csrf", &csrf),
                ("query", "kind=patrol_visit"),
                ("purpose", "follow_up"),
                ("format", "csv"),
            ],
        )
        .await?;
    assert_eq!(with_text.status, 200, "{}", with_text.body);
    assert!(with_text.body.contains(";free_text"), "{}", with_text.body);
    assert!(with_text
        .body
        .contains("Secret note: youths near the kiosk"));
    let exported = with_text.body.lines().count() - 1;
    assert_eq!(
        eva.get("/access-log.csv").await?.body.lines().count(),
        logged_before + exported,
        "one access-log row per record exported"
    );

    // The inspection's printable protocol, opened with a purpose and
    // logged like any opening: a link or a reload alone reads nothing.
    let inspections = eva.get("/records?kind=inspection").await?;
    let inspection = inspections
        .body
        .split("href=\"/records/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("an inspection")
        .to_string();
    let logged = |body: &str| body.matches("Inspection protocol for the licensee").count();
    let before = logged(&eva.get("/access-log").await?.body);
    let asked = eva.get(&format!("/records/{inspection}/protocol")).await?;
    assert_eq!(asked.status, 200);
    assert!(!asked.body.contains("Copy for the licensee"));
    assert_eq!(logged(&eva.get("/access-log").await?.body), before);
    let protocol = eva.protocol(&inspection).await?;
    assert_eq!(protocol.status, 200);
    assert!(protocol.body.contains("Copy for the licensee"));
    assert_eq!(logged(&eva.get("/access-log").await?.body), before + 1);
    assert!(eva
        .get("/access-log")
        .await?
        .body
        .contains("Inspection protocol for the licensee"));

    // An assessment for the report: saved, shown on the follow-up, never
    // on the public page.
    let follow_up = eva.get("/follow-up").await?;
    let area = follow_up
        .body
        .split("name=\"focus_area\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a focus area")
        .to_string();
    let period = shared::follow_up::Period::quarter_of(now_ms()).key();
    let csrf = follow_up.csrf().expect("csrf");
    let saved = eva
        .post(
            "/follow-up/assessment",
            &[
                ("csrf", &csrf),
                ("period", &period),
                ("focus_area", &area),
                ("text", "Assessment: speed checks behind plan"),
            ],
        )
        .await?;
    assert_eq!(saved.status, 303);
    assert!(eva
        .get("/follow-up")
        .await?
        .body
        .contains("speed checks behind plan"));
    let too_long = "x".repeat(4_001);
    let refused = eva
        .post(
            "/follow-up/assessment",
            &[
                ("csrf", &csrf),
                ("period", &period),
                ("focus_area", &area),
                ("text", &too_long),
            ],
        )
        .await?;
    assert_eq!(refused.status, 400);

    let xlsx = eva.get("/follow-up.xlsx").await?;
    assert_eq!(xlsx.status, 200);
    assert_eq!(
        xlsx.content_type.as_deref(),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );

    let public = WebClient::new(&server.url).get("/public").await?;
    assert_eq!(public.status, 200);
    for secret in [
        "Anna Berg",
        "Secret note",
        "kiosk",
        "eva",
        "Test Coordinator",
    ] {
        assert!(
            !public.body.contains(secret),
            "the public page shows {secret:?}"
        );
    }
    // No exact times (HH:MM) on the public page.
    let has_time = public.body.as_bytes().windows(5).any(|w| {
        w[0].is_ascii_digit()
            && w[1].is_ascii_digit()
            && w[2] == b':'
            && w[3].is_ascii_digit()
            && w[4].is_ascii_digit()
    });
    assert!(!has_time, "the public page shows a time of day");
    // In Swedish for a Swedish browser.
    let svenska = reqwest::Client::new()
        .get(format!("{}/public", server.url))
        .header("accept-language", "sv-SE,sv;q=0.9,en;q=0.8")
        .send()
        .await?
        .text()
        .await?;
    assert!(svenska.contains("<html lang=\"sv\">"));
    assert!(svenska.contains("avrundade till närmaste 5"));
    // The six visits and the inspection were made this quarter, which has
    // not ended: the public page does not show them (a live count would
    // tell where the police patrol now).
    let this_quarter = shared::follow_up::Period::quarter_of(e2e::now_ms()).key();
    assert!(!public.body.contains(&format!("period={this_quarter}\"")));
    assert!(!public.body.contains("<strong>6</strong>"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_data_round_trips_through_csv_and_bad_rows_import_nothing() -> anyhow::Result<()>
{
    let dir = tempfile::tempdir()?;
    let server = pages_server(dir.path()).await?;
    let mut eva = WebClient::new(&server.url);
    eva.sign_in("eva", PASSWORD).await?;
    let page = eva.get("/reference").await?;
    assert!(page.body.contains("Hotspots (12)") && page.body.contains("Venues (12)"));
    let csrf = page.csrf().expect("csrf");

    let export = eva.get("/reference/hotspots.csv").await?;
    assert_eq!(export.status, 200);
    // As Swedish Excel opens it: a byte-order mark, semicolons, decimal
    // commas.
    assert!(export.body.starts_with(
        "\u{feff}id;name;lat;lon;radius_m;active_from;active_to;visits_per_week;minutes_per_week"
    ));
    assert!(
        export.body.lines().nth(1).is_some_and(|l| l.contains(",")),
        "{}",
        export.body
    );
    assert_eq!(export.body.lines().count(), 13);

    // One good row among three bad ones: each bad one reported, none imported.
    let header = "id,name,lat,lon,radius_m,active_from,active_to,visits_per_week,minutes_per_week";
    let bad = format!(
        "{header}\n,Nytt torg,57.26,16.45,80,2026-01-01,,7,90\n,Hamnen,north,16.45,80,2026-01-01,,7,90\n\
         ,Parken,57.26,16.45,80,2026-01-01,,7\n{},Kajen,57.26,16.45,80,2026-01-01,,7,90\n",
        uuid::Uuid::new_v4()
    );
    let refused = eva
        .post_file(
            "/reference/hotspots",
            &[("csrf", &csrf)],
            "file",
            bad.into_bytes(),
        )
        .await?;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("Nothing was imported."));
    for line in [
        "line 3: lat",
        "line 4: 8 columns",
        "line 5: there is no hotspot",
    ] {
        assert!(
            refused.body.contains(line),
            "{line} reported: {}",
            refused.body
        );
    }
    assert!(
        eva.get("/reference").await?.body.contains("Hotspots (12)"),
        "nothing imported"
    );
    // An error a form runs into comes back as a page with a way back.
    let no_file = eva
        .post_file("/reference/venues", &[("csrf", &csrf)], "other", vec![])
        .await?;
    assert_eq!(no_file.status, 400);
    assert!(
        no_file.body.starts_with("<!DOCTYPE html>")
            && no_file.body.contains("Choose a CSV file to import")
            && no_file.body.contains("Back"),
        "{}",
        no_file.body
    );

    // Without the CSRF token: refused.
    let forged = eva
        .post_file(
            "/reference/hotspots",
            &[("csrf", "x")],
            "file",
            b"".to_vec(),
        )
        .await?;
    assert_eq!(forged.status, 403);

    // The export with one name changed and one new row: both applied.
    let mut lines: Vec<String> = export.body.lines().map(str::to_string).collect();
    lines[1] = lines[1].replacen("Demo – ", "Ändrad – ", 1);
    // Added as Swedish Excel saves it: semicolons, decimal commas.
    lines.push(";Nytt torg;57,26;16,45;80;2026-01-01;;7;90".into());
    let ok = eva
        .post_file(
            "/reference/hotspots",
            &[("csrf", &csrf)],
            "file",
            lines.join("\n").into_bytes(),
        )
        .await?;
    assert_eq!(
        (ok.status, ok.location.as_deref()),
        (303, Some("/reference"))
    );
    let page = eva.get("/reference").await?;
    assert!(page.body.contains("Hotspots (13)"));
    assert!(page.body.contains("Ändrad – ") && page.body.contains("Nytt torg"));

    // The same data as an Excel workbook, exported and imported back
    // unchanged (the import reads the workbook's first sheet).
    let csv_before = eva.get("/reference/hotspots.csv").await?.body;
    let book = eva.get("/reference/hotspots.xlsx").await?;
    assert_eq!(book.status, 200);
    assert!(book.bytes.starts_with(b"PK"), "a workbook");
    let back = eva
        .post_file(
            "/reference/hotspots",
            &[("csrf", &csrf)],
            "file",
            book.bytes,
        )
        .await?;
    assert_eq!(back.status, 303, "{}", back.body);
    assert_eq!(eva.get("/reference/hotspots.csv").await?.body, csv_before);

    // One hotspot edited on its own form: saved like a one-row import,
    // with the same checks.
    let first_id = csv_before
        .lines()
        .nth(1)
        .and_then(|l| l.split(';').next())
        .expect("a hotspot")
        .to_string();
    let form = eva.get(&format!("/reference/hotspots/{first_id}")).await?;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("name=\"radius_m\""), "{}", form.body);
    let mut fields: Vec<(String, String)> = shared::reference_csv::HOTSPOT_COLUMNS[1..]
        .iter()
        .map(|n| (n.to_string(), form.input_value(n).expect(n)))
        .collect();
    fields.push(("csrf".into(), csrf.clone()));
    fields[3].1 = "120".into();
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let saved = eva
        .post(&format!("/reference/hotspots/{first_id}"), &pairs)
        .await?;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(eva
        .get("/reference/hotspots.csv")
        .await?
        .body
        .lines()
        .any(|l| l.starts_with(&first_id) && l.contains(";120;")));
    let mut bad = fields.clone();
    bad[1].1 = "norr".into();
    let pairs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refused = eva
        .post(&format!("/reference/hotspots/{first_id}"), &pairs)
        .await?;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("Nothing was imported."),
        "{}",
        refused.body
    );

    // Venues in Swedish words, and an export that reads back unchanged.
    let venues = "id,name,licensee,opens,closes,security_staff_required,late_hours,dancing,outdoor_area,risk\n\
                  ,Nya krogen,Nya krogen AB,11:00,01:00,ja,nej,nej,ja,hög\n";
    let ok = eva
        .post_file(
            "/reference/venues",
            &[("csrf", &csrf)],
            "file",
            venues.as_bytes().to_vec(),
        )
        .await?;
    assert_eq!(ok.status, 303);
    let export = eva.get("/reference/venues.csv").await?;
    assert!(
        export
            .body
            .lines()
            .any(|l| l.ends_with(";Nya krogen;Nya krogen AB;11:00;01:00;yes;no;no;yes;high")),
        "{}",
        export.body
    );
    let again = eva
        .post_file(
            "/reference/venues",
            &[("csrf", &csrf)],
            "file",
            export.body.into_bytes(),
        )
        .await?;
    assert_eq!(again.status, 303);
    assert!(eva.get("/reference").await?.body.contains("Venues (13)"));

    // The plan: exported, a target changed and read back; an initiative
    // that hotspots count toward cannot be left out.
    let plan = eva.get("/reference/plan.csv").await?;
    assert_eq!(plan.body.lines().count(), 17, "16 initiatives");
    let changed = plan.body.replacen(";52;", ";60;", 1);
    assert_ne!(changed, plan.body);
    let ok = eva
        .post_file(
            "/reference/plan",
            &[("csrf", &csrf)],
            "file",
            changed.clone().into_bytes(),
        )
        .await?;
    assert_eq!(ok.status, 303);
    assert!(eva.get("/reference/plan.csv").await?.body.contains(";60;"));
    // One initiative's target changed on its own form (the plan is
    // imported whole with that row changed).
    let reference = eva.get("/reference").await?;
    let at = reference
        .body
        .find("href=\"/reference/plan/")
        .expect("an initiative link")
        + "href=\"".len();
    let link = reference.body[at..]
        .split('"')
        .next()
        .unwrap_or("")
        .to_string();
    let form = eva.get(&link).await?;
    assert_eq!(form.status, 200, "{}", form.body);
    let value = |name: &str| form.input_value(name).expect(name);
    let title = value("initiative");
    let fields = [
        ("csrf", csrf.clone()),
        ("initiative", title.clone()),
        ("owner", value("owner")),
        ("counts", value("counts")),
        ("target_at_least", "77".to_string()),
        ("target_unit", value("target_unit")),
        ("target_per", value("target_per")),
    ];
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = eva.post(&link, &pairs).await?;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(eva
        .get("/reference/plan.csv")
        .await?
        .body
        .lines()
        .any(|l| l.contains(&title) && l.contains(";77;")));
    let without_patrols: Vec<&str> = changed
        .lines()
        .filter(|l| !l.contains(";patrol_visits;"))
        .collect();
    let refused = eva
        .post_file(
            "/reference/plan",
            &[("csrf", &csrf)],
            "file",
            without_patrols.join("\n").into_bytes(),
        )
        .await?;
    assert_eq!(refused.status, 400);
    assert!(
        refused
            .body
            .contains("hotspots and records count toward it"),
        "{}",
        refused.body
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_coordinator_is_made_on_the_command_line() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let run = |password: &str| -> anyhow::Result<std::process::Output> {
        Ok(e2e::process::server_command(dir.path())?
            .args([
                "create-coordinator",
                "--username",
                "kim",
                "--name",
                "Kim Lund",
            ])
            .env("TRYGGHETSLOGG_PASSWORD", password)
            .output()?)
    };
    let short = run("short")?;
    assert!(!short.status.success(), "a short password is refused");
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 characters"));
    assert!(run(PASSWORD)?.status.success());
    let server = e2e::TestServer::start(dir.path()).await?;
    let mut kim = WebClient::new(&server.url);
    let signed = kim.sign_in("kim", PASSWORD).await?;
    // Not a demo account: the authenticator app is set up first
    // (`tests/two_factor.rs` goes on from here).
    assert_eq!(
        (signed.status, signed.location.as_deref()),
        (303, Some("/sign-in/set-up"))
    );
    assert_eq!(
        kim.get("/devices").await?.location.as_deref(),
        Some("/sign-in/code")
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swedish_browser_gets_the_pages_in_swedish() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = pages_server(dir.path()).await?;
    let mut eva = WebClient::new(&server.url);
    eva.accept_language = Some("sv-SE,sv;q=0.9,en;q=0.8".into());
    let form = eva.get("/sign-in").await?;
    assert!(form.body.contains("<html lang=\"sv\">") && form.body.contains("Logga in"));
    let wrong = eva.sign_in("eva", "wrong password!!").await?;
    assert!(wrong.body.contains("Fel användarnamn eller lösenord."));
    eva.sign_in("eva", PASSWORD).await?;
    let page = eva.get("/follow-up").await?;
    for words in [
        "Uppföljning",
        "Patrulldos per plats",
        "Tillsyner mot planen",
        "Logga ut",
        "Ladda ner CSV",
    ] {
        assert!(page.body.contains(words), "{words}");
    }
    // The exports stay machine-readable: the same CSV in any language.
    let csv = eva.get("/follow-up.csv").await?;
    assert!(csv
        .body
        .starts_with("\u{feff}period;section;name;figure;value"));

    // What went wrong is said in Swedish too: the rows of an import...
    let csrf = eva.get("/reference").await?.csrf().expect("csrf");
    let bad = "id,name,lat,lon,radius_m,active_from,active_to,visits_per_week,minutes_per_week\n\
               ,Hamnen,norr,16.45,80,2026-01-01,,7,90\n,,57.26,16.45,80,2026-01-01,,7,90\n";
    let refused = eva
        .post_file(
            "/reference/hotspots",
            &[("csrf", &csrf)],
            "file",
            bad.as_bytes().to_vec(),
        )
        .await?;
    assert_eq!(refused.status, 400);
    for words in [
        "Ingenting importerades.",
        "rad 2: lat: &quot;norr&quot; är inget tal",
        "rad 3: name måste fyllas i",
    ] {
        assert!(refused.body.contains(words), "{words}: {}", refused.body);
    }
    // ...and an error answer is a page, not JSON.
    let nonsense = eva.get("/follow-up?period=nonsense").await?;
    assert_eq!(nonsense.status, 400);
    assert!(
        nonsense.body.contains("<html lang=\"sv\">")
            && nonsense.body.contains("Perioden finns inte")
            && nonsense.body.contains("Tillbaka"),
        "{}",
        nonsense.body
    );
    Ok(())
}
