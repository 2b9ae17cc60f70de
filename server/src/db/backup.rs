//! A consistent copy of a running server's data, and putting one back.
//!
//! `backup` writes the store with SQLite's `VACUUM INTO` (a snapshot read
//! in one transaction on a reader connection: writers go on, the copy is
//! a whole database as of one moment, compacted), then the erasure ledger
//! the same way. In that order: an erasure is committed to the ledger
//! before the store, so the ledger's copy holds every erasure the store's
//! copy shows done, and any it does not is carried out again at open
//! (`erasure::carry_out_pending`).
//!
//! `restore` puts the store's copy in place (the server stopped) and keeps
//! the data directory's own ledger when there is one: a ledger from the
//! backup would forget the erasures made since, and the store's copy may
//! hold records erased after it was taken (docs/privacy.md). Phones whose
//! cursor is past the restored log are told to reset and send what they
//! have again (docs/protocol.md, Reset).

use std::path::Path;

use super::{db_path, ledger_path, Db};
use crate::error::Error;

impl Db {
    /// Writes the store and the ledger into `to`, a directory that must not
    /// exist yet. Returns the bytes written.
    pub fn backup(&self, to: &Path) -> Result<u64, Error> {
        if self.path().is_none() {
            return Err(Error::bad_input(
                "a PostgreSQL store is backed up with pg_dump or a base backup \
                 (docs/operations.md, Backups)",
            ));
        }
        if to.exists() {
            return Err(Error::bad_input(format!(
                "{} exists already: back up into a new directory",
                to.display()
            )));
        }
        std::fs::create_dir_all(to)
            .map_err(|e| Error::Unavailable(format!("cannot create {}: {e}", to.display())))?;
        let store = db_path(to);
        let ledger = ledger_path(&store);
        let (s, l) = (
            store.to_string_lossy().into_owned(),
            ledger.to_string_lossy().into_owned(),
        );
        self.read_blocking(move |c| {
            c.execute("VACUUM main INTO ?1", [&s])?;
            c.execute("VACUUM ledger INTO ?1", [&l])?;
            Ok(())
        })?;
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        Ok(size(&store) + size(&ledger))
    }
}

/// Puts the backup in `from` in place of `data_dir`'s store (the server
/// must be stopped). The data directory's ledger stays; without one, the
/// backup's is taken.
pub fn restore(data_dir: &Path, from: &Path) -> Result<(), Error> {
    let copy = db_path(from);
    if !copy.exists() {
        return Err(Error::bad_input(format!(
            "{} holds no backup (no {})",
            from.display(),
            copy.display()
        )));
    }
    std::fs::create_dir_all(data_dir)
        .map_err(|e| Error::Unavailable(format!("cannot create {}: {e}", data_dir.display())))?;
    let store = db_path(data_dir);
    let io = |e: std::io::Error| Error::Unavailable(format!("restoring: {e}"));
    // The old store's write-ahead log and index would be read into the
    // restored file: they go with it.
    for suffix in ["-wal", "-shm"] {
        let p = store.with_file_name(format!(
            "{}{suffix}",
            store
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        ));
        if p.exists() {
            std::fs::remove_file(&p).map_err(io)?;
        }
    }
    // Copied beside, then renamed over: never half a file in place.
    let incoming = store.with_extension("sqlite3.restoring");
    std::fs::copy(&copy, &incoming).map_err(io)?;
    std::fs::rename(&incoming, &store).map_err(io)?;
    let ledger = ledger_path(&store);
    if !ledger.exists() {
        std::fs::copy(ledger_path(&copy), &ledger).map_err(io)?;
    }
    Ok(())
}
