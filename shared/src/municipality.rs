//! Municipalities: one server serves one or many, each with its own
//! promise plan, hotspots, venues, coordinators, council report and public
//! summary. The rules of what belongs where live here:
//!
//! - A hotspot, venue, plan or directory of officers names its
//!   municipality (`municipality_id`), set when it is made and never moved
//!   ([`may_move`]); a municipality's directory lists the officers who work
//!   there.
//! - A field record belongs to the municipality of its place: a patrol
//!   visit to its hotspot's, an inspection to its venue's, an activity to
//!   its initiative's plan's ([`of_record`]). The server stores the answer
//!   with the record, so that its queries only select by it.
//! - A server with one municipality needs no choices: an officer or an
//!   account made there works in it ([`given_when_made`]), and the first
//!   municipality made on a server is given to everyone already there
//!   (an upgraded data folder becomes the first municipality).

use uuid::Uuid;

use crate::ids::{MunicipalityId, PoliceAreaId};
use crate::record::Record;

/// A municipality as the server keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Municipality {
    pub id: MunicipalityId,
    /// Its address on the public pages: `/public/<slug>`.
    pub slug: String,
    pub name: String,
    pub police_area: Option<PoliceAreaId>,
    /// Invented, for demonstrations.
    pub demo: bool,
}

/// The longest slug and name accepted.
pub const MAX_SLUG_CHARS: usize = 40;
pub const MAX_NAME_CHARS: usize = 80;

/// A municipality's public address from its name: lower case ASCII
/// letters and digits, words joined by `-` (Swedish letters written
/// without their marks: "Upplands Väsby" is `upplands-vasby`).
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().to_lowercase().chars() {
        let c = match c {
            'å' | 'ä' | 'à' | 'á' => 'a',
            'ö' | 'ø' | 'ó' => 'o',
            'é' | 'è' => 'e',
            'ü' => 'u',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    out.chars().take(MAX_SLUG_CHARS).collect()
}

/// Whether `s` may be a municipality's public address.
pub fn valid_slug(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_SLUG_CHARS && slug(s) == s
}

/// Why a municipality's name is not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadMunicipality {
    #[error("a municipality needs a name of at most 80 characters")]
    Name,
    #[error("the name gives no address for the public pages: use letters")]
    Slug,
}

/// A new municipality's name, trimmed, and its address.
pub fn name_and_slug(name: &str) -> Result<(String, String), BadMunicipality> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(BadMunicipality::Name);
    }
    let s = slug(name);
    if !valid_slug(&s) {
        return Err(BadMunicipality::Slug);
    }
    Ok((name.to_string(), s))
}

/// The name a store from before municipalities gives its first one: as its
/// newest plan names its municipality, when that is a name a municipality
/// may have (its public address comes from it); else "Kommunen".
pub fn first_name(newest_plan_says: Option<&str>) -> String {
    newest_plan_says
        .filter(|n| name_and_slug(n).is_ok())
        .map(|n| n.trim().to_string())
        .unwrap_or_else(|| "Kommunen".into())
}

/// The municipality a hotspot, venue, plan or directory names; none for
/// field records.
pub fn of_reference(record: &Record) -> Option<MunicipalityId> {
    match record {
        Record::Hotspot(h) => h.municipality_id,
        Record::Venue(v) => v.municipality_id,
        Record::PromisePlan(p) => p.municipality_id,
        Record::Directory(d) => d.municipality_id,
        _ => None,
    }
    .map(MunicipalityId)
}

/// Where the places records name belong, as the server knows them.
pub trait Places {
    fn hotspot(&self, id: Uuid) -> Option<MunicipalityId>;
    fn venue(&self, id: Uuid) -> Option<MunicipalityId>;
    fn initiative(&self, id: Uuid) -> Option<MunicipalityId>;
}

/// The municipality a document belongs to: reference data (the directory
/// of officers too) its own, a field record its place's; none for a place
/// the server does not know.
pub fn of_record(record: &Record, places: &dyn Places) -> Option<MunicipalityId> {
    match record {
        Record::Hotspot(_) | Record::Venue(_) | Record::PromisePlan(_) | Record::Directory(_) => {
            of_reference(record)
        }
        Record::PatrolVisit(v) => places.hotspot(v.hotspot_id),
        Record::Inspection(i) => places.venue(i.venue_id),
        Record::Activity(a) => places.initiative(a.initiative_id),
    }
}

/// Whether reference data may go from `before` (none: it is new) to
/// `after`: it must name a municipality, and keep the one it was made in,
/// since its records take theirs from it.
pub fn may_move(before: Option<MunicipalityId>, after: Option<MunicipalityId>) -> bool {
    match (before, after) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(b), Some(a)) => a == b,
    }
}

/// The municipalities an officer or account works in when it is made: the
/// only one when the server has exactly one, else none until chosen.
pub fn given_when_made(all: &[MunicipalityId]) -> Vec<MunicipalityId> {
    if all.len() == 1 {
        all.to_vec()
    } else {
        Vec::new()
    }
}

/// Whether making a municipality on a server that has `existing` ones
/// gives it to every officer and account already there: the first one
/// does (a server that served one municipality keeps serving it).
pub fn given_to_everyone(existing: usize) -> bool {
    existing == 0
}

/// The municipalities an officer works in after a coordinator whose
/// roles reach `scope` chose `chosen` for them: the coordinator decides
/// for their own municipalities only; the others stay as they were.
pub fn reassign(
    current: &[MunicipalityId],
    scope: &[MunicipalityId],
    chosen: &[MunicipalityId],
) -> Vec<MunicipalityId> {
    let mut out: Vec<MunicipalityId> = current
        .iter()
        .filter(|m| !scope.contains(m))
        .chain(chosen.iter().filter(|m| scope.contains(m)))
        .copied()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether a coordinator whose roles reach `scope` sees an officer who
/// works in `works_in` (their devices, their municipalities): when they
/// share one, or the officer works nowhere yet (just enrolled elsewhere,
/// or taken out of every municipality), so that someone can place them.
pub fn sees_officer(scope: &[MunicipalityId], works_in: &[MunicipalityId]) -> bool {
    works_in.is_empty() || works_in.iter().any(|m| scope.contains(m))
}

/// Whether a device keeps a hotspot, venue, plan or directory of `municipality`
/// while its officer works in `works_in`. One naming none was made before
/// municipalities and is about to be given one by the server's upgrade:
/// kept until then, so that nothing is fetched twice.
pub fn device_keeps(works_in: &[MunicipalityId], municipality: Option<MunicipalityId>) -> bool {
    municipality.is_none_or(|m| works_in.contains(&m))
}

/// Whether an account may enrol a phone for an officer who works in
/// `works_in`: an administrator any officer's, a coordinator one they see
/// (`sees_officer`); a phone of an officer who works only elsewhere would
/// receive that officer's records.
pub fn may_enrol(
    every_officer: bool,
    scope: &[MunicipalityId],
    works_in: &[MunicipalityId],
) -> bool {
    every_officer || sees_officer(scope, works_in)
}

/// Where an officer works once enrolled in `more` (the municipality the
/// code was made in, or those named on the command line): where they did,
/// and those; sorted, once each.
pub fn works_in_adding(current: &[MunicipalityId], more: &[MunicipalityId]) -> Vec<MunicipalityId> {
    let mut out: Vec<MunicipalityId> = current.iter().chain(more).copied().collect();
    out.sort();
    out.dedup();
    out
}

/// Whether a device lacks a municipality its officer works in, so that its
/// whole reference data goes with the next answer: by what the device says
/// it holds (`works_in` of its request: an answer lost on the way is then
/// made again); a device that says nothing goes by whether the
/// municipality was given after its cursor.
pub fn device_lacks(
    held: Option<&[MunicipalityId]>,
    m: MunicipalityId,
    given_after_cursor: bool,
) -> bool {
    match held {
        Some(held) => !held.contains(&m),
        None => given_after_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Activity, ActivityKind};

    #[test]
    fn a_slug_is_the_name_in_plain_letters() {
        assert_eq!(slug("Oskarshamn"), "oskarshamn");
        assert_eq!(slug(" Upplands Väsby "), "upplands-vasby");
        assert_eq!(slug("Östra Göinge"), "ostra-goinge");
        assert_eq!(slug("Malung-Sälen"), "malung-salen");
        assert!(valid_slug("malung-salen"));
        assert!(!valid_slug("Malung"));
        assert!(!valid_slug("a--b"));
        assert!(!valid_slug(""));
        assert_eq!(name_and_slug("  "), Err(BadMunicipality::Name));
        assert_eq!(first_name(Some(" Oskarshamn ")), "Oskarshamn");
        assert_eq!(first_name(Some("!!!")), "Kommunen");
        assert_eq!(first_name(None), "Kommunen");
        assert_eq!(name_and_slug("!!!"), Err(BadMunicipality::Slug));
        assert_eq!(
            name_and_slug(" Demoby "),
            Ok(("Demoby".into(), "demoby".into()))
        );
    }

    #[test]
    fn reference_data_stays_where_it_was_made() {
        let (a, b) = (
            MunicipalityId(Uuid::new_v4()),
            MunicipalityId(Uuid::new_v4()),
        );
        assert!(may_move(None, Some(a)));
        assert!(may_move(Some(a), Some(a)));
        assert!(!may_move(Some(a), Some(b)));
        assert!(!may_move(None, None), "it must name one");
        assert!(!may_move(Some(a), None));
    }

    struct Known(MunicipalityId);
    impl Places for Known {
        fn hotspot(&self, _: Uuid) -> Option<MunicipalityId> {
            None
        }
        fn venue(&self, _: Uuid) -> Option<MunicipalityId> {
            None
        }
        fn initiative(&self, _: Uuid) -> Option<MunicipalityId> {
            Some(self.0)
        }
    }

    #[test]
    fn a_record_belongs_to_its_places_municipality() {
        let a = MunicipalityId(Uuid::new_v4());
        let activity = Record::Activity(Activity::new(
            Uuid::new_v4(),
            "2026-03-01".into(),
            ActivityKind::SchoolVisit,
        ));
        assert_eq!(of_record(&activity, &Known(a)), Some(a));
    }

    #[test]
    fn a_coordinator_changes_only_their_own_municipalities() {
        let [a, b, c] = [1, 2, 3].map(|n| MunicipalityId(Uuid::from_u128(n)));
        assert_eq!(reassign(&[a, c], &[a, b], &[b]), vec![b, c]);
        assert_eq!(reassign(&[a], &[a], &[]), Vec::<MunicipalityId>::new());
        assert_eq!(
            reassign(&[c], &[a], &[c]),
            vec![c],
            "c is not theirs to give"
        );
        assert!(sees_officer(&[a], &[a, c]));
        assert!(!sees_officer(&[a], &[c]));
        assert!(sees_officer(&[a], &[]));
        assert!(device_keeps(&[a], Some(a)) && !device_keeps(&[a], Some(b)));
        assert!(device_keeps(&[], None));
        assert!(device_lacks(Some(&[b]), a, false), "held says: not held");
        assert!(!device_lacks(Some(&[a]), a, true), "held says: held");
        assert!(device_lacks(None, a, true) && !device_lacks(None, a, false));
        assert!(may_enrol(true, &[], &[c]) && !may_enrol(false, &[a], &[c]));
        assert!(
            may_enrol(false, &[a], &[]),
            "a new officer, or one working nowhere"
        );
        assert_eq!(works_in_adding(&[c, a], &[a, b]), vec![a, b, c]);
    }

    #[test]
    fn one_municipality_needs_no_choice() {
        let (a, b) = (
            MunicipalityId(Uuid::new_v4()),
            MunicipalityId(Uuid::new_v4()),
        );
        assert_eq!(given_when_made(&[a]), vec![a]);
        assert!(given_when_made(&[a, b]).is_empty());
        assert!(given_when_made(&[]).is_empty());
        assert!(given_to_everyone(0) && !given_to_everyone(1));
    }
}
