//! Single sign-on through an OpenID Connect provider (issue 14), in
//! headless Chromium against the small provider the test runs on loopback
//! (`e2e::oidc`): the sign-in page offers the organisation's sign-in; the
//! browser goes to the provider, signs in there, comes back and lands on
//! the pages its account's roles open (assigned here, by an administrator);
//! the provider saw the client's secret and the PKCE verifier it expected.
//! Someone the provider knows but who has no account here is refused and
//! logged, unless the provider's claim carries roles, which then decide
//! (the account is made); a forged return (another state) signs no one in.

use e2e::browser::{shown, Browser};
use e2e::oidc::{TestProvider, CLIENT_ID, CLIENT_SECRET};
use e2e::web::WebClient;
use e2e::TestServer;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_council_member_signs_in_through_the_organisations_provider() -> anyhow::Result<()> {
    let provider = TestProvider::start().await?;
    let dir = tempfile::tempdir()?;
    let server =
        TestServer::start_with_sso(dir.path(), &provider.issuer, CLIENT_ID, CLIENT_SECRET).await?;
    server.seed_demo().await?;
    // The administrator made Rita's account, as a council member, under
    // the user name the provider knows her by.
    server
        .db
        .write(|c| {
            let id = server::db::coordinators::create(
                c,
                "rita",
                "Rita Rådsledamot",
                "a password she never uses",
                e2e::now_ms(),
            )?;
            server::db::coordinators::set_roles(c, id, &[shared::roles::Role::CouncilMember])
        })
        .await?;

    let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts/sso");
    let browser = Browser::start(&artifacts).await?;
    let c = &browser.client;
    c.goto(&format!("{}/sign-in", server.url)).await?;
    browser.screenshot("01-sign-in").await?;
    c.find(Locator::LinkText("Sign in with Testkommunen"))
        .await?
        .click()
        .await?;
    shown(c, "//h1[text()='Testkommunens inloggning']").await?;
    browser.screenshot("02-provider").await?;
    c.find(Locator::Css("#login"))
        .await?
        .send_keys("rita")
        .await?;
    c.find(Locator::Css("#go")).await?.click().await?;
    if shown(c, "//h1[starts-with(., 'Follow-up')]").await.is_err() {
        browser.screenshot("03-stuck").await?;
        anyhow::bail!(
            "not on the follow-up: {} {}; provider refused {:?}",
            c.current_url().await?,
            c.source().await?,
            provider.refused()
        );
    }
    assert!(c.current_url().await?.path().ends_with("/follow-up"));
    let source = c.source().await?;
    assert!(source.contains("Rita Rådsledamot"), "signed in as Rita");
    assert!(
        !source.contains("href=\"/records\""),
        "a council member's navigation"
    );
    browser.screenshot("03-follow-up").await?;
    assert_eq!(provider.refused(), Vec::<String>::new());

    // Someone with no account here.
    c.delete_all_cookies().await?;
    c.goto(&format!("{}/sign-in/sso", server.url)).await?;
    shown(c, "//h1[text()='Testkommunens inloggning']").await?;
    c.find(Locator::Css("#login"))
        .await?
        .send_keys("okand")
        .await?;
    c.find(Locator::Css("#go")).await?.click().await?;
    shown(c, "//p[contains(., 'no account here')]").await?;
    browser.screenshot("04-no-account").await?;

    // A provider that carries roles in its claim decides them: Kalle has
    // no account here, the claim says coordinator, so he gets one.
    c.delete_all_cookies().await?;
    c.goto(&format!("{}/sign-in/sso", server.url)).await?;
    shown(c, "//h1[text()='Testkommunens inloggning']").await?;
    c.find(Locator::Css("#login"))
        .await?
        .send_keys("kalle")
        .await?;
    c.find(Locator::Css("#roles"))
        .await?
        .send_keys("coordinator")
        .await?;
    c.find(Locator::Css("#go")).await?.click().await?;
    shown(c, "//h1[starts-with(., 'Follow-up')]").await?;
    assert!(
        c.source().await?.contains("href=\"/records\""),
        "a coordinator's navigation"
    );
    browser.close().await?;

    // A return the browser did not start: refused.
    let mut forger = WebClient::new(&server.url);
    let forged = forger
        .get("/sign-in/sso/callback?code=abc&state=not-mine")
        .await?;
    assert_eq!(forged.status, 401);
    assert!(forger.cookie("tl_session").is_none());

    let mut admin = WebClient::new(&server.url);
    server.create_coordinator("eva", e2e::web::PASSWORD).await?;
    admin.sign_in("eva", e2e::web::PASSWORD).await?;
    let log = admin.get("/security-log").await?.body;
    assert!(
        log.contains("signed in through the organisation's sign-in"),
        "{log}"
    );
    assert!(
        log.contains("vouched for someone with no account here"),
        "{log}"
    );
    assert!(
        log.contains("account created") && log.contains("sign-in provider"),
        "{log}"
    );
    server.stop().await;
    Ok(())
}
