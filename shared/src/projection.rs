//! The follow-up projection: a record, read from its document, turned into
//! the plain rows the server keeps in relational tables for the
//! coordinators' follow-up. Pure, so that a rebuild from the documents gives
//! exactly the rows that incremental updates gave.
//!
//! Rows hold counts, categories, ids and times only: free text stays in the
//! document, where reading it is an access that gets logged.

use crate::domain::{Answer, ChecklistItem, Millis, Organisation};
use crate::ids::{DocId, MunicipalityId, OfficerId};
use crate::lifecycle::RecordState;
use crate::record::Record;

/// A visit of 10 to 16 minutes is in the window the evidence favours
/// (Koper 1995: about 10 minutes deters, gains fall off after 15).
pub const DOSAGE_WINDOW_S: std::ops::RangeInclusive<i64> = 600..=960;

/// What the server itself knows about a document, outside its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerMeta {
    pub doc_id: DocId,
    pub owner: Option<OfficerId>,
    /// When the server first received the document, by the server's clock.
    pub first_received_at: Millis,
    /// The municipality it belongs to (`municipality::of_record`), decided
    /// by the shell, which knows the places; every row carries it, so that
    /// a municipality's pages select their rows by it.
    pub municipality: Option<MunicipalityId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HotspotRow {
    pub id: DocId,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub radius_m: i64,
    pub visits_per_week: i64,
    pub minutes_per_week: i64,
    pub initiative_id: uuid::Uuid,
    pub active_from: String,
    pub active_to: Option<String>,
    pub demo: bool,
    pub municipality: Option<MunicipalityId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VenueRow {
    pub id: DocId,
    pub name: String,
    pub licensee: String,
    pub opens: String,
    pub closes: String,
    pub security_staff_required: bool,
    pub late_hours: bool,
    pub dancing: bool,
    pub outdoor_area: bool,
    pub risk: &'static str,
    pub demo: bool,
    pub municipality: Option<MunicipalityId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FocusAreaRow {
    pub id: uuid::Uuid,
    pub plan_id: DocId,
    pub name: String,
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InitiativeRow {
    pub id: uuid::Uuid,
    pub plan_id: DocId,
    pub focus_area_id: uuid::Uuid,
    pub title: String,
    pub owner: &'static str,
    pub target_at_least: Option<i64>,
    pub target_unit: Option<String>,
    pub target_per: Option<&'static str>,
    pub counts: &'static str,
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    pub id: DocId,
    pub municipality: String,
    pub period_start: String,
    pub period_end: String,
    pub demo: bool,
    /// The municipality the plan names (`municipality` is the name the
    /// plan itself prints).
    pub municipality_id: Option<MunicipalityId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VisitRow {
    pub doc_id: DocId,
    pub hotspot_id: uuid::Uuid,
    pub initiative_id: uuid::Uuid,
    pub owner: Option<OfficerId>,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    pub duration_s: Option<i64>,
    pub in_dosage_window: Option<bool>,
    pub officers_count: i64,
    pub contacts: i64,
    pub interventions: i64,
    /// Comma-separated `SafetyProblem` keys, sorted.
    pub problems: String,
    pub inside_at_start: Option<bool>,
    pub inside_at_end: Option<bool>,
    pub received_at: Millis,
    pub municipality: Option<MunicipalityId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InspectionRow {
    pub doc_id: DocId,
    pub venue_id: uuid::Uuid,
    pub initiative_id: uuid::Uuid,
    pub owner: Option<OfficerId>,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    pub follow_up: &'static str,
    pub remarks: i64,
    pub police_participants: i64,
    pub municipal_participants: i64,
    pub received_at: Millis,
    pub municipality: Option<MunicipalityId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FindingRow {
    pub doc_id: DocId,
    pub item: String,
    pub answer: &'static str,
    pub has_comment: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActivityRow {
    pub doc_id: DocId,
    pub initiative_id: uuid::Uuid,
    pub owner: Option<OfficerId>,
    pub date: String,
    pub kind: &'static str,
    pub people_reached: i64,
    pub received_at: Millis,
    pub municipality: Option<MunicipalityId>,
}

/// A field record that does not count (a draft or a discarded record,
/// `lifecycle`): one row, so that coordinators see it in the timeline,
/// and nothing in the tables the figures are counted from.
#[derive(Debug, Clone, PartialEq)]
pub struct UncountedRow {
    pub doc_id: DocId,
    pub kind: crate::DocKind,
    pub state: RecordState,
    /// When it happened (an activity: the start of its day).
    pub at: Millis,
    pub initiative_id: uuid::Uuid,
    /// The hotspot or venue; none for an activity.
    pub place_id: Option<uuid::Uuid>,
    pub owner: Option<OfficerId>,
    pub received_at: Millis,
    pub municipality: Option<MunicipalityId>,
}

/// The rows one document contributes to the follow-up tables.
#[derive(Debug, Clone, PartialEq)]
pub enum Projection {
    Hotspot(HotspotRow),
    Venue(VenueRow),
    Plan {
        plan: PlanRow,
        focus_areas: Vec<FocusAreaRow>,
        initiatives: Vec<InitiativeRow>,
    },
    Visit(VisitRow),
    Inspection {
        row: InspectionRow,
        findings: Vec<FindingRow>,
    },
    Activity(ActivityRow),
    /// A field record that does not count.
    Uncounted(UncountedRow),
    /// Documents with no follow-up rows (the directory).
    Nothing,
}

pub fn project(meta: &ServerMeta, record: &Record) -> Projection {
    let id = meta.doc_id;
    if let Some(state) = record.state().filter(|s| !s.counts()) {
        return Projection::Uncounted(uncounted(meta, record, state));
    }
    match record {
        Record::Hotspot(h) => Projection::Hotspot(HotspotRow {
            id,
            name: h.name.clone(),
            lat: h.centre.lat,
            lon: h.centre.lon,
            radius_m: h.radius_m as i64,
            visits_per_week: h.dosage.visits_per_week as i64,
            minutes_per_week: h.dosage.minutes_per_week as i64,
            initiative_id: h.initiative_id,
            active_from: h.active_from.clone(),
            active_to: h.active_to.clone(),
            demo: h.demo,
            municipality: meta.municipality,
        }),
        Record::Venue(v) => Projection::Venue(VenueRow {
            id,
            name: v.name.clone(),
            licensee: v.licensee.clone(),
            opens: v.serving_hours.opens.clone(),
            closes: v.serving_hours.closes.clone(),
            security_staff_required: v.conditions.security_staff_required,
            late_hours: v.conditions.late_hours,
            dancing: v.conditions.dancing,
            outdoor_area: v.conditions.outdoor_area,
            risk: v.risk.as_str(),
            demo: v.demo,
            municipality: meta.municipality,
        }),
        Record::Directory(_) => Projection::Nothing,
        Record::PromisePlan(p) => {
            let mut focus_areas = Vec::new();
            let mut initiatives = Vec::new();
            for (fpos, f) in p.focus_areas.iter().enumerate() {
                focus_areas.push(FocusAreaRow {
                    id: f.id,
                    plan_id: id,
                    name: f.name.clone(),
                    position: fpos as i64,
                });
                for (ipos, i) in f.initiatives.iter().enumerate() {
                    initiatives.push(InitiativeRow {
                        id: i.id,
                        plan_id: id,
                        focus_area_id: f.id,
                        title: i.title.clone(),
                        owner: i.owner.as_str(),
                        target_at_least: i.target.as_ref().map(|t| t.at_least as i64),
                        target_unit: i.target.as_ref().map(|t| t.unit.clone()),
                        target_per: i.target.as_ref().map(|t| t.per.as_str()),
                        counts: i.counts.as_str(),
                        position: ipos as i64,
                    });
                }
            }
            Projection::Plan {
                plan: PlanRow {
                    id,
                    municipality: p.municipality.clone(),
                    period_start: p.period_start.clone(),
                    period_end: p.period_end.clone(),
                    demo: p.demo,
                    municipality_id: meta.municipality,
                },
                focus_areas,
                initiatives,
            }
        }
        Record::PatrolVisit(v) => {
            let duration_s = v.duration_s();
            Projection::Visit(VisitRow {
                doc_id: id,
                hotspot_id: v.hotspot_id,
                initiative_id: v.initiative_id,
                owner: meta.owner,
                started_at: v.started_at,
                ended_at: v.ended_at,
                duration_s,
                in_dosage_window: duration_s.map(|d| DOSAGE_WINDOW_S.contains(&d)),
                officers_count: v.officers_count as i64,
                contacts: v.contacts.value(),
                interventions: v.interventions.value(),
                problems: v.problem_tags().join(","),
                inside_at_start: v.area_check.at_start,
                inside_at_end: v.area_check.at_end,
                received_at: meta.first_received_at,
                municipality: meta.municipality,
            })
        }
        Record::Inspection(i) => {
            let findings: Vec<FindingRow> = i
                .checklist
                .iter()
                .filter(|(k, _)| ChecklistItem::from_key(k).is_some())
                .map(|(k, e)| FindingRow {
                    doc_id: id,
                    item: k.clone(),
                    answer: e.answer.as_str(),
                    has_comment: !e.comment.as_str().trim().is_empty(),
                })
                .collect();
            let count = |o| {
                i.participants
                    .iter()
                    .filter(|p| p.organisation == o)
                    .count() as i64
            };
            Projection::Inspection {
                row: InspectionRow {
                    doc_id: id,
                    venue_id: i.venue_id,
                    initiative_id: i.initiative_id,
                    owner: meta.owner,
                    started_at: i.started_at,
                    ended_at: i.ended_at,
                    follow_up: i.follow_up.as_str(),
                    remarks: i
                        .checklist
                        .values()
                        .filter(|e| e.answer == Answer::Remark)
                        .count() as i64,
                    police_participants: count(Organisation::Police),
                    municipal_participants: count(Organisation::Municipality),
                    received_at: meta.first_received_at,
                    municipality: meta.municipality,
                },
                findings,
            }
        }
        Record::Activity(a) => Projection::Activity(ActivityRow {
            doc_id: id,
            initiative_id: a.initiative_id,
            owner: meta.owner,
            date: a.date.clone(),
            kind: a.kind.as_str(),
            people_reached: a.people_reached as i64,
            received_at: meta.first_received_at,
            municipality: meta.municipality,
        }),
    }
}

fn uncounted(meta: &ServerMeta, record: &Record, state: RecordState) -> UncountedRow {
    let (at, initiative_id, place_id) = match record {
        Record::PatrolVisit(v) => (v.started_at, v.initiative_id, Some(v.hotspot_id)),
        Record::Inspection(i) => (i.started_at, i.initiative_id, Some(i.venue_id)),
        Record::Activity(a) => (
            crate::local_time::day_of_date(&a.date)
                .map(|d| crate::local_time::day_bounds(d).0)
                .unwrap_or(0),
            a.initiative_id,
            None,
        ),
        // Reference data has no state; `project` never asks.
        _ => (0, uuid::Uuid::nil(), None),
    };
    UncountedRow {
        doc_id: meta.doc_id,
        kind: record.kind(),
        state,
        at,
        initiative_id,
        place_id,
        owner: meta.owner,
        received_at: meta.first_received_at,
        municipality: meta.municipality,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PatrolVisit;

    #[test]
    fn drafts_and_discarded_records_leave_only_an_uncounted_row() {
        let meta = ServerMeta {
            doc_id: DocId::random(),
            owner: None,
            first_received_at: 5,
            municipality: None,
        };
        let mut v = PatrolVisit::new(uuid::Uuid::nil(), uuid::Uuid::nil(), 1_000);
        let state_of = |v: &PatrolVisit| match project(&meta, &Record::PatrolVisit(v.clone())) {
            Projection::Uncounted(u) => Some(u.state),
            Projection::Visit(_) => None,
            other => panic!("{other:?}"),
        };
        assert_eq!(state_of(&v), Some(RecordState::Draft));
        v.ended_at = Some(700_000);
        assert_eq!(state_of(&v), None, "a finished visit counts");
        v.discarded_at = Some(800_000);
        assert_eq!(state_of(&v), Some(RecordState::Discarded));
    }

    #[test]
    fn visit_row_marks_the_dosage_window() {
        let meta = ServerMeta {
            doc_id: DocId::random(),
            owner: None,
            first_received_at: 5,
            municipality: None,
        };
        let mut v = PatrolVisit::new(uuid::Uuid::nil(), uuid::Uuid::nil(), 0);
        for (minutes, inside) in [(9, false), (10, true), (16, true), (17, false)] {
            v.ended_at = Some(minutes * 60_000);
            let Projection::Visit(row) = project(&meta, &Record::PatrolVisit(v.clone())) else {
                panic!("not a visit row")
            };
            assert_eq!(row.in_dosage_window, Some(inside), "{minutes} min");
            assert_eq!(row.received_at, 5);
        }
    }
}
