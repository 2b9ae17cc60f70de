//! Who may see and who may write which document: the one visibility rule.
//! The server's ingest and outgoing and the device's apply call these
//! functions; the server's SQL only selects rows by what [`readers`]
//! decided (stored when a document is accepted), never by a copy of it.
//!
//! - Every kind has a keeper ([`DocKind::keeper`]): coordinators keep the
//!   reference data and the officers' directory, officers keep their field
//!   records. A device never writes what coordinators keep.
//! - Every kind has an audience ([`DocKind::audience`]): a hotspot, venue,
//!   plan or directory of officers reaches the devices of the officers who
//!   work in its municipality (`shared::municipality`), and nobody's while
//!   it names none; a field record reaches the officer who made it and the
//!   officers it names as participants.
//! - Every change a device sends must be made by the Automerge actor bound
//!   to that device: nobody can write in another officer's name.

use uuid::Uuid;

use crate::ids::{ActorKey, MunicipalityId, OfficerId};
use crate::record::DocKind;
use crate::sync::wire::RejectCode;

/// Who writes a kind of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keeper {
    /// Written on the server by coordinators (or by the server itself, for
    /// the directory); devices only read it.
    Coordinators,
    /// Made and amended by officers on their devices.
    Officers,
}

/// Who receives a kind of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every enrolled device.
    EveryDevice,
    /// The devices of the officers who work in the document's municipality.
    Municipality,
    /// The officer who made the record and the officers it names.
    OwnerAndParticipants,
}

impl DocKind {
    /// Who writes documents of this kind. An exhaustive match, so a new
    /// kind cannot be added without deciding it.
    pub fn keeper(self) -> Keeper {
        match self {
            DocKind::Hotspot | DocKind::Venue | DocKind::PromisePlan | DocKind::Directory => {
                Keeper::Coordinators
            }
            DocKind::PatrolVisit | DocKind::Inspection | DocKind::Activity => Keeper::Officers,
        }
    }

    /// Who receives documents of this kind. Exhaustive like `keeper`: the
    /// directory once reached no phone because a list of kinds forgot it.
    pub fn audience(self) -> Audience {
        match self {
            DocKind::Hotspot | DocKind::Venue | DocKind::PromisePlan | DocKind::Directory => {
                Audience::Municipality
            }
            DocKind::PatrolVisit | DocKind::Inspection | DocKind::Activity => {
                Audience::OwnerAndParticipants
            }
        }
    }
}

/// What the server knows about an accepted document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocState {
    pub kind: DocKind,
    /// The officer who made the record; none for what coordinators keep.
    pub owner: Option<OfficerId>,
    pub participants: Vec<Uuid>,
    /// The municipality it belongs to (`municipality::of_record`).
    pub municipality: Option<MunicipalityId>,
}

/// Who may see a document: the rule's answer, which the server stores
/// with the document so that its queries select by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readers {
    EveryDevice,
    /// The officers who work in this municipality, whoever they are when
    /// a device syncs.
    Municipality(MunicipalityId),
    /// These officers, sorted, without duplicates.
    Officers(Vec<OfficerId>),
}

/// An officer as the visibility rule sees them: who, and the
/// municipalities they work in (set by a coordinator).
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    pub officer: OfficerId,
    pub works_in: &'a [MunicipalityId],
}

impl Readers {
    pub fn includes(&self, reader: Reader<'_>) -> bool {
        match self {
            Readers::EveryDevice => true,
            Readers::Municipality(m) => reader.works_in.contains(m),
            Readers::Officers(list) => list.binary_search(&reader.officer).is_ok(),
        }
    }
}

/// Who may see a document in `state`.
pub fn readers(state: &DocState) -> Readers {
    match state.kind.audience() {
        Audience::EveryDevice => Readers::EveryDevice,
        // Reference data naming no municipality reaches nobody: closed,
        // never open, until it names one.
        Audience::Municipality => match state.municipality {
            Some(m) => Readers::Municipality(m),
            None => Readers::Officers(Vec::new()),
        },
        Audience::OwnerAndParticipants => {
            let mut list: Vec<OfficerId> = state
                .participants
                .iter()
                .copied()
                .map(OfficerId)
                .chain(state.owner)
                .collect();
            list.sort();
            list.dedup();
            Readers::Officers(list)
        }
    }
}

/// May `reader` see a document in `state`?
pub fn may_see(state: &DocState, reader: Reader<'_>) -> bool {
    readers(state).includes(reader)
}

/// May an officer's device change a document? `before` is the server's
/// state of the document (none when it is new), `kind_after` the kind the
/// document has once the device's changes are applied.
pub fn may_write(
    before: Option<&DocState>,
    kind_after: DocKind,
    officer: OfficerId,
) -> Result<(), RejectCode> {
    may_touch(before, officer)?;
    if kind_after.keeper() == Keeper::Coordinators {
        return Err(RejectCode::ReferenceReadOnly);
    }
    match before {
        Some(b) if b.kind != kind_after => Err(RejectCode::KindChanged),
        _ => Ok(()),
    }
}

/// May an officer's device send changes to a document at all, before its
/// content is known (a change that waits for its dependency)? Only for a
/// document the officer may see and that officers keep.
pub fn may_touch(before: Option<&DocState>, officer: OfficerId) -> Result<(), RejectCode> {
    match before {
        None => Ok(()),
        Some(b) if b.kind.keeper() == Keeper::Coordinators => Err(RejectCode::ReferenceReadOnly),
        // Officers keep field records, whose readers are officers by name:
        // the municipalities one works in open none of them.
        Some(b)
            if may_see(
                b,
                Reader {
                    officer,
                    works_in: &[],
                },
            ) =>
        {
            Ok(())
        }
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

    fn coordinators(kind: DocKind) -> DocState {
        DocState {
            kind,
            owner: None,
            participants: vec![],
            municipality: Some(here()),
        }
    }

    fn here() -> MunicipalityId {
        MunicipalityId(Uuid::from_u128(1))
    }

    /// An officer working in `here()`.
    fn at_home(officer: OfficerId) -> Reader<'static> {
        const HERE: [MunicipalityId; 1] = [MunicipalityId(Uuid::from_u128(1))];
        Reader {
            officer,
            works_in: &HERE,
        }
    }

    fn nowhere(officer: OfficerId) -> Reader<'static> {
        Reader {
            officer,
            works_in: &[],
        }
    }

    #[test]
    fn officers_never_write_what_coordinators_keep() {
        let me = officer();
        for kind in DocKind::ALL {
            if kind.keeper() != Keeper::Coordinators {
                continue;
            }
            assert_eq!(
                may_write(None, kind, me),
                Err(RejectCode::ReferenceReadOnly),
                "{kind:?}"
            );
            let s = coordinators(kind);
            assert_eq!(
                may_write(Some(&s), kind, me),
                Err(RejectCode::ReferenceReadOnly)
            );
            assert_eq!(may_touch(Some(&s), me), Err(RejectCode::ReferenceReadOnly));
            assert!(may_see(&s, at_home(me)), "{kind:?} must reach its officers");
        }
    }

    #[test]
    fn a_directory_reaches_its_municipalitys_devices_and_no_device_writes_it() {
        let s = coordinators(DocKind::Directory);
        assert_eq!(readers(&s), Readers::Municipality(here()));
        assert_eq!(
            may_write(None, DocKind::Directory, officer()),
            Err(RejectCode::ReferenceReadOnly)
        );
    }

    #[test]
    fn owners_and_participants_may_amend_others_may_not() {
        let (owner, colleague, stranger) = (officer(), officer(), officer());
        let s = DocState {
            kind: DocKind::Inspection,
            owner: Some(owner),
            participants: vec![colleague.0],
            municipality: Some(here()),
        };
        assert_eq!(may_write(Some(&s), DocKind::Inspection, owner), Ok(()));
        assert_eq!(may_write(Some(&s), DocKind::Inspection, colleague), Ok(()));
        assert_eq!(
            may_write(Some(&s), DocKind::Inspection, stranger),
            Err(RejectCode::NotPermitted)
        );
        assert_eq!(may_touch(Some(&s), stranger), Err(RejectCode::NotPermitted));
        assert!(!may_see(&s, at_home(stranger)));
        assert_eq!(
            may_write(Some(&s), DocKind::Activity, owner),
            Err(RejectCode::KindChanged)
        );
        // A stranger is told "not permitted", not "kind changed": the
        // answer must not reveal what the record is.
        assert_eq!(
            may_write(Some(&s), DocKind::Activity, stranger),
            Err(RejectCode::NotPermitted)
        );
    }

    #[test]
    fn readers_are_the_owner_and_the_participants() {
        let (owner, colleague) = (officer(), officer());
        let s = DocState {
            kind: DocKind::PatrolVisit,
            owner: Some(owner),
            participants: vec![colleague.0, colleague.0, owner.0],
            municipality: None,
        };
        let mut want = vec![owner, colleague];
        want.sort();
        assert_eq!(readers(&s), Readers::Officers(want));
    }

    #[test]
    fn reference_data_reaches_the_officers_of_its_municipality_only() {
        let me = officer();
        let elsewhere = [MunicipalityId(Uuid::from_u128(2))];
        for kind in [
            DocKind::Hotspot,
            DocKind::Venue,
            DocKind::PromisePlan,
            DocKind::Directory,
        ] {
            let s = coordinators(kind);
            assert_eq!(readers(&s), Readers::Municipality(here()));
            assert!(may_see(&s, at_home(me)));
            assert!(!may_see(&s, nowhere(me)));
            let other = Reader {
                officer: me,
                works_in: &elsewhere,
            };
            assert!(!may_see(&s, other), "{kind:?} of another municipality");
            let unplaced = DocState {
                municipality: None,
                ..s
            };
            assert!(!may_see(&unplaced, at_home(me)), "naming none: closed");
        }
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

/// A case number the access log does not take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a case number has at most 40 characters (letters, digits, - / . :) and no personal identity number")]
pub struct BadCaseNumber;

/// A case number (diarienummer) given when a record is opened, as the
/// access log keeps it: trimmed, at most 40 characters of letters, digits,
/// spaces and `- / . :`, and never a personal identity number. Empty: none.
pub fn case_number(text: &str) -> Result<Option<String>, BadCaseNumber> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let allowed = |c: char| c.is_alphanumeric() || " -/.:".contains(c);
    if t.chars().count() > 40
        || !t.chars().all(allowed)
        || crate::validation::contains_personal_identity_number(t)
    {
        return Err(BadCaseNumber);
    }
    Ok(Some(t.to_string()))
}

#[cfg(test)]
mod case_number_tests {
    use super::{case_number, BadCaseNumber};

    #[test]
    fn a_case_number_is_short_plain_and_names_no_person() {
        assert_eq!(case_number("  "), Ok(None));
        assert_eq!(case_number(" KS 2026/123 "), Ok(Some("KS 2026/123".into())));
        assert_eq!(
            case_number("5000-K123456-26"),
            Ok(Some("5000-K123456-26".into()))
        );
        assert_eq!(
            case_number("850709-9805"),
            Err(BadCaseNumber),
            "a personal identity number"
        );
        assert_eq!(case_number("<script>"), Err(BadCaseNumber));
        assert_eq!(case_number(&"1".repeat(41)), Err(BadCaseNumber));
    }
}
