//! Redaction of one field of a record (a civilian's name typed into a note
//! by mistake): which fields may be redacted, the record's new *epoch*,
//! and how a phone carries its unsent edits over to it.
//!
//! Automerge changes are hash-chained: a past value cannot be cut out of a
//! document's history. So a redaction gives the document a new history,
//! an **epoch**: one change (the epoch's *base*) that writes the record's
//! current state with the redacted fields emptied. The server drops every
//! change of the old epochs and keeps the base; phones that held the old
//! history drop it at their next sync and take the base (protocol v3:
//! `epoch` on every document pushed and pulled, `redacted` notices).
//!
//! A phone that edited the record offline meanwhile has changes built on
//! the old history. It keeps them as an *unsent edit*: the values it
//! changed, before and after, by path ([`unsent_edits`]), and replays them
//! on the new epoch ([`replay`]): a value the officer changed is written
//! again, a counter gets the officer's increments; a value under a
//! redacted path that the officer changed and the redaction changed too is
//! a **conflict**: not written (that would bring the redacted text back),
//! never dropped either: the app shows it to the officer, who may type it
//! again or throw it away.

use std::collections::{BTreeMap, HashMap};

use automerge::hydrate::{Map, Value};
use automerge::transaction::Transactable as _;
use automerge::{AutoCommit, Automerge, ChangeHash, ReadDoc as _, ScalarValue, ROOT};

use crate::DocKind;

/// Why a field is redacted. Chosen on the page (none preselected) and kept
/// in the ledger with the case number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RedactionReason {
    /// Personal data that has no place in the record (a civilian's name or
    /// personal identity number in a note).
    PersonalData,
    /// A request from the person concerned or the data controller.
    Request,
}

impl RedactionReason {
    pub const ALL: [RedactionReason; 2] = [RedactionReason::PersonalData, RedactionReason::Request];

    pub fn as_str(self) -> &'static str {
        match self {
            RedactionReason::PersonalData => "personal_data",
            RedactionReason::Request => "request",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A free-text field of a record, the only kind that may be redacted:
/// where an officer can type what does not belong. Everything else is
/// chosen from lists, counted or timed, and corrected by an edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// A visit's or an activity's notes.
    Notes,
    /// An inspection's findings.
    Findings,
    /// The comment of one checklist item of an inspection.
    Comment(crate::domain::ChecklistItem),
}

impl Field {
    /// The field's path in the document (`notes`, `findings`,
    /// `checklist.<item>.comment`), as the ledger and the wire write it.
    pub fn path(self) -> String {
        match self {
            Field::Notes => "notes".into(),
            Field::Findings => "findings".into(),
            Field::Comment(item) => format!("checklist.{}.comment", item.key()),
        }
    }

    pub fn parse(path: &str) -> Option<Field> {
        match path {
            "notes" => Some(Field::Notes),
            "findings" => Some(Field::Findings),
            other => crate::domain::ChecklistItem::ALL
                .into_iter()
                .find(|i| other == Field::Comment(*i).path())
                .map(Field::Comment),
        }
    }

    /// The free-text fields of a record kind.
    pub fn of(kind: DocKind) -> Vec<Field> {
        match kind {
            DocKind::PatrolVisit | DocKind::Activity => vec![Field::Notes],
            DocKind::Inspection => std::iter::once(Field::Findings)
                .chain(
                    crate::domain::ChecklistItem::ALL
                        .into_iter()
                        .map(Field::Comment),
                )
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Writes `text` into this field of `record` (the officer writing a
    /// conflict's text again); false when the record has no such field.
    pub fn set(self, record: &mut crate::Record, text: &str) -> bool {
        use crate::Record;
        match (record, self) {
            (Record::PatrolVisit(v), Field::Notes) => v.notes.update(text),
            (Record::Activity(a), Field::Notes) => a.notes.update(text),
            (Record::Inspection(i), Field::Findings) => i.findings.update(text),
            (Record::Inspection(i), Field::Comment(item)) => i.entry_mut(item).comment.update(text),
            _ => return false,
        }
        true
    }
}

/// The free-text fields of a record kind, by path.
pub fn redactable_fields(kind: DocKind) -> Vec<String> {
    Field::of(kind).into_iter().map(Field::path).collect()
}

/// Whether `path` may be redacted in a record of `kind`.
pub fn may_redact(kind: DocKind, path: &str) -> bool {
    Field::parse(path).is_some_and(|f| Field::of(kind).contains(&f))
}

/// The text at `path` in the document's current state; none when absent or
/// not text.
pub fn text_at(doc: &Automerge, path: &str) -> Option<String> {
    text_at_heads(doc, path, None)
}

/// The text at `path` as of `heads` (none: now).
pub fn text_at_heads(doc: &Automerge, path: &str, heads: Option<&[ChangeHash]>) -> Option<String> {
    let state = match doc.hydrate(heads) {
        Value::Map(m) => m,
        _ => return None,
    };
    match value_at(&state, &split(path))? {
        Value::Text(t) => Some(t.to_string()),
        Value::Scalar(ScalarValue::Str(s)) => Some(s.to_string()),
        _ => None,
    }
}

fn split(path: &str) -> Vec<&str> {
    path.split('.').collect()
}

fn root_map(doc: &Automerge) -> Map {
    match doc.hydrate(None) {
        Value::Map(m) => m,
        _ => Map::default(),
    }
}

fn value_at<'a>(map: &'a Map, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let v = map.get(first)?;
    if rest.is_empty() {
        return Some(v);
    }
    match v {
        Value::Map(m) => value_at(m, rest),
        _ => None,
    }
}

/// `map` with the value at `path` replaced (`None`: removed); a path
/// through a missing map changes nothing. (hydrate's maps are built whole:
/// their entries cannot be inserted one by one.)
fn set_at(map: &Map, path: &[&str], value: Option<Value>) -> Map {
    let Some((first, rest)) = path.split_first() else {
        return map.clone();
    };
    let mut entries: HashMap<String, Value> = map
        .iter()
        .map(|(k, v)| (k.clone(), v.value.clone()))
        .collect();
    if rest.is_empty() {
        match value {
            Some(v) => {
                entries.insert(first.to_string(), v);
            }
            None => {
                entries.remove(*first);
            }
        }
    } else if let Some(Value::Map(inner)) = entries.get(*first) {
        let inner = set_at(inner, rest, value);
        entries.insert(first.to_string(), Value::Map(inner));
    }
    Map::from(entries)
}

/// The history of epoch `epoch`: every change of the document replayed
/// in causal order, each by its own actor, at its own time, with its own
/// note, but writing the state it led to with each of `paths` emptied. So
/// the record's history (who changed what, when) stays, and no value of
/// the redacted paths is in it; a change that only touched them leaves no
/// change behind. Returned as a saved document; `epoch_changes` reads its
/// changes back. The epoch number is not in the bytes: the server keeps
/// it beside them.
pub fn new_epoch(doc: &Automerge, paths: &[String]) -> Result<Vec<u8>, automerge::AutomergeError> {
    let mut replayed = Automerge::new();
    let mut fresh = AutoCommit::new();
    for change in doc.get_changes(&[]) {
        replayed.apply_changes([change.clone()])?;
        let mut state = root_map(&replayed);
        for p in paths {
            let path = split(p);
            if value_at(&state, &path).is_some() {
                state = set_at(
                    &state,
                    &path,
                    Some(Value::text(automerge::TextEncoding::platform_default(), "")),
                );
            }
        }
        fresh.set_actor(change.actor_id().clone());
        fresh
            .update_object(&ROOT, &Value::Map(state))
            .map_err(|e| automerge::AutomergeError::InvalidValueType {
                expected: "a record".into(),
                unexpected: e.to_string(),
            })?;
        let mut options =
            automerge::transaction::CommitOptions::default().with_time(change.timestamp());
        if let Some(m) = change.message() {
            options = options.with_message(m);
        }
        fresh.commit_with(options);
    }
    Ok(fresh.save())
}

/// The changes of an epoch's history (`new_epoch`), in causal order, as
/// raw change chunks; none if the bytes are not a saved document.
pub fn epoch_changes(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    let doc = crate::sync::changes::guarded(|| Automerge::load(bytes))?.ok()?;
    Some(
        doc.get_changes(&[])
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect(),
    )
}

/// What a phone had changed on the old epoch and not yet sent: per changed
/// path (maps are walked into; text, lists and scalars are leaves), the
/// value before its unsent changes (`base`) and after (`mine`); `None`
/// where the value was absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnsentEdits {
    pub edits: BTreeMap<String, (Option<Value>, Option<Value>)>,
}

impl UnsentEdits {
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    /// The edits as bytes for the phone's store: an Automerge document of
    /// two maps (`base`, `mine`) keyed by path, with a marker for absence.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut base = HashMap::new();
        let mut mine = HashMap::new();
        for (path, (b, m)) in &self.edits {
            base.insert(path.clone(), b.clone().unwrap_or_else(absent));
            mine.insert(path.clone(), m.clone().unwrap_or_else(absent));
        }
        let mut doc = AutoCommit::new();
        let root = Map::from(HashMap::from([
            ("base".to_string(), Value::Map(Map::from(base))),
            ("mine".to_string(), Value::Map(Map::from(mine))),
        ]));
        // A fresh document and maps of values it read: cannot fail.
        let _ = doc.init_root_from_hydrate(&root);
        doc.save()
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<UnsentEdits> {
        let doc = Automerge::load(bytes).ok()?;
        let root = root_map(&doc);
        let (Some(Value::Map(base)), Some(Value::Map(mine))) = (root.get("base"), root.get("mine"))
        else {
            return None;
        };
        let edits = mine
            .iter()
            .map(|(path, m)| {
                (
                    path.clone(),
                    (
                        base.get(path).cloned().filter(|v| !is_absent(v)),
                        Some(m.value.clone()).filter(|v| !is_absent(v)),
                    ),
                )
            })
            .collect();
        Some(UnsentEdits { edits })
    }
}

const ABSENT: &str = "\u{0}absent";

fn absent() -> Value {
    Value::Scalar(ScalarValue::Str(ABSENT.into()))
}

fn is_absent(v: &Value) -> bool {
    matches!(v, Value::Scalar(ScalarValue::Str(s)) if s.as_str() == ABSENT)
}

/// The edits a phone's unsent changes made: `doc` with every change, and
/// the hashes of those not yet acknowledged by the server.
pub fn unsent_edits(doc: &Automerge, unsent: &[ChangeHash]) -> UnsentEdits {
    let sent: Vec<ChangeHash> = doc
        .get_changes(&[])
        .iter()
        .map(|c| c.hash())
        .filter(|h| !unsent.contains(h))
        .collect();
    // The heads of the sent part: sent changes no other sent change
    // depends on.
    let deps: std::collections::HashSet<ChangeHash> = sent
        .iter()
        .filter_map(|h| doc.get_change_by_hash(h))
        .flat_map(|c| c.deps().to_vec())
        .collect();
    let heads: Vec<ChangeHash> = sent.iter().copied().filter(|h| !deps.contains(h)).collect();
    let before = match doc.hydrate(Some(&heads)) {
        Value::Map(m) if !heads.is_empty() => m,
        _ => Map::default(),
    };
    let after = root_map(doc);
    let mut edits = BTreeMap::new();
    diff(&before, &after, "", &mut edits);
    UnsentEdits { edits }
}

fn diff(
    before: &Map,
    after: &Map,
    prefix: &str,
    out: &mut BTreeMap<String, (Option<Value>, Option<Value>)>,
) {
    let keys: std::collections::BTreeSet<&String> = before
        .iter()
        .map(|(k, _)| k)
        .chain(after.iter().map(|(k, _)| k))
        .collect();
    for k in keys {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match (before.get(k), after.get(k)) {
            (Some(Value::Map(b)), Some(Value::Map(a))) => diff(b, a, &path, out),
            (b, a) if b != a => {
                out.insert(path, (b.cloned(), a.cloned()));
            }
            _ => {}
        }
    }
}

/// An unsent edit that could not be replayed: its path and the officer's
/// value (the text they typed), kept for them to decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub path: String,
    pub mine: String,
}

/// Replays `edits` onto `doc` (the new epoch): each edited path is written
/// with the officer's value, a counter by the officer's increments; an
/// edit under one of `redacted` whose value the new epoch changed is a
/// conflict instead. Writes into `doc`'s open transaction (the caller
/// commits) and returns the conflicts.
pub fn replay(
    doc: &mut AutoCommit,
    edits: &UnsentEdits,
    redacted: &[String],
) -> Result<Vec<Conflict>, automerge::AutomergeError> {
    let mut state = match doc.hydrate(&ROOT, None)? {
        Value::Map(m) => m,
        _ => Map::default(),
    };
    let mut conflicts = Vec::new();
    for (path, (base, mine)) in &edits.edits {
        let segments = split(path);
        let now = value_at(&state, &segments).cloned();
        let under_redaction = redacted
            .iter()
            .any(|r| path == r || path.starts_with(&format!("{r}.")));
        if under_redaction && now != *base {
            conflicts.push(Conflict {
                path: path.clone(),
                mine: mine.as_ref().map(display).unwrap_or_default(),
            });
            continue;
        }
        let value = match (base, mine, &now) {
            // A tally: the officer's increments on top of the new value.
            (
                Some(Value::Scalar(ScalarValue::Counter(b))),
                Some(Value::Scalar(ScalarValue::Counter(m))),
                Some(Value::Scalar(ScalarValue::Counter(n))),
            ) => Some(Value::Scalar(ScalarValue::counter(
                i64::from(n) + i64::from(m) - i64::from(b),
            ))),
            _ => mine.clone(),
        };
        state = set_at(&state, &segments, value);
    }
    doc.update_object(&ROOT, &Value::Map(state)).map_err(|e| {
        automerge::AutomergeError::InvalidValueType {
            expected: "a record".into(),
            unexpected: e.to_string(),
        }
    })?;
    Ok(conflicts)
}

fn display(v: &Value) -> String {
    match v {
        Value::Text(t) => t.to_string(),
        Value::Scalar(ScalarValue::Str(s)) => s.to_string(),
        Value::Scalar(s) => s.to_string(),
        _ => String::new(),
    }
}

/// The paths of a redaction as the ledger and the wire write them.
pub fn join_paths(paths: &[String]) -> String {
    paths.join(",")
}

pub fn split_paths(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PatrolVisit;
    use crate::record::{read_record, write_record, Record};

    fn visit_doc(note: &str) -> AutoCommit {
        let mut v = PatrolVisit::new(uuid::Uuid::new_v4(), uuid::Uuid::new_v4(), 1_000_000);
        v.notes.update(note);
        let mut doc = AutoCommit::new();
        write_record(&mut doc, &Record::PatrolVisit(v)).expect("write");
        doc.commit();
        doc
    }

    /// The changes of `doc` that are not in `sent`: the unsent ones.
    fn not_in(doc: &mut AutoCommit, sent: &[ChangeHash]) -> Vec<ChangeHash> {
        doc.get_changes(&[])
            .iter()
            .map(|c| c.hash())
            .filter(|h| !sent.contains(h))
            .collect()
    }

    /// Whether any change of the document holds `needle`'s bytes.
    fn history_mentions(doc: &Automerge, needle: &str) -> bool {
        let n = needle.as_bytes();
        doc.get_changes(&[])
            .iter()
            .any(|c| c.raw_bytes().windows(n.len()).any(|w| w == n))
    }

    fn visit_of(doc: &Automerge) -> PatrolVisit {
        match read_record(doc).expect("read") {
            Record::PatrolVisit(v) => v,
            other => panic!("{other:?}"),
        }
    }

    fn epoch_of(doc: &mut AutoCommit, paths: &[String]) -> AutoCommit {
        let bytes = new_epoch(doc.document(), paths).expect("epoch");
        let mut fresh = AutoCommit::new();
        fresh
            .apply_changes(
                epoch_changes(&bytes)
                    .expect("changes")
                    .into_iter()
                    .map(|c| automerge::Change::from_bytes(c).expect("change")),
            )
            .expect("apply");
        fresh
    }

    #[test]
    fn the_base_keeps_the_record_and_drops_the_past_values() {
        let mut doc = visit_doc("Sven Svensson 19800101-1234 hotade");
        let mut v = visit_of(doc.document());
        v.contacts.increment(3);
        v.notes
            .update("Sven Svensson 19800101-1234 hotade, lugnt sedan");
        write_record(&mut doc, &Record::PatrolVisit(v.clone())).expect("write");
        doc.commit();
        let mut fresh = epoch_of(&mut doc, &["notes".into()]);
        // The history stays: two changes, by the same actor at the same times.
        assert_eq!(fresh.get_changes(&[]).len(), 2);
        assert_eq!(
            crate::history::edit_history(fresh.document()),
            crate::history::edit_history(doc.document())
        );
        let after = visit_of(fresh.document());
        assert_eq!(after.notes.as_str(), "");
        assert_eq!(after.contacts.value(), v.contacts.value());
        assert_eq!(after.hotspot_id, v.hotspot_id);
        for c in fresh.get_changes(&[]) {
            assert!(!c.raw_bytes().windows(7).any(|w| w == b"Svensso"));
        }
        assert!(!history_mentions(fresh.document(), "Svensson"));
        assert!(history_mentions(doc.document(), "Svensson"), "control");
    }

    #[test]
    fn unsent_edits_replay_and_a_redacted_edit_is_a_conflict() {
        let mut doc = visit_doc("Namnet Nilsson");
        let sent: Vec<ChangeHash> = doc.get_changes(&[]).iter().map(|c| c.hash()).collect();
        // Offline: the officer counts two contacts, adds a problem and
        // edits the note.
        let mut v = visit_of(doc.document());
        v.contacts.increment(2);
        v.officers_count = 4;
        v.notes.update("Namnet Nilsson, ringde vakten");
        write_record(&mut doc, &Record::PatrolVisit(v)).expect("write");
        doc.commit();
        let unsent = not_in(&mut doc, &sent);
        let edits = unsent_edits(doc.document(), &unsent);
        assert!(edits.edits.contains_key("notes"));
        assert!(edits.edits.contains_key("contacts"));
        let edits = UnsentEdits::from_bytes(&edits.to_bytes()).expect("round trip");
        // The coordinators redact the note of the server's copy (without
        // the unsent change), which also has a colleague's contact.
        let mut server = visit_doc("Namnet Nilsson");
        let mut sv = visit_of(server.document());
        sv.contacts.increment(1);
        write_record(&mut server, &Record::PatrolVisit(sv)).expect("write");
        server.commit();
        let mut fresh = epoch_of(&mut server, &["notes".into()]);
        let conflicts = replay(&mut fresh, &edits, &["notes".into()]).expect("replay");
        fresh.commit();
        let after = visit_of(fresh.document());
        assert_eq!(after.notes.as_str(), "", "the redacted text is not back");
        assert_eq!(after.contacts.value(), 3, "one of theirs, two of mine");
        assert_eq!(after.officers_count, 4);
        assert_eq!(
            conflicts,
            vec![Conflict {
                path: "notes".into(),
                mine: "Namnet Nilsson, ringde vakten".into()
            }]
        );
        assert!(!history_mentions(fresh.document(), "Nilsson"));
    }

    #[test]
    fn an_edit_of_an_unredacted_field_is_not_a_conflict() {
        let mut doc = visit_doc("");
        let sent: Vec<ChangeHash> = doc.get_changes(&[]).iter().map(|c| c.hash()).collect();
        let mut v = visit_of(doc.document());
        v.notes.update("trasig belysning");
        write_record(&mut doc, &Record::PatrolVisit(v)).expect("write");
        doc.commit();
        let unsent = not_in(&mut doc, &sent);
        let edits = unsent_edits(doc.document(), &unsent);
        // Redacted was the note too, but it was empty before the officer's
        // edit and is empty after the redaction: nothing to clash with.
        let mut server = visit_doc("");
        let mut fresh = epoch_of(&mut server, &["notes".into()]);
        let conflicts = replay(&mut fresh, &edits, &["notes".into()]).expect("replay");
        assert!(conflicts.is_empty());
        fresh.commit();
        assert_eq!(
            visit_of(fresh.document()).notes.as_str(),
            "trasig belysning"
        );
    }

    #[test]
    fn only_free_text_may_be_redacted() {
        assert!(may_redact(DocKind::PatrolVisit, "notes"));
        assert!(may_redact(DocKind::Inspection, "findings"));
        assert!(may_redact(
            DocKind::Inspection,
            "checklist.staff_register.comment"
        ));
        assert!(!may_redact(DocKind::PatrolVisit, "started_at"));
        assert!(!may_redact(DocKind::Hotspot, "name"));
        assert_eq!(
            split_paths(&join_paths(&["a".into(), "b.c".into()])),
            ["a", "b.c"]
        );
    }
}
