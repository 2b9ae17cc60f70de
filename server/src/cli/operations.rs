//! The operator's tasks on a stopped or running server: devices, revoking
//! one, rebuilding the follow-up tables, the quarantine, the integrity check,
//! a backup and its restore.

use anyhow::bail;
use server::db::{identity, projection, quarantine, Db};
use shared::domain::Millis;

/// `devices`.
pub fn devices(db: &Db) -> anyhow::Result<()> {
    for d in db.read_blocking(|c| identity::list_devices(c, None))? {
        let state = if d.revoked_at.is_some() {
            "revoked"
        } else {
            "active"
        };
        println!(
            "{}\t{}\t{}\t{}\tlast sync {:?}",
            d.id, d.officer_name, d.name, state, d.last_sync_at
        );
    }
    Ok(())
}

/// `revoke`.
pub fn revoke(db: &Db, now: Millis, device: uuid::Uuid) -> anyhow::Result<()> {
    if !db.write_blocking(move |c| identity::revoke(c, device, now))? {
        bail!("no device {device}");
    }
    println!("revoked {device}");
    Ok(())
}

/// `rebuild`.
pub fn rebuild(db: &Db) -> anyhow::Result<()> {
    let n = db.write_blocking(projection::rebuild)?;
    println!("rebuilt the follow-up tables from {n} documents");
    Ok(())
}

/// `quarantine`.
pub fn quarantine(db: &Db) -> anyhow::Result<()> {
    for q in db.read_blocking(|c| quarantine::list(c, None))? {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            q.id, q.doc_id, q.received_at, q.code, q.reason
        );
    }
    Ok(())
}

/// `backup`: a consistent copy while the server runs.
pub fn backup(db: &Db, to: &std::path::Path) -> anyhow::Result<()> {
    let bytes = db.backup(to)?;
    println!("backed up {bytes} bytes into {}", to.display());
    Ok(())
}

/// `copy-to-postgres`: the SQLite store of `data_dir` into PostgreSQL.
pub fn copy_to_postgres(data_dir: &std::path::Path, to: &str) -> anyhow::Result<()> {
    let copied = server::db::copy::to_postgres(data_dir, to)?;
    let rows: usize = copied.tables.iter().map(|(_, n)| n).sum();
    println!(
        "copied {rows} rows of {} tables from {}; start the server with --database",
        copied.tables.len(),
        data_dir.display()
    );
    Ok(())
}

/// `restore`: the backup in place of the store (the server stopped).
pub fn restore(data_dir: &std::path::Path, from: &std::path::Path) -> anyhow::Result<()> {
    server::db::backup::restore(data_dir, from)?;
    // Opening it carries out what the ledger holds and the copy lacks.
    Db::open(data_dir)?.close();
    println!(
        "restored {} into {}; start the server: phones past the restored log resend what they have",
        from.display(),
        data_dir.display()
    );
    Ok(())
}

/// `check`: SQLite's integrity check.
pub fn check(db: &Db) -> anyhow::Result<()> {
    if db.path().is_none() {
        bail!(
            "check is SQLite's integrity check; PostgreSQL's pages are checked with \
             pg_amcheck (docs/operations.md)"
        );
    }
    let result: String =
        db.read_blocking(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get(0)))?;
    println!("{result}");
    if result != "ok" {
        bail!("integrity check failed");
    }
    Ok(())
}
