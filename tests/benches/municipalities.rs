//! Many municipalities on one server: the quarter follow-up page of one
//! municipality on a server holding `MUNI_COUNT` (default 10)
//! municipalities of `MUNI_VISITS` (default 200,000) patrol visits each,
//! against the same page on a server holding that municipality alone.
//! Both stores are seeded once with the release server's `seed` command
//! (real documents through the ingest path, the same generator and seeds
//! for the first municipality in both) and kept in
//! `target/municipalities-bench/`. The two servers run side by side and
//! are asked in turn, 7 times each. Prints a table; the target (within
//! 1.2x) is reported, not asserted.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use e2e::process::{env_or, median};
use e2e::web::WebClient;
use e2e::workspace_binary;

const PASSWORD: &str = "benchmark password";

fn name(n: u64) -> String {
    format!("Kommun {n:02}")
}

/// Seeds `count` municipalities of `visits` visits each into `data`,
/// unless done before; returns the seconds it took, if it seeded.
fn seed(bin: &Path, data: &Path, count: u64, visits: u64) -> Result<Option<f64>> {
    let marker = data.join("seeded");
    if marker.exists() {
        return Ok(None);
    }
    let _ = std::fs::remove_dir_all(data);
    std::fs::create_dir_all(data)?;
    let t = Instant::now();
    for n in 1..=count {
        eprintln!("seeding {} into {}", name(n), data.display());
        let status = Command::new(bin)
            .arg("--data-dir")
            .arg(data)
            .args(["seed", "--municipality", &name(n)])
            .args(["--visits", &visits.to_string()])
            .args(["--inspections", &(visits / 50).to_string()])
            .args(["--hotspots", "20", "--venues", "30", "--years", "2"])
            .stdout(Stdio::null())
            .status()
            .context("running the seed command")?;
        if !status.success() {
            bail!("seeding {} failed", name(n));
        }
    }
    let status = Command::new(bin)
        .arg("--data-dir")
        .arg(data)
        .args([
            "create-coordinator",
            "--username",
            "bench",
            "--name",
            "Bench",
        ])
        .args(["--municipality", "kommun-01"])
        .env("TRYGGHETSLOGG_PASSWORD", PASSWORD)
        .stdout(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("making the account failed");
    }
    std::fs::write(&marker, b"")?;
    Ok(Some(t.elapsed().as_secs_f64()))
}

struct Server {
    child: Child,
    web: WebClient,
}

async fn serve(bin: &Path, data: &Path) -> Result<Server> {
    let (child, url) = e2e::process::serve(bin, data).await?;
    let mut web = WebClient::new(&url);
    web.sign_in_keeping_key("bench", PASSWORD, &data.join("bench-totp-key"))
        .await?;
    Ok(Server { child, web })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let count = env_or("MUNI_COUNT", 10);
    let visits = env_or("MUNI_VISITS", 200_000);
    let bin = workspace_binary("trygghetslogg-server")?;
    let root: PathBuf =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/municipalities-bench");
    let many = root.join(format!("{count}x{visits}"));
    let alone = root.join(format!("1x{visits}"));
    let seeded_many = seed(&bin, &many, count, visits)?;
    let seeded_alone = seed(&bin, &alone, 1, visits)?;
    let size = |d: &Path| -> Result<f64> {
        let file = |f: &str| std::fs::metadata(d.join(f)).map(|m| m.len()).unwrap_or(0);
        Ok((file("trygghetslogg.sqlite3") + file("trygghetslogg.sqlite3-wal")) as f64 / 1e6)
    };
    println!(
        "\n{count} municipalities x {visits} visits: {:.0} MB{}; {} alone: {:.0} MB{}",
        size(&many)?,
        seeded_many
            .map(|s| format!(", seeded in {s:.0} s"))
            .unwrap_or_default(),
        name(1),
        size(&alone)?,
        seeded_alone
            .map(|s| format!(", seeded in {s:.0} s"))
            .unwrap_or_default(),
    );
    let mut servers = [serve(&bin, &many).await?, serve(&bin, &alone).await?];
    let quarter = shared::follow_up::Period::quarter_of(e2e::now_ms()).previous();
    let pages = [
        (
            format!("follow-up page, quarter {quarter}"),
            format!("/follow-up?period={}", quarter.key()),
        ),
        (
            format!("records timeline, quarter {quarter}"),
            format!("/records?period={}", quarter.key()),
        ),
        (
            format!("follow-up CSV export, quarter {quarter}"),
            format!("/follow-up.csv?period={}", quarter.key()),
        ),
    ];
    println!(
        "\n| request ({}) | {count} municipalities, median of 7 (ms) | alone (ms) | ratio | bytes |\n|---|---|---|---|---|",
        name(1)
    );
    for (label, path) in &pages {
        // A first request each reads the pages from disk: not counted.
        let mut bodies = Vec::new();
        for s in servers.iter_mut() {
            let page = s.web.get(path).await?;
            if page.status != 200 {
                bail!("{path}: status {}", page.status);
            }
            bodies.push(page.body);
        }
        let mut times = [Vec::new(), Vec::new()];
        for _ in 0..7 {
            for (i, s) in servers.iter_mut().enumerate() {
                let t = Instant::now();
                let page = s.web.get(path).await?;
                times[i].push(t.elapsed().as_secs_f64() * 1000.0);
                if page.status != 200 {
                    bail!("{path}: status {}", page.status);
                }
            }
        }
        let [many_ms, alone_ms] = times.map(median);
        // The same generator made the first municipality of both stores,
        // dated from the time each was seeded: the bodies are of the same
        // size, not byte for byte the same.
        println!(
            "| {label} | {many_ms:.0} | {alone_ms:.0} | {:.2} | {} / {} |",
            many_ms / alone_ms,
            bodies[0].len(),
            bodies[1].len()
        );
    }
    for s in servers.iter_mut() {
        let _ = s.child.kill();
        let _ = s.child.wait();
    }
    Ok(())
}
