//! Two server instances on one PostgreSQL database, behind HAProxy, under
//! phones syncing all the time: one instance is killed with SIGKILL in the
//! middle of syncs and started again, then PostgreSQL itself is stopped
//! hard and started again. No acknowledged change is lost, none is
//! stored twice, every phone ends with nothing left to send, and the
//! follow-up tables equal a rebuild from the documents.
//!
//! PostgreSQL here is a server of the test's own (scripts/postgres.sh on
//! another port and directory), since the test restarts it.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use app::store::RecordSync;
use app::DeviceStore;
use e2e::process::{free_port, wait_until_up};
use e2e::{workspace_binary, TestDevice};
use rand::{Rng, SeedableRng};
use server::db::sql::{off_runtime, Connection};
use server::db::{projection, Db, Location};
use shared::record::Record;
use shared::DocId;

const PG_PORT: &str = "55433";

fn pg_script(arg: &str) -> Result<String> {
    let dir = std::env::temp_dir().join("trygghetslogg-pg-failover");
    let out = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/postgres.sh"))
        .arg(arg)
        .env("TRYGGHETSLOGG_PG_PORT", PG_PORT)
        .env("TRYGGHETSLOGG_PG_DIR", &dir)
        .output()?;
    ensure!(
        out.status.success(),
        "postgres.sh {arg}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

struct Instance {
    child: Child,
    port: u16,
}

fn start(data: &Path, url: &str, port: u16, demo: bool) -> Result<Instance> {
    let mut cmd = Command::new(workspace_binary("trygghetslogg-server")?);
    cmd.arg("--data-dir")
        .arg(data)
        .env("TRYGGHETSLOGG_DATABASE", url)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")]);
    if demo {
        cmd.arg("--demo");
    }
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
    Ok(Instance { child, port })
}

fn kill9(child: &mut Child) -> Result<()> {
    let rc = Command::new("kill")
        .arg("-KILL")
        .arg(child.id().to_string())
        .status()?;
    ensure!(rc.success(), "kill -9 failed");
    child.wait()?;
    Ok(())
}

fn haproxy(dir: &Path, front: u16, backs: [u16; 2]) -> Result<Child> {
    let cfg = dir.join("haproxy.cfg");
    std::fs::write(
        &cfg,
        format!(
            "global
    maxconn 512
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 2
    option redispatch
frontend phones
    bind 127.0.0.1:{front}
    default_backend servers
backend servers
    balance roundrobin
    option httpchk GET /ready
    server one 127.0.0.1:{} check inter 200 fall 2 rise 1
    server two 127.0.0.1:{} check inter 200 fall 2 rise 1
",
            backs[0], backs[1]
        ),
    )?;
    // Debian puts it in /usr/sbin, which a user's PATH may lack.
    let bin = ["/usr/sbin/haproxy", "/usr/local/sbin/haproxy"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("haproxy");
    Command::new(bin)
        .arg("-f")
        .arg(&cfg)
        .arg("-db")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting haproxy (scripts/install-system-deps.sh installs it)")
}

/// Each phone makes `per` visits, syncing after each; returns the visits
/// made and how many syncs failed.
async fn work(
    devices: &[Arc<TestDevice>],
    round: i64,
    per: i64,
) -> Result<(Vec<(DocId, i64)>, usize)> {
    let mut tasks = Vec::new();
    for (k, d) in devices.iter().enumerate() {
        let d = d.clone();
        tasks.push(tokio::spawn(async move {
            let (mut made, mut failed) = (Vec::new(), 0usize);
            for i in 0..per {
                let mut v = d.new_visit(e2e::nth_visit_start(round * 1000 + i))?;
                v.ended_at = Some(v.started_at + 12 * 60_000);
                v.contacts.increment(k as i64 + 1);
                made.push((d.create(Record::PatrolVisit(v))?, k as i64 + 1));
                // A failed sync (an instance or the database down) is
                // what the test is about: the phone keeps its record.
                if d.sync().await.is_err() {
                    failed += 1;
                }
            }
            anyhow::Ok((made, failed))
        }));
    }
    let (mut out, mut failed) = (Vec::new(), 0);
    for t in tasks {
        let (m, f) = t.await??;
        out.extend(m);
        failed += f;
    }
    Ok((out, failed))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_behind_haproxy_survive_sigkill_and_a_postgres_restart() -> Result<()> {
    let admin = pg_script("start")?;
    let name = format!("failover_{}", uuid::Uuid::new_v4().simple());
    {
        let admin = admin.clone();
        let name = name.clone();
        off_runtime(move || {
            Connection::postgres(&admin)?.execute_batch(&format!("CREATE DATABASE {name}"))
        })?;
    }
    let url = e2e::postgres::with_database(&admin, &name);
    let dir = tempfile::tempdir()?;
    let (p1, p2, front) = (free_port()?, free_port()?, free_port()?);
    let mut one = start(&dir.path().join("one"), &url, p1, true)?;
    wait_until_up(&format!("http://127.0.0.1:{p1}")).await?;
    let mut two = start(&dir.path().join("two"), &url, p2, false)?;
    wait_until_up(&format!("http://127.0.0.1:{p2}")).await?;
    let mut proxy = haproxy(dir.path(), front, [p1, p2])?;
    let through = format!("http://127.0.0.1:{front}");
    wait_until_up(&through).await?;

    let mut devices = Vec::new();
    for officer in ["Anna Berg", "Omar Said", "Lisa Holm"] {
        let code = e2e::process::enrolment_code(
            e2e::process::server_on(
                &workspace_binary("trygghetslogg-server")?,
                &dir.path().join("cli"),
                Some(&url),
            ),
            officer,
        )?;
        let store = DeviceStore::open(&dir.path().join(format!("{officer}.sqlite3")))?;
        let d = TestDevice::enrol_with_code(&through, &code, store).await?;
        d.sync().await?;
        devices.push(Arc::new(d));
    }

    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut made = Vec::new();
    // 1. Instance one dies with SIGKILL while phones sync through the
    //    proxy; it comes back on its port.
    let working = tokio::spawn({
        let devices = devices.clone();
        async move { work(&devices, 0, 150).await }
    });
    tokio::time::sleep(Duration::from_millis(rng.gen_range(300..600))).await;
    ensure!(
        !working.is_finished(),
        "the phones finished before the kill"
    );
    kill9(&mut one.child)?;
    let (m, cut_by_kill) = working.await??;
    made.extend(m);
    one = start(&dir.path().join("one"), &url, one.port, false)?;
    wait_until_up(&format!("http://127.0.0.1:{}", one.port)).await?;

    // 2. PostgreSQL stops hard (as a crash would) and starts again while
    //    phones sync; both instances find it again.
    let working = tokio::spawn({
        let devices = devices.clone();
        async move { work(&devices, 1, 150).await }
    });
    tokio::time::sleep(Duration::from_millis(rng.gen_range(300..600))).await;
    ensure!(
        !working.is_finished(),
        "the phones finished before the restart"
    );
    pg_script("restart")?;
    let (m, cut_by_restart) = working.await??;
    made.extend(m);
    // The database's restart must have cut syncs, or it tested nothing
    // (the kill may not: HAProxy sends a sync to the live instance).
    ensure!(
        cut_by_restart > 0,
        "no sync failed while PostgreSQL restarted"
    );
    eprintln!(
        "{} visits; syncs cut by the kill: {cut_by_kill}, by the restart: {cut_by_restart}",
        made.len()
    );

    // Heal: every phone syncs until it has nothing left to send.
    for _ in 0..20 {
        let mut left = 0;
        for d in &devices {
            let _ = d.sync().await;
            left += d.lock().pending_changes()?;
        }
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    for d in &devices {
        ensure!(
            d.lock().pending_changes()? == 0,
            "a phone still has changes to send"
        );
        for (id, _) in &made {
            if d.lock().record(*id)?.is_some() {
                ensure!(
                    d.lock().record_sync(*id)? == RecordSync::Synced,
                    "{id} not synced"
                );
            }
        }
    }

    // The oracle: the rows, read with SQL from the database.
    let (ids, contacts, before, after) = {
        let url = url.clone();
        off_runtime(move || -> Result<_> {
            let c = Connection::postgres(&url)?;
            let ids: Vec<String> = c
                .prepare("SELECT doc_id FROM patrol_visits")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let contacts: i64 = c.query_row(
                "SELECT CAST(COALESCE(sum(contacts), 0) AS BIGINT) FROM patrol_visits",
                [],
                |r| r.get(0),
            )?;
            let db = Db::open_at(Location::Postgres(url.clone()))?;
            let before = db.read_blocking(projection::dump)?;
            db.write_blocking(|c| projection::rebuild(c).map(|_| ()))?;
            let after = db.read_blocking(projection::dump)?;
            db.close();
            Ok((ids, contacts, before, after))
        })?
    };
    let on_server: BTreeSet<DocId> = ids
        .iter()
        .map(|s| uuid::Uuid::parse_str(s).map(DocId))
        .collect::<Result<_, _>>()?;
    let want: BTreeSet<DocId> = made.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids.len(), made.len(), "every visit stored once, none twice");
    assert_eq!(on_server, want, "every visit on the server");
    assert_eq!(
        contacts,
        made.iter().map(|(_, c)| c).sum::<i64>(),
        "each visit's contacts counted once"
    );
    assert!(before == after, "the follow-up tables equal a rebuild");

    kill9(&mut proxy)?;
    kill9(&mut one.child)?;
    kill9(&mut two.child)?;
    off_runtime(move || {
        Connection::postgres(&admin)?
            .execute_batch(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    })?;
    pg_script("stop")?;
    Ok(())
}
