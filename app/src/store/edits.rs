//! Edits: every create and amendment is one SQLite transaction that writes
//! the change to the document's chunks, the outbox and the index.

use automerge::{transaction::CommitOptions, AutoCommit};
use rusqlite::{params, TransactionBehavior};
use shared::domain::Millis;
use shared::record::{read_record, write_record, Record};
use shared::DocId;

use super::chunks::chunk_bytes;
use super::index::index_of;
use super::{DeviceStore, Result, StoreError};

impl DeviceStore {
    /// Creates a record as a new document; durable when this returns.
    pub fn create(&mut self, record: &Record, now: Millis) -> Result<DocId> {
        let id = DocId::random();
        self.write(id, None, now, Some("created"), |_| Ok(record.clone()))?;
        Ok(id)
    }

    /// Amends a record; durable when this returns. An edit that changes
    /// nothing writes nothing.
    pub fn update(
        &mut self,
        id: DocId,
        now: Millis,
        edit: impl FnOnce(&mut Record),
    ) -> Result<Record> {
        self.update_noted(id, now, None, edit)
    }

    /// Like [`DeviceStore::update`], with a note of what was changed (a
    /// field name), kept as the change's message for the record's history.
    pub fn update_noted(
        &mut self,
        id: DocId,
        now: Millis,
        note: Option<&str>,
        edit: impl FnOnce(&mut Record),
    ) -> Result<Record> {
        let (stored, chunks) = chunk_bytes(&self.conn, id)?;
        if chunks == 0 {
            return Err(StoreError::NoSuchRecord(id));
        }
        self.write(id, Some(stored), now, note, |doc| {
            let mut r = read_record(doc)?;
            edit(&mut r);
            Ok(r)
        })
    }

    fn write(
        &mut self,
        id: DocId,
        existing: Option<Vec<u8>>,
        now: Millis,
        note: Option<&str>,
        make: impl FnOnce(&AutoCommit) -> Result<Record>,
    ) -> Result<Record> {
        let actor = self.actor()?;
        let mut doc = match existing {
            // Loaded straight from the stored chunks, with our actor.
            Some(bytes) => AutoCommit::load(&bytes)?.with_actor(actor.to_actor()),
            None => AutoCommit::new().with_actor(actor.to_actor()),
        };
        let record = make(&doc)?;
        write_record(&mut doc, &record)?;
        let mut options = CommitOptions::default().with_time(now / 1000);
        if let Some(note) = note {
            options = options.with_message(note);
        }
        if doc.commit_with(options).is_none() {
            return Ok(record);
        }
        let change = doc
            .get_last_local_change()
            .ok_or(StoreError::NoSuchRecord(id))?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO chunks (doc_id, bytes) VALUES (?1, ?2)",
            params![id.as_bytes(), change.raw_bytes()],
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO outbox (hash, doc_id, bytes) VALUES (?1, ?2, ?3)",
            params![&change.hash().0[..], id.as_bytes(), change.raw_bytes()],
        )?;
        // An amendment sends the refused changes again with it: the fix
        // builds on them, and the server decides the document as a whole.
        tx.execute(
            "UPDATE outbox SET state = 0 WHERE doc_id = ?1",
            [id.as_bytes()],
        )?;
        let (happened_at, subject) = index_of(&record);
        tx.execute(
            "INSERT INTO docs (id, kind, updated_at, happened_at, subject) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, updated_at = excluded.updated_at,
                happened_at = excluded.happened_at, subject = excluded.subject,
                rejected_code = NULL, rejected_reason = NULL, rejected_problems = NULL",
            params![id.as_bytes(), record.kind().as_str(), now, happened_at, subject],
        )?;
        tx.commit()?;
        Ok(record)
    }
}
