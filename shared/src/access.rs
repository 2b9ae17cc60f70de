//! Who may see and who may write which document. The server enforces these
//! decisions on every sync; they live here so that they can be read and
//! tested without a server.
//!
//! - Reference data (hotspots, venues, the plan) is visible to every device
//!   and written only by coordinators, never through the officers' sync.
//! - A field record is visible to, and may be amended by, the officer who
//!   created it and the officers it names as participants.
//! - Every change a device sends must be made by the Automerge actor bound
//!   to that device: nobody can write in another officer's name.

use uuid::Uuid;

use crate::ids::{ActorKey, OfficerId};
use crate::record::DocKind;
use crate::sync::wire::RejectCode;

/// What the server knows about a document before a sync touches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocState {
    pub kind: DocKind,
    /// The officer whose device first sent it; none for coordinators' data.
    pub owner: Option<OfficerId>,
    pub participants: Vec<Uuid>,
}

/// May `officer` see a document in `state`?
pub fn may_see(state: &DocState, officer: OfficerId) -> bool {
    state.kind.is_reference()
        || state.owner == Some(officer)
        || state.participants.contains(&officer.0)
}

/// May an officer's device change a document? `before` is the server's
/// state of the document (none when it is new), `kind_after` the kind the
/// document has once the device's changes are applied.
pub fn may_write(
    before: Option<&DocState>,
    kind_after: DocKind,
    officer: OfficerId,
) -> Result<(), RejectCode> {
    if kind_after.is_reference() || before.is_some_and(|b| b.kind.is_reference()) {
        return Err(RejectCode::ReferenceReadOnly);
    }
    match before {
        None => Ok(()),
        Some(b) if b.kind != kind_after => Err(RejectCode::KindChanged),
        Some(b) if may_see(b, officer) => Ok(()),
        Some(_) => Err(RejectCode::NotPermitted),
    }
}

/// Every new change must be by the actor bound to the sending device.
pub fn check_actors<'a>(
    change_actors: impl IntoIterator<Item = &'a ActorKey>,
    bound: &ActorKey,
) -> Result<(), RejectCode> {
    if change_actors.into_iter().all(|a| a == bound) {
        Ok(())
    } else {
        Err(RejectCode::ForeignActor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn officer() -> OfficerId {
        OfficerId(Uuid::new_v4())
    }

    #[test]
    fn officers_never_write_reference_data() {
        let me = officer();
        assert_eq!(
            may_write(None, DocKind::Hotspot, me),
            Err(RejectCode::ReferenceReadOnly)
        );
        let plan = DocState {
            kind: DocKind::PromisePlan,
            owner: None,
            participants: vec![],
        };
        assert_eq!(
            may_write(Some(&plan), DocKind::PromisePlan, me),
            Err(RejectCode::ReferenceReadOnly)
        );
        assert!(may_see(&plan, me));
    }

    #[test]
    fn owners_and_participants_may_amend_others_may_not() {
        let (owner, colleague, stranger) = (officer(), officer(), officer());
        let s = DocState {
            kind: DocKind::Inspection,
            owner: Some(owner),
            participants: vec![colleague.0],
        };
        assert_eq!(may_write(Some(&s), DocKind::Inspection, owner), Ok(()));
        assert_eq!(may_write(Some(&s), DocKind::Inspection, colleague), Ok(()));
        assert_eq!(
            may_write(Some(&s), DocKind::Inspection, stranger),
            Err(RejectCode::NotPermitted)
        );
        assert!(!may_see(&s, stranger));
        assert_eq!(
            may_write(Some(&s), DocKind::Activity, owner),
            Err(RejectCode::KindChanged)
        );
    }

    #[test]
    fn a_change_by_another_actor_is_refused() {
        let (mine, theirs) = (ActorKey::random(), ActorKey::random());
        assert_eq!(check_actors([&mine, &mine], &mine), Ok(()));
        assert_eq!(
            check_actors([&mine, &theirs], &mine),
            Err(RejectCode::ForeignActor)
        );
    }
}
