//! What a device receives: every change it lacks and may see, after its
//! cursor, grouped per document, cut at a size limit.

use std::collections::BTreeMap;

use crate::db::sql::{params, Connection};
use serde_bytes::ByteBuf;
use shared::sync::{Cursor, DocUpdate};
use shared::MunicipalityId;

use super::documents;
use super::identity::Device;
use super::municipalities::Given;
use crate::error::Error;

/// A change as read from the log: its position and bytes.
type LoggedChange = (i64, Vec<u8>);

/// The response's content for one device.
#[derive(Debug)]
pub struct Outgoing {
    pub docs: Vec<DocUpdate>,
    pub cursor: Option<Cursor>,
    pub reset: bool,
    pub more: bool,
}

/// Collects the updates for `device` after `cursor`, at most about
/// `max_bytes` of changes (always at least one document's worth).
/// `given`: the municipalities the officer works in (read once per sync by
/// the caller); `held`: those whose reference data the device says it
/// holds (`SyncRequest::works_in`). The whole reference data of each the
/// device lacks (`shared::municipality::device_lacks`) is sent.
pub fn updates(
    conn: &Connection,
    device: &Device,
    cursor: Option<&Cursor>,
    given: &[Given],
    held: Option<&[MunicipalityId]>,
    max_bytes: usize,
) -> Result<Outgoing, Error> {
    let from = match cursor {
        None => 0,
        Some(c) => match documents::check_at(conn, c.seq)? {
            Some(check) if check == c.check => c.seq,
            // The log is not the one this device saw: a restored backup.
            _ => {
                return Ok(Outgoing {
                    docs: Vec::new(),
                    cursor: None,
                    reset: true,
                    more: false,
                })
            }
        },
    };
    let (head, head_check) = documents::head(conn)?;
    let me = device.officer.0.to_string();

    // Documents this officer became a reader of after the cursor: the
    // device has none of their history, so it gets all of it.
    let mut granted = Vec::<Vec<u8>>::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT doc_id FROM doc_access WHERE officer_id = ?1 AND granted_seq > ?2",
        )?;
        for id in stmt.query_map(params![me, from as i64], |r| r.get::<_, Vec<u8>>(0))? {
            granted.push(id?);
        }
    }
    // So do the documents of a municipality the officer works in and the
    // device lacks.
    {
        let mut docs_of = conn.prepare_cached(
            "SELECT id FROM docs WHERE municipality = ?1 AND municipality_reads = 1",
        )?;
        for g in given {
            if shared::municipality::device_lacks(held, g.id, g.granted_seq > from) {
                for id in docs_of.query_map([g.id.0.to_string()], |r| r.get::<_, Vec<u8>>(0))? {
                    granted.push(id?);
                }
            }
        }
    }

    // Per document: its kind, epoch, redacted paths and changes.
    type Pending = (String, u32, String, Vec<LoggedChange>);
    let mut per_doc: BTreeMap<Vec<u8>, Pending> = BTreeMap::new();
    let mut order: Vec<Vec<u8>> = Vec::new();
    let mut bytes = 0usize;
    let mut last_seq = from as i64;
    let mut more = false;
    {
        // Selects by what `shared::access::readers` decided when each
        // document was accepted (`every_device`, `municipality_reads`,
        // `owner_reads`, the reader rows: `documents::stored_form`), never
        // by a rule of its own.
        let mut stmt = conn.prepare_cached(
            "SELECT c.seq, c.doc_id, c.bytes, d.kind, d.epoch, d.redacted FROM changes c JOIN docs d ON d.id = c.doc_id
              WHERE c.seq > ?1 AND c.actor != ?2 AND length(c.bytes) > 0
                AND (d.every_device = 1 OR (d.owner_reads = 1 AND d.owner = ?3)
                     OR (d.municipality_reads = 1 AND EXISTS (SELECT 1 FROM officer_municipalities om
                          WHERE om.officer_id = ?3 AND om.municipality_id = d.municipality))
                     OR EXISTS (SELECT 1 FROM doc_access a WHERE a.doc_id = c.doc_id AND a.officer_id = ?3))
              ORDER BY c.seq",
        )?;
        let mut rows = stmt.query(params![from as i64, device.actor.0, me])?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            if bytes >= max_bytes {
                more = true;
                break;
            }
            let doc: Vec<u8> = r.get(1)?;
            let change: Vec<u8> = r.get(2)?;
            let kind: String = r.get(3)?;
            let epoch: u32 = r.get(4)?;
            let redacted: String = r.get(5)?;
            bytes += change.len();
            last_seq = seq;
            let entry = per_doc.entry(doc.clone()).or_insert_with(|| {
                order.push(doc);
                (kind, epoch, redacted, Vec::new())
            });
            entry.3.push((seq, change));
        }
    }
    for doc in granted {
        let (kind, epoch, redacted): (String, u32, String) = conn.query_row(
            "SELECT kind, epoch, redacted FROM docs WHERE id = ?1",
            [&doc],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let mut stmt = conn.prepare_cached(
            "SELECT seq, bytes FROM changes WHERE doc_id = ?1 AND actor != ?2 AND length(bytes) > 0 ORDER BY seq",
        )?;
        let all: Vec<(i64, Vec<u8>)> = stmt
            .query_map(params![doc, device.actor.0], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        if all.is_empty() {
            continue; // Only this device's own changes: it has them all.
        }
        let entry = per_doc.entry(doc.clone()).or_insert_with(|| {
            order.push(doc);
            (kind, epoch, redacted, Vec::new())
        });
        for (seq, change) in all {
            if !entry.3.iter().any(|(s, _)| *s == seq) {
                entry.3.push((seq, change));
            }
        }
        entry.3.sort_by_key(|(s, _)| *s);
    }
    let docs = order
        .into_iter()
        .filter_map(|id| {
            per_doc
                .remove(&id)
                .map(|(kind, epoch, redacted, changes)| DocUpdate {
                    id: ByteBuf::from(id),
                    kind,
                    changes: changes.into_iter().map(|(_, c)| ByteBuf::from(c)).collect(),
                    epoch: (epoch > 0).then_some(epoch),
                    redacted: shared::redaction::split_paths(&redacted),
                })
        })
        .collect();
    let cursor = if more {
        let check = documents::check_at(conn, last_seq as u64)?
            .ok_or_else(|| Error::internal("log position vanished"))?;
        Cursor {
            seq: last_seq as u64,
            check,
        }
    } else {
        Cursor {
            seq: head,
            check: head_check,
        }
    };
    Ok(Outgoing {
        docs,
        cursor: Some(cursor),
        reset: false,
        more,
    })
}
