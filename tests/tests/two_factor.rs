//! Two-factor sign-in to the pages (issue 14), over real HTTP: an account
//! made as `create-coordinator` makes one sets up an authenticator app at
//! its first sign-in (the code computed here from the key the page shows)
//! and gets recovery codes once; after that every sign-in asks a code; a
//! wrong code and a replayed one are refused; a recovery code works once;
//! too many wrong codes end the session; until the code is given no page
//! opens; a demo account signs in with its password alone.

use e2e::now_ms;
use e2e::web::{pages_server, totp_key, WebClient, PASSWORD};

/// Password, then the page it leads to.
async fn password(web: &mut WebClient, user: &str) -> anyhow::Result<String> {
    let form = web.get("/sign-in").await?;
    let csrf = form.csrf().ok_or_else(|| anyhow::anyhow!("no CSRF"))?;
    let r = web
        .post(
            "/sign-in",
            &[("csrf", &csrf), ("username", user), ("password", PASSWORD)],
        )
        .await?;
    assert_eq!(r.status, 303, "{}", r.body);
    r.location.ok_or_else(|| anyhow::anyhow!("no redirect"))
}

async fn give(web: &mut WebClient, code: &str) -> anyhow::Result<e2e::web::Page> {
    web.give_code(code).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_signs_in_with_a_password_and_a_code_once_only() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = pages_server(dir.path()).await?;
    server.create_real_coordinator("kim", PASSWORD).await?;

    // First sign-in: the password leads to the app's set-up; no page opens.
    let mut web = WebClient::new(&server.url);
    assert_eq!(password(&mut web, "kim").await?, "/sign-in/set-up");
    let follow_up = web.get("/follow-up").await?;
    assert_eq!(
        (follow_up.status, follow_up.location.as_deref()),
        (303, Some("/sign-in/code"))
    );
    let set_up = web.get("/sign-in/set-up").await?;
    assert_eq!(set_up.status, 200);
    // In Swedish for a Swedish browser, like every page.
    web.accept_language = Some("sv-SE,sv;q=0.9".into());
    let swedish = web.get("/sign-in/set-up").await?.body;
    assert!(
        swedish.contains("Koppla din autentiseringsapp") && swedish.contains("Nyckel"),
        "{swedish}"
    );
    web.accept_language = None;
    assert!(set_up.body.contains("<svg"), "a QR code");
    let key = totp_key(&set_up.body)?;
    assert_eq!(
        key,
        totp_key(&web.get("/sign-in/set-up").await?.body)?,
        "the same key on reload"
    );
    // A wrong code sets nothing up.
    assert_eq!(give(&mut web, "000000").await?.status, 401);
    let code = shared::two_factor::code_at(&key, "kim", now_ms()).expect("code");
    let done = give(&mut web, &code).await?;
    assert_eq!(done.status, 200, "{}", done.body);
    let recovery: Vec<String> = done
        .body
        .split("<li><code>")
        .skip(1)
        .filter_map(|s| s.split('<').next().map(str::to_string))
        .collect();
    assert_eq!(recovery.len(), shared::two_factor::RECOVERY_CODES);
    assert_eq!(web.get("/follow-up").await?.status, 200, "signed in");

    // Next sign-in: the code is asked; the one just used is refused (the
    // same time step, replayed); a wrong one too.
    let mut again = WebClient::new(&server.url);
    assert_eq!(password(&mut again, "kim").await?, "/sign-in/code");
    assert_eq!(again.get("/records").await?.status, 303);
    assert_eq!(give(&mut again, &code).await?.status, 401, "replayed");
    assert_eq!(give(&mut again, "123456").await?.status, 401, "wrong");
    // A recovery code signs in, typed however; once.
    let typed = recovery[0].to_lowercase().replace('-', " ");
    let ok = give(&mut again, &typed).await?;
    assert_eq!(
        (ok.status, ok.location.as_deref()),
        (303, Some("/follow-up"))
    );
    assert_eq!(again.get("/follow-up").await?.status, 200);
    let mut third = WebClient::new(&server.url);
    password(&mut third, "kim").await?;
    assert_eq!(
        give(&mut third, &recovery[0]).await?.status,
        401,
        "used once"
    );
    // The app's next code works.
    let next = shared::two_factor::code_at(&key, "kim", now_ms() + 30_000).expect("code");
    assert_eq!(give(&mut third, &next).await?.status, 303);

    // Too many wrong codes end the half-signed-in session.
    let mut guesser = WebClient::new(&server.url);
    password(&mut guesser, "kim").await?;
    let mut last = 0;
    for guess in 0..shared::two_factor::MAX_CODE_FAILURES {
        last = give(&mut guesser, &format!("{:06}", 111_111 + guess))
            .await?
            .status;
    }
    assert_eq!(last, 303, "the last wrong code ends the session");
    let after = guesser.get("/sign-in/code").await?;
    assert_eq!(after.location.as_deref(), Some("/sign-in"));

    // The security log has it all, and no code.
    let log = web.get("/security-log").await?.body;
    for event in [
        "authenticator app set up",
        "wrong or reused one-time code",
        "recovery code used",
        "sign-in ended after too many wrong codes",
    ] {
        assert!(log.contains(event), "{event}: {log}");
    }
    assert!(!log.contains(&code) && !log.contains(&recovery[0]));

    // A demo account: password alone, and "(demo)" on every page.
    let mut demo = WebClient::new(&server.url);
    assert_eq!(password(&mut demo, "eva").await?, "/follow-up");
    assert!(demo.get("/follow-up").await?.body.contains("(demo)"));
    server.stop().await;
    Ok(())
}
