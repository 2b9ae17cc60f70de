//! The device database's tables.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

-- One row per document the device holds. rejected_* say why the server
-- refused the document's last changes, until the officer amends it.
CREATE TABLE docs (
    id              BLOB PRIMARY KEY,
    kind            TEXT,
    updated_at      INTEGER NOT NULL,
    rejected_code   TEXT,
    rejected_reason TEXT
) STRICT;

-- A document is the concatenation of its chunks: a saved document and the
-- changes appended since. Compaction folds them into one saved chunk.
CREATE TABLE chunks (
    id     INTEGER PRIMARY KEY,
    doc_id BLOB NOT NULL,
    bytes  BLOB NOT NULL
) STRICT;
CREATE INDEX chunks_by_doc ON chunks(doc_id, id);

-- Changes made here that the server has not acknowledged. state 0: to
-- send; 1: refused by the server, sent again with the next amendment.
CREATE TABLE outbox (
    seq    INTEGER PRIMARY KEY,
    hash   BLOB NOT NULL UNIQUE,
    doc_id BLOB NOT NULL,
    bytes  BLOB NOT NULL,
    state  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX outbox_by_doc ON outbox(doc_id);
"#,
    r#"
-- When the record happened (start, or the activity's date), and what it
-- is about (hotspot, venue or initiative): lists and today's plan read
-- these instead of loading every document.
ALTER TABLE docs ADD COLUMN happened_at INTEGER;
ALTER TABLE docs ADD COLUMN subject BLOB;
CREATE INDEX docs_by_kind_time ON docs(kind, happened_at);
"#,
    r#"
-- The outbox is keyed per (document, change), like the server's log: the
-- same change bytes in two documents (made from one template) are two
-- changes to send, not one.
CREATE TABLE outbox_by_document (
    seq    INTEGER PRIMARY KEY,
    hash   BLOB NOT NULL,
    doc_id BLOB NOT NULL,
    bytes  BLOB NOT NULL,
    state  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (doc_id, hash)
) STRICT;
INSERT INTO outbox_by_document SELECT seq, hash, doc_id, bytes, state FROM outbox ORDER BY seq;
DROP TABLE outbox;
ALTER TABLE outbox_by_document RENAME TO outbox;
CREATE INDEX outbox_by_doc ON outbox(doc_id);
"#,
    r#"
-- A refusal's validation errors as the server listed them (JSON of
-- shared::sync::wire::WireProblem), so that the app words them itself.
ALTER TABLE docs ADD COLUMN rejected_problems TEXT;
"#,
    r#"
-- Records the coordinators erased: their ids only, so that a copy arriving
-- late (an old answer, a colleague's phone) is never taken in again.
CREATE TABLE erased (
    doc_id    BLOB PRIMARY KEY,
    erased_at INTEGER NOT NULL
) STRICT;
"#,
    r#"
-- Redaction (store::rebase): each redacted document's epoch and redacted
-- paths; the unsent edits kept apart while a new epoch is on its way; the
-- edits a redaction clashed with, for the officer to decide.
CREATE TABLE doc_epochs (
    doc_id   BLOB PRIMARY KEY,
    epoch    INTEGER NOT NULL,
    redacted TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE TABLE unsent_edits (
    doc_id BLOB PRIMARY KEY,
    edits  BLOB NOT NULL
) STRICT;
CREATE TABLE conflicts (
    id     INTEGER PRIMARY KEY,
    doc_id BLOB NOT NULL,
    path   TEXT NOT NULL,
    mine   TEXT NOT NULL,
    at     INTEGER NOT NULL
) STRICT;
"#,
];

pub fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        tx.commit()?;
    }
    Ok(())
}
