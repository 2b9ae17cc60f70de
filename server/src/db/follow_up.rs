//! The figures of the follow-up for a period, read from the follow-up
//! tables: delivered output per initiative against its prorated target,
//! patrol dosage per hotspot per week, inspections against the plan, and
//! open follow-ups. The rules (periods, proration, weeks, the inspection
//! order) are `shared::follow_up`'s; this file only reads rows.

use std::collections::HashMap;

use crate::db::sql::{params, Connection, OptionalExtension};
use shared::domain::{
    Answer, ChecklistItem, Counts, FollowUp as FollowUpKind, OutputTarget, Owner, RiskLevel,
    TargetPeriod,
};
use shared::follow_up::{
    dosage_by_week, hotspot_active, open_follow_ups, plan_in_force, plan_months, target_in,
    DateSpan, InspectionFact, Period, Progress, VisitFact, WeekDosage,
};

use shared::MunicipalityId;

use crate::error::Error;

#[derive(Debug, Clone)]
pub struct FollowUp {
    pub period: Period,
    pub municipality: String,
    pub plan_period: Option<(String, String)>,
    pub focus_areas: Vec<FocusAreaFigures>,
    pub hotspots: Vec<HotspotDosage>,
    pub venues: Vec<VenueFigures>,
    /// (item, answer, count) over the period's inspections.
    pub findings: Vec<(ChecklistItem, Answer, u64)>,
    pub open_follow_ups: Vec<OpenFollowUp>,
    /// Records counted in the period that have been erased: their figures
    /// are kept without details (`db::erasure`), and the report says so.
    pub erased_kept: u64,
}

#[derive(Debug, Clone)]
pub struct FocusAreaFigures {
    pub id: String,
    pub name: String,
    /// The coordinators' assessment for the period, if written.
    pub assessment: Option<String>,
    pub initiatives: Vec<InitiativeFigures>,
}

#[derive(Debug, Clone)]
pub struct InitiativeFigures {
    pub title: String,
    pub owner: Owner,
    pub counts: Counts,
    pub unit: Option<String>,
    pub progress: Progress,
}

#[derive(Debug, Clone)]
pub struct HotspotDosage {
    pub name: String,
    pub visits_per_week: u64,
    pub minutes_per_week: u64,
    /// Every week that overlaps the period (the first and last may be
    /// partly outside it).
    pub weeks: Vec<WeekDosage>,
    /// Days in the period: the prescription is per week, prorated by day.
    pub days: u64,
}

impl HotspotDosage {
    pub fn visits(&self) -> u64 {
        self.weeks.iter().map(|w| w.visits).sum()
    }
    pub fn minutes(&self) -> u64 {
        self.weeks.iter().map(|w| w.minutes).sum()
    }
    pub fn in_window(&self) -> u64 {
        self.weeks.iter().map(|w| w.in_window).sum()
    }
    pub fn prescribed_visits(&self) -> u64 {
        shared::follow_up::prescribed(self.visits_per_week, self.days)
    }
    pub fn prescribed_minutes(&self) -> u64 {
        shared::follow_up::prescribed(self.minutes_per_week, self.days)
    }
}

#[derive(Debug, Clone)]
pub struct VenueFigures {
    pub name: String,
    pub risk: RiskLevel,
    pub inspections: u64,
    /// `YYYY-MM-DD` of the latest inspection up to the period's end.
    pub last_inspected: Option<String>,
    /// Not inspected in the year up to the period's end.
    pub due: bool,
}

#[derive(Debug, Clone)]
pub struct OpenFollowUp {
    pub venue: String,
    pub date: String,
    pub follow_up: FollowUpKind,
}

/// The promise plan in force for a period, with each initiative's
/// delivered output against its prorated target.
#[derive(Debug, Clone, Default)]
pub struct PlanFigures {
    pub municipality: String,
    pub plan_period: Option<(String, String)>,
    pub focus_areas: Vec<FocusAreaFigures>,
}

/// What the public summary shows: the plan's figures and two totals.
#[derive(Debug, Clone)]
pub struct PublicFigures {
    pub plan: PlanFigures,
    pub visits: u64,
    pub inspections: u64,
}

pub fn plan_figures(
    conn: &Connection,
    municipality: MunicipalityId,
    period: Period,
) -> Result<PlanFigures, Error> {
    let (start, end) = period.bounds_ms();
    // The plan in force is `shared::follow_up::plan_in_force`'s choice;
    // this reads the candidates.
    let mut stmt = conn.prepare_cached(
        "SELECT id, municipality, period_start, period_end FROM plans WHERE municipality_id = ?1",
    )?;
    let plans: Vec<(String, String, String, String)> = stmt
        .query_map([municipality.0.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    let spans: Vec<(usize, DateSpan)> = plans
        .iter()
        .enumerate()
        .filter_map(|(i, (_, _, from, to))| DateSpan::parse(from, Some(to)).map(|s| (i, s)))
        .collect();
    let plan = plan_in_force(&spans, &period).map(|&i| plans[i].clone());
    let mut focus_areas = Vec::new();
    let mut municipality = String::new();
    let mut plan_period = None;
    if let Some((plan_id, m, from, to)) = plan {
        municipality = m;
        let months = plan_months(&from, &to);
        plan_period = Some((from, to));
        let mut areas = conn.prepare_cached(
            "SELECT id, name FROM focus_areas WHERE plan_id = ?1 ORDER BY position",
        )?;
        let areas: Vec<(String, String)> = areas
            .query_map([&plan_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut initiatives = conn.prepare_cached(
            "SELECT id, title, owner, target_at_least, target_unit, target_per, counts
             FROM initiatives WHERE focus_area_id = ?1 ORDER BY position",
        )?;
        for (area_id, name) in areas {
            type Row = (
                String,
                String,
                String,
                Option<i64>,
                Option<String>,
                Option<String>,
                String,
            );
            let rows: Vec<Row> = initiatives
                .query_map([&area_id], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                })?
                .collect::<Result<_, _>>()?;
            let mut figures = Vec::new();
            for (id, title, owner, at_least, unit, per, counts) in rows {
                let owner = parse(&owner, Owner::parse)?;
                let counts = parse(&counts, Counts::parse)?;
                let delivered = delivered(conn, &id, counts, (start, end), &period)?;
                let target = match (
                    at_least,
                    unit.clone(),
                    per.as_deref().and_then(TargetPeriod::parse),
                ) {
                    (Some(at_least), Some(unit), Some(per)) => Some(target_in(
                        &OutputTarget {
                            at_least: at_least.max(0) as u64,
                            unit,
                            per,
                        },
                        &period,
                        months,
                    )),
                    _ => None,
                };
                figures.push(InitiativeFigures {
                    title,
                    owner,
                    counts,
                    unit,
                    progress: Progress { delivered, target },
                });
            }
            let assessment = conn
                .prepare_cached(
                    "SELECT text FROM assessments WHERE period = ?1 AND focus_area_id = ?2",
                )?
                .query_row(params![period.key(), area_id], |r| r.get(0))
                .optional()?;
            focus_areas.push(FocusAreaFigures {
                id: area_id,
                name,
                assessment,
                initiatives: figures,
            });
        }
    }
    Ok(PlanFigures {
        municipality,
        plan_period,
        focus_areas,
    })
}

/// The public summary's figures: the plan's, the patrol visits at the
/// hotspots active in the period and the inspections of known venues
/// (the totals of the follow-up's tables, counted without building them).
pub fn public_figures(
    conn: &Connection,
    municipality: MunicipalityId,
    period: Period,
) -> Result<PublicFigures, Error> {
    let (start, end) = period.bounds_ms();
    let m = municipality.0.to_string();
    // Visits at the hotspots active in the period (`hotspot_active`).
    let active = active_hotspots(conn, &m, &period)?;
    // Counted per hotspot the rule chose, on the (hotspot, time) index: a
    // year's visits grouped in one query took three times as long.
    let mut stmt = conn.prepare_cached(
        "SELECT count(*) FROM patrol_visits
         WHERE hotspot_id = ?1 AND started_at >= ?2 AND started_at < ?3",
    )?;
    let mut visits: i64 = 0;
    for (id, ..) in &active {
        visits += stmt.query_row(params![id, start, end], |r| r.get::<_, i64>(0))?;
    }
    let inspections: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM inspections i JOIN venues v ON v.id = i.venue_id
         WHERE i.municipality = ?3 AND i.started_at >= ?1 AND i.started_at < ?2",
        )?
        .query_row(params![start, end, m], |r| r.get(0))?;
    Ok(PublicFigures {
        plan: plan_figures(conn, municipality, period)?,
        visits: visits.max(0) as u64,
        inspections: inspections.max(0) as u64,
    })
}

/// Everything the follow-up page and report show for `period`.
pub fn figures(conn: &Connection, here: MunicipalityId, period: Period) -> Result<FollowUp, Error> {
    let (start, end) = period.bounds_ms();
    let m = here.0.to_string();
    let PlanFigures {
        municipality,
        plan_period,
        focus_areas,
    } = plan_figures(conn, here, period)?;

    // Patrol dosage: one pass over the period's visits, bucketed per hotspot.
    let mut by_hotspot: HashMap<String, Vec<VisitFact>> = HashMap::new();
    let mut visits = conn.prepare_cached(
        "SELECT hotspot_id, started_at, duration_s, in_dosage_window FROM patrol_visits
         WHERE municipality = ?3 AND started_at >= ?1 AND started_at < ?2",
    )?;
    let mut rows = visits.query(params![start, end, m])?;
    while let Some(r) = rows.next()? {
        by_hotspot.entry(r.get(0)?).or_default().push(VisitFact {
            started_at: r.get(1)?,
            duration_s: r.get(2)?,
            in_dosage_window: r.get::<_, Option<i64>>(3)?.map(|v| v != 0),
        });
    }
    let days = period.days().1 - period.days().0;
    let mut hotspots = Vec::new();
    let rows = active_hotspots(conn, &m, &period)?;
    for (id, name, vpw, mpw) in rows {
        let facts = by_hotspot.remove(&id).unwrap_or_default();
        hotspots.push(HotspotDosage {
            name,
            visits_per_week: vpw.max(0) as u64,
            minutes_per_week: mpw.max(0) as u64,
            weeks: dosage_by_week(&period, &facts),
            days: days.max(0) as u64,
        });
    }

    // Venues in inspection order, with the period's inspections.
    let mut stmt = conn.prepare_cached(
        "SELECT v.name, v.risk,
                (SELECT count(*) FROM inspections i
                  WHERE i.venue_id = v.id AND i.started_at >= ?1 AND i.started_at < ?2),
                (SELECT max(started_at) FROM inspections i
                  WHERE i.venue_id = v.id AND i.started_at < ?2)
         FROM venues v WHERE v.municipality = ?3",
    )?;
    type VenueRow = (String, String, i64, Option<i64>);
    let rows: Vec<VenueRow> = stmt
        .query_map(params![start, end, m], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut venues = Vec::with_capacity(rows.len());
    for (name, risk, inspections, last) in rows {
        venues.push(VenueFigures {
            name,
            risk: parse(&risk, RiskLevel::parse)?,
            inspections: inspections.max(0) as u64,
            last_inspected: last.map(shared::local_time::format_date),
            due: shared::follow_up::inspection_due(last, end),
        });
    }
    venues.sort_by(|a, b| {
        shared::domain::inspection_key(a.risk, &a.name)
            .cmp(&shared::domain::inspection_key(b.risk, &b.name))
    });

    let mut stmt = conn.prepare_cached(
        "SELECT f.item, f.answer, count(*) FROM inspection_findings f
         JOIN inspections i ON i.doc_id = f.doc_id
         WHERE i.municipality = ?3 AND i.started_at >= ?1 AND i.started_at < ?2
         GROUP BY f.item, f.answer ORDER BY f.item, f.answer",
    )?;
    let rows: Vec<(String, String, i64)> = stmt
        .query_map(params![start, end, m], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut findings = Vec::with_capacity(rows.len());
    for (item, answer, n) in rows {
        findings.push((
            parse(&item, ChecklistItem::from_key)?,
            parse(&answer, Answer::parse)?,
            n.max(0) as u64,
        ));
    }
    // In the checklist's own order, answers in theirs.
    findings.sort_by_key(|(item, answer, _)| {
        (
            ChecklistItem::ALL.iter().position(|i| i == item),
            Answer::ALL.iter().position(|a| a == answer),
        )
    });

    // Open follow-ups are `shared::follow_up::open_follow_ups`' choice; this
    // reads the inspections before the period's end.
    let mut stmt = conn.prepare_cached(
        "SELECT v.name, i.venue_id, i.started_at, i.follow_up FROM inspections i
         JOIN venues v ON v.id = i.venue_id WHERE i.municipality = ?2 AND i.started_at < ?1",
    )?;
    let rows: Vec<(String, String, i64, String)> = stmt
        .query_map(params![end, m], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut facts = Vec::with_capacity(rows.len());
    for (name, venue, started_at, kind) in rows {
        facts.push(InspectionFact {
            venue: (venue, name),
            started_at,
            follow_up: parse(&kind, FollowUpKind::parse)?,
        });
    }
    let open_follow_ups = open_follow_ups(&facts, end)
        .into_iter()
        .map(|f| OpenFollowUp {
            venue: f.venue.1.clone(),
            date: shared::local_time::format_date(f.started_at),
            follow_up: f.follow_up,
        })
        .collect();

    Ok(FollowUp {
        period,
        municipality,
        plan_period,
        focus_areas,
        hotspots,
        venues,
        findings,
        open_follow_ups,
        erased_kept: super::erasure::kept_in(conn, here, start, end)?,
    })
}

/// Longest assessment text accepted.
pub const MAX_ASSESSMENT_CHARS: usize = 4_000;

/// Saves (or, when empty, removes) the assessment of a focus area for a
/// period.
pub fn save_assessment(
    conn: &Connection,
    here: MunicipalityId,
    period: Period,
    focus_area: &str,
    text: &str,
    coordinator: uuid::Uuid,
    now: i64,
) -> Result<(), Error> {
    let text = text.trim();
    if text.chars().count() > MAX_ASSESSMENT_CHARS {
        return Err(Error::BadRequest {
            code: shared::sync::ErrorCode::TooLong,
            message: format!("an assessment is at most {MAX_ASSESSMENT_CHARS} characters"),
        });
    }
    // A focus area of this municipality's plan: another's is unknown here.
    let known: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM focus_areas f JOIN plans p ON p.id = f.plan_id
                         WHERE f.id = ?1 AND p.municipality_id = ?2)",
        params![focus_area, here.0.to_string()],
        |r| r.get(0),
    )?;
    if !known {
        return Err(Error::NotFound);
    }
    if text.is_empty() {
        conn.execute(
            "DELETE FROM assessments WHERE period = ?1 AND focus_area_id = ?2",
            params![period.key(), focus_area],
        )?;
    } else {
        conn.execute(
            "INSERT INTO assessments (period, focus_area_id, text, coordinator_id, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (period, focus_area_id) DO UPDATE SET
               text = excluded.text, coordinator_id = excluded.coordinator_id,
               updated_at = excluded.updated_at",
            params![period.key(), focus_area, text, coordinator.to_string(), now],
        )?;
    }
    Ok(())
}

/// The hotspots active in the period (`shared::follow_up::hotspot_active`),
/// by name: id, name, prescribed visits and minutes per week.
fn active_hotspots(
    conn: &Connection,
    municipality: &str,
    period: &Period,
) -> Result<Vec<(String, String, i64, i64)>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, visits_per_week, minutes_per_week, active_from, active_to
         FROM hotspots WHERE municipality = ?1 ORDER BY name",
    )?;
    type Row = (String, String, i64, i64, String, Option<String>);
    let rows: Vec<Row> = stmt
        .query_map([municipality], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows
        .into_iter()
        .filter(|(.., from, to)| {
            DateSpan::parse(from, to.as_deref()).is_some_and(|s| hotspot_active(&s, period))
        })
        .map(|(id, name, v, m, ..)| (id, name, v, m))
        .collect())
}

/// A stored key read back as its enum. The follow-up tables are written
/// from validated documents, so a key that does not parse is a damaged
/// store, which the operator must hear about.
fn parse<T>(key: &str, f: impl Fn(&str) -> Option<T>) -> Result<T, Error> {
    f(key)
        .ok_or_else(|| Error::Internal(format!("the follow-up tables hold an unknown key {key:?}")))
}

/// How many records count toward an initiative in the period.
fn delivered(
    conn: &Connection,
    initiative: &str,
    counts: Counts,
    (start, end): (i64, i64),
    period: &Period,
) -> Result<u64, Error> {
    // Which records count is `Counts::record_kind`; the queries only count.
    let kind = counts.record_kind();
    let n: i64 = if kind == shared::DocKind::PatrolVisit {
        conn.prepare_cached(
            "SELECT count(*) FROM patrol_visits
             WHERE initiative_id = ?1 AND started_at >= ?2 AND started_at < ?3",
        )?
        .query_row(params![initiative, start, end], |r| r.get(0))?
    } else if kind == shared::DocKind::Inspection {
        conn.prepare_cached(
            "SELECT count(*) FROM inspections
             WHERE initiative_id = ?1 AND started_at >= ?2 AND started_at < ?3",
        )?
        .query_row(params![initiative, start, end], |r| r.get(0))?
    } else {
        let (first, end_date) = period.dates();
        conn.prepare_cached(
            "SELECT count(*) FROM activities
             WHERE initiative_id = ?1 AND date >= ?2 AND date < ?3",
        )?
        .query_row(params![initiative, first, end_date], |r| r.get(0))?
    };
    Ok(n.max(0) as u64)
}
