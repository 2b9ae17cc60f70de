//! What an operator runs: `/health` (alive) apart from `/ready` (the
//! database answers), `/metrics` for Prometheus behind its token, a
//! configuration file, and a backup of a running server restored and
//! synced against: nothing a phone saved is lost.

use std::process::Command;

use app::DeviceStore;
use e2e::process::{serve_with, server_cli, wait_until_up};
use e2e::{now_ms, workspace_binary, TestDevice, TestServer, METRICS_TOKEN};
use shared::domain::Organisation;
use shared::record::Record;

/// `/metrics` as Prometheus asks for it.
async fn scrape(url: &str, token: Option<&str>) -> anyhow::Result<(u16, String)> {
    let mut req = reqwest::Client::new().get(format!("{url}/metrics"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await?;
    Ok((res.status().as_u16(), res.text().await?))
}

/// The value of one sample line (`name{labels} value`).
fn sample(text: &str, line_start: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_ready_and_metrics_answer_as_an_operator_needs() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path()).await?;
    // Ready from the start, before anything is stored.
    let res = reqwest::get(format!("{}/ready", server.url)).await?;
    assert_eq!(res.status(), 200, "an empty store is ready");
    server.seed_demo().await?;
    for path in ["/health", "/ready"] {
        let res = reqwest::get(format!("{}{path}", server.url)).await?;
        assert_eq!(res.status(), 200, "{path}");
    }
    // Behind its token: none and a wrong one are refused alike.
    assert_eq!(scrape(&server.url, None).await?.0, 401);
    assert_eq!(scrape(&server.url, Some("not the token")).await?.0, 401);

    // A sync that is accepted, and one with a record refused.
    let anna = TestDevice::enrol(&server, "Anna Berg", Organisation::Police).await?;
    anna.sync().await?;
    let mut bad = anna.new_visit(now_ms() - 3_600_000)?;
    bad.ended_at = Some(bad.started_at - 60_000); // ends before it starts
    anna.create(Record::PatrolVisit(bad))?;
    anna.sync().await?;

    let (status, text) = scrape(&server.url, Some(METRICS_TOKEN)).await?;
    assert_eq!(status, 200, "{text}");
    assert!(
        sample(&text, "trygghetslogg_syncs_total{outcome=\"ok\"}").is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "trygghetslogg_syncs_total{outcome=\"rejected\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "trygghetslogg_refusals_total{code=\"invalid\"}"),
        Some(1.0),
        "{text}"
    );
    assert!(text.contains("trygghetslogg_sync_duration_seconds_bucket{le=\"0.001\"}"));
    assert!(sample(&text, "trygghetslogg_sync_duration_seconds_count").is_some_and(|n| n >= 2.0));
    assert!(sample(&text, "trygghetslogg_database_bytes").is_some_and(|n| n > 0.0));
    assert_eq!(sample(&text, "trygghetslogg_writer_queue_depth"), Some(0.0));
    assert_eq!(sample(&text, "trygghetslogg_erasures"), Some(0.0));
    // Outcomes and codes only: no officer, device or record.
    assert!(!text.contains("Anna") && !text.contains(&anna.officer().to_string()));
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configuration_file_sets_the_options_and_the_command_line_wins() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let token_file = dir.path().join("metrics-token");
    std::fs::write(&token_file, "a-token-for-prometheus-only\n")?;
    let config = dir.path().join("server.toml");
    let (port, other) = (e2e::process::free_port()?, e2e::process::free_port()?);
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{other}\"\nmetrics-token-file = \"{}\"\ndemo = true\n",
            token_file.display()
        ),
    )?;
    let mut child = Command::new(workspace_binary("trygghetslogg-server")?)
        .arg("--data-dir")
        .arg(&data)
        .args(["serve", "--config"])
        .arg(&config)
        // Typed on the command line: wins over the file's.
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let url = format!("http://127.0.0.1:{port}");
    let up = wait_until_up(&url).await;
    let metrics = scrape(&url, Some("a-token-for-prometheus-only")).await;
    let _ = child.kill();
    let _ = child.wait();
    up?;
    assert_eq!(metrics?.0, 200, "the file's token file is read");
    // An unknown key is refused like an unknown flag.
    std::fs::write(&config, "no-such-option = 1\n")?;
    let out = Command::new(workspace_binary("trygghetslogg-server")?)
        .arg("--data-dir")
        .arg(&data)
        .args(["serve", "--config"])
        .arg(&config)
        .output()?;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--no-such-option"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_of_a_running_server_is_restored_and_nothing_a_phone_saved_is_lost(
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let bin = workspace_binary("trygghetslogg-server")?;
    let (mut server, url) = serve_with(&bin, &data, &["--demo"]).await?;
    let code = server_cli(
        &data,
        &[
            "enrol-code",
            "--officer",
            "Anna Berg",
            "--municipality",
            "demokommun",
        ],
    )?;
    let phone = TestDevice::enrol_with_code(
        &url,
        &code,
        DeviceStore::open(&dir.path().join("phone.sqlite3"))?,
    )
    .await?;
    phone.sync().await?;
    let mut saved = Vec::new();
    for n in 0..3 {
        saved.push(phone.create(Record::PatrolVisit(
            phone.new_visit(e2e::nth_visit_start(n))?,
        ))?);
    }
    phone.sync().await?;

    // The backup, taken while the server runs; then more work after it.
    let backup = dir.path().join("backup-1");
    let said = server_cli(&data, &["backup", "--to", backup.to_str().unwrap_or("")])?;
    assert!(said.starts_with("backed up"), "{said}");
    for n in 3..5 {
        saved.push(phone.create(Record::PatrolVisit(
            phone.new_visit(e2e::nth_visit_start(n))?,
        ))?);
    }
    phone.sync().await?;
    let _ = server.kill();
    let _ = server.wait();

    // The disk lost: the backup put back, the server started on it.
    std::fs::remove_file(data.join("trygghetslogg.sqlite3"))?;
    server_cli(&data, &["restore", "--from", backup.to_str().unwrap_or("")])?;
    assert_eq!(server_cli(&data, &["check"])?, "ok");
    let port = url.rsplit(':').next().unwrap_or("0").to_string();
    let mut server = Command::new(&bin)
        .arg("--data-dir")
        .arg(&data)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    wait_until_up(&url).await?;
    // The phone is past the restored log: it is told to reset, sends
    // what it has again, and every record it saved is on the server.
    let report = phone.sync().await;
    let _ = server.kill();
    let _ = server.wait();
    report?;
    let db = server::db::Db::open(&data)?;
    for id in saved {
        let stored = db.read_blocking(move |c| server::db::documents::stored(c, id))?;
        assert!(stored.is_some(), "{id} lost");
    }
    db.close();
    assert_eq!(phone.lock().pending_changes()?, 0);
    Ok(())
}
