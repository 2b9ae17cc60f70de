//! Checking the Automerge changes a device sends for one document, before
//! anything is stored: every change must parse, and the caller then checks
//! who made it (`access::check_actors`).

use automerge::Change;

use crate::chunks::CHANGE_CHUNK;
use crate::ids::ActorKey;

use super::wire::RejectCode;

/// A change that parsed, with what the server needs to know of it.
#[derive(Debug, Clone)]
pub struct CheckedChange {
    pub change: Change,
    pub hash: [u8; 32],
    pub actor: ActorKey,
}

/// Runs Automerge on untrusted bytes. automerge 0.12 panics on some
/// malformed input instead of returning an error (`cargo fuzz` found three
/// such inputs: in parsing a change, applying changes and loading a
/// document; kept in `fuzz/regressions/`). A panic there must reject the
/// input, never take down the server's writer thread or the app: a panic
/// becomes `None`. The panic may leave the value it worked on half-done,
/// so callers drop that value.
pub fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

/// Parses one change and checks its checksum. `Change::from_bytes` parses
/// the structure but does not compare the chunk's stored checksum with the
/// hash of its contents, so a byte damaged in transit could pass as a
/// different, valid-looking change, and break every later load of the
/// document ("bad checksum"). The chunk header is 4 magic bytes, then the
/// first 4 bytes of the SHA-256 the change hash is; they must agree.
pub fn verified_change(bytes: &[u8]) -> Option<Change> {
    // Byte 8 is the chunk type. Devices and the server send every change
    // uncompressed (`raw_bytes`), as a change chunk; anything else is
    // refused before Automerge parses it (`crate::chunks` says why):
    // `Change::from_bytes` also takes a bundle chunk, and asked for 4 GiB
    // on a 386-byte one.
    if bytes.get(8) != Some(&CHANGE_CHUNK) {
        return None;
    }
    let change = guarded(|| Change::from_bytes(bytes.to_vec()))?.ok()?;
    let stored = bytes.get(4..8)?;
    (stored == &change.hash().0[..4]).then_some(change)
}

/// Parses the raw bytes of each change. One bad change rejects the whole
/// document (its other changes may depend on it), never the whole request.
pub fn parse_changes(raw: &[Vec<u8>]) -> Result<Vec<CheckedChange>, RejectCode> {
    raw.iter()
        .map(|bytes| {
            let change = verified_change(bytes).ok_or(RejectCode::MalformedChange)?;
            Ok(CheckedChange {
                hash: change.hash().0,
                actor: ActorKey::from_actor(change.actor_id()),
                change,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{transaction::Transactable, AutoCommit, ROOT};

    /// The bytes of one real change that puts `fields` in a document.
    fn change_with(fields: &[(&str, automerge::ScalarValue)]) -> Vec<u8> {
        let mut doc = AutoCommit::new();
        for (k, v) in fields {
            doc.put(ROOT, *k, v.clone()).expect("put");
        }
        doc.commit();
        doc.get_last_local_change()
            .expect("change")
            .raw_bytes()
            .to_vec()
    }

    #[test]
    fn truncated_bytes_are_a_malformed_change() {
        let bytes = change_with(&[("a", 1.into())]);
        assert!(parse_changes(std::slice::from_ref(&bytes)).is_ok());
        let cut = bytes[..bytes.len() - 3].to_vec();
        assert_eq!(
            parse_changes(&[cut]).err(),
            Some(RejectCode::MalformedChange)
        );
        assert_eq!(
            parse_changes(&[b"garbage".to_vec()]).err(),
            Some(RejectCode::MalformedChange)
        );
    }

    #[test]
    fn only_uncompressed_change_chunks_are_parsed() {
        let bytes = change_with(&[("a", 1.into())]);
        assert_eq!(bytes[8], CHANGE_CHUNK);
        for other in [0u8, 2, 3] {
            let mut b = bytes.clone();
            b[8] = other;
            assert!(verified_change(&b).is_none(), "chunk type {other}");
        }
    }

    #[test]
    fn any_single_damaged_byte_is_caught() {
        let bytes = change_with(&[("notes", "Lugnt vid torget".into()), ("contacts", 3.into())]);
        assert!(verified_change(&bytes).is_some());
        for i in 0..bytes.len() {
            for flip in [0x01u8, 0x5a, 0xff] {
                let mut bad = bytes.clone();
                bad[i] ^= flip;
                assert!(
                    verified_change(&bad).is_none(),
                    "byte {i} ^ {flip:#x} went unnoticed"
                );
            }
        }
    }
}
