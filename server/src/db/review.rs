//! What coordinators review: the timeline of field records with filters,
//! one record with its edit history, and the access log that every opening
//! of a record's details writes to.

use crate::db::sql::{params, Connection};
use shared::domain::Millis;
use shared::follow_up::Period;
use shared::history::Session;
use shared::lifecycle::RecordState;
use shared::record::{read_record, Record};
use shared::{DocId, DocKind};
use uuid::Uuid;

use super::{documents, reference};
use shared::MunicipalityId;

use crate::error::Error;

/// Why a coordinator opens a record; one is chosen each time (the
/// purposes a police data-protection officer asks for in a log).
pub const PURPOSES: &[(&str, &str)] = &[
    ("follow_up", "Follow-up of the promises"),
    ("quality", "Quality check of the record"),
    ("inquiry", "Question or complaint about the activity"),
    ("data_request", "Request from the person the data is about"),
    ("supervision", "Supervision case (alcohol licence)"),
    ("protocol", "Inspection protocol for the licensee"),
];

pub fn purpose_label(key: &str) -> Option<&'static str> {
    PURPOSES.iter().find(|(k, _)| *k == key).map(|(_, l)| *l)
}

/// The access log's key for an erasure; never chosen as a purpose.
pub const ERASED: &str = "erased";
/// The access log's key for a redaction; never chosen as a purpose.
pub const REDACTED: &str = "redacted";

/// What an access log row says it was: an opening's purpose, or an
/// erasure.
pub fn logged_label(key: &str) -> &'static str {
    match key {
        ERASED => "Record erased",
        REDACTED => "Field redacted",
        k => purpose_label(k).unwrap_or(""),
    }
}

/// Writes an access log row for something done to a record other than
/// opening it (its erasure), with the case number already checked. The
/// entry keeps the record's municipality (`municipality`, read before the
/// record may be gone): its log is that municipality's for good.
pub fn log_event(
    conn: &Connection,
    coordinator: Uuid,
    id: DocId,
    municipality: Option<MunicipalityId>,
    event: &str,
    case_number: Option<&str>,
    now: Millis,
) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO access_log (at, coordinator_id, doc_id, purpose, case_number, municipality)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            now,
            coordinator.to_string(),
            id.to_string(),
            event,
            case_number,
            municipality.map(|m| m.0.to_string())
        ],
    )?;
    Ok(())
}

/// The timeline's filters; each is an id (text) or absent.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct Filter {
    pub period: Option<String>,
    pub kind: Option<String>,
    pub focus_area: Option<String>,
    pub initiative: Option<String>,
    pub hotspot: Option<String>,
    pub venue: Option<String>,
    pub officer: Option<String>,
    /// Which page of the timeline, from 0.
    pub page: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct TimelineRow {
    pub doc_id: String,
    pub kind: &'static str,
    /// When it happened (an activity: the start of its day).
    pub at: Millis,
    pub initiative: String,
    pub place: String,
    pub officer: String,
    /// Set for a record that does not count (a draft or discarded).
    pub uncounted: Option<RecordState>,
}

/// Rows on one page of the timeline.
pub const TIMELINE_LIMIT: usize = 500;

/// One page of the timeline, and whether there are more after it.
pub struct TimelinePage {
    pub rows: Vec<TimelineRow>,
    pub more: bool,
}

/// The period's field records matching the filter, newest first: page
/// `page` of `per_page` rows (an export asks for one page of all).
pub fn timeline(
    conn: &Connection,
    here: MunicipalityId,
    period: Period,
    f: &Filter,
    page: usize,
    per_page: usize,
) -> Result<TimelinePage, Error> {
    // Each source is read up to the end of the page, plus one row to know
    // whether another page follows; the sources are merged by time.
    let upto = per_page.saturating_mul(page + 1);
    let (start, end) = period.bounds_ms();
    let (first, end_date) = period.dates();
    let some = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let (initiative, officer) = (some(&f.initiative), some(&f.officer));
    let area = some(&f.focus_area);
    let (hotspot, venue) = (some(&f.hotspot), some(&f.venue));
    let kind = some(&f.kind);
    let wants = |k: &str| kind.as_deref().is_none_or(|x| x == k);
    let m = here.0.to_string();
    let mut rows = Vec::new();
    let limit = i64::try_from(upto.saturating_add(1)).unwrap_or(i64::MAX);
    // Visits and inspections: the same query over their own table, place
    // (hotspot or venue) and place filter.
    for (kind, table, places, place_column, place) in [
        (
            "patrol_visit",
            "patrol_visits",
            "hotspots",
            "hotspot_id",
            &hotspot,
        ),
        ("inspection", "inspections", "venues", "venue_id", &venue),
    ] {
        let other_place = if kind == "patrol_visit" {
            &venue
        } else {
            &hotspot
        };
        if !wants(kind) || other_place.is_some() {
            continue;
        }
        // Table and column names are the constants above, never input.
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT p.doc_id, p.started_at, i.title, x.name, COALESCE(o.display_name, '')
             FROM {table} p
             LEFT JOIN initiatives i ON i.id = p.initiative_id
             LEFT JOIN {places} x ON x.id = p.{place_column}
             LEFT JOIN officers o ON o.id = p.owner
             WHERE p.municipality = ?8 AND p.started_at >= ?1 AND p.started_at < ?2
               AND p.doc_id NOT IN (SELECT doc_id FROM kept_rows)
               AND (?3 IS NULL OR p.initiative_id = ?3) AND (?4 IS NULL OR p.{place_column} = ?4)
               AND (?5 IS NULL OR p.owner = ?5) AND (?7 IS NULL OR i.focus_area_id = ?7)
             ORDER BY p.started_at DESC LIMIT ?6"
        ))?;
        let found = stmt.query_map(
            params![start, end, initiative, place, officer, limit, area, m],
            |r| row(r, kind),
        )?;
        for r in found {
            rows.push(r?);
        }
    }
    if wants("activity") && hotspot.is_none() && venue.is_none() {
        let mut stmt = conn.prepare_cached(
            "SELECT p.doc_id, p.date, i.title, p.kind, COALESCE(o.display_name, '')
             FROM activities p
             LEFT JOIN initiatives i ON i.id = p.initiative_id
             LEFT JOIN officers o ON o.id = p.owner
             WHERE p.municipality = ?7 AND p.date >= ?1 AND p.date < ?2
               AND p.doc_id NOT IN (SELECT doc_id FROM kept_rows)
               AND (?3 IS NULL OR p.initiative_id = ?3) AND (?4 IS NULL OR p.owner = ?4)
               AND (?6 IS NULL OR i.focus_area_id = ?6)
             ORDER BY p.date DESC LIMIT ?5",
        )?;
        let found = stmt.query_map(
            params![first, end_date, initiative, officer, limit, area, m],
            |r| {
                let date: String = r.get(1)?;
                Ok(TimelineRow {
                    doc_id: r.get(0)?,
                    kind: "activity",
                    at: day_start(&date),
                    initiative: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    place: r.get(3)?,
                    officer: r.get(4)?,
                    uncounted: None,
                })
            },
        )?;
        for r in found {
            rows.push(r?);
        }
    }
    // Drafts and discarded records, under the same filters.
    let uncounted_kinds: Vec<&str> = [
        ("patrol_visit", DocKind::PatrolVisit),
        ("inspection", DocKind::Inspection),
        ("activity", DocKind::Activity),
    ]
    .into_iter()
    .filter(|(k, _)| wants(k))
    .map(|(_, d)| d.as_str())
    .collect();
    let place = hotspot.clone().or(venue.clone());
    let mut stmt = conn.prepare_cached(
        "SELECT u.doc_id, u.at, i.title, COALESCE(h.name, v.name, ''), COALESCE(o.display_name, ''),
                u.kind, u.state
         FROM uncounted_records u
         LEFT JOIN initiatives i ON i.id = u.initiative_id
         LEFT JOIN hotspots h ON h.id = u.place_id
         LEFT JOIN venues v ON v.id = u.place_id
         LEFT JOIN officers o ON o.id = u.owner
         WHERE u.municipality = ?8 AND u.at >= ?1 AND u.at < ?2
           AND (?3 IS NULL OR u.initiative_id = ?3) AND (?4 IS NULL OR u.place_id = ?4)
           AND (?5 IS NULL OR u.owner = ?5) AND (?7 IS NULL OR i.focus_area_id = ?7)
         ORDER BY u.at DESC LIMIT ?6",
    )?;
    let found = stmt.query_map(
        params![start, end, initiative, place, officer, limit, area, m],
        |r| Ok((r.get::<_, String>(5)?, r.get::<_, String>(6)?, row(r, "")?)),
    )?;
    for r in found {
        let (kind, state, mut row) = r?;
        let kind = DocKind::parse(&kind)
            .ok_or_else(|| Error::internal(format!("unknown stored kind {kind}")))?;
        if !uncounted_kinds.contains(&kind.as_str()) {
            continue;
        }
        row.kind = match kind {
            DocKind::PatrolVisit => "patrol_visit",
            DocKind::Inspection => "inspection",
            _ => "activity",
        };
        row.uncounted = Some(
            RecordState::parse(&state)
                .ok_or_else(|| Error::internal(format!("unknown stored state {state}")))?,
        );
        rows.push(row);
    }
    rows.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.doc_id.cmp(&b.doc_id)));
    let more = rows.len() > upto;
    let rows = rows
        .into_iter()
        .skip(per_page.saturating_mul(page))
        .take(per_page)
        .collect();
    Ok(TimelinePage { rows, more })
}

fn row(r: &crate::db::sql::Row, kind: &'static str) -> Result<TimelineRow, Error> {
    Ok(TimelineRow {
        doc_id: r.get(0)?,
        kind,
        at: r.get(1)?,
        initiative: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
        place: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
        officer: r.get(4)?,
        uncounted: None,
    })
}

fn day_start(date: &str) -> Millis {
    shared::local_time::day_of_date(date)
        .map(|d| shared::local_time::day_bounds(d).0)
        .unwrap_or(0)
}

/// A choice for a filter: (id, label).
pub type Choice = (String, String);

/// The filters' choices: focus areas, initiatives, hotspots, venues,
/// officers, of the municipality `here` (another's names are not shown).
pub fn choices(conn: &Connection, here: MunicipalityId) -> Result<[Vec<Choice>; 5], Error> {
    let m = here.0.to_string();
    let list = |sql: &str| -> Result<Vec<Choice>, Error> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt
            .query_map([&m], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    };
    Ok([
        list(
            "SELECT f.id, f.name FROM focus_areas f JOIN plans p ON p.id = f.plan_id
              WHERE p.municipality_id = ?1 ORDER BY f.position, f.name",
        )?,
        list(
            "SELECT i.id, i.title FROM initiatives i JOIN plans p ON p.id = i.plan_id
              WHERE p.municipality_id = ?1 ORDER BY i.position, i.title",
        )?,
        list("SELECT id, name FROM hotspots WHERE municipality = ?1 ORDER BY name")?,
        list("SELECT id, name FROM venues WHERE municipality = ?1 ORDER BY name")?,
        list(
            "SELECT o.id, o.display_name FROM officers o JOIN officer_municipalities om ON om.officer_id = o.id
              WHERE om.municipality_id = ?1 ORDER BY o.display_name",
        )?,
    ])
}

/// Who made a change, as the page words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Author {
    Officer(String),
    /// A change the server wrote for a coordinator (reference data).
    Coordinator,
    /// An actor no enrolled device had (a device since removed).
    Unknown,
}

/// One record as a coordinator sees it.
#[derive(Debug, Clone)]
pub struct RecordView {
    pub id: DocId,
    pub record: Record,
    /// The history as sessions (`shared::history::sessions`), with who.
    pub sessions: Vec<(Session, Author)>,
    pub first_received_at: Millis,
    /// The record in words: its place (hotspot or venue), initiative,
    /// the officer who logged it, and the other participants.
    pub place: Option<String>,
    pub initiative: Option<String>,
    pub owner: Option<String>,
    pub participants: Vec<String>,
    /// Officer ids to names, for ids in the history's values.
    pub names: std::collections::HashMap<String, String>,
    /// The record's redactions, newest first (without their bases).
    pub redactions: Vec<super::redaction::Redaction>,
}

pub fn record(conn: &Connection, id: DocId) -> Result<RecordView, Error> {
    use crate::db::sql::OptionalExtension;
    let stored = documents::stored(conn, id)?.ok_or(Error::NotFound)?;
    let doc = documents::load(conn, id)?;
    let record = read_record(&doc).map_err(|e| Error::Internal(e.to_string()))?;
    let server_actor = reference::server_actor(conn)?.to_actor().to_hex_string();
    let mut who = conn.prepare_cached(
        "SELECT o.display_name FROM devices d JOIN officers o ON o.id = d.officer_id
         WHERE d.actor = ?1",
    )?;
    let mut sessions = Vec::new();
    for s in shared::history::sessions(&doc) {
        let author = if s.actor == server_actor {
            Author::Coordinator
        } else {
            let actor = hex::decode(&s.actor).unwrap_or_default();
            who.query_row([actor], |r| r.get::<_, String>(0))
                .optional()?
                .map(Author::Officer)
                .unwrap_or(Author::Unknown)
        };
        sessions.push((s, author));
    }
    let name_of = |sql: &str, id: String| -> Result<Option<String>, Error> {
        conn.query_row(sql, [id], |r| r.get(0)).optional()
    };
    let (place, initiative) = match &record {
        Record::PatrolVisit(v) => (
            name_of(
                "SELECT name FROM hotspots WHERE id = ?1",
                v.hotspot_id.to_string(),
            )?,
            Some(v.initiative_id),
        ),
        Record::Inspection(i) => (
            name_of(
                "SELECT name FROM venues WHERE id = ?1",
                i.venue_id.to_string(),
            )?,
            Some(i.initiative_id),
        ),
        Record::Activity(a) => (None, Some(a.initiative_id)),
        _ => (None, None),
    };
    let initiative = match initiative {
        Some(i) => name_of("SELECT title FROM initiatives WHERE id = ?1", i.to_string())?,
        None => None,
    };
    let owner = match &stored.state.owner {
        Some(o) => name_of(
            "SELECT display_name FROM officers WHERE id = ?1",
            o.0.to_string(),
        )?,
        None => None,
    };
    let mut names = std::collections::HashMap::new();
    let mut participants = Vec::new();
    for p in record.participants() {
        if let Some(n) = name_of(
            "SELECT display_name FROM officers WHERE id = ?1",
            p.to_string(),
        )? {
            names.insert(p.to_string(), n.clone());
            participants.push(n);
        }
    }
    Ok(RecordView {
        id,
        record,
        sessions,
        first_received_at: stored.first_received_at,
        place,
        initiative,
        owner,
        participants,
        names,
        redactions: super::redaction::of_record(conn, id)?,
    })
}

/// A record's free text (`Record::free_text`), read from its document
/// without its history: for an export that asked for it with a purpose.
pub fn free_text(conn: &Connection, id: DocId) -> Result<String, Error> {
    let doc = documents::load(conn, id)?;
    let record = read_record(&doc).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(record.free_text())
}

/// A venue's name and licensee, for an inspection's protocol.
pub fn venue_names(conn: &Connection, venue: &str) -> Result<Option<(String, String)>, Error> {
    use crate::db::sql::OptionalExtension;
    conn.query_row(
        "SELECT name, licensee FROM venues WHERE id = ?1",
        [venue],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// Writes an opening of a record's details to the access log: of a record
/// that exists (else `NotFound`), for a purpose from the list.
/// An opening's purpose (one from the list) and case number (if any, as
/// `shared::access::case_number` takes it), checked before anything is
/// read or logged.
pub fn checked_opening(purpose: &str, case_number: &str) -> Result<Option<String>, Error> {
    if purpose_label(purpose).is_none() {
        return Err(Error::BadRequest {
            code: shared::sync::ErrorCode::BadPurpose,
            message: "choose why you open the record".into(),
        });
    }
    checked_case_number(case_number)
}

/// A case number as `shared::access::case_number` takes it, refused as a
/// bad request (openings, exports and erasures ask for one).
pub fn checked_case_number(case_number: &str) -> Result<Option<String>, Error> {
    shared::access::case_number(case_number).map_err(|e| Error::BadRequest {
        code: shared::sync::ErrorCode::BadCaseNumber,
        message: e.to_string(),
    })
}

pub fn log_access(
    conn: &Connection,
    coordinator: Uuid,
    id: DocId,
    purpose: &str,
    case_number: &str,
    now: Millis,
) -> Result<(), Error> {
    let stored = crate::db::documents::stored(conn, id)?.ok_or(Error::NotFound)?;
    let case_number = checked_opening(purpose, case_number)?;
    log_event(
        conn,
        coordinator,
        id,
        stored.state.municipality,
        purpose,
        case_number.as_deref(),
        now,
    )
}

#[derive(Debug, Clone)]
pub struct AccessRow {
    pub at: Millis,
    pub coordinator: String,
    pub doc_id: String,
    pub purpose: String,
    pub case_number: Option<String>,
    /// What the record is, for a reader of the log: its kind and place
    /// (hotspot or venue), when the follow-up has them.
    pub kind: Option<DocKind>,
    pub place: Option<String>,
}

/// What the access log can be narrowed to.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AccessFilter {
    /// A coordinator's id.
    pub coordinator: Option<String>,
    pub purpose: Option<String>,
    /// A record's id.
    pub record: Option<String>,
}

/// The access log, newest first, narrowed by the filter.
pub fn access_log(
    conn: &Connection,
    here: MunicipalityId,
    f: &AccessFilter,
    limit: usize,
) -> Result<Vec<AccessRow>, Error> {
    let some = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let mut stmt = conn.prepare_cached(
        "SELECT a.at, c.display_name, a.doc_id, a.purpose, a.case_number,
                CASE WHEN pv.doc_id IS NOT NULL THEN 'visit'
                     WHEN i.doc_id IS NOT NULL THEN 'inspection'
                     WHEN ac.doc_id IS NOT NULL THEN 'activity'
                     ELSE u.kind END,
                COALESCE(h.name, v.name, uh.name, uv.name)
         FROM access_log a
         JOIN coordinators c ON c.id = a.coordinator_id
         LEFT JOIN activities ac ON ac.doc_id = a.doc_id
         LEFT JOIN patrol_visits pv ON pv.doc_id = a.doc_id
         LEFT JOIN hotspots h ON h.id = pv.hotspot_id
         LEFT JOIN inspections i ON i.doc_id = a.doc_id
         LEFT JOIN venues v ON v.id = i.venue_id
         LEFT JOIN uncounted_records u ON u.doc_id = a.doc_id
         LEFT JOIN hotspots uh ON uh.id = u.place_id
         LEFT JOIN venues uv ON uv.id = u.place_id
         WHERE a.municipality = ?5 AND (?2 IS NULL OR a.coordinator_id = ?2)
           AND (?3 IS NULL OR a.purpose = ?3) AND (?4 IS NULL OR a.doc_id = ?4)
         ORDER BY a.id DESC LIMIT ?1",
    )?;
    let rows = stmt
        .query_map(
            params![
                limit as i64,
                some(&f.coordinator),
                some(&f.purpose),
                some(&f.record).map(|r| r.trim().to_lowercase()),
                here.0.to_string()
            ],
            |r| {
                Ok(AccessRow {
                    at: r.get(0)?,
                    coordinator: r.get(1)?,
                    doc_id: r.get(2)?,
                    purpose: r.get(3)?,
                    case_number: r.get(4)?,
                    kind: r
                        .get::<_, Option<String>>(5)?
                        .and_then(|k| DocKind::parse(&k)),
                    place: r.get(6)?,
                })
            },
        )?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The coordinators in the municipality's access log, for its filter:
/// (id, name).
pub fn coordinators(conn: &Connection, here: MunicipalityId) -> Result<Vec<Choice>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT c.id, c.display_name FROM coordinators c
           JOIN access_log a ON a.coordinator_id = c.id
          WHERE a.municipality = ?1 ORDER BY c.display_name",
    )?;
    let rows = stmt
        .query_map([here.0.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
