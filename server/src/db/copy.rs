//! `copy-to-postgres`: a pilot's SQLite store moved into an empty
//! PostgreSQL database, row for row, in one transaction.
//!
//! Every table is copied with its values as they are: the change log
//! keeps its positions (the phones' cursors stay valid, so no phone
//! resets), the documents their changes (the same heads), the devices
//! their token hashes (every phone keeps syncing with the token it has),
//! the follow-up tables their rows (identical, not recomputed), and the
//! erasure ledger its entries. Tables SQLite numbers by rowid keep that
//! number in PostgreSQL's `rowid` column; then every numbering column
//! (`GENERATED ... AS IDENTITY`) continues after the highest value copied.
//! The tables are filled in the order they were made, so a row's
//! references are there before it.

use std::path::Path;

use super::sql::{Connection, Value};
use super::{Db, Location};
use crate::error::Error;

/// Rows read from the source at a time.
const PAGE: usize = 10_000;
/// Rows written by one statement (PostgreSQL takes at most 65,535
/// parameters; no table here has more than 20 columns).
const ROWS_PER_INSERT: usize = 500;

/// What was copied: rows per table.
#[derive(Debug, Default)]
pub struct Copied {
    pub tables: Vec<(String, usize)>,
}

/// Copies the SQLite store of `data_dir` into the PostgreSQL database at
/// `url`, which must hold no store data yet (its tables are made here).
pub fn to_postgres(data_dir: &Path, url: &str) -> Result<Copied, Error> {
    let target_at = Location::postgres(url)?;
    let source_path = super::db_path(data_dir);
    if !source_path.exists() {
        return Err(Error::bad_input(format!(
            "{} holds no store to copy",
            data_dir.display()
        )));
    }
    // Opening brings the source up to this release's schema, and makes
    // the target's tables.
    Db::open(data_dir)?.close();
    Db::open_at(target_at)?.close();
    let source = super::open_connection(&source_path)?;
    // One snapshot of the source throughout, read in pages.
    let _snapshot = source.unchecked_transaction()?;
    let target = Connection::postgres(url)?;
    let tx = target.begin_write()?;
    for table in ["officers", "docs", "changes", "coordinators"] {
        let n: i64 = tx.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
        if n > 0 {
            return Err(Error::bad_input(format!(
                "the PostgreSQL database holds a store already ({table} has {n} rows); \
                 copy into a new, empty database"
            )));
        }
    }
    // A new store's open may have written rows of its own (`meta`): the
    // copy's replace them, table by table.
    let mut copied = Copied::default();
    for (schema_name, table, has_rowid, without_rowid) in tables(&source)? {
        let qualified = match schema_name.as_str() {
            "main" => table.clone(),
            s => format!("{s}.{table}"),
        };
        let columns = columns(&source, &schema_name, &table)?;
        let mut wanted = columns.clone();
        if has_rowid {
            wanted.push("rowid".into());
        }
        let select = format!(
            "SELECT {} FROM {qualified}",
            wanted
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let names = wanted
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        tx.execute(&format!("DELETE FROM {qualified}"), [])?;
        // Read in pages (a large store does not fit in memory at once),
        // written ROWS_PER_INSERT rows to a statement.
        let mut n = 0;
        loop {
            // In the same order every page (the key's, for a table
            // without rowid: SQLite's scan order of it).
            let order = if without_rowid { "" } else { " ORDER BY rowid" };
            let mut read = source.prepare(&format!("{select}{order} LIMIT ?1 OFFSET ?2"))?;
            let page: Vec<Vec<Value>> = read
                .query_map([PAGE as i64, n as i64], |r| {
                    (0..wanted.len())
                        .map(|i| r.get::<_, Value>(i))
                        .collect::<Result<Vec<Value>, Error>>()
                })?
                .collect::<Result<_, _>>()?;
            for rows in page.chunks(ROWS_PER_INSERT) {
                let mut values = Vec::with_capacity(rows.len() * wanted.len());
                let mut tuples = Vec::with_capacity(rows.len());
                for row in rows {
                    let first = values.len() + 1;
                    tuples.push(format!(
                        "({})",
                        (first..first + row.len())
                            .map(|i| format!("?{i}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    values.extend(row.iter().cloned());
                }
                tx.execute(
                    &format!(
                        "INSERT INTO {qualified} ({names}) VALUES {}",
                        tuples.join(", ")
                    ),
                    values,
                )?;
            }
            n += page.len();
            if page.len() < PAGE {
                break;
            }
        }
        continue_numbering(&tx, &schema_name, &table)?;
        copied.tables.push((qualified, n));
    }
    tx.commit()?;
    Ok(copied)
}

/// The source's tables in the order they were made: (schema, name,
/// whether SQLite numbers its rows by rowid without a column for it,
/// whether it has no rowid at all).
fn tables(source: &Connection) -> Result<Vec<(String, String, bool, bool)>, Error> {
    let mut out = Vec::new();
    for schema_name in ["main", "ledger"] {
        let mut stmt = source.prepare(&format!(
            "SELECT name, sql FROM {schema_name}.sqlite_master
              WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (name, sql) = row?;
            let upper = sql.to_ascii_uppercase();
            let without_rowid = upper.contains("WITHOUT ROWID");
            let has_rowid = !without_rowid && !upper.contains("INTEGER PRIMARY KEY");
            out.push((schema_name.to_string(), name, has_rowid, without_rowid));
        }
    }
    Ok(out)
}

fn columns(source: &Connection, schema_name: &str, table: &str) -> Result<Vec<String>, Error> {
    let mut stmt = source.prepare("SELECT name FROM pragma_table_info(?1, ?2) ORDER BY cid")?;
    let rows = stmt.query_map([table, schema_name], |r| r.get::<_, String>(0))?;
    rows.collect()
}

/// Every identity column of `table` goes on after its highest value.
fn continue_numbering(tx: &Connection, schema_name: &str, table: &str) -> Result<(), Error> {
    let pg_schema = if schema_name == "main" {
        "public"
    } else {
        schema_name
    };
    let identity: Vec<String> = tx
        .prepare(
            "SELECT column_name::text FROM information_schema.columns
              WHERE table_schema = ?1 AND table_name = ?2 AND is_identity = 'YES'",
        )?
        .query_map([pg_schema, table], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for column in identity {
        let qualified = format!("{pg_schema}.{table}");
        tx.query_row(
            &format!(
                "SELECT setval(pg_get_serial_sequence(?1, ?2),
                               COALESCE((SELECT max(\"{column}\") FROM {qualified}), 0) + 1, false)"
            ),
            [qualified.as_str(), column.as_str()],
            |_| Ok(()),
        )?;
    }
    Ok(())
}
