//! A document is the concatenation of its chunks: a saved document and the
//! changes appended since. Loading goes through `shared::chunks`, which
//! refuses chunk kinds the product never writes; compaction folds chunks
//! into one saved chunk.

use automerge::{Automerge, ReadDoc as _};
use rusqlite::{params, Connection, TransactionBehavior};
use shared::DocId;

use super::{DeviceStore, Result, StoreError};

impl DeviceStore {
    /// Folds a document's chunks into one saved chunk.
    pub fn compact(&mut self, id: DocId) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        compact_doc(&tx, id)?;
        tx.commit()?;
        Ok(())
    }
}

/// The document's stored chunks, concatenated (Automerge loads them as
/// one), and how many there are.
pub(super) fn chunk_bytes(conn: &Connection, id: DocId) -> Result<(Vec<u8>, i64)> {
    let mut stmt = conn.prepare_cached("SELECT bytes FROM chunks WHERE doc_id = ?1 ORDER BY id")?;
    let mut rows = stmt.query([id.as_bytes()])?;
    let mut all = Vec::new();
    let mut n = 0;
    while let Some(r) = rows.next()? {
        n += 1;
        all.extend_from_slice(&r.get::<_, Vec<u8>>(0)?);
    }
    Ok((all, n))
}

pub(super) fn load_chunks(conn: &Connection, id: DocId) -> Result<(Automerge, i64)> {
    let (all, n) = chunk_bytes(conn, id)?;
    let doc = if n == 0 {
        Automerge::new()
    } else {
        shared::chunks::load_document(&all).map_err(StoreError::Damaged)?
    };
    Ok((doc, n))
}

pub(super) fn compact_doc(conn: &Connection, id: DocId) -> Result<()> {
    let (doc, chunks) = load_chunks(conn, id)?;
    // A document waiting for changes it depends on would lose them in a
    // save; leave it as it is until they arrive.
    if chunks <= 1 || !doc.get_missing_deps(&[]).is_empty() {
        return Ok(());
    }
    let saved = doc.save();
    conn.execute("DELETE FROM chunks WHERE doc_id = ?1", [id.as_bytes()])?;
    conn.execute(
        "INSERT INTO chunks (doc_id, bytes) VALUES (?1, ?2)",
        params![id.as_bytes(), saved],
    )?;
    Ok(())
}
