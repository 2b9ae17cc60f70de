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
