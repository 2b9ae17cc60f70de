//! Property: any order of the same changes gives the same document and the
//! same follow-up rows. Three devices edit one patrol visit concurrently;
//! their changes are delivered to a fresh replica in a random order.

use automerge::{ActorId, AutoCommit, Automerge, Change};
use proptest::prelude::*;
use shared::domain::{PatrolVisit, SafetyProblem};
use shared::projection::{project, ServerMeta};
use shared::record::{read_record, write_record, Record};
use shared::DocId;

#[derive(Debug, Clone)]
enum Edit {
    Contacts(i64),
    Notes(String),
    Problem(usize, bool),
    End(i64),
    Officers(u64),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (1..5i64).prop_map(Edit::Contacts),
        "[a-zåäö ]{0,12}".prop_map(Edit::Notes),
        (0..SafetyProblem::ALL.len(), any::<bool>()).prop_map(|(i, on)| Edit::Problem(i, on)),
        (60_000..3_600_000i64).prop_map(Edit::End),
        (1..6u64).prop_map(Edit::Officers),
    ]
}

fn apply(doc: &mut AutoCommit, e: &Edit) {
    let Record::PatrolVisit(mut v) = read_record(doc).expect("read") else {
        panic!("kind")
    };
    match e {
        Edit::Contacts(n) => v.contacts.increment(*n),
        Edit::Notes(s) => v.notes.update(s),
        Edit::Problem(i, on) => {
            v.problems.insert(SafetyProblem::ALL[*i].key().into(), *on);
        }
        Edit::End(d) => v.ended_at = Some(v.started_at + d),
        Edit::Officers(n) => v.officers_count = *n,
    }
    write_record(doc, &Record::PatrolVisit(v)).expect("write");
    doc.commit();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn any_delivery_order_gives_the_same_document_and_rows(
        edits in proptest::collection::vec((0..3usize, edit()), 1..24),
        order_seed in any::<u64>(),
    ) {
        let mut base = AutoCommit::new().with_actor(ActorId::random());
        let visit = PatrolVisit::new(uuid::Uuid::nil(), uuid::Uuid::nil(), 1_732_000_000_000);
        write_record(&mut base, &Record::PatrolVisit(visit)).expect("write");
        base.commit();
        let mut devices: Vec<AutoCommit> = (0..3).map(|_| base.fork().with_actor(ActorId::random())).collect();
        for (who, e) in &edits {
            apply(&mut devices[*who], e);
        }
        let mut all: Vec<Change> = base.get_changes(&[]);
        for d in &mut devices {
            for c in d.get_changes(&[]) {
                if !all.iter().any(|x| x.hash() == c.hash()) {
                    all.push(c);
                }
            }
        }
        // Reference: everything merged in the natural order.
        let mut reference = Automerge::new();
        reference.apply_changes(all.clone()).expect("apply");
        // Shuffle deterministically from the seed, deliver one at a time.
        let mut shuffled = all.clone();
        let mut s = order_seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        let mut replica = Automerge::new();
        for c in shuffled {
            replica.apply_changes(vec![c]).expect("apply");
        }
        prop_assert_eq!(replica.get_heads(), reference.get_heads());
        let a = read_record(&replica).expect("read replica");
        let b = read_record(&reference).expect("read reference");
        prop_assert_eq!(&a, &b);
        let meta = ServerMeta { doc_id: DocId(uuid::Uuid::nil()), owner: None, first_received_at: 0, municipality: None };
        prop_assert_eq!(project(&meta, &a), project(&meta, &b));
        // Contacts from every device are all counted.
        let expected: i64 = edits.iter().filter_map(|(_, e)| if let Edit::Contacts(n) = e { Some(*n) } else { None }).sum();
        let Record::PatrolVisit(v) = a else { panic!("kind") };
        prop_assert_eq!(v.contacts.value(), expected);
    }
}
