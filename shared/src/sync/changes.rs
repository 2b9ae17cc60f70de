//! Checking the Automerge changes a device sends for one document, before
//! anything is stored: every change must parse, and the caller then checks
//! who made it (`access::check_actors`).

use automerge::Change;

use crate::ids::ActorKey;

use super::wire::RejectCode;

/// A change that parsed, with what the server needs to know of it.
#[derive(Debug, Clone)]
pub struct CheckedChange {
    pub change: Change,
    pub hash: [u8; 32],
    pub actor: ActorKey,
}

/// Parses the raw bytes of each change. One bad change rejects the whole
/// document (its other changes may depend on it), never the whole request.
pub fn parse_changes(raw: &[Vec<u8>]) -> Result<Vec<CheckedChange>, RejectCode> {
    raw.iter()
        .map(|bytes| {
            let change =
                Change::from_bytes(bytes.clone()).map_err(|_| RejectCode::MalformedChange)?;
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

    #[test]
    fn truncated_bytes_are_a_malformed_change() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "a", 1).expect("put");
        doc.commit();
        let bytes = doc
            .get_last_local_change()
            .expect("change")
            .raw_bytes()
            .to_vec();
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
}
