//! Replays every input the fuzzers found worth keeping (`fuzz/regressions/
//! <target>/`, committed) and the seed inputs, through the same functions
//! the fuzz targets run. A crasher found once stays fixed.
//!
//! `cargo test -p trygghetslogg-shared --test fuzz_regressions -- --ignored`
//! writes the seed corpora (`fuzz/corpus/<target>/`) from real messages.

use std::path::PathBuf;

use automerge::{transaction::CommitOptions, AutoCommit};
use serde_bytes::ByteBuf;
use shared::domain::PatrolVisit;
use shared::fuzzing;
use shared::record::{write_record, Record};
use shared::sync::wire::{encode, DocChanges, SyncRequest, PROTOCOL_VERSION};

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// A fuzz target: its name and what it runs.
type Target = (&'static str, fn(&[u8]));

const TARGETS: [Target; 3] = [
    ("sync_request", fuzzing::sync_request),
    ("document", fuzzing::document),
    ("changes", fuzzing::changes),
];

/// A real visit document and its change, and a real sync request.
fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut doc = AutoCommit::new();
    let mut v = PatrolVisit::new(
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4(),
        1_767_000_000_000,
    );
    v.notes.update("Lugnt vid torget, två kontakter.");
    v.ended_at = Some(1_767_000_900_000);
    write_record(&mut doc, &Record::PatrolVisit(v)).expect("write");
    doc.commit_with(CommitOptions::default().with_time(1_767_000_000));
    let change = doc
        .get_last_local_change()
        .expect("a change")
        .raw_bytes()
        .to_vec();
    let saved = doc.save();
    let request = encode(&SyncRequest {
        works_in: None,
        venues_tag: None,
        erased_since: None,
        redacted_since: None,
        v: PROTOCOL_VERSION,
        cursor: None,
        docs: vec![DocChanges {
            epoch: None,
            id: ByteBuf::from(uuid::Uuid::new_v4().as_bytes().to_vec()),
            changes: vec![ByteBuf::from(change.clone())],
        }],
    });
    let mut framed = (change.len() as u16).to_le_bytes().to_vec();
    framed.extend_from_slice(&change);
    vec![
        ("sync_request", request),
        ("document", saved),
        ("changes", framed),
    ]
}

/// How many kept inputs each target's folder holds at least: the replay
/// fails if a folder disappears or loses its inputs, instead of passing
/// over nothing.
const KEPT: [(&str, usize); 3] = [("sync_request", 1), ("document", 2), ("changes", 2)];

#[test]
fn every_kept_fuzz_input_is_handled_without_a_panic() {
    for (target, run) in TARGETS {
        for (t, seed) in seeds() {
            if t == target {
                run(&seed);
            }
        }
        let dir = fuzz_dir().join("regressions").join(target);
        let entries =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{} is missing: {e}", dir.display()));
        let mut replayed = 0;
        for entry in entries.flatten() {
            let bytes = std::fs::read(entry.path()).expect("read a regression input");
            run(&bytes);
            replayed += 1;
        }
        let want = KEPT
            .iter()
            .find(|(t, _)| *t == target)
            .map(|(_, n)| *n)
            .unwrap_or(1);
        assert!(
            replayed >= want,
            "{target}: {replayed} kept inputs replayed, {want} expected in {}",
            dir.display()
        );
    }
}

#[test]
#[ignore = "writes the seed corpora for cargo fuzz"]
fn write_seed_corpora() {
    for (target, bytes) in seeds() {
        let dir = fuzz_dir().join("corpus").join(target);
        std::fs::create_dir_all(&dir).expect("corpus dir");
        std::fs::write(dir.join("seed"), bytes).expect("write seed");
    }
}
