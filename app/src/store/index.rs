//! The record index the lists read (kind, when, subject), a record's sync
//! state and history, and reading one record.

use std::collections::HashMap;

use automerge::Automerge;
use rusqlite::{params, OptionalExtension};
use shared::domain::Millis;
use shared::record::{read_record, Record};
use shared::{DocId, DocKind};

use super::chunks::load_chunks;
use super::{DeviceStore, HistoryEntry, RecordSync, Result};

impl DeviceStore {
    /// The document as stored, or none.
    pub fn doc(&self, id: DocId) -> Result<Option<Automerge>> {
        let (doc, chunks) = load_chunks(&self.conn, id)?;
        Ok((chunks > 0).then_some(doc))
    }

    pub fn record(&self, id: DocId) -> Result<Option<Record>> {
        match self.doc(id)? {
            Some(doc) => Ok(Some(read_record(&doc)?)),
            None => Ok(None),
        }
    }

    /// Ids of the documents held, of one kind or all, newest edit first.
    pub fn ids(&self, kind: Option<DocKind>) -> Result<Vec<DocId>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM docs WHERE (?1 IS NULL OR kind = ?1) ORDER BY updated_at DESC, id",
        )?;
        let rows = stmt.query_map([kind.map(|k| k.as_str())], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for r in rows {
            if let Some(id) = DocId::from_slice(&r?) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// Records of a kind that happened in `[from, to)`, newest first.
    pub fn ids_between(&self, kind: DocKind, from: Millis, to: Millis) -> Result<Vec<DocId>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM docs WHERE kind = ?1 AND happened_at >= ?2 AND happened_at < ?3 ORDER BY happened_at DESC",
        )?;
        let rows = stmt.query_map(params![kind.as_str(), from, to], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for r in rows {
            if let Some(id) = DocId::from_slice(&r?) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// The latest visit per hotspot, for the picker's "recent" order.
    pub fn last_visit_per_subject(&self) -> Result<HashMap<uuid::Uuid, Millis>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT subject, max(happened_at) FROM docs WHERE kind = 'visit' GROUP BY subject",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, Option<Vec<u8>>>(0)?, r.get::<_, Option<i64>>(1)?))
        })?;
        let mut out = HashMap::new();
        for row in rows {
            if let (Some(s), Some(t)) = row? {
                if let Ok(id) = uuid::Uuid::from_slice(&s) {
                    out.insert(id, t);
                }
            }
        }
        Ok(out)
    }

    /// The records of `kind` about one subject (a venue's inspections, a
    /// hotspot's visits), newest first.
    pub fn ids_of_subject(&self, kind: DocKind, subject: uuid::Uuid) -> Result<Vec<DocId>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM docs WHERE kind = ?1 AND subject = ?2 ORDER BY happened_at DESC",
        )?;
        let rows = stmt.query_map(params![kind.as_str(), subject.as_bytes().as_slice()], |r| {
            r.get::<_, Vec<u8>>(0)
        })?;
        let mut out = Vec::new();
        for r in rows {
            if let Some(id) = DocId::from_slice(&r?) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// Field records, newest first.
    pub fn field_records(&self, kind: Option<DocKind>, limit: usize) -> Result<Vec<RecordRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, happened_at, subject FROM docs WHERE kind IN ('visit', 'inspection', 'activity')
               AND (?1 IS NULL OR kind = ?1) ORDER BY happened_at DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![kind.map(|k| k.as_str()), limit as i64], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<Vec<u8>>>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kind, at, subject) = row?;
            if let (Some(id), Some(kind)) = (DocId::from_slice(&id), DocKind::parse(&kind)) {
                out.push(RecordRow {
                    id,
                    kind,
                    happened_at: at,
                    subject: subject.and_then(|s| uuid::Uuid::from_slice(&s).ok()),
                });
            }
        }
        Ok(out)
    }

    /// The record's edit history, read from the document itself: when, by
    /// which actor (hex), and the note of what changed.
    pub fn history(&self, id: DocId) -> Result<Vec<HistoryEntry>> {
        Ok(self
            .doc(id)?
            .map(|doc| shared::history::edit_history(&doc))
            .unwrap_or_default())
    }

    /// Changes waiting to be sent (not counting refused ones).
    pub fn pending_changes(&self) -> Result<usize> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM outbox WHERE state = 0", [], |r| {
                r.get::<_, i64>(0)
            })? as usize)
    }

    /// How many records have changes not yet acknowledged by the server:
    /// what the officer counts (one record edited ten times is one).
    pub fn pending_records(&self) -> Result<usize> {
        Ok(self.conn.query_row(
            "SELECT count(DISTINCT doc_id) FROM outbox WHERE state = 0",
            [],
            |r| r.get::<_, i64>(0),
        )? as usize)
    }

    pub fn record_sync(&self, id: DocId) -> Result<RecordSync> {
        type Row = (Option<String>, Option<String>, Option<String>);
        let rejected: Option<Row> = self
            .conn
            .query_row(
                "SELECT rejected_code, rejected_reason, rejected_problems FROM docs WHERE id = ?1",
                [id.as_bytes()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((Some(code), reason, problems)) = rejected {
            return Ok(RecordSync::Rejected {
                code,
                reason: reason.unwrap_or_default(),
                // Problems this version cannot read are left to the code's
                // words.
                problems: problems
                    .and_then(|p| serde_json::from_str(&p).ok())
                    .unwrap_or_default(),
            });
        }
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE doc_id = ?1",
            [id.as_bytes()],
            |r| r.get(0),
        )?;
        Ok(if n == 0 {
            RecordSync::Synced
        } else {
            RecordSync::Waiting(n as usize)
        })
    }
}

/// When a record happened and what it is about, for the `docs` index.
pub(super) fn index_of(record: &Record) -> (Option<Millis>, Option<Vec<u8>>) {
    match record {
        Record::PatrolVisit(v) => (Some(v.started_at), Some(v.hotspot_id.as_bytes().to_vec())),
        Record::Inspection(i) => (Some(i.started_at), Some(i.venue_id.as_bytes().to_vec())),
        Record::Activity(a) => {
            let fmt = time::macros::format_description!("[year]-[month]-[day]");
            let t = time::Date::parse(&a.date, &fmt)
                .ok()
                .map(|d| d.midnight().assume_utc().unix_timestamp() * 1000);
            (t, Some(a.initiative_id.as_bytes().to_vec()))
        }
        _ => (None, None),
    }
}

/// One line of the record index: what "My records" lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordRow {
    pub id: DocId,
    pub kind: DocKind,
    /// When it happened, device time.
    pub happened_at: Option<Millis>,
    /// The hotspot, venue or initiative it is about.
    pub subject: Option<uuid::Uuid>,
}
