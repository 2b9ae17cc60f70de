//! Reference data as CSV (hotspots, venues, the promise plan), for
//! coordinators who keep it in a spreadsheet: the columns, writing rows,
//! and reading an import with every bad row reported (line and reason) so
//! that nothing is imported in part. For hotspots and venues an empty `id`
//! adds a row and an `id` updates that one; a plan file is the whole plan.

use uuid::Uuid;

use crate::domain::{
    Counts, Dosage, FocusArea, GeoPoint, Hotspot, Initiative, LicenceConditions, OutputTarget,
    Owner, PromisePlan, RiskLevel, ServingHours, TargetPeriod, Venue,
};
use crate::record::Record;
use crate::validation::{errors, validate, Problem, References};

pub const HOTSPOT_COLUMNS: [&str; 9] = [
    "id",
    "name",
    "lat",
    "lon",
    "radius_m",
    "active_from",
    "active_to",
    "visits_per_week",
    "minutes_per_week",
];

pub const VENUE_COLUMNS: [&str; 10] = [
    "id",
    "name",
    "licensee",
    "opens",
    "closes",
    "security_staff_required",
    "late_hours",
    "dancing",
    "outdoor_area",
    "risk",
];

pub const PLAN_COLUMNS: [&str; 10] = [
    "municipality",
    "period_start",
    "period_end",
    "focus_area",
    "initiative",
    "owner",
    "counts",
    "target_at_least",
    "target_unit",
    "target_per",
];

/// A row that cannot be imported: its line in the file and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub problem: RowProblem,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

/// Why a row cannot be imported, as a value: the pages say it in the
/// coordinator's language; `Display` is the English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowProblem {
    #[error("the file is not CSV: {0}")]
    NotCsv(String),
    #[error("the file is not UTF-8 text; save it from the spreadsheet as \"CSV UTF-8\"")]
    NotUtf8,
    #[error("the header must be: {0}")]
    Header(String),
    #[error("more than {MAX_ROWS} rows; split the file")]
    TooManyRows,
    #[error("{found} columns, expected {expected}")]
    Columns { found: usize, expected: usize },
    #[error("id {0:?} is not an id from an export; leave it empty for a new row")]
    NotAnId(String),
    #[error("{column}: {value:?} is not a number")]
    NotANumber { column: &'static str, value: String },
    #[error("{column}: write {}, not {value:?}", one_of(allowed, "or"))]
    NotOneOf {
        column: &'static str,
        allowed: &'static [&'static str],
        value: String,
    },
    #[error("{}", problem_list(.0))]
    Invalid(Vec<Problem>),
    #[error("the plan: {}", problem_list(.0))]
    InvalidPlan(Vec<Problem>),
    #[error("the file has no initiatives")]
    NoInitiatives,
    #[error("municipality and period must be the same on every row")]
    MixedPlan,
    #[error("the initiative {0:?} is listed twice")]
    DuplicateInitiative(String),
    #[error("there is no {kind} with id {id}")]
    UnknownId { kind: &'static str, id: Uuid },
    #[error("the initiative {title:?} is missing, but {uses} hotspots and records count toward it; keep its row (a changed title counts as a new initiative)")]
    InitiativeInUse { title: String, uses: i64 },
}

/// `a, b or c` (with `word` for "or").
pub fn one_of(words: &[&str], word: &str) -> String {
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} {word} {last}", rest.join(", ")),
        Some((last, _)) => last.to_string(),
        None => String::new(),
    }
}

fn problem_list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The rows read from an import: each row's line, the id to update (none:
/// a new one) and the value.
pub type Imported<T> = Vec<(u64, Option<Uuid>, T)>;

/// An import read: the good rows, and every bad one. The caller imports
/// the good rows only when there is no bad one, after its own checks
/// (that an id names an existing row) have added theirs.
pub type Read<T> = (Imported<T>, Vec<RowError>);

/// Most rows one import may hold.
pub const MAX_ROWS: usize = 10_000;

fn read<T>(
    text: &str,
    columns: &[&str],
    mut row: impl FnMut(&csv::StringRecord) -> Result<(Option<Uuid>, T), RowProblem>,
) -> Read<T> {
    // Swedish Excel's file (BOM, semicolons) or a comma-separated one.
    let (text, separator) = crate::spreadsheet::sniff(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .delimiter(separator)
        .from_reader(text.as_bytes());
    let header = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            let bad = RowError {
                line: 1,
                problem: RowProblem::NotCsv(e.to_string()),
            };
            return (Vec::new(), vec![bad]);
        }
    };
    let got: Vec<&str> = header.iter().collect();
    if got != columns {
        let bad = RowError {
            line: 1,
            problem: RowProblem::Header(columns.join(",")),
        };
        return (Vec::new(), vec![bad]);
    }
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for (i, record) in reader.records().enumerate() {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map(|p| p.line())
            .unwrap_or(i as u64 + 2);
        if i >= MAX_ROWS {
            bad.push(RowError {
                line,
                problem: RowProblem::TooManyRows,
            });
            break;
        }
        let result = match record {
            Ok(r) if r.len() != columns.len() => Err(RowProblem::Columns {
                found: r.len(),
                expected: columns.len(),
            }),
            // Cells the export protected against formulas read back as
            // they were (`crate::spreadsheet`).
            Ok(r) => row(&r.iter().map(crate::spreadsheet::read_cell).collect()),
            Err(e) => Err(RowProblem::NotCsv(e.to_string())),
        };
        match result {
            Ok((id, v)) => ok.push((line, id, v)),
            Err(problem) => bad.push(RowError { line, problem }),
        }
    }
    (ok, bad)
}

fn id(s: &str) -> Result<Option<Uuid>, RowProblem> {
    if s.is_empty() {
        Ok(None)
    } else {
        Uuid::parse_str(s)
            .map(Some)
            .map_err(|_| RowProblem::NotAnId(s.to_string()))
    }
}

fn number<T: std::str::FromStr>(column: &'static str, s: &str) -> Result<T, RowProblem> {
    // A decimal comma (Swedish Excel) reads like a decimal point.
    s.replace(',', ".")
        .parse()
        .map_err(|_| RowProblem::NotANumber {
            column,
            value: s.to_string(),
        })
}

fn not_one_of(column: &'static str, allowed: &'static [&'static str], value: &str) -> RowProblem {
    RowProblem::NotOneOf {
        column,
        allowed,
        value: value.to_string(),
    }
}

fn yes_no(column: &'static str, s: &str) -> Result<bool, RowProblem> {
    match s.to_lowercase().as_str() {
        "yes" | "ja" | "true" | "1" => Ok(true),
        "no" | "nej" | "false" | "0" | "" => Ok(false),
        _ => Err(not_one_of(column, &["yes", "no"], s)),
    }
}

/// The record's validation errors (warnings do not stop an import).
fn checked(record: &Record, refs: &dyn References) -> Result<(), Vec<Problem>> {
    let problems = validate(record, refs);
    let errs: Vec<Problem> = errors(&problems).cloned().collect();
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}

/// Reads a hotspot import. New hotspots count toward `initiative` (the
/// plan's patrol initiative); every row is validated like a record.
pub fn read_hotspots(text: &str, initiative: Uuid, refs: &dyn References) -> Read<Hotspot> {
    read(text, &HOTSPOT_COLUMNS, |r| {
        let h = Hotspot {
            name: r[1].to_string(),
            centre: GeoPoint {
                lat: number("lat", &r[2])?,
                lon: number("lon", &r[3])?,
            },
            radius_m: number("radius_m", &r[4])?,
            active_from: r[5].to_string(),
            active_to: (!r[6].is_empty()).then(|| r[6].to_string()),
            dosage: Dosage {
                visits_per_week: number("visits_per_week", &r[7])?,
                minutes_per_week: number("minutes_per_week", &r[8])?,
            },
            initiative_id: initiative,
            demo: false,
            municipality_id: None,
        };
        let id = id(&r[0])?;
        checked(&Record::Hotspot(h.clone()), refs).map_err(RowProblem::Invalid)?;
        Ok((id, h))
    })
}

/// Reads a venue import; every row is validated like a record.
pub fn read_venues(text: &str, refs: &dyn References) -> Read<Venue> {
    read(text, &VENUE_COLUMNS, |r| {
        // The words of the export, or their Swedish equivalents.
        let risk = match r[9].to_lowercase().as_str() {
            "låg" => RiskLevel::Low,
            "medel" => RiskLevel::Medium,
            "hög" => RiskLevel::High,
            other => RiskLevel::parse(other)
                .ok_or_else(|| not_one_of("risk", &["low", "medium", "high"], other))?,
        };
        let v = Venue {
            name: r[1].to_string(),
            licensee: r[2].to_string(),
            serving_hours: ServingHours {
                opens: r[3].to_string(),
                closes: r[4].to_string(),
            },
            conditions: LicenceConditions {
                security_staff_required: yes_no("security_staff_required", &r[5])?,
                late_hours: yes_no("late_hours", &r[6])?,
                dancing: yes_no("dancing", &r[7])?,
                outdoor_area: yes_no("outdoor_area", &r[8])?,
            },
            risk,
            demo: false,
            municipality_id: None,
        };
        let id = id(&r[0])?;
        checked(&Record::Venue(v.clone()), refs).map_err(RowProblem::Invalid)?;
        Ok((id, v))
    })
}

fn owner(s: &str) -> Result<Owner, RowProblem> {
    Owner::parse(&s.to_lowercase())
        .ok_or_else(|| not_one_of("owner", &["police", "municipality", "joint"], s))
}

fn counts(s: &str) -> Result<Counts, RowProblem> {
    Counts::parse(&s.to_lowercase())
        .ok_or_else(|| not_one_of("counts", &["patrol_visits", "inspections", "activities"], s))
}

fn target(at_least: &str, unit: &str, per: &str) -> Result<Option<OutputTarget>, RowProblem> {
    if at_least.is_empty() && unit.is_empty() && per.is_empty() {
        return Ok(None);
    }
    let per = TargetPeriod::parse(&per.to_lowercase())
        .ok_or_else(|| not_one_of("target_per", &["year", "tertial", "quarter", "plan"], per))?;
    Ok(Some(OutputTarget {
        at_least: number("target_at_least", at_least)?,
        unit: unit.to_string(),
        per,
    }))
}

/// Reads a promise plan: one row per initiative, the plan's municipality
/// and period on every row, focus areas in the order they first appear.
/// Focus areas and initiatives keep their ids from `current` when their
/// name and title match, so that records already counted toward them
/// still count; others get new ids.
pub fn read_plan(
    text: &str,
    current: Option<&PromisePlan>,
) -> (Option<PromisePlan>, Vec<RowError>) {
    type Row = (String, String, String, String, Initiative);
    let (rows, mut bad) = read(text, &PLAN_COLUMNS, |r| {
        let initiative = Initiative {
            id: Uuid::nil(),
            title: r[4].to_string(),
            owner: owner(&r[5])?,
            target: target(&r[7], &r[8], &r[9])?,
            counts: counts(&r[6])?,
        };
        let row: Row = (
            r[0].into(),
            r[1].into(),
            r[2].into(),
            r[3].into(),
            initiative,
        );
        Ok((None, row))
    });
    let Some((_, _, (municipality, start, end, _, _))) = rows.first() else {
        if bad.is_empty() {
            bad.push(RowError {
                line: 1,
                problem: RowProblem::NoInitiatives,
            });
        }
        return (None, bad);
    };
    let mut plan = PromisePlan {
        municipality: municipality.clone(),
        period_start: start.clone(),
        period_end: end.clone(),
        focus_areas: Vec::new(),
        demo: current.is_some_and(|p| p.demo),
        municipality_id: None,
    };
    let old_area = |name: &str| current.and_then(|p| p.focus_areas.iter().find(|f| f.name == name));
    for (line, _, (m, s, e, area, mut initiative)) in rows {
        if (m.as_str(), s.as_str(), e.as_str())
            != (
                plan.municipality.as_str(),
                plan.period_start.as_str(),
                plan.period_end.as_str(),
            )
        {
            bad.push(RowError {
                line,
                problem: RowProblem::MixedPlan,
            });
            continue;
        }
        initiative.id = old_area(&area)
            .and_then(|f| f.initiatives.iter().find(|i| i.title == initiative.title))
            .or_else(|| {
                current.and_then(|p| {
                    p.initiatives()
                        .map(|(_, i)| i)
                        .find(|i| i.title == initiative.title)
                })
            })
            .map(|i| i.id)
            .unwrap_or_else(Uuid::new_v4);
        if plan.initiatives().any(|(_, i)| i.id == initiative.id) {
            bad.push(RowError {
                line,
                problem: RowProblem::DuplicateInitiative(initiative.title.clone()),
            });
            continue;
        }
        match plan.focus_areas.iter_mut().find(|f| f.name == area) {
            Some(f) => f.initiatives.push(initiative),
            None => plan.focus_areas.push(FocusArea {
                id: old_area(&area).map(|f| f.id).unwrap_or_else(Uuid::new_v4),
                name: area,
                initiatives: vec![initiative],
            }),
        }
    }
    if let Err(problems) = checked(
        &Record::PromisePlan(plan.clone()),
        &crate::validation::KnownReferences::default(),
    ) {
        bad.push(RowError {
            line: 2,
            problem: RowProblem::InvalidPlan(problems),
        });
    }
    (bad.is_empty().then_some(plan), bad)
}

/// The plan as CSV, one row per initiative.
pub fn write_plan(plan: &PromisePlan) -> Result<Vec<u8>, csv::Error> {
    let mut w = crate::spreadsheet::excel_writer();
    w.write_record(PLAN_COLUMNS)?;
    for (area, i) in plan.initiatives() {
        let (at_least, unit, per) = match &i.target {
            Some(t) => (t.at_least.to_string(), t.unit.as_str(), t.per.as_str()),
            None => (String::new(), "", ""),
        };
        w.write_record(crate::spreadsheet::safe_row([
            plan.municipality.as_str(),
            &plan.period_start,
            &plan.period_end,
            &area.name,
            &i.title,
            i.owner.as_str(),
            i.counts.as_str(),
            &at_least,
            unit,
            per,
        ]))?;
    }
    crate::spreadsheet::finish(w)
}

fn yn(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// Hotspots as CSV, in the import's columns.
pub fn write_hotspots(rows: &[(Uuid, Hotspot)]) -> Result<Vec<u8>, csv::Error> {
    let mut w = crate::spreadsheet::excel_writer();
    w.write_record(HOTSPOT_COLUMNS)?;
    for (id, h) in rows {
        w.write_record(crate::spreadsheet::safe_row([
            id.to_string(),
            h.name.clone(),
            crate::spreadsheet::decimal(h.centre.lat),
            crate::spreadsheet::decimal(h.centre.lon),
            h.radius_m.to_string(),
            h.active_from.clone(),
            h.active_to.clone().unwrap_or_default(),
            h.dosage.visits_per_week.to_string(),
            h.dosage.minutes_per_week.to_string(),
        ]))?;
    }
    crate::spreadsheet::finish(w)
}

/// Venues as CSV, in the import's columns.
pub fn write_venues(rows: &[(Uuid, Venue)]) -> Result<Vec<u8>, csv::Error> {
    let mut w = crate::spreadsheet::excel_writer();
    w.write_record(VENUE_COLUMNS)?;
    for (id, v) in rows {
        let c = &v.conditions;
        w.write_record(crate::spreadsheet::safe_row([
            id.to_string().as_str(),
            &v.name,
            &v.licensee,
            &v.serving_hours.opens,
            &v.serving_hours.closes,
            yn(c.security_staff_required),
            yn(c.late_hours),
            yn(c.dancing),
            yn(c.outdoor_area),
            v.risk.as_str(),
        ]))?;
    }
    crate::spreadsheet::finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::KnownReferences;

    fn refs(initiative: Uuid) -> KnownReferences {
        let mut r = KnownReferences::default();
        r.initiatives
            .insert(initiative, crate::domain::Counts::PatrolVisits);
        r
    }

    #[test]
    fn an_export_reads_back_as_the_same_hotspots() {
        let initiative = Uuid::new_v4();
        let text =
            "id,name,lat,lon,radius_m,active_from,active_to,visits_per_week,minutes_per_week\n\
                    ,Torget,57.26,16.45,80,2026-01-01,,7,90\n";
        let (rows, bad) = read_hotspots(text, initiative, &refs(initiative));
        assert_eq!((rows.len(), bad), (1, vec![]));
        let id = Uuid::new_v4();
        let out = write_hotspots(&[(id, rows[0].2.clone())]).expect("csv");
        let (again, _) = read_hotspots(
            std::str::from_utf8(&out).expect("utf8"),
            initiative,
            &refs(initiative),
        );
        assert_eq!(again, vec![(2, Some(id), rows[0].2.clone())]);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let initiative = Uuid::new_v4();
        let text =
            "id,name,lat,lon,radius_m,active_from,active_to,visits_per_week,minutes_per_week\n\
                    ,Torget,57.26,16.45,80,2026-01-01,,7,90\n\
                    ,Hamnen,north,16.45,80,2026-01-01,,7,90\n\
                    ,Parken,57.26,16.45,80,2026-01-01,,7\n\
                    nonsense,Kajen,57.26,16.45,80,2026-01-01,,7,90\n";
        let (good, errs) = read_hotspots(text, initiative, &refs(initiative));
        assert_eq!(good.len(), 1);
        let lines: Vec<u64> = errs.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5]);
        assert!(errs[0].to_string().contains("lat"), "{}", errs[0]);
        assert!(errs[1].to_string().contains("8 columns"), "{}", errs[1]);
        assert!(errs[2].to_string().contains("not an id"), "{}", errs[2]);
        let (_, wrong) = read_hotspots("name,lat\nx,1\n", initiative, &refs(initiative));
        assert_eq!(wrong[0].line, 1);
    }

    #[test]
    fn a_plan_reads_back_keeping_its_ids() {
        let text = "municipality,period_start,period_end,focus_area,initiative,owner,counts,target_at_least,target_unit,target_per\n\
                    Kommun,2026-01-01,2027-12-31,Trafik,Hastighetskontroller,police,activities,52,kontroller,year\n\
                    Kommun,2026-01-01,2027-12-31,Centrum,Fotpatrull,police,patrol_visits,,,\n";
        let (plan, bad) = read_plan(text, None);
        assert_eq!(bad, vec![]);
        let plan = plan.expect("a plan");
        assert_eq!(plan.focus_areas.len(), 2);
        let out = write_plan(&plan).expect("csv");
        let (again, bad) = read_plan(std::str::from_utf8(&out).expect("utf8"), Some(&plan));
        assert_eq!((again, bad), (Some(plan.clone()), vec![]));
        let broken = text.replace("police,activities,52", "sheriff,activities,many");
        let (none, bad) = read_plan(&broken, Some(&plan));
        assert!(none.is_none());
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 2);
    }

    #[test]
    fn venues_read_yes_no_and_risk_in_either_language() {
        let text = "id,name,licensee,opens,closes,security_staff_required,late_hours,dancing,outdoor_area,risk\n\
                    ,Ankaret,Ankaret AB,11:00,01:00,ja,yes,no,nej,hög\n\
                    ,Kajutan,Kajutan AB,11:00,01:00,maybe,yes,no,no,high\n";
        let (_, errs) = read_venues(text, &KnownReferences::default());
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 3);
        let (ok, _) = read_venues(
            &text[..text.find("\n,Kajutan").map_or(0, |i| i + 1)],
            &KnownReferences::default(),
        );
        assert_eq!(ok[0].2.risk, RiskLevel::High);
        assert!(ok[0].2.conditions.security_staff_required && !ok[0].2.conditions.outdoor_area);
    }
}
