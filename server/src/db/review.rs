//! What coordinators review: the timeline of field records with filters,
//! one record with its edit history, and the access log that every opening
//! of a record's details writes to.

use rusqlite::{params, Connection};
use shared::domain::Millis;
use shared::follow_up::Period;
use shared::history::Edit;
use shared::record::{read_record, Record};
use shared::DocId;
use uuid::Uuid;

use super::{documents, reference};
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

/// The timeline's filters; each is an id (text) or absent.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Filter {
    pub period: Option<String>,
    pub kind: Option<String>,
    pub focus_area: Option<String>,
    pub initiative: Option<String>,
    pub hotspot: Option<String>,
    pub venue: Option<String>,
    pub officer: Option<String>,
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
}

/// Most rows a timeline shows; narrower filters show the rest.
pub const TIMELINE_LIMIT: usize = 500;

/// The period's field records matching the filter, newest first.
pub fn timeline(conn: &Connection, period: Period, f: &Filter) -> Result<Vec<TimelineRow>, Error> {
    let (start, end) = period.bounds_ms();
    let (first, end_date) = period.dates();
    let some = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let (initiative, officer) = (some(&f.initiative), some(&f.officer));
    let area = some(&f.focus_area);
    let (hotspot, venue) = (some(&f.hotspot), some(&f.venue));
    let kind = some(&f.kind);
    let wants = |k: &str| kind.as_deref().is_none_or(|x| x == k);
    let mut rows = Vec::new();
    let limit = TIMELINE_LIMIT as i64;
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
             WHERE p.started_at >= ?1 AND p.started_at < ?2
               AND (?3 IS NULL OR p.initiative_id = ?3) AND (?4 IS NULL OR p.{place_column} = ?4)
               AND (?5 IS NULL OR p.owner = ?5) AND (?7 IS NULL OR i.focus_area_id = ?7)
             ORDER BY p.started_at DESC LIMIT ?6"
        ))?;
        let found = stmt.query_map(
            params![start, end, initiative, place, officer, limit, area],
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
             WHERE p.date >= ?1 AND p.date < ?2
               AND (?3 IS NULL OR p.initiative_id = ?3) AND (?4 IS NULL OR p.owner = ?4)
               AND (?6 IS NULL OR i.focus_area_id = ?6)
             ORDER BY p.date DESC LIMIT ?5",
        )?;
        let found = stmt.query_map(
            params![first, end_date, initiative, officer, limit, area],
            |r| {
                let date: String = r.get(1)?;
                Ok(TimelineRow {
                    doc_id: r.get(0)?,
                    kind: "activity",
                    at: day_start(&date),
                    initiative: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    place: r.get(3)?,
                    officer: r.get(4)?,
                })
            },
        )?;
        for r in found {
            rows.push(r?);
        }
    }
    rows.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.doc_id.cmp(&b.doc_id)));
    rows.truncate(TIMELINE_LIMIT);
    Ok(rows)
}

fn row(r: &rusqlite::Row<'_>, kind: &'static str) -> rusqlite::Result<TimelineRow> {
    Ok(TimelineRow {
        doc_id: r.get(0)?,
        kind,
        at: r.get(1)?,
        initiative: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
        place: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
        officer: r.get(4)?,
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
/// officers.
pub fn choices(conn: &Connection) -> Result<[Vec<Choice>; 5], Error> {
    let list = |sql: &str| -> Result<Vec<Choice>, Error> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    };
    Ok([
        list("SELECT id, name FROM focus_areas ORDER BY position, name")?,
        list("SELECT id, title FROM initiatives ORDER BY position, title")?,
        list("SELECT id, name FROM hotspots ORDER BY name")?,
        list("SELECT id, name FROM venues ORDER BY name")?,
        list("SELECT id, display_name FROM officers ORDER BY display_name")?,
    ])
}

/// One record as a coordinator sees it.
#[derive(Debug, Clone)]
pub struct RecordView {
    pub id: DocId,
    pub record: Record,
    /// Each change with who made it (an officer's name, or "coordinator").
    pub history: Vec<(Edit, String)>,
    pub first_received_at: Millis,
}

pub fn record(conn: &Connection, id: DocId) -> Result<RecordView, Error> {
    let stored = documents::stored(conn, id)?.ok_or(Error::NotFound)?;
    let doc = documents::load(conn, id)?;
    let record = read_record(&doc).map_err(|e| Error::Internal(e.to_string()))?;
    let server_actor = reference::server_actor(conn)?.to_actor().to_hex_string();
    let mut who = conn.prepare_cached(
        "SELECT o.display_name FROM devices d JOIN officers o ON o.id = d.officer_id
         WHERE d.actor = ?1",
    )?;
    let mut history = Vec::new();
    for edit in shared::history::edit_history(&doc) {
        let name = if edit.actor == server_actor {
            "coordinator".to_string()
        } else {
            let actor = hex::decode(&edit.actor).unwrap_or_default();
            who.query_row([actor], |r| r.get::<_, String>(0))
                .unwrap_or_else(|_| "unknown device".to_string())
        };
        history.push((edit, name));
    }
    Ok(RecordView {
        id,
        record,
        history,
        first_received_at: stored.first_received_at,
    })
}

/// A venue's name and licensee, for an inspection's protocol.
pub fn venue_names(conn: &Connection, venue: &str) -> Result<Option<(String, String)>, Error> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT name, licensee FROM venues WHERE id = ?1",
            [venue],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Writes an opening of a record's details to the access log: of a record
/// that exists (else `NotFound`), for a purpose from the list.
pub fn log_access(
    conn: &Connection,
    coordinator: Uuid,
    id: DocId,
    purpose: &str,
    now: Millis,
) -> Result<(), Error> {
    crate::db::documents::stored(conn, id)?.ok_or(Error::NotFound)?;
    if purpose_label(purpose).is_none() {
        return Err(Error::BadRequest {
            code: shared::sync::ErrorCode::BadPurpose,
            message: "choose why you open the record".into(),
        });
    }
    conn.execute(
        "INSERT INTO access_log (at, coordinator_id, doc_id, purpose) VALUES (?1, ?2, ?3, ?4)",
        params![now, coordinator.to_string(), id.to_string(), purpose],
    )?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct AccessRow {
    pub at: Millis,
    pub coordinator: String,
    pub doc_id: String,
    pub purpose: String,
}

/// The access log, newest first.
pub fn access_log(conn: &Connection, limit: usize) -> Result<Vec<AccessRow>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.at, c.display_name, a.doc_id, a.purpose FROM access_log a
         JOIN coordinators c ON c.id = a.coordinator_id ORDER BY a.id DESC LIMIT ?1",
    )?;
    let rows = stmt
        .query_map([limit as i64], |r| {
            Ok(AccessRow {
                at: r.get(0)?,
                coordinator: r.get(1)?,
                doc_id: r.get(2)?,
                purpose: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
