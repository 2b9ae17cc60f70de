//! Accounts and roles on the pages (issue 14), over real HTTP: an
//! administrator makes an account for a council member, who signs in with
//! a first password, sets up the app, chooses their own password and sees
//! the follow-up and nothing else; made an administrator instead, the same
//! person manages accounts and sees no record; disabled, their session
//! ends and their password opens nothing; every change is in the security
//! log with who made it. The expected answers are written out here per
//! role, not read from `shared::roles`: the rule is what is tested.

use e2e::web::{pages_server, WebClient, PASSWORD};
use e2e::{now_ms, TestDevice};
use shared::domain::Organisation;
use shared::record::Record;

const RITAS_FIRST: &str = "first password 1234";
const RITAS_OWN: &str = "ritas own long password";

/// Every page and what a council member and an administrator get.
fn expected(record: &str) -> Vec<(String, u16, u16)> {
    let rows: &[(&str, u16, u16)] = &[
        // page, council member, administrator
        ("/follow-up", 200, 403),
        ("/follow-up.csv", 200, 403),
        ("/records", 403, 403),
        ("/records.csv", 403, 403),
        ("/access-log", 403, 403),
        ("/quarantine", 403, 403),
        ("/reference", 403, 403),
        ("/devices", 403, 200),
        ("/security-log", 403, 200),
        ("/retention", 403, 200),
        ("/accounts", 403, 200),
        ("/public", 200, 200),
    ];
    let mut out: Vec<(String, u16, u16)> = rows
        .iter()
        .map(|(p, c, a)| (p.to_string(), *c, *a))
        .collect();
    for p in ["", "/erase", "/redact", "/protocol"] {
        out.push((format!("/records/{record}{p}"), 403, 403));
    }
    out
}

async fn status(web: &mut WebClient, path: &str) -> anyhow::Result<u16> {
    Ok(web.get(path).await?.status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_opens_what_the_work_needs_and_every_change_is_logged() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = pages_server(dir.path()).await?;
    let anna = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    anna.sync().await?;
    let mut v = anna.new_visit(now_ms() - 3_600_000)?;
    v.ended_at = Some(v.started_at + 15 * 60_000);
    let record = anna.create(Record::PatrolVisit(v))?;
    anna.sync().await?;

    // Eva, administrator and coordinator, makes Rita's account.
    let mut eva = WebClient::new(&server.url);
    eva.sign_in("eva", PASSWORD).await?;
    let list = eva.get("/accounts").await?;
    assert_eq!(list.status, 200);
    let csrf = list.csrf().ok_or_else(|| anyhow::anyhow!("no CSRF"))?;
    let made = eva
        .post(
            "/accounts",
            &[
                ("csrf", &csrf),
                ("username", "rita"),
                ("display_name", "Rita Rådsledamot"),
                ("password", RITAS_FIRST),
                ("role", "council_member"),
            ],
        )
        .await?;
    assert_eq!(made.status, 303, "{}", made.body);
    let rita_page = made
        .location
        .clone()
        .ok_or_else(|| anyhow::anyhow!("no redirect"))?;

    // Rita: first password, the app, her own password; she lands on the
    // follow-up and the navigation shows only what she may open.
    let mut rita = WebClient::new(&server.url);
    rita.first_sign_in("rita", RITAS_FIRST, RITAS_OWN).await?;
    let home = rita.get("/").await?;
    assert_eq!(home.location.as_deref(), Some("/follow-up"));
    let follow_up = rita.get("/follow-up").await?;
    assert_eq!(follow_up.status, 200, "{follow_up:?}");
    assert!(follow_up.body.contains("href=\"/follow-up\""));
    for hidden in [
        "href=\"/records\"",
        "href=\"/access-log\"",
        "href=\"/accounts\"",
    ] {
        assert!(
            !follow_up.body.contains(hidden),
            "{hidden} in the council member's navigation"
        );
    }
    for (path, council, _) in expected(&record.to_string()) {
        assert_eq!(
            status(&mut rita, &path).await?,
            council,
            "council member: {path}"
        );
    }
    // Her first password no longer works; her own does.
    let mut again = WebClient::new(&server.url);
    assert_eq!(again.sign_in("rita", RITAS_FIRST).await?.status, 401);

    // Made an administrator instead (the roles form: one ticked box).
    let form = eva.get(&rita_page).await?;
    let csrf = form.csrf().ok_or_else(|| anyhow::anyhow!("no CSRF"))?;
    let changed = eva
        .post(
            &rita_page,
            &[
                ("csrf", &csrf),
                ("action", "roles"),
                ("role", "administrator"),
            ],
        )
        .await?;
    assert_eq!(changed.status, 303, "{}", changed.body);
    for (path, _, admin) in expected(&record.to_string()) {
        assert_eq!(
            status(&mut rita, &path).await?,
            admin,
            "administrator: {path}"
        );
    }

    // Disabled: her session ends at once, her password opens nothing.
    eva.post(&rita_page, &[("csrf", &csrf), ("action", "disable")])
        .await?;
    assert_eq!(
        rita.get("/accounts").await?.location.as_deref(),
        Some("/sign-in")
    );
    assert_eq!(again.sign_in("rita", RITAS_OWN).await?.status, 401);
    eva.post(&rita_page, &[("csrf", &csrf), ("action", "enable")])
        .await?;
    let back = again.sign_in("rita", RITAS_OWN).await?;
    assert_eq!(
        back.location.as_deref(),
        Some("/sign-in/code"),
        "the app is asked"
    );

    // A lost phone: the app is reset and set up again; the password too.
    eva.post(&rita_page, &[("csrf", &csrf), ("action", "second_factor")])
        .await?;
    eva.post(
        &rita_page,
        &[
            ("csrf", &csrf),
            ("action", "password"),
            ("password", "another first one"),
        ],
    )
    .await?;
    let mut fresh = WebClient::new(&server.url);
    fresh
        .first_sign_in("rita", "another first one", "and her own again!")
        .await?;
    assert_eq!(status(&mut fresh, "/accounts").await?, 200);

    // Eva cannot lock herself out.
    let eva_id = eva
        .get("/accounts")
        .await?
        .body
        .split("href=\"/accounts/")
        .skip(1)
        .filter_map(|s| s.split('"').next().map(str::to_string))
        .find(|id| format!("/accounts/{id}") != rita_page)
        .ok_or_else(|| anyhow::anyhow!("eva's account not listed"))?;
    let refused = eva
        .post(
            &format!("/accounts/{eva_id}"),
            &[("csrf", &csrf), ("action", "disable")],
        )
        .await?;
    assert_eq!(refused.status, 400);

    // The security log: every change, by whom.
    let log = eva.get("/security-log").await?.body;
    for event in [
        "account created",
        "roles changed",
        "account disabled",
        "account enabled again",
        "password reset; a new one is set at the next sign-in",
        "authenticator app reset; set up again at the next sign-in",
        "new password set",
    ] {
        assert!(log.contains(event), "{event}: {log}");
    }
    assert!(log.contains("<td>eva</td>"), "who changed it");
    assert!(!log.contains(RITAS_OWN) && !log.contains(RITAS_FIRST));
    server.stop().await;
    Ok(())
}
