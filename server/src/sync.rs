//! One sync, start to end, inside the writer's transaction: authenticate
//! the device, take in each document, then collect what the device lacks.
//! Because the response is read in the same transaction that stored the
//! device's changes, the cursor it returns covers them, and no change
//! committed by another device can slip between two cursors.

use crate::db::sql::Connection;
use serde_bytes::ByteBuf;
use shared::domain::Millis;
use shared::sync::wire::{MAX_ERASED_PER_RESPONSE, PROTOCOL_VERSION};
use shared::sync::{DocResult, IncomingSync, SyncResponse};

use crate::db::{documents, erasure, identity, ingest, outgoing, venue_list};
use crate::error::Error;

/// The response cut: past this many bytes of changes the server answers
/// with `more` and the device asks again.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// Runs a sync for the device holding `token`. Returns the response and
/// whether any document was refused (held or postponed ones are not).
pub fn run(
    conn: &Connection,
    token: &str,
    incoming: &IncomingSync,
    now: Millis,
    max_response_bytes: usize,
) -> Result<(SyncResponse, bool), Error> {
    let device = identity::device_for_token(conn, token)?;
    let mut results = Vec::with_capacity(incoming.docs.len());
    let mut rejected = false;
    let looked = ingest::Looked::default();
    // What the server holds of each document, asked all at once. A
    // document named twice is looked at again the second time, after its
    // first was taken in.
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<_> = incoming
        .docs
        .iter()
        .map(|d| d.id)
        .filter(|id| seen.insert(*id))
        .collect();
    let mut looks: std::collections::HashMap<_, _> = ids
        .iter()
        .copied()
        .zip(documents::first_looks(conn, &ids)?)
        .collect();
    for doc in &incoming.docs {
        let id = ByteBuf::from(doc.id.as_bytes().to_vec());
        let look = looks.remove(&doc.id);
        match ingest::ingest_doc(conn, &device, doc, now, &looked, look)? {
            None => results.push(DocResult {
                id,
                ok: true,
                code: None,
                message: None,
                problems: Vec::new(),
            }),
            Some(r) => {
                rejected |= r.code.is_refusal();
                results.push(DocResult {
                    id,
                    ok: false,
                    code: Some(r.code),
                    message: Some(r.message),
                    problems: r.problems,
                });
            }
        }
    }
    identity::touch(conn, device.id, now)?;
    let given = crate::db::municipalities::officer_given(conn, device.officer)?;
    let out = outgoing::updates(
        conn,
        &device,
        incoming.cursor.as_ref(),
        &given,
        incoming.works_in.as_deref(),
        max_response_bytes,
    )?;
    let works_in: Vec<_> = given.iter().map(|g| g.id).collect();
    let venues = venue_list::unless_held(conn, incoming.venues_tag.as_deref(), &works_in)?;
    // Past the ledger's head the device saw another ledger (one restored
    // from a backup, against the operator's instructions): everything
    // again, so that no erasure is skipped.
    let since = match incoming.erased_since {
        s if s > erasure::head(conn)? => 0,
        s => s,
    };
    let (erased, erased_to) = erasure::since(conn, since, MAX_ERASED_PER_RESPONSE)?;
    let redacted_head: Option<i64> =
        conn.query_row("SELECT max(seq) FROM ledger.redactions", [], |r| r.get(0))?;
    let since = match incoming.redacted_since {
        s if s > redacted_head.unwrap_or(0).max(0) as u64 => 0,
        s => s,
    };
    let (redacted, redacted_to) =
        crate::db::redaction::since(conn, since, MAX_ERASED_PER_RESPONSE)?;
    let more = out.more
        || erased.len() == MAX_ERASED_PER_RESPONSE
        || redacted.len() == MAX_ERASED_PER_RESPONSE;
    tracing::debug!(device = %device.id, sent = incoming.docs.len(), received = out.docs.len(), more = out.more, reset = out.reset, "synced");
    Ok((
        SyncResponse {
            v: PROTOCOL_VERSION,
            results,
            docs: out.docs,
            cursor: out.cursor,
            reset: out.reset,
            more,
            venues,
            erased: erased
                .iter()
                .map(|id| ByteBuf::from(id.as_bytes().to_vec()))
                .collect(),
            erased_to: Some(erased_to),
            lease_days: Some(crate::db::retention::lease_days(conn)?),
            redacted: redacted
                .iter()
                .map(|(id, epoch)| shared::sync::wire::RedactionNotice {
                    id: ByteBuf::from(id.as_bytes().to_vec()),
                    epoch: *epoch,
                })
                .collect(),
            redacted_to: Some(redacted_to),
            works_in: Some(
                works_in
                    .iter()
                    .map(|m| ByteBuf::from(m.0.as_bytes().to_vec()))
                    .collect(),
            ),
        },
        rejected,
    ))
}
