//! The server as its own process, killed with SIGKILL in the middle of
//! devices' syncs and restarted on the same data directory: every
//! acknowledged change is there, nothing is duplicated, SQLite's integrity
//! check passes, and the devices finish syncing.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{ensure, Context};
use app::store::RecordSync;
use app::DeviceStore;
use e2e::process::{free_port, server_cli as cli};
use e2e::TestDevice;
use rand::{Rng, SeedableRng};
use shared::record::Record;
use shared::DocId;

struct ServerProcess {
    child: Child,
    url: String,
}

async fn start(data: &Path, port: u16, demo: bool) -> anyhow::Result<ServerProcess> {
    let mut cmd = e2e::process::server_command(data)?;
    cmd.arg("serve")
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"));
    if demo {
        cmd.arg("--demo");
    }
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
    let url = format!("http://127.0.0.1:{port}");
    // Generous: a slow CI machine recovering a killed server's WAL.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        if let Ok(r) = reqwest::get(format!("{url}/health")).await {
            if r.status().is_success() {
                return Ok(ServerProcess { child, url });
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    anyhow::bail!("the server did not start within 60 s")
}

fn kill9(p: &mut ServerProcess) -> anyhow::Result<()> {
    // The kill(1) command rather than libc: the workspace forbids unsafe
    // code, and Child::kill's signal is an implementation detail.
    let rc = Command::new("kill")
        .arg("-KILL")
        .arg(p.child.id().to_string())
        .status()?;
    ensure!(rc.success(), "kill -9 failed");
    p.child.wait()?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_sync_loses_no_acknowledged_change() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("server");
    let port = free_port()?;
    let mut server = start(&data, port, true).await?;
    let mut devices = Vec::new();
    for name in ["Anna Berg", "Omar Said", "Lisa Holm"] {
        let code = cli(
            &data,
            &[
                "enrol-code",
                "--officer",
                name,
                "--municipality",
                "demokommun",
            ],
        )?;
        let store = DeviceStore::open(&dir.path().join(format!("{name}.sqlite3")))?;
        let d = TestDevice::enrol_with_code(&server.url, &code, store).await?;
        d.sync().await?;
        devices.push(Arc::new(d));
    }
    let mut created: Vec<DocId> = Vec::new();
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);

    let mut cut_rounds = 0;
    let mut want_contacts = 0i64;
    let mut unacknowledged_at_kill = 0;
    for round in 0..5 {
        // Devices keep working and syncing in the background until the
        // server dies under them: each makes a visit, then syncs, until a
        // sync fails (bounded, so a server that never dies ends the test).
        let mut tasks = Vec::new();
        for (k, d) in devices.iter().enumerate() {
            let d = d.clone();
            tasks.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                let mut failed = 0usize;
                for i in 0..400i64 {
                    let mut v = d.new_visit(e2e::nth_visit_start(round * 1000 + i))?;
                    v.ended_at = Some(v.started_at + 12 * 60_000);
                    v.contacts.increment(k as i64 + 1);
                    ids.push(d.create(Record::PatrolVisit(v))?);
                    if d.sync().await.is_err() {
                        failed += 1;
                        break;
                    }
                }
                anyhow::Ok((ids, failed))
            }));
        }
        tokio::time::sleep(Duration::from_millis(rng.gen_range(20..200))).await;
        kill9(&mut server)?;
        let mut failed = 0;
        for (k, t) in tasks.into_iter().enumerate() {
            let (ids, f) = t.await??;
            want_contacts += ids.len() as i64 * (k as i64 + 1);
            created.extend(ids);
            failed += f;
        }
        // The kill must have cut the devices' work, or the round tests
        // nothing: at least one sync failed because the server died.
        if failed > 0 {
            cut_rounds += 1;
        }
        // Whatever a device holds as acknowledged must survive the kill.
        let mut acknowledged = BTreeSet::new();
        for d in &devices {
            for id in &created {
                if d.lock().record(*id)?.is_some()
                    && d.lock().record_sync(*id)? == RecordSync::Synced
                {
                    acknowledged.insert(*id);
                }
            }
        }
        unacknowledged_at_kill += created.len() - acknowledged.len();
        server = start(&data, port, false).await?;
        let on_server = visit_ids(&data)?;
        let lost: Vec<_> = acknowledged.difference(&on_server).collect();
        ensure!(
            lost.is_empty(),
            "round {round}: acknowledged but lost after SIGKILL: {lost:?}"
        );
    }

    ensure!(cut_rounds == 5, "only {cut_rounds} of 5 kills cut a sync");
    ensure!(
        unacknowledged_at_kill > 0,
        "every record was acknowledged before each kill: nothing was in flight"
    );

    // Heal: everyone syncs until quiet.
    for _ in 0..3 {
        for d in &devices {
            d.sync().await.context("sync after restart")?;
        }
    }
    for d in &devices {
        assert_eq!(d.lock().pending_changes()?, 0);
    }
    let on_server = visit_ids(&data)?;
    assert_eq!(
        on_server.len(),
        created.len(),
        "every visit once, none duplicated"
    );
    assert_eq!(on_server, created.iter().copied().collect::<BTreeSet<_>>());
    let contacts = contact_sum(&data)?;
    assert_eq!(
        contacts, want_contacts,
        "each visit's contacts counted once"
    );
    kill9(&mut server)?;
    if !e2e::postgres::selected() {
        // SQLite's own check of its file; PostgreSQL checks its pages itself.
        assert_eq!(cli(&data, &["check"])?, "ok", "PRAGMA integrity_check");
    }
    Ok(())
}

fn visit_ids(data: &Path) -> anyhow::Result<BTreeSet<DocId>> {
    let ids: Vec<String> = server::db::sql::off_runtime(|| -> anyhow::Result<Vec<String>> {
        let conn = e2e::postgres::store_connection(data)?;
        let mut stmt = conn.prepare("SELECT doc_id FROM patrol_visits")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    })?;
    let mut out = BTreeSet::new();
    for id in ids {
        out.insert(DocId(uuid::Uuid::parse_str(&id)?));
    }
    Ok(out)
}

fn contact_sum(data: &Path) -> anyhow::Result<i64> {
    server::db::sql::off_runtime(|| {
        Ok(e2e::postgres::store_connection(data)?.query_row(
            "SELECT CAST(sum(contacts) AS BIGINT) FROM patrol_visits",
            [],
            |r| r.get(0),
        )?)
    })
}
