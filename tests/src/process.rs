//! Helpers for tests and benchmarks that run the product as separate
//! processes: a free loopback port, and what a process used (from /proc).

use anyhow::{Context, Result};

/// A loopback port nobody listens on right now.
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// What a process used so far.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// Peak resident memory (VmHWM), bytes.
    pub peak_bytes: u64,
    /// User + system CPU time, seconds.
    pub cpu_s: f64,
}

/// Reads `/proc/<pid>/status` and `/proc/<pid>/stat` (Linux).
pub fn usage(pid: u32) -> Result<Usage> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let hwm_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no VmHWM in /proc status")?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name, which is in parentheses and may hold
    // spaces: utime and stime are the 12th and 13th of them.
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let tick = |i: usize| -> Result<u64> {
        fields
            .get(i)
            .and_then(|v| v.parse().ok())
            .context("odd /proc stat")
    };
    Ok(Usage {
        peak_bytes: hwm_kb * 1024,
        cpu_s: (tick(11)? + tick(12)?) as f64 / 100.0,
    })
}

/// Starts `bin serve` on a free loopback port over `data` and waits (at
/// most two minutes: a large store's first open) until it answers
/// `/health`. Returns the process and its address.
pub async fn serve(
    bin: &std::path::Path,
    data: &std::path::Path,
) -> Result<(std::process::Child, String)> {
    serve_with(bin, data, &[]).await
}

/// [`serve`] with more of `serve`'s options.
pub async fn serve_with(
    bin: &std::path::Path,
    data: &std::path::Path,
    options: &[&str],
) -> Result<(std::process::Child, String)> {
    use std::process::Stdio;
    let port = free_port()?;
    let child = server_command_of(bin, data)?
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(options)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let url = format!("http://127.0.0.1:{port}");
    wait_until_up(&url).await?;
    Ok((child, url))
}

/// Waits (at most two minutes) until the server at `url` answers `/health`.
pub async fn wait_until_up(url: &str) -> Result<()> {
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + Duration::from_secs(120);
    while reqwest::get(format!("{url}/health")).await.is_err() {
        anyhow::ensure!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Runs one of the server binary's commands on `data` and returns what it
/// printed; a command that fails is an error with what it said.
pub fn server_cli(data: &std::path::Path, args: &[&str]) -> Result<String> {
    let out = server_command(data)?.args(args).output()?;
    anyhow::ensure!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?.trim().to_string())
}

/// A benchmark's size from the environment, else `default`.
pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The median of some timings.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// The server binary of this workspace on the store of `data`: its data
/// directory, and its PostgreSQL database when the suites run on
/// PostgreSQL (`crate::postgres::location`).
pub fn server_command(data: &std::path::Path) -> Result<std::process::Command> {
    server_command_of(&crate::workspace_binary("trygghetslogg-server")?, data)
}

/// [`server_command`] with the binary `bin`.
pub fn server_command_of(
    bin: &std::path::Path,
    data: &std::path::Path,
) -> Result<std::process::Command> {
    Ok(server_on(
        bin,
        data,
        crate::postgres::database_arg(data)?.as_deref(),
    ))
}

/// The server binary `bin` on the data directory `data`, with the store in
/// the PostgreSQL database `database` if one is given, else SQLite in
/// `data` (whatever database the suites run on).
pub fn server_on(
    bin: &std::path::Path,
    data: &std::path::Path,
    database: Option<&str>,
) -> std::process::Command {
    let mut cmd = std::process::Command::new(bin);
    cmd.arg("--data-dir").arg(data);
    match database {
        Some(url) => cmd.env("TRYGGHETSLOGG_DATABASE", url),
        None => cmd.env_remove("TRYGGHETSLOGG_DATABASE"),
    };
    cmd
}

/// An enrolment code for `officer` in Demokommun, made by `enrol-code`
/// run with `server` (the server binary on a store: [`server_on`]).
pub fn enrolment_code(mut server: std::process::Command, officer: &str) -> Result<String> {
    let out = server
        .args(["enrol-code", "--officer", officer])
        .args(["--municipality", "demokommun"])
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "enrol-code: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?.trim().to_string())
}
