//! Automerge's binary format is a sequence of chunks, each with a header:
//! 4 magic bytes, 4 checksum bytes, a type byte (0 document, 1 change,
//! 2 compressed change, 3 bundle) and the body's length as unsigned
//! LEB128. The product only ever writes two kinds: changes as
//! `raw_bytes` (type 1) and compacted documents from `save()` (type 0).
//! Anything else is refused here, before Automerge parses it: its bundle
//! parser allocates by a declared count (4 GiB from a few hundred crafted
//! bytes, found by `cargo fuzz`, which kills the process; `guarded` cannot
//! catch an allocation), and a compressed change is a deflate stream that
//! could inflate a thousandfold.

use automerge::Automerge;

use crate::sync::changes::guarded;

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const HEADER: usize = 9;
pub const DOCUMENT_CHUNK: u8 = 0;
pub const CHANGE_CHUNK: u8 = 1;

/// Why stored bytes did not load as a document.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoadError {
    #[error("no Automerge chunk starts at byte {0}")]
    NotAChunk(usize),
    #[error("the chunk at byte {offset} is of type {kind}, which this product never writes")]
    UnexpectedKind { offset: usize, kind: u8 },
    #[error("the chunk at byte {0} is cut short")]
    Truncated(usize),
    #[error("Automerge could not load it: {0}")]
    Malformed(String),
}

/// The type byte of every chunk in `bytes`, in order, if they all are
/// whole chunks. Reads only the headers.
pub fn kinds(bytes: &[u8]) -> Result<Vec<(usize, u8)>, LoadError> {
    let mut found = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        let rest = &bytes[offset..];
        if rest.len() < HEADER || rest[..4] != MAGIC {
            return Err(LoadError::NotAChunk(offset));
        }
        let mut length_bytes = &rest[HEADER..];
        let before = length_bytes.len();
        let length =
            leb128::read::unsigned(&mut length_bytes).map_err(|_| LoadError::Truncated(offset))?;
        let header = HEADER + (before - length_bytes.len());
        let end = usize::try_from(length)
            .ok()
            .and_then(|l| l.checked_add(header))
            .filter(|&end| end <= rest.len())
            .ok_or(LoadError::Truncated(offset))?;
        found.push((offset, rest[8]));
        offset += end;
    }
    Ok(found)
}

/// Loads a document from the chunks the product stored for it (documents
/// and uncompressed changes, concatenated), refusing any other kind before
/// Automerge sees it.
pub fn load_document(bytes: &[u8]) -> Result<Automerge, LoadError> {
    for (offset, kind) in kinds(bytes)? {
        if kind != DOCUMENT_CHUNK && kind != CHANGE_CHUNK {
            return Err(LoadError::UnexpectedKind { offset, kind });
        }
    }
    match guarded(|| Automerge::load(bytes)) {
        Some(Ok(doc)) => Ok(doc),
        Some(Err(e)) => Err(LoadError::Malformed(e.to_string())),
        None => Err(LoadError::Malformed("its parser panicked".into())),
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ReadDoc, ROOT};

    use super::*;

    fn saved_and_change() -> (Vec<u8>, Vec<u8>) {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "kind", "patrol_visit").expect("put");
        let saved = doc.save();
        doc.put(ROOT, "contacts", 2).expect("put");
        doc.commit();
        let change = doc
            .get_last_local_change()
            .expect("a change")
            .raw_bytes()
            .to_vec();
        (saved, change)
    }

    #[test]
    fn what_the_product_writes_loads() {
        let (saved, change) = saved_and_change();
        let mut both = saved.clone();
        both.extend_from_slice(&change);
        assert_eq!(
            kinds(&both).expect("chunks"),
            vec![(0, DOCUMENT_CHUNK), (saved.len(), CHANGE_CHUNK)]
        );
        let doc = load_document(&both).expect("loads");
        assert!(doc.get(ROOT, "contacts").expect("get").is_some());
    }

    #[test]
    fn other_kinds_and_cut_chunks_are_refused_before_automerge() {
        let (saved, change) = saved_and_change();
        let mut bundle = change.clone();
        bundle[8] = 3;
        let mut both = saved.clone();
        both.extend_from_slice(&bundle);
        assert_eq!(
            load_document(&both).err(),
            Some(LoadError::UnexpectedKind {
                offset: saved.len(),
                kind: 3
            })
        );
        assert_eq!(
            load_document(&saved[..saved.len() - 1]).err(),
            Some(LoadError::Truncated(0))
        );
        assert_eq!(
            load_document(b"not a chunk at all").err(),
            Some(LoadError::NotAChunk(0))
        );
        let mut trailing = saved.clone();
        trailing.push(0);
        assert_eq!(
            load_document(&trailing).err(),
            Some(LoadError::NotAChunk(saved.len()))
        );
    }
}
