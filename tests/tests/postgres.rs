//! PostgreSQL as the store: its tables are SQLite's, the change log's
//! positions are never skipped with writers on two instances, and jobs
//! that must run once do.

use anyhow::Result;
use e2e::postgres::{drop_database, fresh_database};
use server::db::sql::Connection;
use server::db::{Db, Location};

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
            .prepare(&format!("SELECT name FROM pragma_table_info('{t}') ORDER BY cid"))?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        tables.push((t, cols));
    }
    assert!(tables.len() > 30, "{} tables", tables.len());

    let url = fresh_database()?;
    Db::open_at(Location::Postgres(url.clone()))?.close();
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
    let (a, b) = {
        let url = url.clone();
        tokio::task::spawn_blocking(move || -> Result<(Db, Db)> {
            Ok((
                Db::open_at(Location::Postgres(url.clone()))?,
                Db::open_at(Location::Postgres(url))?,
            ))
        })
        .await??
    };
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
            let start: i64 =
                c.query_row("SELECT COALESCE(max(seq), 0) FROM changes", [], |r| r.get(0))?;
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
        c.execute(append, server::db::sql::params![doc, hash, vec![1u8], vec![2u8], vec![3u8]])?;
        // The transaction stays open with its position taken.
        std::thread::sleep(Duration::from_millis(800));
        Ok(())
    });
    let later = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (doc, hash) = row();
        b.write(move |c| {
            c.execute(append, server::db::sql::params![doc, hash, vec![1u8], vec![2u8], vec![3u8]])?;
            Ok(())
        })
        .await
    };
    let (x, y) = tokio::join!(held, later);
    x?;
    y?;
    reader.await?
}
