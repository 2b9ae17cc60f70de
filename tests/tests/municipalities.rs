//! Several municipalities on one server: an officer's phone receives the
//! reference data of the municipalities the officer works in and nothing
//! of the others (given and taken away on the devices page), and every
//! page answers each role for its own and for another municipality, with
//! nothing of the other's records, names or figures in the responses.

use app::sync_client::Transport as _;
use e2e::web::WebClient;
use e2e::{now_ms, TestDevice, TestServer};
use shared::domain::Organisation;
use shared::municipality::Municipality;
use shared::record::Record;
use shared::roles::Role;
use shared::DocKind;

const PASSWORD: &str = "correct horse battery staple";

/// A server with the demo's two municipalities (Demokommun, Exempelby) in
/// one police area.
async fn two_municipalities(
    dir: &std::path::Path,
) -> anyhow::Result<(TestServer, [Municipality; 2])> {
    let server = TestServer::start(dir).await?;
    let now = now_ms();
    server
        .db
        .write(move |c| server::demo::seed_both(c, now))
        .await?;
    let all = server.db.read(server::db::municipalities::all).await?;
    let [a, b]: [Municipality; 2] = all
        .try_into()
        .map_err(|_| anyhow::anyhow!("two municipalities"))?;
    // By name: Demokommun, Exempelby.
    Ok((server, [a, b]))
}

/// A demo account (signs in with the password alone) with these roles,
/// reaching `municipalities`, or every municipality of the demo's police
/// area when `area`.
async fn account(
    server: &TestServer,
    username: &str,
    roles: &[Role],
    municipalities: &[&Municipality],
    area: bool,
) -> anyhow::Result<WebClient> {
    let (u, roles) = (username.to_string(), roles.to_vec());
    let ms: Vec<_> = municipalities.iter().map(|m| m.id).collect();
    let now = now_ms();
    server
        .db
        .write(move |c| {
            let id = server::db::coordinators::create(c, &u, "Test", PASSWORD, now)?;
            server::db::coordinators::set_roles(c, id, &roles)?;
            let areas = if area {
                vec![server::db::municipalities::police_area(
                    c,
                    server::demo::POLICE_AREA,
                    true,
                )?]
            } else {
                Vec::new()
            };
            server::db::municipalities::set_account(c, id, &ms, &areas)?;
            server::db::coordinators::mark_demo(c, &u)
        })
        .await?;
    let mut web = WebClient::new(&server.url);
    let signed = web.sign_in(username, PASSWORD).await?;
    anyhow::ensure!(signed.status == 303, "{username}: {}", signed.body);
    Ok(web)
}

/// Hotspot names on the phone.
fn hotspot_names(phone: &TestDevice) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for id in phone.reference_ids(DocKind::Hotspot)? {
        if let Record::Hotspot(h) = phone.record(id)? {
            out.push(h.name);
        }
    }
    Ok(out)
}

/// Sets where an officer works on the devices page, as a coordinator does.
async fn place(
    web: &mut WebClient,
    officer: uuid::Uuid,
    municipalities: &[&Municipality],
) -> anyhow::Result<()> {
    let csrf = web.get("/devices").await?.csrf().expect("a CSRF field");
    let ids: Vec<String> = municipalities.iter().map(|m| m.id.to_string()).collect();
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend(ids.iter().map(|m| ("municipality", m.as_str())));
    let page = web
        .post(&format!("/devices/officers/{officer}"), &form)
        .await?;
    anyhow::ensure!(page.status == 303, "{}", page.body);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_receives_the_reference_data_of_the_municipalities_they_work_in(
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (server, [a, b]) = two_municipalities(dir.path()).await?;
    let mut kommunpolis = account(&server, "kp", &[Role::AreaCoordinator], &[], true).await?;

    // A new officer on a server with two municipalities works in none
    // until a coordinator chooses: the phone gets no place at all.
    let anna = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    anna.sync().await?;
    assert!(hotspot_names(&anna)?.is_empty());
    assert!(anna.reference_ids(DocKind::PromisePlan)?.is_empty());
    assert!(anna.reference_ids(DocKind::Directory)?.is_empty());

    // In Demokommun: its 12 hotspots, venues and plan, none of Exempelby's.
    place(&mut kommunpolis, anna.officer(), &[&a]).await?;
    anna.sync().await?;
    let names = hotspot_names(&anna)?;
    assert_eq!(names.len(), 12, "{names:?}");
    assert!(names.iter().all(|n| !n.contains("Exempelby")), "{names:?}");
    assert_eq!(anna.reference_ids(DocKind::Venue)?.len(), 12);
    assert_eq!(anna.plan()?.municipality_id, Some(a.id.0));

    // Exempelby too, at the next sync: its whole reference data.
    place(&mut kommunpolis, anna.officer(), &[&a, &b]).await?;
    let report = anna.sync().await?;
    assert_eq!(hotspot_names(&anna)?.len(), 24);
    assert_eq!(anna.reference_ids(DocKind::PromisePlan)?.len(), 2);
    assert_eq!(report.withdrawn, 0);

    // Demokommun taken away: its places leave the phone.
    place(&mut kommunpolis, anna.officer(), &[&b]).await?;
    let report = anna.sync().await?;
    let names = hotspot_names(&anna)?;
    assert_eq!(names.len(), 12, "{names:?}");
    assert!(names.iter().all(|n| n.contains("Exempelby")), "{names:?}");
    assert_eq!(
        report.withdrawn,
        12 + 12 + 1 + 1,
        "places, plan and directory"
    );
    // Her record at an Exempelby hotspot syncs as always; nothing new of
    // Demokommun reaches her.
    let visit = anna.create(Record::PatrolVisit(anna.new_visit(now_ms() - 3_600_000)?))?;
    anna.sync().await?;
    assert!(server
        .db
        .read(move |c| server::db::documents::stored(c, visit))
        .await?
        .is_some_and(|s| s.state.municipality == Some(b.id)));

    // An answer lost on the way: the phone says what it holds, so the
    // server sends the municipality again until it is carried out.
    place(&mut kommunpolis, anna.officer(), &[&a, &b]).await?;
    let lost = anna.lock().outgoing(1 << 20)?;
    let lost_body = shared::sync::wire::encode(&lost.request);
    let token = anna.enrolment.token.clone();
    let answer = anna.transport.sync(&token, lost_body.clone()).await?;
    drop(answer); // Never reaches the phone.
    let again =
        shared::sync::wire::decode_response(&anna.transport.sync(&token, lost_body).await?)?;
    let plans = again
        .docs
        .iter()
        .filter(|d| d.kind == DocKind::PromisePlan.as_str())
        .count();
    assert_eq!(plans, 1, "Demokommun's plan is sent again");
    anna.sync().await?;
    assert_eq!(hotspot_names(&anna)?.len(), 24);
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_answers_each_role_for_its_own_and_another_municipality() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (server, [a, b]) = two_municipalities(dir.path()).await?;
    let mut kommunpolis = account(&server, "kp", &[Role::AreaCoordinator], &[], true).await?;

    // A record in each municipality, by an officer of each.
    let anna = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    let omar = TestDevice::enrol(&server, "Omar Hassan", Organisation::Police).await?;
    place(&mut kommunpolis, anna.officer(), &[&a]).await?;
    place(&mut kommunpolis, omar.officer(), &[&b]).await?;
    anna.sync().await?;
    omar.sync().await?;
    let mut own_visit = anna.new_visit(now_ms() - 3_600_000)?;
    own_visit.ended_at = Some(own_visit.started_at + 12 * 60_000);
    let own = anna.create(Record::PatrolVisit(own_visit))?;
    let mut other_visit = omar.new_visit(now_ms() - 3_600_000)?;
    other_visit.ended_at = Some(other_visit.started_at + 12 * 60_000);
    let other = omar.create(Record::PatrolVisit(other_visit))?;
    anna.sync().await?;
    omar.sync().await?;
    let own_hotspot = anna.reference_ids(DocKind::Hotspot)?[0];
    let other_hotspot = omar.reference_ids(DocKind::Hotspot)?[0];
    // An inspection at Exempelby's venue counted toward Demokommun's plan
    // is refused: it would join the other municipality's figures.
    let mut crossed = omar.new_inspection(now_ms() - 7_200_000)?;
    crossed.initiative_id = shared::rollup::initiative_for_inspection(&anna.plan()?)
        .ok_or_else(|| anyhow::anyhow!("an inspection initiative"))?;
    let crossed = omar.create(Record::Inspection(crossed))?;
    omar.sync().await?;
    match omar.lock().record_sync(crossed)? {
        app::store::RecordSync::Rejected { problems, .. } => assert!(
            problems
                .iter()
                .any(|p| p.kind == shared::validation::ProblemKind::WrongInitiative),
            "{problems:?}"
        ),
        other => panic!("accepted across municipalities: {other:?}"),
    }
    // The police area's coordinator opens both, so that each
    // municipality's access log has an entry.
    for record in [own, other] {
        let path = format!("/records/{record}");
        let csrf = kommunpolis.get(&path).await?.csrf().expect("a CSRF field");
        let opened = kommunpolis
            .post(&path, &[("csrf", &csrf), ("purpose", "follow_up")])
            .await?;
        assert_eq!(opened.status, 200, "{}", opened.body);
    }

    let mut coordinator = account(&server, "ka", &[Role::Coordinator], &[&a], false).await?;
    let mut council = account(&server, "ra", &[Role::CouncilMember], &[&a], false).await?;
    let mut admin = account(&server, "adm", &[Role::Administrator], &[], false).await?;

    // (path, [own, other]) per role: municipal coordinator, council member,
    // police-area coordinator, administrator. Another municipality's record
    // or place is not found, as if there were none.
    let rec = |id: &shared::DocId, tail: &str| format!("/records/{id}{tail}");
    let hot = |id: &shared::DocId| format!("/reference/hotspots/{id}");
    type Row = (String, String, [[u16; 2]; 4]);
    let routes: Vec<Row> = vec![
        (
            rec(&own, ""),
            rec(&other, ""),
            [[200, 404], [403, 403], [200, 200], [403, 403]],
        ),
        (
            rec(&own, "/erase"),
            rec(&other, "/erase"),
            [[200, 404], [403, 403], [200, 200], [403, 403]],
        ),
        (
            rec(&own, "/redact"),
            rec(&other, "/redact"),
            [[200, 404], [403, 403], [200, 200], [403, 403]],
        ),
        (
            rec(&own, "/protocol"),
            rec(&other, "/protocol"),
            [[200, 404], [403, 403], [200, 200], [403, 403]],
        ),
        (
            hot(&own_hotspot),
            hot(&other_hotspot),
            [[200, 404], [403, 403], [200, 200], [403, 403]],
        ),
        (
            format!("/public/{}", a.slug),
            format!("/public/{}", b.slug),
            [[200, 200]; 4],
        ),
    ];
    for (i, client) in [&mut coordinator, &mut council, &mut kommunpolis, &mut admin]
        .into_iter()
        .enumerate()
    {
        for (own_path, other_path, expected) in &routes {
            let got = [
                client.get(own_path).await?.status,
                client.get(other_path).await?.status,
            ];
            assert_eq!(&got, &expected[i], "role {i}: {own_path} / {other_path}");
        }
    }
    // Opening another municipality's record by posting the purpose form
    // directly shows nothing.
    let csrf = coordinator
        .get("/devices")
        .await?
        .csrf()
        .expect("a CSRF field");
    let forced = coordinator
        .post(
            &rec(&other, ""),
            &[("csrf", &csrf), ("purpose", "follow_up")],
        )
        .await?;
    assert_eq!(forced.status, 404);
    // A phone for an officer of the other municipality is not hers to
    // enrol: it would receive his records.
    let enrol = coordinator
        .post(
            "/devices/codes",
            &[
                ("csrf", &csrf),
                ("officer", "Omar Hassan"),
                ("organisation", "police"),
            ],
        )
        .await?;
    assert_eq!(enrol.status, 400, "{}", enrol.body);
    assert!(enrol.body.contains("works in another municipality"));
    // Choosing a municipality the roles do not reach.
    let chose = coordinator
        .post(
            "/municipality",
            &[("csrf", &csrf), ("municipality", &b.id.to_string())],
        )
        .await?;
    assert_eq!(chose.status, 404);

    // Nothing of Exempelby in any page or export a Demokommun account
    // opens: its officer, places, plan, record and figures.
    let others: Vec<String> = vec![
        other.to_string(),
        "Omar Hassan".into(),
        "Exempelby".into(),
        b.id.to_string(),
    ];
    let pages = [
        "/follow-up",
        "/follow-up.csv",
        "/records",
        "/records.csv",
        "/access-log",
        "/access-log.csv",
        "/quarantine",
        "/reference",
        "/reference/hotspots.csv",
        "/reference/venues.csv",
        "/reference/plan.csv",
        "/devices",
        "/public",
    ];
    for (who, client) in [
        ("coordinator", &mut coordinator),
        ("council member", &mut council),
    ] {
        for path in pages {
            let page = client.get(path).await?;
            if page.status == 403 {
                continue; // Not this role's page (asserted below).
            }
            assert_eq!(page.status, 200, "{who} {path}: {}", page.body);
            let body = String::from_utf8_lossy(&page.bytes);
            for leak in &others {
                // The public index names every municipality; its summaries
                // are each their own.
                if path == "/public" && leak == "Exempelby" {
                    continue;
                }
                assert!(!body.contains(leak.as_str()), "{who} {path} shows {leak}");
            }
        }
    }
    // What each of them opens at all.
    assert_eq!(council.get("/records").await?.status, 403);
    assert_eq!(council.get("/devices").await?.status, 403);
    assert_eq!(council.get("/follow-up").await?.status, 200);
    // Their own municipality's figures: the one visit.
    let csv = coordinator.get("/follow-up.csv").await?.body;
    assert!(
        csv.contains("Demokommun") || csv.contains("Demo – "),
        "{csv}"
    );
    let records = coordinator.get("/records.csv").await?.body;
    assert!(records.contains(&own.to_string()), "{records}");
    let log = coordinator.get("/access-log").await?.body;
    assert!(log.contains(&own.to_string()), "{log}");
    // The public summary of one municipality is its own.
    let public = WebClient::new(&server.url)
        .get(&format!("/public/{}", a.slug))
        .await?
        .body;
    assert!(!public.contains("Exempelby"), "{public}");
    let index = WebClient::new(&server.url).get("/public").await?.body;
    assert!(
        index.contains(&format!("/public/{}", a.slug))
            && index.contains(&format!("/public/{}", b.slug)),
        "{index}"
    );

    // The police area's coordinator chooses Exempelby: its pages show it.
    let csrf = kommunpolis
        .get("/devices")
        .await?
        .csrf()
        .expect("a CSRF field");
    let chose = kommunpolis
        .post(
            "/municipality",
            &[("csrf", &csrf), ("municipality", &b.id.to_string())],
        )
        .await?;
    assert_eq!(chose.status, 303);
    let records = kommunpolis.get("/records.csv").await?.body;
    assert!(
        records.contains(&other.to_string()) && !records.contains(&own.to_string()),
        "{records}"
    );
    server.stop().await;
    Ok(())
}

/// In a browser, as the police area's coordinator: the header offers the
/// area's municipalities, choosing one shows its follow-up. Screenshot in
/// `tests/artifacts/municipalities/` (`docs/screenshots/web-municipality-sv.png`
/// is one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_police_areas_coordinator_chooses_a_municipality_in_a_browser() -> anyhow::Result<()> {
    use e2e::browser::{shown, Browser};
    use fantoccini::Locator;
    let dir = tempfile::tempdir()?;
    let (server, [_a, b]) = two_municipalities(dir.path()).await?;
    // The account as `account` makes it, signed in by the browser.
    drop(account(&server, "kp", &[Role::AreaCoordinator], &[], true).await?);
    let artifacts =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts/municipalities");
    let browser = Browser::start(&artifacts).await?;
    let c = &browser.client;
    c.goto(&format!("{}/sign-in?lang=sv", server.url)).await?;
    c.find(Locator::Css("#username"))
        .await?
        .send_keys("kp")
        .await?;
    c.find(Locator::Css("#password"))
        .await?
        .send_keys(PASSWORD)
        .await?;
    c.find(Locator::Css("main button[type=submit]"))
        .await?
        .click()
        .await?;
    shown(c, "//select[@id='municipality']").await?;
    // Demokommun first (by name); its places, none of Exempelby's.
    let source = c.source().await?;
    assert!(source.contains("Demo – Torget") && !source.contains("Exempelby, Torget"));
    c.find(Locator::Css(&format!(
        "#municipality option[value='{}']",
        b.id
    )))
    .await?
    .click()
    .await?;
    c.find(Locator::Css("form.municipality button"))
        .await?
        .click()
        .await?;
    shown(c, "//td[contains(text(), 'Exempelby, Torget')]").await?;
    let source = c.source().await?;
    assert!(
        !source.contains("Demo – Torget<"),
        "only Exempelby's places"
    );
    // The same page as a Swedish coordinator reads it.
    c.goto(&format!("{}/follow-up?lang=sv", server.url)).await?;
    shown(c, "//label[starts-with(text(), 'Visad kommun')]").await?;
    assert!(c.source().await?.contains("Exempelby, Torget"));
    browser
        .screenshot("follow-up-second-municipality-sv")
        .await?;
    browser.close().await?;
    server.stop().await;
    Ok(())
}
