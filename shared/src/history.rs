//! A record's edit history, read from its Automerge document: every change
//! with when it was made (the writer's clock), by which actor, and the note
//! the app wrote with it ("checklist: ID check"). The app shows it on the
//! record's screen; the server shows it to coordinators with the actor
//! resolved to an officer.

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
