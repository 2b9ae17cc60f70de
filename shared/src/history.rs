//! A record's edit history, read from its Automerge document: every change
//! with when it was made (the writer's clock), by which actor, and the note
//! the app wrote with it ("checklist: ID check"). The app shows it on the
//! record's screen; the server shows it to coordinators with the actor
//! resolved to an officer, grouped into sessions that say what changed.

use std::collections::{BTreeMap, HashSet};

use automerge::{ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT};

use crate::domain::Millis;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// When the change was made, by the writing device's clock.
    pub at: Millis,
    /// The actor id, hex.
    pub actor: String,
    pub note: Option<String>,
}

/// Every change of the document, oldest first.
pub fn edit_history(doc: &automerge::Automerge) -> Vec<Edit> {
    let mut out: Vec<Edit> = doc
        .get_changes(&[])
        .iter()
        .map(|c| Edit {
            at: c.timestamp() * 1000,
            actor: c.actor_id().to_hex_string(),
            note: c.message().map(str::to_string),
        })
        .collect();
    out.sort_by_key(|e| e.at);
    out
}

/// Changes by one writer less than this apart belong to one session.
pub const SESSION_GAP_MS: Millis = 30 * 60_000;

/// One person's run of edits, and what it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub actor: String,
    pub from: Millis,
    pub to: Millis,
    /// How many changes (a note typed is one change per keystroke).
    pub changes: usize,
    /// Each value that differs between before and after the session.
    pub changed: Vec<FieldChange>,
}

/// A value before and after, by its path in the document
/// (`checklist.staff_register.answer`, `participants[0].officer_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub path: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The history as sessions: consecutive changes (in causal order) by the
/// same writer, each less than [`SESSION_GAP_MS`] after the one before,
/// with the values the session changed, old → new. Read with Automerge's
/// historical reads at each session's boundary, not by replaying changes.
pub fn sessions(doc: &automerge::Automerge) -> Vec<Session> {
    let changes = doc.get_changes(&[]);
    let mut out: Vec<Session> = Vec::new();
    // The heads of the changes seen so far: a causally closed prefix.
    let mut heads: Vec<ChangeHash> = Vec::new();
    let mut before: Vec<ChangeHash> = Vec::new();
    let mut open: Option<Session> = None;
    for c in changes {
        let actor = c.actor_id().to_hex_string();
        let at = c.timestamp() * 1000;
        let continues = open
            .as_ref()
            .is_some_and(|s| s.actor == actor && (at - s.to).abs() < SESSION_GAP_MS);
        if !continues {
            if let Some(mut s) = open.take() {
                s.changed = diff(&flatten_at(doc, &before), &flatten_at(doc, &heads));
                out.push(s);
                before = heads.clone();
            }
            open = Some(Session {
                actor,
                from: at,
                to: at,
                changes: 0,
                changed: Vec::new(),
            });
        }
        if let Some(s) = open.as_mut() {
            s.changes += 1;
            s.to = s.to.max(at);
        }
        let deps: HashSet<&ChangeHash> = c.deps().iter().collect();
        heads.retain(|h| !deps.contains(h));
        heads.push(c.hash());
    }
    if let Some(mut s) = open {
        s.changed = diff(&flatten_at(doc, &before), &flatten_at(doc, &heads));
        out.push(s);
    }
    out
}

fn diff(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> Vec<FieldChange> {
    let paths: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    paths
        .into_iter()
        .filter(|p| old.get(*p) != new.get(*p))
        .map(|p| FieldChange {
            path: p.clone(),
            old: old.get(p).cloned(),
            new: new.get(p).cloned(),
        })
        .collect()
}

/// Every scalar and text of the document at `heads`, by path, as text
/// (`heads` empty: the empty document).
pub fn flatten_at(doc: &automerge::Automerge, heads: &[ChangeHash]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if !heads.is_empty() {
        walk(doc, heads, &ROOT, ObjType::Map, "", &mut out);
    }
    out
}

fn walk(
    doc: &automerge::Automerge,
    heads: &[ChangeHash],
    obj: &ObjId,
    ty: ObjType,
    at: &str,
    out: &mut BTreeMap<String, String>,
) {
    let mut visit = |path: String, value: Option<(Value<'_>, ObjId)>| match value {
        Some((Value::Object(ObjType::Text), id)) => {
            out.insert(path, doc.text_at(&id, heads).unwrap_or_default());
        }
        Some((Value::Object(t), id)) => walk(doc, heads, &id, t, &path, out),
        Some((Value::Scalar(s), _)) => {
            out.insert(path, scalar(&s));
        }
        None => {}
    };
    match ty {
        ObjType::Map | ObjType::Table => {
            for key in doc.keys_at(obj, heads) {
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                visit(path, doc.get_at(obj, key.as_str(), heads).ok().flatten());
            }
        }
        ObjType::List => {
            for i in 0..doc.length_at(obj, heads) {
                visit(
                    format!("{at}[{i}]"),
                    doc.get_at(obj, i, heads).ok().flatten(),
                );
            }
        }
        ObjType::Text => {}
    }
}

fn scalar(s: &ScalarValue) -> String {
    match s {
        ScalarValue::Str(s) => s.to_string(),
        ScalarValue::Int(i) => i.to_string(),
        ScalarValue::Uint(u) => u.to_string(),
        ScalarValue::F64(f) => f.to_string(),
        ScalarValue::Counter(c) => i64::from(c).to_string(),
        ScalarValue::Timestamp(t) => t.to_string(),
        ScalarValue::Boolean(b) => b.to_string(),
        ScalarValue::Null => String::new(),
        ScalarValue::Bytes(b) => match uuid::Uuid::from_slice(b) {
            Ok(u) => u.to_string(),
            Err(_) => hex(b),
        },
        ScalarValue::Unknown { bytes, .. } => hex(bytes),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Answer, ChecklistItem, Inspection};
    use crate::record::{read_record, write_record, Record};
    use automerge::{ActorId, AutoCommit};

    #[test]
    fn keystrokes_of_one_person_are_one_session_that_says_old_and_new() {
        let anna = ActorId::from(vec![1u8; 16]);
        let kim = ActorId::from(vec![2u8; 16]);
        let t0 = 1_780_000_000_000;
        let mut doc = AutoCommit::new().with_actor(anna);
        let insp = Inspection::new(uuid::Uuid::nil(), uuid::Uuid::nil(), t0);
        write_record(&mut doc, &Record::Inspection(insp)).expect("write");
        doc.commit_with(automerge::transaction::CommitOptions::default().with_time(t0 / 1000));
        let edit = |doc: &mut AutoCommit, at: Millis, f: &dyn Fn(&mut Inspection)| {
            let Record::Inspection(mut i) = read_record(doc).expect("read") else {
                panic!("kind")
            };
            f(&mut i);
            write_record(doc, &Record::Inspection(i)).expect("write");
            doc.commit_with(automerge::transaction::CommitOptions::default().with_time(at / 1000));
        };
        // Anna types "Saknas" one letter a change, within a minute.
        for (n, _) in "Saknas".char_indices() {
            let text = "Saknas"[..=n].to_string();
            edit(&mut doc, t0 + 1000 * n as i64, &|i| {
                i.findings.update(&text)
            });
        }
        // Kim, later, marks a remark.
        let mut doc = doc.with_actor(kim);
        edit(&mut doc, t0 + 3_600_000, &|i| {
            i.entry_mut(ChecklistItem::StaffRegister).answer = Answer::Remark
        });
        let s = sessions(doc.document());
        assert_eq!(s.len(), 2, "{s:#?}");
        assert_eq!(s[0].changes, 7, "created and six letters");
        assert!(s[0].changed.contains(&FieldChange {
            path: "findings".into(),
            old: None,
            new: Some("Saknas".into())
        }));
        assert_eq!(
            s[1].changed,
            vec![FieldChange {
                path: "checklist.staff_register.answer".into(),
                old: Some("NotChecked".into()),
                new: Some("Remark".into())
            }]
        );
    }
}
