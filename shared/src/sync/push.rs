//! The server's decision for one document a device pushed: the sans-IO
//! core of ingest (the samod-core model). The shell loads what it holds of
//! the document, calls [`decide`], and carries out the [`Verdict`]; this
//! module does no IO, so every case is tested here without SQLite.
//!
//! The rules, in order:
//!
//! 0. An erased document takes nothing (`erased`); changes built on an
//!    epoch older than the document's take nothing either (`redacted`):
//!    neither is stored anywhere, not even in the quarantine.
//! 1. Every change must parse and carry its checksum (`malformed_change`).
//! 2. Deduplication is per (document, change): a change already in this
//!    document's log is skipped, one already held for it is not held twice.
//!    The same bytes under another document id are a new change there
//!    (two records made from one template document share a first change).
//! 3. Every new change must be by the actor bound to the sending device
//!    (`foreign_actor`), and carry at most a short message (`invalid`).
//! 4. Before anything is stored, even a change that waits for its
//!    dependency, the sender must be allowed to touch the document as the
//!    server knows it (`access::may_touch`).
//! 5. Changes whose dependencies the server lacks are held apart from the
//!    log, invisible to every device and every page, within a per-device
//!    quota (`incomplete`, `quota_exceeded`: neither is a refusal).
//! 6. A complete document is decided as a whole: schema, kind, every
//!    author's right to write it (a held change of an officer who may not
//!    is refused on its own and the rest decided again), validation.
//! 7. Accepted: the new and held changes enter the log together, in causal
//!    order, and the result is `ok` (stored and visible). Refused: the
//!    document's incoming and held changes go to the quarantine; nothing of
//!    them enters the log.

use std::collections::BTreeSet;

use automerge::{Automerge, ChangeHash, ReadDoc as _};

use crate::access::{check_actors, may_touch, may_write, DocState};
use crate::ids::{ActorKey, OfficerId};
use crate::record::{read_record, Record, RecordError};
use crate::sync::changes::{guarded, parse_changes, CheckedChange};
use crate::sync::wire::{RejectCode, WireProblem};
use crate::validation::{errors, validate, References};

/// The most bytes of changes one device may have held on the server while
/// they wait for their dependencies. A device restored from a backup holds
/// a few records' worth; past this, the server stores nothing more and the
/// device sends again later.
pub const MAX_HELD_BYTES_PER_DEVICE: usize = 2 * 1024 * 1024;

/// Bytes of refused changes the quarantine keeps for one device. Past it a
/// refusal is still recorded (document, device, reason, time) but without
/// its changes: the phone holds a refused record until it is amended, so
/// nothing is lost, and one device cannot fill the server's disk with
/// refusals.
pub const MAX_QUARANTINED_BYTES_PER_DEVICE: usize = 4 * 1024 * 1024;

/// Whether the quarantine keeps a refusal's `new_bytes` of changes, given
/// the bytes the device has there already.
pub fn quarantine_keeps_changes(device_bytes: usize, new_bytes: usize) -> bool {
    device_bytes.saturating_add(new_bytes) <= MAX_QUARANTINED_BYTES_PER_DEVICE
}

/// The longest message a change may carry. The app writes the name of the
/// field an edit changed; a change message is shown in the record's history
/// and kept for years, so it is no place for text.
pub const MAX_CHANGE_MESSAGE_CHARS: usize = 200;

/// The device that sent a push.
#[derive(Debug, Clone)]
pub struct Sender {
    pub officer: OfficerId,
    pub actor: ActorKey,
    /// The document's epoch the sent changes build on (`shared::redaction`).
    pub epoch: u32,
}

/// A change held for its dependencies, with the officer whose device sent it.
#[derive(Debug, Clone)]
pub struct HeldChange {
    pub change: CheckedChange,
    pub officer: OfficerId,
}

/// What the server holds of the document when the push arrives.
#[derive(Debug, Default)]
pub struct Stored {
    /// The accepted state; none when the server has never accepted the
    /// document.
    pub state: Option<DocState>,
    /// The document built from its logged (accepted) changes.
    pub doc: Automerge,
    /// Changes held for this document, waiting for their dependencies.
    pub held: Vec<HeldChange>,
    /// The document is in the erasure ledger (`shared::erasure`).
    pub erased: bool,
    /// The document's current epoch: how many times it was redacted.
    pub epoch: u32,
}

/// Why a document, or some held changes, were refused. The message names
/// fields and rules, never the record's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: RejectCode,
    pub message: String,
    /// For `Invalid`: the validation errors, for the client to word.
    pub problems: Vec<WireProblem>,
}

impl Rejection {
    pub fn new(code: RejectCode, message: impl Into<String>) -> Self {
        Rejection {
            code,
            message: message.into(),
            problems: Vec::new(),
        }
    }

    fn of(code: RejectCode) -> Self {
        let message = match code {
            RejectCode::MalformedChange => "a change is not valid Automerge data",
            RejectCode::ForeignActor => "a change was made by an actor not bound to this device",
            RejectCode::ReferenceReadOnly => {
                "reference data and the directory are kept by coordinators"
            }
            RejectCode::NotPermitted => {
                "only the officer who made the record and its participants may change it"
            }
            RejectCode::KindChanged => "a record cannot change its kind",
            RejectCode::Schema => "the document is not a Trygghetslogg record",
            RejectCode::Invalid => "the record is not valid",
            RejectCode::Incomplete => {
                "the changes build on changes the server does not have yet; they are held and decided when those arrive"
            }
            RejectCode::QuotaExceeded => {
                "this device has too many changes waiting on the server for their dependencies; send again later"
            }
            RejectCode::Erased => "the record was erased by the coordinators; delete it",
            RejectCode::Redacted => {
                "the record was redacted and has a new epoch; take it, replay your unsent edits on it and send them again"
            }
        };
        Rejection::new(code, message)
    }
}

/// A document accepted into the log.
#[derive(Debug)]
pub struct Accepted {
    pub record: Record,
    /// Owner of the record: the officer who made it; none for what
    /// coordinators keep.
    pub owner: Option<OfficerId>,
    /// Changes to append to the log, in causal order: the sender's new ones
    /// and the held ones they completed.
    pub append: Vec<CheckedChange>,
    /// Held changes now in `append`: remove them from the held set.
    pub released: Vec<ChangeHash>,
    /// Held changes of officers who may not write this document: to the
    /// quarantine (under their own officer), out of the held set.
    pub refused_held: Vec<(HeldChange, Rejection)>,
}

/// The server's verdict on one pushed document.
#[derive(Debug)]
pub enum Verdict {
    /// Every change was already in the log: nothing to write; `ok`.
    AlreadyStored,
    /// Accepted: write the effects, answer `ok`.
    Accept(Box<Accepted>),
    /// Waiting for dependencies: hold `new` (possibly nothing, when all
    /// were held before), refuse `refused_held`, answer `incomplete`. The
    /// shell asks [`Verdict::within_quota`] first (the device's held bytes
    /// are read only for this rare verdict).
    Hold {
        new: Vec<CheckedChange>,
        refused_held: Vec<(HeldChange, Rejection)>,
    },
    /// Over the device's quota for held changes: store nothing, answer
    /// `quota_exceeded`.
    OverQuota,
    /// The document is refused as a whole: quarantine the incoming changes
    /// and every held change of the document (`Stored::held`), drop the
    /// held ones, answer with the reason. Nothing of it enters the log.
    Refuse(Rejection),
    /// Only what this sender sent is refused (damaged, by another actor,
    /// from an officer who may not touch the document): quarantine the
    /// incoming changes; other devices' held changes of the document stay,
    /// so that a stranger cannot flush them.
    RefuseSender(Rejection),
    /// The document was erased: nothing of what was sent is stored or
    /// kept anywhere (not even in the quarantine: it would bring the
    /// erased content back); answer `erased`, and the device deletes it.
    Erased,
    /// The changes build on an epoch older than the document's: they may
    /// carry redacted text, so nothing of them is stored or kept; answer
    /// `redacted`, and the device replays its edits on the new epoch.
    Redacted,
}

impl Verdict {
    /// A hold that would take the sending device past its quota, given the
    /// bytes it already has held, becomes `OverQuota`: nothing is stored.
    pub fn within_quota(self, sender_held_bytes: usize) -> Verdict {
        match self {
            Verdict::Hold { new, refused_held } => {
                let bytes: usize = new.iter().map(|c| c.change.raw_bytes().len()).sum();
                if bytes > 0 && sender_held_bytes + bytes > MAX_HELD_BYTES_PER_DEVICE {
                    Verdict::OverQuota
                } else {
                    Verdict::Hold { new, refused_held }
                }
            }
            other => other,
        }
    }

    /// The result the device is told: none for `ok`.
    pub fn result(&self) -> Option<Rejection> {
        match self {
            Verdict::AlreadyStored | Verdict::Accept(_) => None,
            Verdict::Hold { .. } => Some(Rejection::of(RejectCode::Incomplete)),
            Verdict::OverQuota => Some(Rejection::of(RejectCode::QuotaExceeded)),
            Verdict::Refuse(r) | Verdict::RefuseSender(r) => Some(r.clone()),
            Verdict::Erased => Some(Rejection::of(RejectCode::Erased)),
            Verdict::Redacted => Some(Rejection::of(RejectCode::Redacted)),
        }
    }
}

/// Decides one pushed document. `raw` are the change bytes as sent;
/// `refs` answers whether referenced hotspots, venues and initiatives exist.
pub fn decide(stored: &Stored, sender: &Sender, raw: &[Vec<u8>], refs: &dyn References) -> Verdict {
    // Rule 0: erased stays erased, whatever was sent and by whom.
    if stored.erased {
        return Verdict::Erased;
    }
    // Rule 0b: an older epoch's changes are never taken, whoever sent
    // them (they may carry the redacted text back).
    if sender.epoch < stored.epoch {
        return Verdict::Redacted;
    }
    let parsed = match parse_changes(raw) {
        Ok(p) => p,
        Err(code) => return Verdict::RefuseSender(Rejection::of(code)),
    };
    // Rule 2: per (document, change).
    let mut new: Vec<CheckedChange> = Vec::new();
    let mut already_held = false;
    for c in parsed {
        let hash = ChangeHash(c.hash);
        if stored.doc.get_change_by_hash(&hash).is_some() || new.iter().any(|n| n.hash == c.hash) {
            continue;
        }
        if stored.held.iter().any(|h| h.change.hash == c.hash) {
            already_held = true;
            continue;
        }
        new.push(c);
    }
    if new.is_empty() && !already_held {
        return Verdict::AlreadyStored;
    }
    // Rule 3.
    if let Err(code) = check_actors(new.iter().map(|c| &c.actor), &sender.actor) {
        return Verdict::RefuseSender(Rejection::of(code));
    }
    if new.iter().any(|c| {
        c.change
            .message()
            .is_some_and(|m| m.chars().count() > MAX_CHANGE_MESSAGE_CHARS)
    }) {
        return Verdict::RefuseSender(Rejection::new(
            RejectCode::Invalid,
            format!("a change's message is longer than {MAX_CHANGE_MESSAGE_CHARS} characters"),
        ));
    }
    // Rule 4: before anything is stored or built.
    if let Err(code) = may_touch(stored.state.as_ref(), sender.officer) {
        return Verdict::RefuseSender(Rejection::of(code));
    }
    let mut held: Vec<HeldChange> = stored.held.clone();
    let mut refused_held = Vec::new();
    // Each round either ends or drops the held changes of one officer, so
    // it ends after at most as many rounds as there are held authors.
    loop {
        match decide_whole(stored, sender, &new, &held, refs) {
            Whole::Incomplete => return Verdict::Hold { new, refused_held },
            Whole::Refuse(r) => return Verdict::Refuse(r),
            Whole::RefuseAuthor(officer, r) => {
                let (out, keep): (Vec<_>, Vec<_>) =
                    held.into_iter().partition(|h| h.officer == officer);
                refused_held.extend(out.into_iter().map(|h| (h, r.clone())));
                held = keep;
            }
            Whole::Accept {
                record,
                owner,
                append,
            } => {
                let released = held.iter().map(|h| ChangeHash(h.change.hash)).collect();
                return Verdict::Accept(Box::new(Accepted {
                    record: *record,
                    owner,
                    append,
                    released,
                    refused_held,
                }));
            }
        }
    }
}

enum Whole {
    Incomplete,
    Refuse(Rejection),
    /// A held change's author may not write the document.
    RefuseAuthor(OfficerId, Rejection),
    Accept {
        record: Box<Record>,
        owner: Option<OfficerId>,
        append: Vec<CheckedChange>,
    },
}

/// The document with the new and the held changes, decided as a whole.
fn decide_whole(
    stored: &Stored,
    sender: &Sender,
    new: &[CheckedChange],
    held: &[HeldChange],
    refs: &dyn References,
) -> Whole {
    let mut doc = stored.doc.clone();
    let pending: Vec<automerge::Change> = held
        .iter()
        .map(|h| h.change.change.clone())
        .chain(new.iter().map(|c| c.change.clone()))
        .collect();
    // Guarded: Automerge can panic on crafted changes (see `guarded`).
    if guarded(|| doc.apply_changes(pending).is_ok()) != Some(true) {
        return Whole::Refuse(Rejection::new(
            RejectCode::MalformedChange,
            "the changes do not apply to the document",
        ));
    }
    if !doc.get_missing_deps(&[]).is_empty() {
        return Whole::Incomplete;
    }
    // The schema names the field that is wrong (autosurgeon's error does
    // not), and is stricter than reading: formats and allowed values.
    let record = match read_record(&doc) {
        Ok(r) => match crate::schema::check(&doc, r.kind()) {
            Ok(()) => r,
            Err(m) => return Whole::Refuse(schema_mismatch(r.kind(), &m)),
        },
        Err(RecordError::Schema { kind, .. }) => {
            let mismatch = crate::record::read_kind(&doc)
                .ok()
                .and_then(|k| crate::schema::check(&doc, k).err().map(|m| (k, m)));
            return Whole::Refuse(match mismatch {
                Some((k, m)) => schema_mismatch(k, &m),
                None => Rejection::new(
                    RejectCode::Schema,
                    format!("the document does not match the {kind} schema"),
                ),
            });
        }
        Err(e) => return Whole::Refuse(Rejection::new(RejectCode::Schema, schema_message(&e))),
    };
    let before = stored.state.as_ref();
    // The owner: as accepted before, or for a new document the officer
    // whose device sent its first change (the one without dependencies).
    let owner = match before {
        Some(b) => b.owner,
        // A new document has no logged changes: its first change (the one
        // without dependencies) is among the new and the held ones.
        None => {
            if new.iter().any(|c| c.change.deps().is_empty()) {
                Some(sender.officer)
            } else {
                held.iter()
                    .find(|h| h.change.change.deps().is_empty())
                    .map(|h| h.officer)
            }
        }
    };
    // Every author's right to write: the sender, then each held author.
    let authors: BTreeSet<OfficerId> = held.iter().map(|h| h.officer).collect();
    let check = |officer: OfficerId| -> Result<(), RejectCode> {
        may_write(before, record.kind(), officer)?;
        // A new document: besides its maker, only officers that the others'
        // changes name as participants (an officer cannot name themself).
        if before.is_none()
            && owner != Some(officer)
            && !named_by_others(stored, sender, new, held, officer)
        {
            return Err(RejectCode::NotPermitted);
        }
        Ok(())
    };
    // The sender's and the maker's refusal refuses the document; another
    // officer's held changes are refused on their own (`RefuseAuthor`), so
    // that a stranger's changes cannot block the maker's record.
    for officer in [Some(sender.officer), owner].into_iter().flatten() {
        if let Err(code) = check(officer) {
            return Whole::Refuse(Rejection::of(code));
        }
    }
    for officer in authors {
        if Some(officer) == owner || officer == sender.officer {
            continue;
        }
        if let Err(code) = check(officer) {
            return Whole::RefuseAuthor(officer, Rejection::of(code));
        }
    }
    let problems = validate(&record, refs);
    let errs: Vec<String> = errors(&problems).map(|p| p.to_string()).collect();
    if !errs.is_empty() {
        let mut r = Rejection::new(RejectCode::Invalid, errs.join("; "));
        r.problems = errors(&problems)
            .map(|p| WireProblem {
                field: p.field.to_string(),
                kind: p.kind.clone(),
            })
            .collect();
        return Whole::Refuse(r);
    }
    // Causal order: every dependency before what depends on it. Most
    // pushes carry one change; otherwise Automerge lists the changes since
    // the logged heads in that order.
    let mut pool: Vec<CheckedChange> = held
        .iter()
        .map(|h| h.change.clone())
        .chain(new.iter().cloned())
        .collect();
    let append = if pool.len() <= 1 {
        pool
    } else {
        let mut ordered = Vec::with_capacity(pool.len());
        for c in doc.get_changes(&stored.doc.get_heads()) {
            if let Some(i) = pool.iter().position(|p| p.hash == c.hash().0) {
                ordered.push(pool.swap_remove(i));
            }
        }
        ordered
    };
    Whole::Accept {
        record: Box::new(record),
        owner,
        append,
    }
}

/// Whether the document, built without `officer`'s changes, names them as
/// a participant. If it cannot be built without them, others built on their
/// changes, which they could only have received as participants.
fn named_by_others(
    stored: &Stored,
    sender: &Sender,
    new: &[CheckedChange],
    held: &[HeldChange],
    officer: OfficerId,
) -> bool {
    let mut doc = stored.doc.clone();
    let others: Vec<automerge::Change> = held
        .iter()
        .filter(|h| h.officer != officer)
        .map(|h| h.change.change.clone())
        .chain(
            new.iter()
                .filter(|_| sender.officer != officer)
                .map(|c| c.change.clone()),
        )
        .collect();
    if guarded(|| doc.apply_changes(others).is_ok()) != Some(true) {
        return false;
    }
    if !doc.get_missing_deps(&[]).is_empty() {
        return true;
    }
    read_record(&doc).is_ok_and(|r| r.participants().contains(&officer.0))
}

/// A schema refusal that names the field and what it must be (never the
/// value the document holds).
fn schema_mismatch(kind: crate::record::DocKind, m: &crate::schema::Mismatch) -> Rejection {
    Rejection::new(
        RejectCode::Schema,
        format!(
            "the {} record does not match its schema: {m}",
            kind.as_str()
        ),
    )
}

/// The schema error without values from the document.
fn schema_message(e: &RecordError) -> String {
    match e {
        RecordError::MissingKind | RecordError::UnknownKind(_) => {
            "the document is not a Trygghetslogg record".into()
        }
        RecordError::NewerSchema(v) => {
            format!("the record uses schema version {v}, newer than this server's")
        }
        RecordError::Schema { kind, .. } => {
            format!("the document does not match the {kind} schema")
        }
        _ => "the document could not be read".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{may_see, DocState, Reader};
    use crate::domain::{Directory, Inspection, Organisation, Participant, PatrolVisit};
    use crate::record::write_record;
    use automerge::transaction::CommitOptions;
    use automerge::AutoCommit;
    use uuid::Uuid;

    const T0: i64 = 1_780_000_000_000;

    struct AllKnown;
    impl References for AllKnown {
        fn has_hotspot(&self, _: Uuid) -> bool {
            true
        }
        fn has_venue(&self, _: Uuid) -> bool {
            true
        }
        fn initiative_counts(&self, id: Uuid) -> Option<crate::domain::Counts> {
            use crate::domain::Counts;
            [
                (VISITS, Counts::PatrolVisits),
                (INSPECTIONS, Counts::Inspections),
            ]
            .into_iter()
            .find(|(i, _)| *i == id)
            .map(|(_, c)| c)
        }
        fn officer(&self, _: Uuid) -> crate::validation::OfficerLookup {
            crate::validation::OfficerLookup::NotChecked
        }
    }

    const VISITS: Uuid = Uuid::from_u128(1);
    const INSPECTIONS: Uuid = Uuid::from_u128(2);

    fn device() -> Sender {
        Sender {
            officer: OfficerId(Uuid::new_v4()),
            actor: ActorKey::random(),
            epoch: 0,
        }
    }

    fn visit() -> Record {
        let mut v = PatrolVisit::new(Uuid::new_v4(), VISITS, T0);
        v.ended_at = Some(T0 + 12 * 60_000);
        Record::PatrolVisit(v)
    }

    /// A document edited by `by`, returning the bytes of the new change.
    fn edit(doc: &mut AutoCommit, by: &Sender, record: &Record) -> Vec<u8> {
        doc.set_actor(by.actor.to_actor());
        write_record(doc, record).expect("write");
        doc.commit_with(CommitOptions::default().with_time(T0 / 1000));
        doc.get_last_local_change()
            .expect("a change")
            .raw_bytes()
            .to_vec()
    }

    fn accepted(v: Verdict) -> Accepted {
        match v {
            Verdict::Accept(a) => *a,
            other => panic!("not accepted: {other:?}"),
        }
    }

    /// What the shell does with an accepted verdict, in memory.
    fn store(stored: &mut Stored, a: &Accepted) {
        let changes: Vec<_> = a.append.iter().map(|c| c.change.clone()).collect();
        stored.doc.apply_changes(changes).expect("apply");
        stored
            .held
            .retain(|h| !a.released.contains(&ChangeHash(h.change.hash)));
        stored.state = Some(DocState {
            kind: a.record.kind(),
            owner: a.owner,
            participants: a.record.participants(),
            municipality: None,
        });
    }

    #[test]
    fn a_new_record_is_accepted_and_its_maker_owns_it() {
        let anna = device();
        let mut doc = AutoCommit::new();
        let c = edit(&mut doc, &anna, &visit());
        let a = accepted(decide(
            &Stored::default(),
            &anna,
            std::slice::from_ref(&c),
            &AllKnown,
        ));
        assert_eq!(a.owner, Some(anna.officer));
        assert_eq!(a.append.len(), 1);
        let mut stored = Stored::default();
        store(&mut stored, &a);
        assert!(matches!(
            decide(&stored, &anna, &[c], &AllKnown),
            Verdict::AlreadyStored
        ));
    }

    #[test]
    fn the_same_first_change_under_two_document_ids_makes_two_records() {
        // Two records made from one template document: byte-identical
        // first changes. Each document gets its own copy.
        let anna = device();
        let mut template = AutoCommit::new();
        let c = edit(&mut template, &anna, &visit());
        let first = accepted(decide(
            &Stored::default(),
            &anna,
            std::slice::from_ref(&c),
            &AllKnown,
        ));
        let second = accepted(decide(&Stored::default(), &anna, &[c], &AllKnown));
        assert_eq!(first.append.len(), 1);
        assert_eq!(
            second.append.len(),
            1,
            "the second record must be stored too"
        );
    }

    #[test]
    fn a_change_by_another_actor_is_refused() {
        let (anna, bert) = (device(), device());
        let mut doc = AutoCommit::new();
        let c = edit(&mut doc, &bert, &visit());
        let v = decide(&Stored::default(), &anna, &[c], &AllKnown);
        assert_eq!(v.result().map(|r| r.code), Some(RejectCode::ForeignActor));
        // Only the sender's changes are refused: a document's held changes
        // from other devices stay (a stranger cannot flush them).
        assert!(matches!(v, Verdict::RefuseSender(_)));
    }

    #[test]
    fn a_device_never_writes_the_directory() {
        let anna = device();
        let mut doc = AutoCommit::new();
        let c = edit(&mut doc, &anna, &Record::Directory(Directory::default()));
        let v = decide(&Stored::default(), &anna, &[c], &AllKnown);
        assert_eq!(
            v.result().map(|r| r.code),
            Some(RejectCode::ReferenceReadOnly)
        );
    }

    #[test]
    fn a_stranger_with_a_missing_dependency_is_refused_before_anything_is_held() {
        let (anna, eve) = (device(), device());
        let mut doc = AutoCommit::new();
        let c1 = edit(&mut doc, &anna, &visit());
        let mut stored = Stored::default();
        let a = accepted(decide(&stored, &anna, &[c1], &AllKnown));
        store(&mut stored, &a);
        // Eve builds on a change of Anna's the server never saw.
        let mut r = visit();
        let c2 = edit(&mut doc, &anna, &r);
        if let Record::PatrolVisit(v) = &mut r {
            v.notes = "skrivet i annans namn".into();
        }
        let c3 = edit(&mut doc, &eve, &r);
        let _ = c2;
        let v = decide(&stored, &eve, &[c3], &AllKnown);
        assert_eq!(v.result().map(|r| r.code), Some(RejectCode::NotPermitted));
    }

    #[test]
    fn held_changes_wait_invisibly_and_join_the_log_with_what_completes_them() {
        let (anna, bert) = (device(), device());
        let mut record = Inspection::new(Uuid::new_v4(), INSPECTIONS, T0);
        record.participants = vec![
            Participant {
                officer_id: anna.officer.0,
                organisation: Organisation::Police,
            },
            Participant {
                officer_id: bert.officer.0,
                organisation: Organisation::Municipality,
            },
        ];
        let mut doc = AutoCommit::new();
        let root = edit(&mut doc, &anna, &Record::Inspection(record.clone()));
        record.findings = "Ordning och nykterhet bra".into();
        let berts = edit(&mut doc, &bert, &Record::Inspection(record));
        // The server lost Anna's record (restored from a backup); Bert's
        // edit arrives first and waits.
        let mut stored = Stored::default();
        let Verdict::Hold { new, refused_held } =
            decide(&stored, &bert, std::slice::from_ref(&berts), &AllKnown)
        else {
            panic!("not held");
        };
        assert!(refused_held.is_empty());
        stored.held = new
            .into_iter()
            .map(|change| HeldChange {
                change,
                officer: bert.officer,
            })
            .collect();
        // Sent again: still waiting, nothing new to hold.
        assert!(matches!(
            decide(&stored, &bert, &[berts], &AllKnown),
            Verdict::Hold { ref new, .. } if new.is_empty()
        ));
        // Anna's device resends its change: the document is complete.
        let a = accepted(decide(
            &stored,
            &anna,
            std::slice::from_ref(&root),
            &AllKnown,
        ));
        assert_eq!(a.owner, Some(anna.officer), "the maker owns it");
        assert_eq!(a.append.len(), 2);
        assert_eq!(a.append[0].hash, accepted_hash(&root), "causal order");
        assert_eq!(a.released.len(), 1);
    }

    fn accepted_hash(raw: &[u8]) -> [u8; 32] {
        automerge::Change::from_bytes(raw.to_vec())
            .expect("change")
            .hash()
            .0
    }

    /// Anna's new record, and Eve's change on top of it held by a server
    /// that never saw Anna's (it was restored from a backup). `named`:
    /// Eve's own change names her a participant.
    fn eves_change_held_on_annas_record(named: bool) -> (Sender, Sender, Vec<u8>, Stored) {
        let (anna, eve) = (device(), device());
        let mut doc = AutoCommit::new();
        let root = edit(&mut doc, &anna, &visit());
        let Record::PatrolVisit(mut v) = read_record(&doc).expect("read") else {
            panic!("kind")
        };
        v.notes = "Eve skriver".into();
        if named {
            v.participants.push(eve.officer.0);
        }
        let eves = edit(&mut doc, &eve, &Record::PatrolVisit(v));
        let mut stored = Stored::default();
        let Verdict::Hold { new, .. } = decide(&stored, &eve, &[eves], &AllKnown) else {
            panic!("not held")
        };
        stored.held = new
            .into_iter()
            .map(|change| HeldChange {
                change,
                officer: eve.officer,
            })
            .collect();
        (anna, eve, root, stored)
    }

    #[test]
    fn an_officer_cannot_name_themself_into_a_new_record() {
        let (anna, eve, root, stored) = eves_change_held_on_annas_record(true);
        let a = accepted(decide(&stored, &anna, &[root], &AllKnown));
        assert_eq!(a.owner, Some(anna.officer));
        assert_eq!(a.refused_held.len(), 1, "Eve's change is refused");
        assert_eq!(a.record.participants(), Vec::<Uuid>::new());
        let state = DocState {
            kind: a.record.kind(),
            owner: a.owner,
            participants: a.record.participants(),
            municipality: None,
        };
        let eve = Reader {
            officer: eve.officer,
            works_in: &[],
        };
        assert!(!may_see(&state, eve));
    }

    #[test]
    fn an_unnamed_authors_held_change_is_refused_on_its_own() {
        let (anna, _eve, root, stored) = eves_change_held_on_annas_record(false);
        let a = accepted(decide(&stored, &anna, &[root], &AllKnown));
        assert_eq!(a.append.len(), 1, "only Anna's change enters the log");
        assert_eq!(a.refused_held.len(), 1);
        assert_eq!(a.refused_held[0].1.code, RejectCode::NotPermitted);
        let Record::PatrolVisit(v) = &a.record else {
            panic!("kind")
        };
        assert_eq!(v.notes.as_str(), "", "Eve's text is not in the record");
    }

    #[test]
    fn held_changes_count_against_the_devices_quota() {
        let (anna, bert) = (device(), device());
        let mut doc = AutoCommit::new();
        let _root = edit(&mut doc, &anna, &visit());
        let Record::PatrolVisit(mut v) = read_record(&doc).expect("read") else {
            panic!("kind")
        };
        v.contacts.increment(1);
        let berts = edit(&mut doc, &bert, &Record::PatrolVisit(v));
        let v = decide(&Stored::default(), &bert, &[berts], &AllKnown)
            .within_quota(MAX_HELD_BYTES_PER_DEVICE);
        assert!(matches!(v, Verdict::OverQuota));
        assert_eq!(v.result().map(|r| r.code), Some(RejectCode::QuotaExceeded));
    }

    #[test]
    fn a_change_message_is_no_place_for_text() {
        let anna = device();
        let mut doc = AutoCommit::new().with_actor(anna.actor.to_actor());
        write_record(&mut doc, &visit()).expect("write");
        doc.commit_with(CommitOptions::default().with_message("x".repeat(2_000_000)));
        let c = doc
            .get_last_local_change()
            .expect("change")
            .raw_bytes()
            .to_vec();
        let v = decide(&Stored::default(), &anna, &[c], &AllKnown);
        assert_eq!(v.result().map(|r| r.code), Some(RejectCode::Invalid));
    }

    #[test]
    fn a_schema_refusal_names_the_field() {
        use automerge::transaction::Transactable;
        let anna = device();
        let mut doc = AutoCommit::new().with_actor(anna.actor.to_actor());
        write_record(&mut doc, &visit()).expect("write");
        doc.put(automerge::ROOT, "ended_at", "soon").expect("put");
        doc.commit();
        let c = doc
            .get_last_local_change()
            .expect("change")
            .raw_bytes()
            .to_vec();
        let r = decide(&Stored::default(), &anna, &[c], &AllKnown)
            .result()
            .expect("refused");
        assert_eq!(r.code, RejectCode::Schema);
        assert_eq!(
            r.message,
            "the visit record does not match its schema: ended_at must be null or int (ms since 1970 UTC)"
        );
    }

    #[test]
    fn garbage_is_a_malformed_change() {
        let v = decide(
            &Stored::default(),
            &device(),
            &[b"nope".to_vec()],
            &AllKnown,
        );
        assert_eq!(
            v.result().map(|r| r.code),
            Some(RejectCode::MalformedChange)
        );
    }

    #[test]
    fn an_older_epoch_takes_nothing_and_the_current_one_is_decided() {
        let officer = device();
        let changes = vec![edit(&mut AutoCommit::new(), &officer, &visit())];
        let stored = Stored {
            epoch: 1,
            ..Stored::default()
        };
        let v = decide(&stored, &officer, &changes, &AllKnown);
        assert!(matches!(v, Verdict::Redacted));
        assert_eq!(v.result().map(|r| r.code), Some(RejectCode::Redacted));
        assert_eq!(
            v.result().map(|r| r.code.held_until_amended()),
            Some(false),
            "sent again after the replay, not held"
        );
        let current = Sender {
            epoch: 1,
            ..officer
        };
        assert!(matches!(
            decide(&stored, &current, &changes, &AllKnown),
            Verdict::Accept(_)
        ));
    }

    #[test]
    fn an_erased_record_takes_nothing_from_anyone() {
        let anna = device();
        let c = edit(&mut AutoCommit::new(), &anna, &visit());
        let stored = Stored {
            erased: true,
            ..Stored::default()
        };
        let v = decide(&stored, &anna, &[c], &AllKnown);
        assert!(matches!(v, Verdict::Erased));
        assert_eq!(v.result().map(|r| r.code), Some(RejectCode::Erased));
        // Garbage for an erased record is answered the same: nothing is
        // parsed, stored or quarantined.
        let v = decide(&stored, &anna, &[vec![1, 2, 3]], &AllKnown);
        assert!(matches!(v, Verdict::Erased));
    }
}
