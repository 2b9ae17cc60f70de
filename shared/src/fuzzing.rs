//! What the fuzz targets in `fuzz/` run (and the regression test replays):
//! the untrusted-input paths of the core, end to end. Any panic that
//! escapes is a finding; errors, and Automerge panics caught by
//! `guarded` as the app and the server catch them, are fine.

use automerge::Automerge;

use crate::projection::{project, ServerMeta};
use crate::record::read_record;
use crate::sync::changes::{guarded, parse_changes};
use crate::sync::wire::{decode_request, decode_response};
use crate::validation::{validate, KnownReferences};
use crate::DocId;

/// A sync request body, as the server decodes it (and a response body, as
/// the device does).
pub fn sync_request(data: &[u8]) {
    if let Ok(req) = decode_request(data) {
        for doc in &req.docs {
            let _ = parse_changes(&doc.changes);
        }
    }
    let _ = decode_response(data);
}

/// Bytes loaded as a whole document, read as a record, validated and
/// projected.
pub fn document(data: &[u8]) {
    // Loaded as the app loads its stored documents.
    if let Ok(doc) = crate::chunks::load_document(data) {
        record(&doc);
    }
}

/// Bytes split into changes (each `u16` little-endian length, then bytes),
/// checked like a device's changes, applied, read, validated, projected.
pub fn changes(data: &[u8]) {
    if let Ok(checked) = parse_changes(&split_changes(data)) {
        let mut doc = Automerge::new();
        let applied = guarded(|| {
            doc.apply_changes(checked.into_iter().map(|c| c.change))
                .is_ok()
        });
        if applied == Some(true) {
            record(&doc);
        }
    }
}

/// The changes in a `changes` input: each a `u16` little-endian length,
/// then that many bytes (fewer if the input ends).
pub fn split_changes(data: &[u8]) -> Vec<Vec<u8>> {
    let mut raw = Vec::new();
    let mut rest = data;
    while rest.len() >= 2 {
        let n = u16::from_le_bytes([rest[0], rest[1]]) as usize;
        rest = &rest[2..];
        let take = n.min(rest.len());
        raw.push(rest[..take].to_vec());
        rest = &rest[take..];
    }
    raw
}

fn record(doc: &Automerge) {
    if let Ok(r) = read_record(doc) {
        let _ = validate(&r, &KnownReferences::default());
        let meta = ServerMeta {
            doc_id: DocId(uuid::Uuid::nil()),
            owner: None,
            first_received_at: 0,
            municipality: None,
        };
        let _ = project(&meta, &r);
    }
}
