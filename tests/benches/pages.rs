//! The coordinators' pages on a large data set: seeds (once, kept in
//! `target/pages-bench/`) 1,000,000 patrol visits, 20,000 inspections, 200
//! hotspots and 300 venues over 5 years with the release server's `seed`
//! command, then times the follow-up page of a quarter and of a year, the
//! records timeline and the follow-up CSV export over real HTTP. Prints a
//! table. Targets (reported, not asserted): page < 500 ms, export < 5 s.
//!
//! `PAGES_VISITS` (default 1,000,000) and `PAGES_INSPECTIONS` (20,000) set
//! the size; a different size seeds a new directory.

use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use e2e::process::{env_or, median, usage};
use e2e::web::WebClient;
use e2e::workspace_binary;

const PASSWORD: &str = "benchmark password";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let visits = env_or("PAGES_VISITS", 1_000_000);
    let inspections = env_or("PAGES_INSPECTIONS", 20_000);
    let bin = workspace_binary("trygghetslogg-server")?;
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/pages-bench")
        .join(format!("{visits}-{inspections}"));
    let marker = data.join("seeded");
    let mut seed_s = None;
    if !marker.exists() {
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data)?;
        let t = Instant::now();
        let status = Command::new(&bin)
            .arg("--data-dir")
            .arg(&data)
            .args(["seed", "--visits", &visits.to_string()])
            .args(["--inspections", &inspections.to_string()])
            .status()
            .context("running the seed command")?;
        if !status.success() {
            bail!("seeding failed");
        }
        seed_s = Some(t.elapsed().as_secs_f64());
        let _ = Command::new(&bin)
            .arg("--data-dir")
            .arg(&data)
            .args([
                "create-coordinator",
                "--username",
                "bench",
                "--name",
                "Bench",
            ])
            .env("TRYGGHETSLOGG_PASSWORD", PASSWORD)
            .status()?;
        std::fs::write(&marker, b"")?;
    }
    let db_bytes = std::fs::metadata(data.join("trygghetslogg.sqlite3"))?.len();
    let (mut server, url) = e2e::process::serve(&bin, &data).await?;
    let mut web = WebClient::new(&url);
    web.sign_in_keeping_key("bench", PASSWORD, &data.join("bench-totp-key"))
        .await?;
    let quarter = shared::follow_up::Period::quarter_of(e2e::now_ms()).previous();
    let year = shared::follow_up::Period::Year(quarter.year());
    let pages = [
        (
            format!("follow-up page, quarter {quarter}"),
            format!("/follow-up?period={}", quarter.key()),
        ),
        (
            format!("follow-up page, year {year}"),
            format!("/follow-up?period={}", year.key()),
        ),
        (
            format!("records timeline, quarter {quarter}"),
            format!("/records?period={}", quarter.key()),
        ),
        (
            format!("follow-up CSV export, year {year}"),
            format!("/follow-up.csv?period={}", year.key()),
        ),
        (
            "public summary, year".to_string(),
            format!("/public?period={}", year.key()),
        ),
    ];
    println!(
        "\n{visits} patrol visits, {inspections} inspections; database {:.0} MB",
        db_bytes as f64 / 1e6
    );
    if let Some(s) = seed_s {
        println!("seeding took {s:.0} s");
    }
    println!("\n| request | median of 5 (ms) | slowest (ms) | bytes |\n|---|---|---|---|");
    for (name, path) in &pages {
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..5 {
            let t = Instant::now();
            let page = web.get(path).await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            if page.status != 200 {
                bail!("{path}: status {}", page.status);
            }
            bytes = page.body.len();
        }
        let slowest = times.iter().cloned().fold(0.0, f64::max);
        println!("| {name} | {:.0} | {slowest:.0} | {bytes} |", median(times));
    }
    let used = usage(server.id())?;
    println!(
        "\nserver peak memory {:.0} MiB",
        used.peak_bytes as f64 / 1048576.0
    );
    let _ = server.kill();
    let _ = server.wait();
    Ok(())
}
