//! Validation of records, with messages an officer or coordinator can act
//! on. It never fails: it returns the list of problems, each naming the
//! field, so that the app can show them at the field and the server can
//! decide whether to accept the document.
//!
//! Errors make the server refuse a document (it goes to the quarantine);
//! warnings are shown to the user but do not stop a record. A possible
//! personal identity number in free text is a warning, not an error:
//! refusing the document would keep the text in the quarantine, which is
//! exactly what we want to avoid, so the app asks the user to remove it.

use uuid::Uuid;

use crate::domain::{Activity, Counts, Millis, Organisation};
use crate::domain::{
    ChecklistItem, Hotspot, Inspection, PatrolVisit, PromisePlan, SafetyProblem, Venue,
};
use crate::record::Record;

/// The longest free text kept in one field.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// The longest name, title or label.
pub const MAX_NAME_CHARS: usize = 200;
/// Most officers on one patrol visit or participants on one record.
pub const MAX_PARTICIPANTS: usize = 20;
/// A visit longer than this is almost surely a forgotten "end visit".
pub const LONGEST_PLAUSIBLE_VISIT_MS: Millis = 12 * 60 * 60 * 1000;
/// No visit or inspection lasts longer than a day: past this the end time
/// is wrong, and the record would inflate the delivered minutes.
pub const LONGEST_POSSIBLE_VISIT_MS: Millis = 24 * 60 * 60 * 1000;
/// How far ahead of the server's clock a record may start. A phone whose
/// clock is wrong by more gets its record refused with a word about the
/// clock, rather than counted in a period that has not begun.
pub const FUTURE_TOLERANCE_MS: Millis = 12 * 60 * 60 * 1000;
/// Records before 2000 or after 2100 come from a broken clock.
const EARLIEST_MS: Millis = 946_684_800_000;
const LATEST_MS: Millis = 4_102_444_800_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// On the wire (a refusal's `problems`) a kind is `{"code": ..}` with its
/// numbers or item in `detail`; the code is [`ProblemKind::code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(tag = "code", content = "detail", rename_all = "snake_case")]
pub enum ProblemKind {
    #[error("is required")]
    Required,
    #[error("ends before it starts; correct the end time")]
    EndBeforeStart,
    #[error("lasts more than 12 hours; was the visit ended?")]
    VeryLong,
    #[error("is not a plausible time (before 2000 or after 2100); check the phone's clock")]
    ImplausibleTime,
    #[error("names a hotspot the coordinators have not set up; pick one from the list")]
    UnknownHotspot,
    #[error("names a venue the coordinators have not set up; pick one from the list")]
    UnknownVenue,
    #[error("names an initiative that is not in the promise plan; pick one from the list")]
    UnknownInitiative,
    #[error("is too long: at most {max} characters")]
    TooLong { max: usize },
    #[error("must be between {min} and {max}")]
    OutOfRange { min: i64, max: i64 },
    #[error("is not a date; write it as YYYY-MM-DD")]
    BadDate,
    #[error("is not a time of day; write it as HH:MM")]
    BadTimeOfDay,
    #[error("has an unknown item {0:?}")]
    UnknownItem(String),
    #[error("comes after the period's end")]
    PeriodInverted,
    #[error("may contain a personal identity number; records must not hold one, remove it")]
    PersonalIdentityNumber,
    #[error("lasts more than 24 hours; correct the end time")]
    ImpossiblyLong,
    #[error("is in the future; check the phone's clock")]
    InFuture,
    #[error("names an initiative that counts other work; pick one for this kind of record")]
    WrongInitiative,
    #[error("names an officer who is not in the directory")]
    UnknownOfficer,
    #[error("gives an officer another organisation than the directory does")]
    WrongOrganisation,
    #[error("overlaps {MAX_OVERLAPPING_VISITS} or more of the officer's other visits; correct the times")]
    OverlapsOtherVisits,
    #[error("is one of more than {MAX_VISITS_PER_HOUR} visits the officer started within an hour; correct the times")]
    TooManyVisitsInAnHour,
}

impl ProblemKind {
    pub fn severity(&self) -> Severity {
        match self {
            ProblemKind::VeryLong | ProblemKind::PersonalIdentityNumber => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// A stable code for the wire and for the app's message catalogue.
    pub fn code(&self) -> &'static str {
        match self {
            ProblemKind::Required => "required",
            ProblemKind::EndBeforeStart => "end_before_start",
            ProblemKind::VeryLong => "very_long",
            ProblemKind::ImplausibleTime => "implausible_time",
            ProblemKind::UnknownHotspot => "unknown_hotspot",
            ProblemKind::UnknownVenue => "unknown_venue",
            ProblemKind::UnknownInitiative => "unknown_initiative",
            ProblemKind::TooLong { .. } => "too_long",
            ProblemKind::OutOfRange { .. } => "out_of_range",
            ProblemKind::BadDate => "bad_date",
            ProblemKind::BadTimeOfDay => "bad_time_of_day",
            ProblemKind::UnknownItem(_) => "unknown_item",
            ProblemKind::PeriodInverted => "period_inverted",
            ProblemKind::PersonalIdentityNumber => "personal_identity_number",
            ProblemKind::ImpossiblyLong => "impossibly_long",
            ProblemKind::InFuture => "in_future",
            ProblemKind::WrongInitiative => "wrong_initiative",
            ProblemKind::UnknownOfficer => "unknown_officer",
            ProblemKind::WrongOrganisation => "wrong_organisation",
            ProblemKind::OverlapsOtherVisits => "overlaps_other_visits",
            ProblemKind::TooManyVisitsInAnHour => "too_many_visits_in_an_hour",
        }
    }
}

/// One thing wrong with a record, at one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub kind: ProblemKind,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.field, self.kind)
    }
}

/// What validation needs to know of the world beyond the record: whether
/// an id names something the coordinators have set up, what an initiative
/// counts, which officers the directory holds, and the time. The server
/// answers from its tables and clock, the app from its local documents,
/// tests from sets.
pub trait References {
    fn has_hotspot(&self, id: Uuid) -> bool;
    fn has_venue(&self, id: Uuid) -> bool;
    /// What the initiative counts; none when the plan has no such initiative.
    fn initiative_counts(&self, id: Uuid) -> Option<Counts>;
    fn has_initiative(&self, id: Uuid) -> bool {
        self.initiative_counts(id).is_some()
    }
    /// The officer's organisation in the directory.
    fn officer(&self, id: Uuid) -> OfficerLookup;
    /// Now, for "is in the future"; none where that is not judged (the
    /// app judges by its own clock, which is the one that may be wrong).
    fn now(&self) -> Option<Millis> {
        None
    }
    /// Whether a place (hotspot or venue) and an initiative belong to the
    /// same municipality (`shared::municipality`); none where that is not
    /// known (the app; a place or initiative that is unknown anyway).
    fn same_municipality(&self, place: Uuid, initiative: Uuid) -> Option<bool> {
        let _ = (place, initiative);
        None
    }
    /// The record owner's other patrol visits near `[start, end)`; none
    /// where that is not judged (the app, which holds only its own).
    fn nearby_visits(&self, start: Millis, end: Millis) -> Option<NearbyVisits> {
        let _ = (start, end);
        None
    }
}

/// What one officer can add to the figures is bounded by what one person
/// can do: be on a few patrols at once at most (a visit forgotten while the
/// next starts), and start only so many in an hour. Past these a record is
/// refused (and kept in the quarantine): one device cannot inflate the
/// follow-up and the public figures with thousands of made-up visits.
pub const MAX_OVERLAPPING_VISITS: u32 = 3;
pub const MAX_VISITS_PER_HOUR: u32 = 12;
/// Overlaps shorter than this are clocks, not two places at once.
pub const OVERLAP_TOLERANCE_MS: Millis = 60_000;

/// The owner's other visits near a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NearbyVisits {
    /// Overlapping the visit by more than [`OVERLAP_TOLERANCE_MS`] (a visit
    /// without an end is an instant).
    pub overlapping: u32,
    /// Started within half an hour either side of its start.
    pub started_within_the_hour: u32,
}

const HALF_HOUR_MS: Millis = 30 * 60 * 1000;

impl NearbyVisits {
    /// The starts, exclusive at both ends, a store reads the owner's other
    /// visits from so that [`NearbyVisits::count`] sees every one that
    /// matters: a visit lasts at most a day, so an overlapping one started
    /// in the day before this one ends.
    pub fn window(start: Millis, end: Millis) -> (Millis, Millis) {
        (
            (end - LONGEST_POSSIBLE_VISIT_MS).min(start - HALF_HOUR_MS),
            (end - OVERLAP_TOLERANCE_MS).max(start + HALF_HOUR_MS),
        )
    }

    /// Counts the owner's other visits (start, end; no end while under
    /// way) near the visit `[start, end)`.
    pub fn count(
        start: Millis,
        end: Millis,
        others: impl IntoIterator<Item = (Millis, Option<Millis>)>,
    ) -> NearbyVisits {
        let mut near = NearbyVisits::default();
        for (s, e) in others {
            let e = e.unwrap_or(s);
            if s > end - LONGEST_POSSIBLE_VISIT_MS
                && s < end - OVERLAP_TOLERANCE_MS
                && e > start + OVERLAP_TOLERANCE_MS
            {
                near.overlapping += 1;
            }
            if s > start - HALF_HOUR_MS && s < start + HALF_HOUR_MS {
                near.started_within_the_hour += 1;
            }
        }
        near
    }
}

/// What the directory says of an officer named in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficerLookup {
    Known(Organisation),
    Unknown,
    /// The caller has no directory to ask (a phone before its first sync).
    NotChecked,
}

/// References held in memory.
#[derive(Debug, Default, Clone)]
pub struct KnownReferences {
    pub hotspots: std::collections::HashSet<Uuid>,
    pub venues: std::collections::HashSet<Uuid>,
    pub initiatives: std::collections::HashMap<Uuid, Counts>,
    /// The directory; none: officers are not checked.
    pub officers: Option<std::collections::HashMap<Uuid, Organisation>>,
    pub now: Option<Millis>,
    /// The answer to every `nearby_visits`; none: not judged.
    pub nearby: Option<NearbyVisits>,
}

impl References for KnownReferences {
    fn has_hotspot(&self, id: Uuid) -> bool {
        self.hotspots.contains(&id)
    }
    fn has_venue(&self, id: Uuid) -> bool {
        self.venues.contains(&id)
    }
    fn initiative_counts(&self, id: Uuid) -> Option<Counts> {
        self.initiatives.get(&id).copied()
    }
    fn officer(&self, id: Uuid) -> OfficerLookup {
        match &self.officers {
            None => OfficerLookup::NotChecked,
            Some(o) => o
                .get(&id)
                .map_or(OfficerLookup::Unknown, |org| OfficerLookup::Known(*org)),
        }
    }
    fn now(&self) -> Option<Millis> {
        self.now
    }
    fn nearby_visits(&self, _start: Millis, _end: Millis) -> Option<NearbyVisits> {
        self.nearby
    }
}

/// All problems of a record; empty when it is fine.
pub fn validate(record: &Record, refs: &dyn References) -> Vec<Problem> {
    let mut v = Checker::default();
    match record {
        Record::Hotspot(h) => v.hotspot(h, refs),
        Record::Venue(x) => v.venue(x),
        Record::PromisePlan(p) => v.plan(p),
        Record::Directory(d) => {
            for o in &d.officers {
                v.name("officers.name", &o.name);
            }
        }
        Record::PatrolVisit(x) => v.visit(x, refs),
        Record::Inspection(x) => v.inspection(x, refs),
        Record::Activity(x) => v.activity(x, refs),
    }
    v.problems
}

/// Only the problems that make the server refuse the record.
pub fn errors(problems: &[Problem]) -> impl Iterator<Item = &Problem> {
    problems
        .iter()
        .filter(|p| p.kind.severity() == Severity::Error)
}

#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn push(&mut self, field: &'static str, kind: ProblemKind) {
        self.problems.push(Problem { field, kind });
    }

    fn name(&mut self, field: &'static str, s: &str) {
        if s.trim().is_empty() {
            self.push(field, ProblemKind::Required);
        } else if s.chars().count() > MAX_NAME_CHARS {
            self.push(
                field,
                ProblemKind::TooLong {
                    max: MAX_NAME_CHARS,
                },
            );
        }
    }

    fn free_text(&mut self, field: &'static str, s: &str) {
        if s.chars().count() > MAX_TEXT_CHARS {
            self.push(
                field,
                ProblemKind::TooLong {
                    max: MAX_TEXT_CHARS,
                },
            );
        }
        if contains_personal_identity_number(s) {
            self.push(field, ProblemKind::PersonalIdentityNumber);
        }
    }

    fn range(&mut self, field: &'static str, value: i64, min: i64, max: i64) {
        if value < min || value > max {
            self.push(field, ProblemKind::OutOfRange { min, max });
        }
    }

    fn date(&mut self, field: &'static str, s: &str) -> Option<time::Date> {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        match time::Date::parse(s, &fmt) {
            Ok(d) => Some(d),
            Err(_) => {
                self.push(field, ProblemKind::BadDate);
                None
            }
        }
    }

    fn time_of_day(&mut self, field: &'static str, s: &str) {
        let fmt = time::macros::format_description!("[hour]:[minute]");
        if time::Time::parse(s, &fmt).is_err() {
            self.push(field, ProblemKind::BadTimeOfDay);
        }
    }

    fn instant(&mut self, field: &'static str, t: Millis) {
        if !(EARLIEST_MS..=LATEST_MS).contains(&t) {
            self.push(field, ProblemKind::ImplausibleTime);
        }
    }

    fn span(&mut self, start: Millis, end: Option<Millis>, refs: &dyn References) {
        self.instant("started_at", start);
        if refs
            .now()
            .is_some_and(|now| start > now + FUTURE_TOLERANCE_MS)
        {
            self.push("started_at", ProblemKind::InFuture);
        }
        if let Some(end) = end {
            self.instant("ended_at", end);
            if end < start {
                self.push("ended_at", ProblemKind::EndBeforeStart);
            } else if end - start > LONGEST_POSSIBLE_VISIT_MS {
                self.push("ended_at", ProblemKind::ImpossiblyLong);
            } else if end - start > LONGEST_PLAUSIBLE_VISIT_MS {
                self.push("ended_at", ProblemKind::VeryLong);
            }
        }
    }

    /// The record's initiative exists and counts this kind of record.
    fn initiative(&mut self, id: Uuid, counts: Counts, refs: &dyn References) {
        match refs.initiative_counts(id) {
            None => self.push("initiative_id", ProblemKind::UnknownInitiative),
            Some(c) if c != counts => self.push("initiative_id", ProblemKind::WrongInitiative),
            Some(_) => {}
        }
    }

    /// A record at a place counts toward an initiative of the place's own
    /// municipality's plan, never another's (whose figures it would join).
    fn same_municipality(&mut self, place: Uuid, initiative: Uuid, refs: &dyn References) {
        if refs.same_municipality(place, initiative) == Some(false) {
            self.push("initiative_id", ProblemKind::WrongInitiative);
        }
    }

    /// Every participant is in the directory, with the organisation the
    /// directory gives them when the record states one.
    fn named_officers(
        &mut self,
        named: impl IntoIterator<Item = (Uuid, Option<Organisation>)>,
        refs: &dyn References,
    ) {
        for (id, stated) in named {
            match refs.officer(id) {
                OfficerLookup::Unknown => {
                    self.push("participants", ProblemKind::UnknownOfficer);
                    return;
                }
                OfficerLookup::Known(org) if stated.is_some_and(|s| s != org) => {
                    self.push("participants", ProblemKind::WrongOrganisation);
                    return;
                }
                _ => {}
            }
        }
    }

    fn participants(&mut self, n: usize) {
        if n > MAX_PARTICIPANTS {
            self.push(
                "participants",
                ProblemKind::OutOfRange {
                    min: 0,
                    max: MAX_PARTICIPANTS as i64,
                },
            );
        }
    }

    fn hotspot(&mut self, h: &Hotspot, refs: &dyn References) {
        self.name("name", &h.name);
        if !(-90.0..=90.0).contains(&h.centre.lat) || !(-180.0..=180.0).contains(&h.centre.lon) {
            self.push(
                "centre",
                ProblemKind::OutOfRange {
                    min: -180,
                    max: 180,
                },
            );
        }
        self.range("radius_m", h.radius_m as i64, 10, 5_000);
        self.range(
            "dosage.visits_per_week",
            h.dosage.visits_per_week as i64,
            0,
            1_000,
        );
        self.range(
            "dosage.minutes_per_week",
            h.dosage.minutes_per_week as i64,
            0,
            10_080,
        );
        let from = self.date("active_from", &h.active_from);
        if let Some(to) = &h.active_to {
            if let (Some(from), Some(to)) = (from, self.date("active_to", to)) {
                if to < from {
                    self.push("active_to", ProblemKind::PeriodInverted);
                }
            }
        }
        if !refs.has_initiative(h.initiative_id) {
            self.push("initiative_id", ProblemKind::UnknownInitiative);
        }
    }

    fn venue(&mut self, v: &Venue) {
        self.name("name", &v.name);
        self.name("licensee", &v.licensee);
        self.time_of_day("serving_hours.opens", &v.serving_hours.opens);
        self.time_of_day("serving_hours.closes", &v.serving_hours.closes);
    }

    fn plan(&mut self, p: &PromisePlan) {
        self.name("municipality", &p.municipality);
        let start = self.date("period_start", &p.period_start);
        let end = self.date("period_end", &p.period_end);
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                self.push("period_end", ProblemKind::PeriodInverted);
            }
        }
        for f in &p.focus_areas {
            self.name("focus_areas.name", &f.name);
            for i in &f.initiatives {
                self.name("initiatives.title", &i.title);
                if let Some(t) = &i.target {
                    self.name("initiatives.target.unit", &t.unit);
                    self.range(
                        "initiatives.target.at_least",
                        t.at_least as i64,
                        1,
                        1_000_000,
                    );
                }
            }
        }
    }

    fn visit(&mut self, v: &PatrolVisit, refs: &dyn References) {
        if !refs.has_hotspot(v.hotspot_id) {
            self.push("hotspot_id", ProblemKind::UnknownHotspot);
        }
        self.initiative(v.initiative_id, Counts::PatrolVisits, refs);
        self.same_municipality(v.hotspot_id, v.initiative_id, refs);
        self.span(v.started_at, v.ended_at, refs);
        let end = v.ended_at.unwrap_or(v.started_at).max(v.started_at);
        if let Some(near) = refs.nearby_visits(v.started_at, end) {
            if near.overlapping >= MAX_OVERLAPPING_VISITS {
                self.push("started_at", ProblemKind::OverlapsOtherVisits);
            }
            if near.started_within_the_hour >= MAX_VISITS_PER_HOUR {
                self.push("started_at", ProblemKind::TooManyVisitsInAnHour);
            }
        }
        self.range(
            "officers_count",
            v.officers_count as i64,
            1,
            MAX_PARTICIPANTS as i64,
        );
        self.participants(v.participants.len());
        self.named_officers(v.participants.iter().map(|p| (*p, None)), refs);
        self.range("contacts", v.contacts.value(), 0, 10_000);
        self.range("interventions", v.interventions.value(), 0, 10_000);
        for tag in v.problems.keys() {
            if SafetyProblem::from_key(tag).is_none() {
                self.push("problems", ProblemKind::UnknownItem(tag.clone()));
            }
        }
        self.free_text("notes", v.notes.as_str());
    }

    fn inspection(&mut self, i: &Inspection, refs: &dyn References) {
        if !refs.has_venue(i.venue_id) {
            self.push("venue_id", ProblemKind::UnknownVenue);
        }
        self.initiative(i.initiative_id, Counts::Inspections, refs);
        self.same_municipality(i.venue_id, i.initiative_id, refs);
        self.span(i.started_at, i.ended_at, refs);
        self.participants(i.participants.len());
        self.named_officers(
            i.participants
                .iter()
                .map(|p| (p.officer_id, Some(p.organisation))),
            refs,
        );
        for (key, entry) in &i.checklist {
            if ChecklistItem::from_key(key).is_none() {
                self.push("checklist", ProblemKind::UnknownItem(key.clone()));
            }
            self.free_text("checklist.comment", entry.comment.as_str());
        }
        self.free_text("findings", i.findings.as_str());
    }

    fn activity(&mut self, a: &Activity, refs: &dyn References) {
        self.initiative(a.initiative_id, Counts::Activities, refs);
        if let Some(date) = self.date("date", &a.date) {
            // By the local calendar: a phone a few hours ahead in the
            // evening dates its activity tomorrow, which is fine.
            if refs.now().is_some_and(|now| {
                date > crate::local_time::to_local(now + FUTURE_TOLERANCE_MS).date()
            }) {
                self.push("date", ProblemKind::InFuture);
            }
        }
        self.range("people_reached", a.people_reached as i64, 0, 1_000_000);
        self.participants(a.participants.len());
        self.named_officers(a.participants.iter().map(|p| (*p, None)), refs);
        self.free_text("notes", a.notes.as_str());
    }
}

/// Whether text holds something shaped like a Swedish personal identity
/// number (personnummer or samordningsnummer): `YYMMDD-NNNN`, `YYMMDDNNNN`
/// or with a four-digit year, whose last digit passes the Luhn check. The
/// check keeps phone numbers and times from raising false alarms most of
/// the time; the cost of a false alarm is only a warning.
pub fn contains_personal_identity_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        // Collect a run of digits with at most one '-' or '+' inside.
        let mut digits = Vec::with_capacity(12);
        let mut j = i;
        let mut separators = 0;
        while j < bytes.len() {
            let c = bytes[j];
            if c.is_ascii_digit() {
                digits.push(c - b'0');
            } else if (c == b'-' || c == b'+')
                && separators == 0
                && j + 1 < bytes.len()
                && bytes[j + 1].is_ascii_digit()
            {
                separators += 1;
            } else {
                break;
            }
            j += 1;
        }
        let ten = match digits.len() {
            10 => Some(&digits[..]),
            12 => Some(&digits[2..]),
            _ => None,
        };
        if let Some(d) = ten {
            let month = d[2] * 10 + d[3];
            let day = (d[4] * 10 + d[5]) % 60; // samordningsnummer add 60 to the day
            if (1..=12).contains(&month) && (1..=31).contains(&day) && luhn_ok(d) {
                return true;
            }
        }
        i = j.max(i + 1);
    }
    false
}

fn luhn_ok(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(k, &x)| {
            let v = if k % 2 == 0 { x as u32 * 2 } else { x as u32 };
            if v > 9 {
                v - 9
            } else {
                v
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;

    fn refs_with(v: &PatrolVisit) -> KnownReferences {
        let mut r = KnownReferences::default();
        r.hotspots.insert(v.hotspot_id);
        r.initiatives.insert(v.initiative_id, Counts::PatrolVisits);
        r
    }

    fn visit() -> PatrolVisit {
        PatrolVisit::new(Uuid::new_v4(), Uuid::new_v4(), 1_732_000_000_000)
    }

    #[test]
    fn a_complete_visit_has_no_problems() {
        let mut v = visit();
        v.ended_at = Some(v.started_at + 12 * 60_000);
        let refs = refs_with(&v);
        assert_eq!(validate(&Record::PatrolVisit(v), &refs), vec![]);
    }

    #[test]
    fn end_before_start_is_an_error_at_the_end_field() {
        let mut v = visit();
        v.ended_at = Some(v.started_at - 1);
        let refs = refs_with(&v);
        let p = validate(&Record::PatrolVisit(v), &refs);
        assert_eq!(
            p,
            vec![Problem {
                field: "ended_at",
                kind: ProblemKind::EndBeforeStart
            }]
        );
        assert_eq!(
            p[0].to_string(),
            "ended_at ends before it starts; correct the end time"
        );
        assert_eq!(errors(&p).count(), 1);
    }

    #[test]
    fn unknown_hotspot_and_initiative_are_errors() {
        let v = visit();
        let p = validate(&Record::PatrolVisit(v), &KnownReferences::default());
        let kinds: Vec<_> = p.iter().map(|p| p.kind.code()).collect();
        assert_eq!(kinds, vec!["unknown_hotspot", "unknown_initiative"]);
    }

    #[test]
    fn a_long_visit_and_an_id_number_are_warnings_only() {
        let mut v = visit();
        v.ended_at = Some(v.started_at + 13 * 3_600_000);
        v.notes = "Pratade med 811228-9874 vid kiosken".into();
        let refs = refs_with(&v);
        let p = validate(&Record::PatrolVisit(v), &refs);
        assert_eq!(p.len(), 2);
        assert_eq!(errors(&p).count(), 0);
    }

    #[test]
    fn bounded_counts_and_strings() {
        let mut v = visit();
        v.officers_count = 0;
        v.notes = "x".repeat(MAX_TEXT_CHARS + 1).into();
        v.problems.insert("aliens".into(), true);
        let refs = refs_with(&v);
        let codes: Vec<_> = validate(&Record::PatrolVisit(v), &refs)
            .iter()
            .map(|p| p.kind.code())
            .collect();
        assert_eq!(codes, vec!["out_of_range", "unknown_item", "too_long"]);
    }

    #[test]
    fn a_visit_of_more_than_a_day_or_in_the_future_is_refused() {
        let mut v = visit();
        v.ended_at = Some(v.started_at + 30 * 3_600_000);
        let mut refs = refs_with(&v);
        let codes = |v: &PatrolVisit, refs: &KnownReferences| -> Vec<&'static str> {
            errors(&validate(&Record::PatrolVisit(v.clone()), refs))
                .map(|p| p.kind.code())
                .collect()
        };
        assert_eq!(codes(&v, &refs), vec!["impossibly_long"]);
        v.ended_at = Some(v.started_at + 15 * 60_000);
        refs.now = Some(v.started_at - 13 * 3_600_000);
        assert_eq!(codes(&v, &refs), vec!["in_future"]);
        refs.now = Some(v.started_at - 11 * 3_600_000);
        assert!(
            codes(&v, &refs).is_empty(),
            "a clock a few hours off is fine"
        );
    }

    #[test]
    fn an_activity_dated_tomorrow_by_a_clock_ahead_is_fine_the_day_after_is_not() {
        // 2026-06-10 22:30 in Stockholm (20:30 UTC, summer time).
        let now = 1_781_123_400_000;
        assert_eq!(crate::local_time::format_date_time(now), "2026-06-10 22:30");
        let initiative = Uuid::new_v4();
        let mut refs = KnownReferences::default();
        refs.initiatives.insert(initiative, Counts::Activities);
        refs.now = Some(now);
        let on = |date: &str| {
            validate(
                &Record::Activity(Activity {
                    initiative_id: initiative,
                    date: date.into(),
                    kind: ActivityKind::SchoolVisit,
                    people_reached: 10,
                    participants: vec![],
                    notes: Default::default(),
                    draft: false,
                    discarded_at: None,
                }),
                &refs,
            )
            .iter()
            .map(|p| p.kind.code())
            .collect::<Vec<_>>()
        };
        assert!(on("2026-06-11").is_empty());
        assert_eq!(on("2026-06-12"), vec!["in_future"]);
    }

    #[test]
    fn the_initiative_must_count_this_kind_of_record() {
        let mut v = visit();
        v.ended_at = Some(v.started_at + 12 * 60_000);
        let mut refs = refs_with(&v);
        refs.initiatives
            .insert(v.initiative_id, Counts::Inspections);
        let p = validate(&Record::PatrolVisit(v), &refs);
        assert_eq!(
            p,
            vec![Problem {
                field: "initiative_id",
                kind: ProblemKind::WrongInitiative
            }]
        );
    }

    #[test]
    fn participants_are_officers_of_the_directory_with_their_organisation() {
        let (police, municipal, stranger) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let i = Inspection::new(Uuid::new_v4(), Uuid::new_v4(), 1_732_000_000_000);
        let mut refs = KnownReferences::default();
        refs.venues.insert(i.venue_id);
        refs.initiatives
            .insert(i.initiative_id, Counts::Inspections);
        refs.officers = Some(
            [
                (police, Organisation::Police),
                (municipal, Organisation::Municipality),
            ]
            .into(),
        );
        let with = |who: Vec<(Uuid, Organisation)>| {
            let mut i = i.clone();
            i.participants = who
                .into_iter()
                .map(|(officer_id, organisation)| Participant {
                    officer_id,
                    organisation,
                })
                .collect();
            validate(&Record::Inspection(i), &refs)
                .iter()
                .map(|p| p.kind.code())
                .collect::<Vec<_>>()
        };
        assert!(with(vec![
            (police, Organisation::Police),
            (municipal, Organisation::Municipality)
        ])
        .is_empty());
        assert_eq!(
            with(vec![(municipal, Organisation::Police)]),
            vec!["wrong_organisation"]
        );
        assert_eq!(
            with(vec![(stranger, Organisation::Police)]),
            vec!["unknown_officer"]
        );
    }

    #[test]
    fn personal_identity_numbers_are_recognised_but_not_phone_numbers() {
        assert!(contains_personal_identity_number("pnr 811228-9874."));
        assert!(contains_personal_identity_number("19811228-9874"));
        assert!(contains_personal_identity_number("8112289874"));
        assert!(!contains_personal_identity_number("ring 0701234567"));
        assert!(!contains_personal_identity_number(
            "kl 22:15-22:30, 3 kontakter"
        ));
        assert!(!contains_personal_identity_number("811228-9875"));
    }

    #[test]
    fn venue_times_and_plan_dates_are_checked() {
        let venue = Venue {
            name: "".into(),
            licensee: "AB".into(),
            serving_hours: ServingHours {
                opens: "25:00".into(),
                closes: "01:00".into(),
            },
            conditions: Default::default(),
            risk: RiskLevel::Low,
            demo: false,
            municipality_id: None,
        };
        let codes: Vec<_> = validate(&Record::Venue(venue), &KnownReferences::default())
            .iter()
            .map(|p| (p.field, p.kind.code()))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("name", "required"),
                ("serving_hours.opens", "bad_time_of_day")
            ]
        );
    }

    #[test]
    fn one_officer_cannot_be_on_many_patrols_at_once_or_start_too_many_in_an_hour() {
        let mut v = visit();
        v.ended_at = Some(v.started_at + 15 * 60_000);
        let mut refs = refs_with(&v);
        let judged = |refs: &KnownReferences| -> Vec<&'static str> {
            validate(&Record::PatrolVisit(v.clone()), refs)
                .iter()
                .map(|p| p.kind.code())
                .collect()
        };
        refs.nearby = Some(NearbyVisits {
            overlapping: MAX_OVERLAPPING_VISITS - 1,
            started_within_the_hour: MAX_VISITS_PER_HOUR - 1,
        });
        assert_eq!(judged(&refs), Vec::<&str>::new());
        refs.nearby = Some(NearbyVisits {
            overlapping: MAX_OVERLAPPING_VISITS,
            started_within_the_hour: MAX_VISITS_PER_HOUR,
        });
        assert_eq!(
            judged(&refs),
            vec!["overlaps_other_visits", "too_many_visits_in_an_hour"]
        );
        let problems = validate(&Record::PatrolVisit(v.clone()), &refs);
        assert_eq!(errors(&problems).count(), 2, "both refuse the record");
    }

    #[test]
    fn a_problem_on_the_wire_carries_its_code() {
        for kind in [
            ProblemKind::InFuture,
            ProblemKind::TooLong { max: 200 },
            ProblemKind::OutOfRange { min: 1, max: 20 },
            ProblemKind::UnknownItem("x".into()),
            ProblemKind::OverlapsOtherVisits,
            ProblemKind::TooManyVisitsInAnHour,
            ProblemKind::PersonalIdentityNumber,
            ProblemKind::BadTimeOfDay,
        ] {
            let json = serde_json::to_value(&kind).expect("json");
            assert_eq!(json["code"], kind.code(), "{json}");
            let back: ProblemKind = serde_json::from_value(json).expect("back");
            assert_eq!(back, kind);
        }
        // The words say the limits' numbers.
        assert_eq!((MAX_OVERLAPPING_VISITS, MAX_VISITS_PER_HOUR), (3, 12));
    }

    #[test]
    fn nearby_visits_are_counted_by_overlap_beyond_a_minute_and_by_start_within_the_hour() {
        let min = 60_000;
        let (start, end) = (1_000 * min, 1_020 * min);
        let near = |others: &[(Millis, Option<Millis>)]| {
            NearbyVisits::count(start, end, others.iter().copied())
        };
        // Overlapping by ten minutes, and started within the hour.
        assert_eq!(
            near(&[(1_010 * min, Some(1_030 * min))]),
            NearbyVisits {
                overlapping: 1,
                started_within_the_hour: 1
            }
        );
        // Ending within a minute of the start is a clock, not an overlap.
        assert_eq!(
            near(&[(990 * min, Some(1_000 * min + 30_000))]).overlapping,
            0
        );
        // A visit under way counts as an instant: inside, it overlaps.
        assert_eq!(near(&[(1_010 * min, None)]).overlapping, 1);
        assert_eq!(near(&[(980 * min, None)]).overlapping, 0);
        // Started 40 minutes before: not within the half hour either side.
        assert_eq!(
            near(&[(960 * min, Some(965 * min))]).started_within_the_hour,
            0
        );
        // Every start the count can use lies inside the window.
        let (lo, hi) = NearbyVisits::window(start, end);
        for s in [
            end - LONGEST_POSSIBLE_VISIT_MS + 1,
            start - 29 * min,
            end - min - 1,
        ] {
            assert!(lo < s && s < hi, "{s}");
        }
    }
}
