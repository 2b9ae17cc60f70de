//! The outbox and the sync: the next request from the unacknowledged
//! changes, and a response applied in one transaction (acknowledgements
//! by `DocResult::after`, the changes received, the cursor).

use std::collections::HashMap;

use automerge::{Change, ReadDoc as _};
use rusqlite::{params, Connection, OptionalExtension as _, TransactionBehavior};
use serde_bytes::ByteBuf;
use shared::domain::Millis;
use shared::record::{read_kind, read_record};
use shared::sync::wire::{AfterResult, DocChanges, PROTOCOL_VERSION};
use shared::sync::{SyncRequest, SyncResponse};
use shared::{ActorKey, DocId, DocKind, MunicipalityId};

use super::chunks::{compact_doc, load_chunks};
use super::index::index_of;
use super::{
    rebase, Applied, DeviceStore, OutgoingBatch, Result, StoreError, COMPACT_AFTER_CHUNKS,
};

impl DeviceStore {
    /// The erasure ledger's position this phone has carried out.
    pub fn erased_since(&self) -> Result<u64> {
        match self.meta("erased_since")? {
            Some(b) => Ok(b.as_slice().try_into().map(u64::from_le_bytes).unwrap_or(0)),
            None => Ok(self.enrolment()?.map(|e| e.erasures_from).unwrap_or(0)),
        }
    }

    /// How many records the coordinators erased from this phone since the
    /// officer last read the notice.
    pub fn erased_notice(&self) -> Result<u64> {
        Ok(self
            .meta("erased_notice")?
            .and_then(|b| b.as_slice().try_into().ok().map(u64::from_le_bytes))
            .unwrap_or(0))
    }

    pub fn dismiss_erased_notice(&mut self) -> Result<()> {
        self.conn
            .execute("DELETE FROM meta WHERE key = 'erased_notice'", [])?;
        Ok(())
    }

    /// The phone lease the server last gave, in days.
    pub fn lease_days(&self) -> Result<u32> {
        Ok(self
            .meta("lease_days")?
            .and_then(|b| b.as_slice().try_into().ok().map(u32::from_le_bytes))
            .unwrap_or(shared::retention::DEFAULT_LEASE_DAYS))
    }

    /// The server answered that this phone is revoked: its records are
    /// wiped at the next start (the shell asks `revoked`).
    pub fn note_revoked(&mut self) -> Result<()> {
        Self::set_meta(&self.conn, "revoked", &[1])
    }

    pub fn revoked(&self) -> Result<bool> {
        Ok(self.meta("revoked")?.is_some())
    }

    /// Whether the phone may show records: not revoked, and in contact
    /// with the server within the lease (`shared::retention`). A phone
    /// that has never synced holds nothing of the server's yet.
    pub fn lease(&self, now: Millis) -> Result<Lease> {
        if self.revoked()? {
            return Ok(Lease::Revoked);
        }
        let days = self.lease_days()?;
        Ok(match self.last_success_at()? {
            Some(last) if shared::retention::lease_expired(last, days, now) => {
                Lease::Expired { days }
            }
            _ => Lease::Valid,
        })
    }

    /// The municipalities whose reference data the phone holds: the last
    /// `works_in` it carried out, as the server sent it.
    fn works_in(&self) -> Result<Option<Vec<ByteBuf>>> {
        let raw: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'works_in'", [], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(raw.map(|r| r.chunks(16).map(|c| ByteBuf::from(c.to_vec())).collect()))
    }

    /// Whether `id` was erased by the coordinators.
    pub fn is_erased(&self, id: DocId) -> Result<bool> {
        is_erased(&self.conn, id)
    }

    /// After erasures: the WAL, which still holds the erased pages, is
    /// written into the file and truncated (the freed pages were zeroed:
    /// `secure_delete`). A failure leaves it for the next time.
    pub(super) fn scrub(&self) {
        if let Err(e) = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        {
            tracing::warn!(error = %e, "could not truncate the write-ahead log after an erasure");
        }
    }

    /// The server's venue list as last received (`VenueList`): what the
    /// venue picker knows of inspections this phone does not hold. A list
    /// that no longer reads is as none (the next sync fetches it again).
    pub fn venue_list(&self) -> Result<Option<shared::sync::wire::VenueList>> {
        Ok(self
            .meta("venue_list")?
            .and_then(|b| ciborium::from_reader(b.as_slice()).ok()))
    }

    /// The next sync request: the cursor and every document with changes
    /// to send, up to about `max_bytes` of changes (at least one document)
    /// and at most the protocol's documents per request.
    pub fn outgoing(&self, max_bytes: usize) -> Result<OutgoingBatch> {
        // With each document its epoch (0 unless redacted), read in the
        // same query.
        let mut docs_stmt = self.conn.prepare_cached(
            "SELECT DISTINCT o.doc_id, COALESCE(e.epoch, 0) FROM outbox o
               LEFT JOIN doc_epochs e ON e.doc_id = o.doc_id
              WHERE o.state = 0 ORDER BY o.doc_id",
        )?;
        let doc_ids: Vec<(Vec<u8>, u32)> = docs_stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut changes_stmt = self
            .conn
            .prepare_cached("SELECT hash, bytes FROM outbox WHERE doc_id = ?1 ORDER BY seq")?;
        let mut docs = Vec::new();
        let mut sent = HashMap::new();
        let mut bytes = 0usize;
        let mut truncated = false;
        for (raw, epoch) in doc_ids {
            let full = docs.len() >= shared::sync::wire::MAX_DOCS_PER_REQUEST;
            if (bytes >= max_bytes && !docs.is_empty()) || full {
                truncated = true;
                break;
            }
            let Some(id) = DocId::from_slice(&raw) else {
                continue;
            };
            let rows: Vec<(Vec<u8>, Vec<u8>)> = changes_stmt
                .query_map([&raw], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            bytes += rows.iter().map(|(_, b)| b.len()).sum::<usize>();
            sent.insert(id, rows.iter().map(|(h, _)| h.clone()).collect());
            docs.push(DocChanges {
                id: ByteBuf::from(raw),
                changes: rows.into_iter().map(|(_, b)| ByteBuf::from(b)).collect(),
                epoch: (epoch > 0).then_some(epoch),
            });
        }
        Ok(OutgoingBatch {
            request: SyncRequest {
                venues_tag: self.venue_list()?.map(|l| l.tag),
                erased_since: Some(self.erased_since()?),
                redacted_since: Some(self.redacted_since()?),
                v: PROTOCOL_VERSION,
                cursor: self.cursor()?,
                docs,
                works_in: self.works_in()?,
            },
            sent,
            truncated,
        })
    }

    /// Applies the server's response to `batch`, in one transaction.
    pub fn apply(
        &mut self,
        batch: &OutgoingBatch,
        resp: &SyncResponse,
        now: Millis,
    ) -> Result<Applied> {
        let mut applied = Applied::default();
        let actor = self.actor()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Erasures first, whatever else the answer says (also with a reset).
        for raw in &resp.erased {
            if let Some(id) = DocId::from_slice(raw) {
                applied.erased += usize::from(forget(&tx, id, now)?);
            }
        }
        if let Some(to) = resp.erased_to {
            Self::set_meta(&tx, "erased_since", &to.to_le_bytes())?;
        }
        // Then redactions: a record held at an older epoch drops that
        // history (its unsent edits kept apart) and waits for the new one.
        for notice in &resp.redacted {
            let Some(id) = DocId::from_slice(&notice.id) else {
                continue;
            };
            if is_erased(&tx, id)? || rebase::local_epoch(&tx, id)?.0 >= notice.epoch {
                continue;
            }
            applied.rebased += usize::from(rebase::stash_and_drop(&tx, id)?);
            rebase::set_epoch(&tx, id, notice.epoch, &[])?;
        }
        if let Some(to) = resp.redacted_to {
            Self::set_meta(&tx, "redacted_since", &to.to_le_bytes())?;
        }
        if let Some(days) = resp.lease_days {
            Self::set_meta(&tx, "lease_days", &days.to_le_bytes())?;
        }
        if resp.reset {
            // The server lost part of its log (restored backup): queue every
            // change this device ever made, and start over from no cursor.
            requeue_own_changes(&tx, &actor)?;
            tx.execute("DELETE FROM meta WHERE key = 'cursor'", [])?;
            note_erased(&tx, applied.erased)?;
            tx.commit()?;
            if applied.erased + applied.rebased > 0 {
                self.scrub();
            }
            applied.reset = true;
            return Ok(applied);
        }
        for result in &resp.results {
            let Some(id) = DocId::from_slice(&result.id) else {
                continue;
            };
            let Some(hashes) = batch.sent.get(&id) else {
                continue;
            };
            match result.after() {
                AfterResult::Acknowledge => {
                    let mut del =
                        tx.prepare_cached("DELETE FROM outbox WHERE doc_id = ?1 AND hash = ?2")?;
                    for h in hashes {
                        applied.acknowledged += del.execute(params![id.as_bytes(), h])?;
                    }
                    tx.execute(
                        "UPDATE docs SET rejected_code = NULL, rejected_reason = NULL, rejected_problems = NULL WHERE id = ?1",
                        [id.as_bytes()],
                    )?;
                }
                AfterResult::SendAgain => applied.retried += 1,
                AfterResult::Erase => applied.erased += usize::from(forget(&tx, id, now)?),
                // The new epoch comes in `docs`, now or at a later sync.
                AfterResult::Rebase => {
                    applied.rebased += usize::from(rebase::stash_and_drop(&tx, id)?)
                }
                AfterResult::HoldUntilAmended => {
                    applied.rejected += 1;
                    let mut mark = tx.prepare_cached(
                        "UPDATE outbox SET state = 1 WHERE doc_id = ?1 AND hash = ?2",
                    )?;
                    for h in hashes {
                        mark.execute(params![id.as_bytes(), h])?;
                    }
                    tx.execute(
                        "UPDATE docs SET rejected_code = ?2, rejected_reason = ?3, rejected_problems = ?4 WHERE id = ?1",
                        params![
                            id.as_bytes(),
                            result.code.map(|c| c.as_str()).unwrap_or("rejected"),
                            result.message.clone().unwrap_or_default(),
                            serde_json::to_string(&result.problems).unwrap_or_default()
                        ],
                    )?;
                }
            }
        }
        for update in &resp.docs {
            let Some(id) = DocId::from_slice(&update.id) else {
                continue;
            };
            let epoch = update.epoch.unwrap_or(0);
            let (local, _) = rebase::local_epoch(&tx, id)?;
            if epoch < local {
                continue; // An answer older than the redaction the phone knows.
            }
            if epoch > local {
                applied.rebased += usize::from(rebase::stash_and_drop(&tx, id)?);
            }
            if epoch > 0 {
                rebase::set_epoch(&tx, id, epoch, &update.redacted)?;
            }
            if receive_doc(&tx, id, &update.kind, &update.changes, now)? {
                applied.received_docs += 1;
            }
            applied.conflicts += rebase::replay_stash(&tx, id, &actor, now)?;
        }
        if let Some(list) = &resp.venues {
            Self::set_meta(&tx, "venue_list", &shared::sync::wire::encode(list))?;
        }
        if let Some(works_in) = &resp.works_in {
            applied.withdrawn += withdraw_others(&tx, works_in)?;
        }
        if let Some(c) = &resp.cursor {
            let mut bytes = Vec::new();
            ciborium::into_writer(c, &mut bytes).map_err(|e| StoreError::Io(e.to_string()))?;
            Self::set_meta(&tx, "cursor", &bytes)?;
        }
        note_erased(&tx, applied.erased)?;
        tx.commit()?;
        if applied.erased + applied.rebased > 0 {
            self.scrub();
        }
        Ok(applied)
    }
}

/// Whether the phone may show its records (`DeviceStore::lease`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    Valid,
    /// No contact with the server for longer than `days`.
    Expired {
        days: u32,
    },
    /// The server revoked the phone.
    Revoked,
}

/// Deletes every copy of an erased record on the phone (its row, chunks
/// and unsent changes) and keeps its id, so that it is never taken in
/// again. Returns whether the phone held it.
pub(super) fn forget(conn: &Connection, id: DocId, now: Millis) -> Result<bool> {
    let held = conn.execute("DELETE FROM docs WHERE id = ?1", [id.as_bytes()])? > 0;
    conn.execute("DELETE FROM chunks WHERE doc_id = ?1", [id.as_bytes()])?;
    conn.execute("DELETE FROM outbox WHERE doc_id = ?1", [id.as_bytes()])?;
    conn.execute(
        "INSERT OR IGNORE INTO erased (doc_id, erased_at) VALUES (?1, ?2)",
        params![id.as_bytes(), now],
    )?;
    rebase::forget(conn, id)?;
    Ok(held)
}

fn is_erased(conn: &Connection, id: DocId) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM erased WHERE doc_id = ?1")?
        .exists([id.as_bytes()])?)
}

/// Deletes the hotspots, venues, plans and directories of municipalities the officer
/// no longer works in (`shared::municipality::device_keeps`), when the
/// list changed since the last answer. Not kept as erased: given the
/// municipality again, the phone takes them in again. Returns how many.
fn withdraw_others(conn: &Connection, works_in: &[ByteBuf]) -> Result<usize> {
    let raw: Vec<u8> = works_in.iter().flat_map(|m| m.iter().copied()).collect();
    let before: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM meta WHERE key = 'works_in'", [], |r| {
            r.get(0)
        })
        .optional()?;
    // The server sends no document of a municipality it no longer lists
    // (its answers are made after the change), so a list unchanged since
    // the last prune leaves nothing to prune.
    let ids: Vec<MunicipalityId> = works_in
        .iter()
        .filter_map(|m| uuid::Uuid::from_slice(m).ok().map(MunicipalityId))
        .collect();
    let mut gone = 0;
    if before.as_deref() != Some(raw.as_slice()) {
        let docs: Vec<Vec<u8>> = conn
            .prepare_cached(
                "SELECT id FROM docs WHERE kind IN ('hotspot', 'venue', 'plan', 'directory')",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for raw_id in docs {
            let Some(id) = DocId::from_slice(&raw_id) else {
                continue;
            };
            let (doc, _) = load_chunks(conn, id)?;
            let Ok(record) = read_record(&doc) else {
                continue;
            };
            let m = shared::municipality::of_reference(&record);
            if !shared::municipality::device_keeps(&ids, m) {
                conn.execute("DELETE FROM docs WHERE id = ?1", [id.as_bytes()])?;
                conn.execute("DELETE FROM chunks WHERE doc_id = ?1", [id.as_bytes()])?;
                gone += 1;
            }
        }
    }
    DeviceStore::set_meta(conn, "works_in", &raw)?;
    Ok(gone)
}

/// Adds `n` records to the notice the officer sees.
fn note_erased(conn: &Connection, n: usize) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    let before: u64 = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'erased_notice'",
            [],
            |r| r.get::<_, Vec<u8>>(0),
        )
        .ok()
        .and_then(|b| b.as_slice().try_into().ok().map(u64::from_le_bytes))
        .unwrap_or(0);
    DeviceStore::set_meta(conn, "erased_notice", &(before + n as u64).to_le_bytes())
}

/// Stores the changes the server sent for one document, keeping only those
/// the device lacks. Returns whether anything was new. An erased record
/// is never taken in again.
pub(super) fn receive_doc(
    conn: &Connection,
    id: DocId,
    kind: &str,
    changes: &[ByteBuf],
    now: Millis,
) -> Result<bool> {
    if is_erased(conn, id)? {
        return Ok(false);
    }
    let (mut doc, chunks) = load_chunks(conn, id)?;
    let mut fresh = Vec::new();
    let mut new_bytes = Vec::new();
    for raw in changes {
        // A damaged change fails the whole response: the transaction rolls
        // back, the cursor stays, and the next sync fetches it again.
        // Skipping it would move the cursor past it for good.
        let Some(change) = shared::sync::changes::verified_change(raw) else {
            tracing::warn!(doc = %id, "the server's answer held a damaged change");
            return Err(StoreError::DamagedIncoming(id));
        };
        if doc.get_change_by_hash(&change.hash()).is_none()
            && !fresh.iter().any(|c: &Change| c.hash() == change.hash())
        {
            new_bytes.extend_from_slice(raw);
            fresh.push(change);
        }
    }
    if fresh.is_empty() {
        return Ok(false);
    }
    // Guarded: Automerge can panic on crafted changes; the response then
    // fails whole, like a damaged one.
    match shared::sync::changes::guarded(|| doc.apply_changes(fresh)) {
        Some(result) => result?,
        None => return Err(StoreError::DamagedIncoming(id)),
    }
    conn.execute(
        "INSERT INTO chunks (doc_id, bytes) VALUES (?1, ?2)",
        params![id.as_bytes(), new_bytes],
    )?;
    let kind = DocKind::parse(kind)
        .or_else(|| read_kind(&doc).ok())
        .map(|k| k.as_str());
    let (happened_at, subject) = read_record(&doc)
        .map(|r| index_of(&r))
        .unwrap_or((None, None));
    conn.execute(
        "INSERT INTO docs (id, kind, updated_at, happened_at, subject) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET kind = COALESCE(excluded.kind, kind), updated_at = excluded.updated_at,
            happened_at = excluded.happened_at, subject = excluded.subject",
        params![id.as_bytes(), kind, now, happened_at, subject],
    )?;
    if chunks + 1 > COMPACT_AFTER_CHUNKS {
        compact_doc(conn, id)?;
    }
    Ok(true)
}

pub(super) fn requeue_own_changes(conn: &Connection, actor: &ActorKey) -> Result<()> {
    let ids: Vec<Vec<u8>> = conn
        .prepare("SELECT id FROM docs")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let me = actor.to_actor();
    for raw in ids {
        let Some(id) = DocId::from_slice(&raw) else {
            continue;
        };
        let (doc, _) = load_chunks(conn, id)?;
        for change in doc.get_changes(&[]) {
            if change.actor_id() == &me {
                conn.execute(
                    "INSERT OR IGNORE INTO outbox (hash, doc_id, bytes) VALUES (?1, ?2, ?3)",
                    params![&change.hash().0[..], id.as_bytes(), change.raw_bytes()],
                )?;
            }
        }
    }
    Ok(())
}
