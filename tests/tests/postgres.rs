//! PostgreSQL as the store: its tables are SQLite's, the change log's
//! positions are never skipped with writers on two instances, and jobs
//! that must run once do.

use anyhow::Result;
use e2e::postgres::{drop_database, fresh_database};
use server::db::sql::Connection;
use server::db::{Db, Location};

/// A server instance's store on the database at `url` (as `serve
/// --database` opens it).
fn instance(url: &str) -> Result<Db> {
    Ok(Db::open_at(Location::Postgres(url.to_owned()))?)
}

/// Every table and column the SQLite migrations make is in PostgreSQL with
/// the same name, in the same order (the oracle is SQLite's own catalogue,
/// read with rusqlite, not the translation).
#[test]
fn postgres_has_every_table_and_column_of_sqlite() -> Result<()> {
    let dir = tempfile::tempdir()?;
    Db::open(dir.path())?.close();
    let sqlite = rusqlite::Connection::open(server::db::db_path(dir.path()))?;
    let mut tables: Vec<(String, Vec<String>)> = Vec::new();
    let names: Vec<String> = sqlite
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for t in names {
        let cols: Vec<String> = sqlite
            .prepare(&format!(
                "SELECT name FROM pragma_table_info('{t}') ORDER BY cid"
            ))?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        tables.push((t, cols));
    }
    assert!(tables.len() > 30, "{} tables", tables.len());

    let url = fresh_database()?;
    instance(&url)?.close();
    let pg = Connection::postgres(&url)?;
    for (t, cols) in &tables {
        let got: Vec<String> = pg
            .prepare(
                "SELECT column_name::text FROM information_schema.columns
                  WHERE table_schema = 'public' AND table_name = ?1 ORDER BY ordinal_position",
            )?
            .query_map([t.as_str()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let got: Vec<String> = got.into_iter().filter(|c| c != "rowid").collect();
        assert_eq!(&got, cols, "table {t}");
    }
    for t in ["erasures", "redactions"] {
        let n: i64 = pg.query_row(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ledger' AND table_name = ?1",
            [t],
            |r| r.get(0),
        )?;
        assert_eq!(n, 1, "ledger.{t}");
    }
    drop(pg);
    drop_database(&url)?;
    Ok(())
}

/// Two instances' writers on one database, and a phone's cursor reading
/// the change log as `outgoing` does (everything after the last position
/// it saw). Instance A takes a position and holds its transaction open;
/// instance B writes after it. With the log's lock (`sql::LOG_LOCK`) B
/// waits for A and no position is ever skipped; with the lock switched
/// off, B's later position is visible before A's earlier one commits, and
/// the reader skips A's change for ever: the test catches the bug it
/// guards against.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_change_log_position_is_skipped_with_two_instances_writing() -> Result<()> {
    use std::sync::atomic::Ordering;
    let url = fresh_database()?;
    let (a, b) = (instance(&url)?, instance(&url)?);
    let skipped_with_lock = race(&url, &a, &b).await?;
    assert!(
        skipped_with_lock.is_empty(),
        "positions skipped with the lock: {skipped_with_lock:?}"
    );
    server::db::sql::SERIALISE_LOG_APPENDS.store(false, Ordering::SeqCst);
    let skipped_without = race(&url, &a, &b).await;
    server::db::sql::SERIALISE_LOG_APPENDS.store(true, Ordering::SeqCst);
    assert!(
        !skipped_without?.is_empty(),
        "without the lock a reader should skip A's position (the bug the lock prevents)"
    );
    a.close();
    b.close();
    drop_database(&url)?;
    Ok(())
}

/// One round: A appends and holds, B appends, a reader follows the log.
/// Returns the positions the reader never saw.
async fn race(url: &str, a: &Db, b: &Db) -> Result<Vec<i64>> {
    use std::time::{Duration, Instant};
    let append = "INSERT INTO changes (doc_id, hash, actor, bytes, received_at, chain)
                  VALUES (?1, ?2, ?3, ?4, 0, ?5)";
    let row = || {
        let id = uuid::Uuid::new_v4();
        (
            id.as_bytes().to_vec(),
            uuid::Uuid::new_v4().as_bytes().repeat(2),
        )
    };
    let reader = {
        let url = url.to_string();
        tokio::task::spawn_blocking(move || -> Result<Vec<i64>> {
            let c = Connection::postgres(&url)?;
            let start: i64 = c.query_row("SELECT COALESCE(max(seq), 0) FROM changes", [], |r| {
                r.get(0)
            })?;
            let (mut cursor, mut seen) = (start, Vec::new());
            let until = Instant::now() + Duration::from_millis(2500);
            while Instant::now() < until {
                let new: Vec<i64> = c
                    .prepare("SELECT seq FROM changes WHERE seq > ?1 ORDER BY seq")?
                    .query_map([cursor], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                if let Some(last) = new.last() {
                    cursor = *last;
                }
                seen.extend(new);
                std::thread::sleep(Duration::from_millis(5));
            }
            let all: Vec<i64> = c
                .prepare("SELECT seq FROM changes WHERE seq > ?1 ORDER BY seq")?
                .query_map([start], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            Ok(all.into_iter().filter(|s| !seen.contains(s)).collect())
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (doc, hash) = row();
    let held = a.write(move |c| {
        c.execute(
            append,
            server::db::sql::params![doc, hash, vec![1u8], vec![2u8], vec![3u8]],
        )?;
        // The transaction stays open with its position taken.
        std::thread::sleep(Duration::from_millis(800));
        Ok(())
    });
    let later = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (doc, hash) = row();
        b.write(move |c| {
            c.execute(
                append,
                server::db::sql::params![doc, hash, vec![1u8], vec![2u8], vec![3u8]],
            )?;
            Ok(())
        })
        .await
    };
    let (x, y) = tokio::join!(held, later);
    x?;
    y?;
    reader.await?
}

/// PostgreSQL's backup route (docs/operations.md): `pg_dump` of the
/// store's schema while the server runs, `pg_restore` of it into the same
/// database after a loss, the erasure ledger (schema `ledger`) kept as it
/// is. A record erased after the dump is erased again at the next start;
/// the phone, past the restored log, resends what it has and every other
/// record it saved is on the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pg_dump_is_restored_keeping_the_ledger_and_the_phone_syncs_again() -> Result<()> {
    use app::DeviceStore;
    use e2e::process::{free_port, wait_until_up};
    use e2e::TestDevice;
    use shared::record::Record;
    use std::process::{Command, Stdio};

    let url = fresh_database()?;
    let dir = tempfile::tempdir()?;
    let bin = e2e::workspace_binary("trygghetslogg-server")?;
    let port = free_port()?;
    let serve = |demo: bool| -> Result<std::process::Child> {
        let mut cmd = Command::new(&bin);
        cmd.arg("--data-dir")
            .arg(dir.path().join("data"))
            .env("TRYGGHETSLOGG_DATABASE", &url)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")]);
        if demo {
            cmd.arg("--demo");
        }
        Ok(cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?)
    };
    let server_url = format!("http://127.0.0.1:{port}");
    let mut server = serve(true)?;
    wait_until_up(&server_url).await?;
    let code = e2e::process::enrolment_code(
        e2e::process::server_on(&bin, &dir.path().join("data"), Some(&url)),
        "Anna Berg",
    )?;
    let phone = TestDevice::enrol_with_code(
        &server_url,
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

    let dump = dir.path().join("store.dump");
    let out = Command::new(pg_tool("pg_dump")?)
        .args(["--format=custom", "--schema=public", "--file"])
        .arg(&dump)
        .arg(&url)
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    for n in 3..5 {
        saved.push(phone.create(Record::PatrolVisit(
            phone.new_visit(e2e::nth_visit_start(n))?,
        ))?);
    }
    phone.sync().await?;
    // A record erased after the dump, by a second instance on the same
    // database (any instance answers any request).
    let erased = saved.remove(0);
    let other = instance(&url)?;
    other
        .erase(
            server::db::erasure::Erasure {
                doc_id: erased,
                kind: shared::DocKind::PatrolVisit,
                reason: shared::erasure::ErasureReason::EnteredByMistake,
                case_number: None,
                erased_by: "test".into(),
                erased_at: e2e::now_ms(),
            },
            |_| Ok(()),
        )
        .await?;
    other.close();
    let _ = server.kill();
    let _ = server.wait();

    // The store lost and restored from the dump; the ledger stays.
    let out = Command::new(pg_tool("pg_restore")?)
        .args(["--clean", "--if-exists", "--schema=public", "--dbname"])
        .arg(&url)
        .arg(&dump)
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "pg_restore: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored_has_it = {
        let url = url.clone();
        server::db::sql::off_runtime(move || -> Result<bool> {
            let c = Connection::postgres(&url)?;
            Ok(c.prepare("SELECT 1 FROM docs WHERE id = ?1")?
                .exists([erased.as_bytes().to_vec()])?)
        })?
    };
    assert!(restored_has_it, "the dump is from before the erasure");

    let mut server = serve(false)?;
    wait_until_up(&server_url).await?;
    let first = phone.sync().await;
    let second = phone.sync().await;
    let _ = server.kill();
    let _ = server.wait();
    first?;
    second?;
    let db = instance(&url)?;
    for id in saved {
        let stored = db
            .read(move |c| server::db::documents::stored(c, id))
            .await?;
        assert!(stored.is_some(), "{id} lost");
    }
    let back = db
        .read(move |c| server::db::documents::stored(c, erased))
        .await?;
    assert!(back.is_none(), "the erased record came back with the dump");
    db.close();
    assert!(
        phone.lock().record(erased)?.is_none(),
        "the phone keeps the erased record"
    );
    assert_eq!(phone.lock().pending_changes()?, 0);
    drop_database(&url)?;
    Ok(())
}

/// A PostgreSQL client program (`pg_dump`, `pg_restore`) of the newest
/// installed version.
fn pg_tool(name: &str) -> Result<std::path::PathBuf> {
    let mut found: Vec<std::path::PathBuf> = std::fs::read_dir("/usr/lib/postgresql")?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin").join(name))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found
        .pop()
        .ok_or_else(|| anyhow::anyhow!("{name} is not installed (postgresql-client)"))
}

/// `copy-to-postgres` moves a pilot's SQLite data directory with a year of
/// demo records into PostgreSQL: every row of every table identical (read
/// from both databases with SQL), and the phone, enrolled and synced
/// before, goes on with its token and cursor: its first sync exchanges
/// nothing, its next record arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_to_postgres_moves_a_pilot_with_every_row_identical() -> Result<()> {
    use app::DeviceStore;
    use e2e::process::{free_port, wait_until_up};
    use e2e::TestDevice;
    use shared::record::Record;

    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let bin = e2e::workspace_binary("trygghetslogg-server")?;
    // The pilot, on SQLite (whatever database the suites run on).
    let sqlite = |args: &[&str]| {
        let mut cmd = std::process::Command::new(&bin);
        cmd.arg("--data-dir")
            .arg(&data)
            .env_remove("TRYGGHETSLOGG_DATABASE")
            .args(args);
        cmd
    };
    let port = free_port()?;
    let url = format!("http://127.0.0.1:{port}");
    let mut pilot = sqlite(&[
        "serve",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--demo",
        "--demo-records",
    ])
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()?;
    wait_until_up(&url).await?;
    let code = e2e::process::enrolment_code(sqlite(&[]), "Anna Berg")?;
    let phone = TestDevice::enrol_with_code(
        &url,
        &code,
        DeviceStore::open(&dir.path().join("phone.sqlite3"))?,
    )
    .await?;
    phone.sync().await?;
    let mut visit = phone.new_visit(e2e::nth_visit_start(1))?;
    visit.ended_at = Some(visit.started_at + 15 * 60_000);
    phone.create(Record::PatrolVisit(visit))?;
    phone.sync().await?;
    let _ = pilot.kill();
    let _ = pilot.wait();

    let target = fresh_database()?;
    let out = sqlite(&["copy-to-postgres", "--to", &target]).output()?;
    anyhow::ensure!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The oracle: every table's rows read from both with SQL, compared
    // as sets of values (the two order NULLs differently).
    let (compared, rows) = {
        let (data, target) = (data.clone(), target.clone());
        server::db::sql::off_runtime(move || -> Result<(usize, usize)> {
            let sqlite = Connection::from(rusqlite::Connection::open(server::db::db_path(&data))?);
            sqlite.execute(
                "ATTACH DATABASE ?1 AS ledger",
                [server::db::ledger_path(&server::db::db_path(&data))
                    .to_string_lossy()
                    .as_ref()],
            )?;
            let pg = Connection::postgres(&target)?;
            let (mut compared, mut rows) = (0, 0);
            for schema in ["main", "ledger"] {
                let tables: Vec<String> = sqlite
                    .prepare(&format!(
                        "SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                    ))?
                    .query_map([], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                for t in tables {
                    let cols: Vec<String> = sqlite
                        .prepare("SELECT name FROM pragma_table_info(?1, ?2) ORDER BY cid")?
                        .query_map([t.as_str(), schema], |r| r.get(0))?
                        .collect::<Result<_, _>>()?;
                    let list = cols
                        .iter()
                        .map(|c| format!("\"{c}\""))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let read = |c: &Connection, from: &str| -> Result<Vec<String>> {
                        let mut out: Vec<String> = c
                            .prepare(&format!("SELECT {list} FROM {from}"))?
                            .query_map([], |r| {
                                (0..cols.len())
                                    .map(|i| {
                                        r.get::<_, server::db::sql::Value>(i)
                                            .map(|v| format!("{v:?}"))
                                    })
                                    .collect::<Result<Vec<_>, _>>()
                                    .map(|v| v.join("|"))
                            })?
                            .collect::<Result<_, _>>()?;
                        out.sort();
                        Ok(out)
                    };
                    let (a, b) = (
                        read(&sqlite, &format!("{schema}.{t}"))?,
                        read(
                            &pg,
                            &if schema == "main" {
                                t.clone()
                            } else {
                                format!("ledger.{t}")
                            },
                        )?,
                    );
                    assert_eq!(a.len(), b.len(), "{schema}.{t}: row count");
                    assert!(a == b, "{schema}.{t}: rows differ");
                    compared += 1;
                    rows += a.len();
                }
            }
            Ok((compared, rows))
        })?
    };
    assert!(
        compared > 30 && rows > 1000,
        "{compared} tables, {rows} rows"
    );

    // The service on PostgreSQL; the phone keeps its token and cursor.
    let mut service = std::process::Command::new(&bin)
        .arg("--data-dir")
        .arg(dir.path().join("unused"))
        .env("TRYGGHETSLOGG_DATABASE", &target)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    wait_until_up(&url).await?;
    let first = phone.sync().await;
    let mut visit = phone.new_visit(e2e::nth_visit_start(2))?;
    visit.ended_at = Some(visit.started_at + 15 * 60_000);
    let next = phone.create(Record::PatrolVisit(visit))?;
    let second = phone.sync().await;
    let _ = service.kill();
    let _ = service.wait();
    let first = first?;
    assert_eq!(
        (first.acknowledged, first.received_docs),
        (0, 0),
        "the phone's cursor is still valid: nothing to exchange"
    );
    assert_eq!(second?.acknowledged, 1);
    let stored = {
        let target = target.clone();
        server::db::sql::off_runtime(move || -> Result<bool> {
            Ok(Connection::postgres(&target)?
                .prepare("SELECT 1 FROM docs WHERE id = ?1")?
                .exists([next.as_bytes().to_vec()])?)
        })?
    };
    assert!(stored, "the phone's next record is in PostgreSQL");
    drop_database(&target)?;
    Ok(())
}

/// A job that must run once (retention, publication) runs on one of two
/// instances when both start it at the same moment; once it is done, the
/// next may run it again (the jobs check whether they are due).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_once_job_runs_on_one_instance_at_a_time() -> Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let url = fresh_database()?;
    let (a, b) = (instance(&url)?, instance(&url)?);
    let runs = Arc::new(AtomicUsize::new(0));
    let job = |runs: Arc<AtomicUsize>| {
        move || async move {
            runs.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            Ok::<_, server::error::Error>(())
        }
    };
    let (x, y) = tokio::join!(
        a.run_once(server::db::retention::JOB, job(runs.clone())),
        b.run_once(server::db::retention::JOB, job(runs.clone())),
    );
    let (x, y) = (x?, y?);
    assert_eq!(runs.load(Ordering::SeqCst), 1, "ran on both instances");
    assert!(
        x.is_some() != y.is_some(),
        "one ran, one skipped: {x:?} {y:?}"
    );
    // Released when done: the other instance may run it now.
    assert!(b
        .run_once(server::db::retention::JOB, job(runs.clone()))
        .await?
        .is_some());
    // Another job is not held back by this one's lock.
    let (p, q) = tokio::join!(
        a.run_once(server::db::retention::JOB, job(runs.clone())),
        b.run_once(server::db::publication::JOB, job(runs.clone())),
    );
    assert!(p?.is_some() && q?.is_some());
    a.close();
    b.close();
    drop_database(&url)?;
    Ok(())
}

/// The keys of table `t`, in order.
fn keys(c: &Connection) -> Result<Vec<i64>> {
    Ok(c.prepare("SELECT k FROM t ORDER BY k")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?)
}

/// Pipelined writes (`Connection::execute_pipelined`) answer later: a
/// failed one must still undo its job, never the jobs before or after it,
/// and never let the transaction's `COMMIT` pass as done (PostgreSQL rolls
/// an aborted transaction back on `COMMIT` without an error). The same for
/// a failure the caller did not look at.
#[test]
fn a_failed_pipelined_write_undoes_its_job_and_is_never_committed_silently() -> Result<()> {
    let url = fresh_database()?;
    let c = Connection::postgres(&url)?;
    c.execute_batch("CREATE TABLE t (k BIGINT PRIMARY KEY)")?;
    let insert = "INSERT INTO t (k) VALUES (?1)";

    // Three jobs in one transaction, the middle one failing on its second
    // write, which is only answered later.
    c.begin_writing()?;
    c.savepoint()?;
    c.execute_pipelined(insert, [1i64])?;
    c.release_savepoint(true)?;
    c.savepoint()?;
    c.execute_pipelined(insert, [2i64])?;
    c.execute_pipelined(insert, [1i64])?; // the key is taken
    c.execute_pipelined(insert, [3i64])?;
    let failed = c.release_savepoint(true);
    assert!(
        failed
            .as_ref()
            .is_err_and(|e| e.to_string().contains("duplicate")),
        "the job is told its write failed: {failed:?}"
    );
    c.savepoint()?;
    c.execute_pipelined(insert, [4i64])?;
    c.release_savepoint(true)?;
    c.commit()?;
    assert_eq!(keys(&c)?, vec![1, 4], "the failed job undone, no other");

    // A failure left for the commit: nothing of the transaction is kept.
    c.begin_writing()?;
    c.execute_pipelined(insert, [5i64])?;
    c.execute_pipelined(insert, [1i64])?;
    assert!(c.commit().is_err(), "the commit reports the failed write");
    assert_eq!(keys(&c)?, vec![1, 4]);

    // A failure the caller read past (as a lookup read as "unknown" does).
    c.begin_writing()?;
    c.execute_pipelined(insert, [6i64])?;
    let _ = c.execute(insert, [4i64]);
    assert!(
        c.commit().is_err(),
        "the commit reports the ignored failure"
    );
    assert_eq!(keys(&c)?, vec![1, 4]);

    // A statement whose parameter PostgreSQL cannot type, first seen inside
    // a transaction: typed from its value, and the transaction goes on.
    c.begin_writing()?;
    c.execute_pipelined(insert, [7i64])?;
    let none: bool = c.query_row("SELECT ?1 IS NULL", [None::<i64>], |r| r.get(0))?;
    assert!(none);
    c.execute_pipelined(insert, [8i64])?;
    c.commit()?;
    assert_eq!(keys(&c)?, vec![1, 4, 7, 8]);
    drop(c);
    drop_database(&url)?;
    Ok(())
}

/// PostgreSQL keeps a prepared statement's generic plan for as long as the
/// connection lives (or until its tables are analysed, which autovacuum
/// does up to a minute later): a plan made while a table was small reads
/// it whole, and went on doing so while a sync filled it (the ingest
/// benchmark's slow runs). After a connection has written many rows its
/// plans are made again. The oracle is PostgreSQL's `EXPLAIN EXECUTE` of
/// the connection's own prepared statement; autovacuum is off for the
/// table, so only the connection can have caused the new plan.
#[test]
fn a_plan_made_on_a_small_table_is_made_again_once_the_connection_has_filled_it() -> Result<()> {
    let url = fresh_database()?;
    let lookup = "SELECT v FROM t WHERE id = ?1";
    // Filled in one transaction, looked up in the next; then filled and
    // looked up by two jobs of one transaction (the writer's group commit).
    for between_jobs in [false, true] {
        let c = Connection::postgres(&url)?;
        c.execute_batch(
            "DROP TABLE IF EXISTS t;
             CREATE TABLE t (id BIGINT PRIMARY KEY, v BIGINT) WITH (autovacuum_enabled = false);
             INSERT INTO t SELECT i, i FROM generate_series(1, 100) i;
             ANALYZE t",
        )?;
        for _ in 0..10 {
            let v: i64 = c.query_row(lookup, [5i64], |r| r.get(0))?;
            assert_eq!(v, 5);
        }
        let small = c.cached_plan(lookup, "5")?.unwrap_or_default();
        assert!(
            small.contains("Seq Scan"),
            "a table of one page is read whole: {small}"
        );

        c.begin_writing()?;
        c.savepoint()?;
        let n = c.execute(
            "INSERT INTO t SELECT i, i FROM generate_series(101, ?1) i",
            [50_100i64],
        )?;
        assert_eq!(n, 50_000);
        c.release_savepoint(true)?;
        if between_jobs {
            c.savepoint()?;
        } else {
            c.commit()?;
            c.begin_writing()?;
        }
        let v: i64 = c.query_row(lookup, [40_000i64], |r| r.get(0))?;
        assert_eq!(v, 40_000);
        let grown = c.cached_plan(lookup, "40000")?.unwrap_or_default();
        if between_jobs {
            c.release_savepoint(true)?;
        }
        c.commit()?;
        assert!(
            grown.contains("Index") && !grown.contains("Seq Scan"),
            "50,100 rows are looked up by the key (between jobs: {between_jobs}): {grown}"
        );
    }
    drop_database(&url)?;
    Ok(())
}

/// The log's check values chain each row to the one before (`shared::sync::
/// cursor`); a writer keeps the last one for its transaction instead of
/// reading it again. A job rolled back after appending must not leave its
/// check value behind for the next job. The oracle is SHA-256 over the rows
/// as PostgreSQL holds them, computed here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_check_chain_holds_across_a_rolled_back_job() -> Result<()> {
    use automerge::transaction::Transactable;
    use sha2::{Digest, Sha256};
    use shared::sync::changes::parse_changes;
    let url = fresh_database()?;
    let db = instance(&url)?;
    let change = |n: i64| -> Result<Vec<u8>> {
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "n", n)?;
        doc.commit();
        Ok(doc
            .get_last_local_change()
            .ok_or_else(|| anyhow::anyhow!("no change"))?
            .raw_bytes()
            .to_vec())
    };
    let id = shared::DocId::random();
    let append = |n: i64, fail: bool| {
        let bytes = change(n);
        let db = db.clone();
        async move {
            let parsed = parse_changes(&[bytes?]).map_err(|e| anyhow::anyhow!("{e:?}"))?;
            let done = db
                .write(move |c| {
                    server::db::documents::append_changes(c, id, &parsed, 0)?;
                    if fail {
                        return Err(server::error::Error::internal("this job fails"));
                    }
                    Ok(())
                })
                .await;
            anyhow::ensure!(done.is_err() == fail, "job {n}: {done:?}");
            Ok::<_, anyhow::Error>(())
        }
    };
    // Queued together, so that they run in one transaction as well as they
    // can; and once more one after another.
    let (a, b, c) = tokio::join!(append(1, false), append(2, true), append(3, false));
    a?;
    b?;
    c?;
    append(4, true).await?;
    append(5, false).await?;
    let rows: Vec<(Vec<u8>, Vec<u8>)> = {
        let url = url.clone();
        server::db::sql::off_runtime(move || -> Result<_> {
            Ok(Connection::postgres(&url)?
                .prepare("SELECT hash, chain FROM changes ORDER BY seq")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?)
        })?
    };
    assert_eq!(rows.len(), 3, "the rolled-back jobs left no row");
    let mut previous = vec![0u8; shared::sync::cursor::CHECK_LEN];
    for (i, (hash, chain)) in rows.iter().enumerate() {
        let mut h = Sha256::new();
        h.update(&previous);
        h.update(hash);
        let want = h.finalize()[..previous.len()].to_vec();
        assert_eq!(chain, &want, "row {i} chains to the row before it");
        previous = want;
    }
    db.close();
    drop_database(&url)?;
    Ok(())
}

/// The connection to PostgreSQL is encrypted, and the server's certificate
/// checked against the authority the address names, when the address asks
/// for it (`sslmode=verify-full&sslrootcert=…`, as libpq reads it); a
/// certificate no trusted authority signed is refused; an address that
/// does not ask connects as before. PostgreSQL itself says whether the
/// session is encrypted (`pg_stat_ssl`).
#[test]
fn the_connection_to_postgresql_is_encrypted_and_verified_when_asked() -> Result<()> {
    let url = fresh_database()?;
    let ca = e2e::postgres::test_authority();
    let ssl = |c: &Connection| -> Result<bool> {
        Ok(c.query_row(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            [],
            |r| r.get(0),
        )?)
    };
    let verified = format!("{url}?sslmode=verify-full&sslrootcert={}", ca.display());
    assert!(ssl(&Connection::postgres(&verified)?)?, "encrypted");
    // A store opened so: its writer, readers and ledger all connect alike.
    let db = instance(&verified)?;
    let n = db.read_blocking(|c| {
        c.query_row(
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid
              WHERE a.datname = current_database() AND s.ssl",
            [],
            |r| r.get::<_, i64>(0),
        )
    })?;
    assert!(n >= 3, "the store's connections are encrypted: {n}");
    db.close();
    // The public authorities did not sign the tests' certificate.
    let refused = Connection::postgres(&format!("{url}?sslmode=verify-full"));
    assert!(refused.is_err(), "an unknown authority is refused");
    assert!(!ssl(&Connection::postgres(&url)?)?, "not asked: plain");
    drop_database(&url)?;
    Ok(())
}
