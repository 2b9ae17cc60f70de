//! Writes the follow-up rows of one document (computed by
//! `shared::projection`) into the follow-up tables, and rebuilds all of them
//! from the documents.

use crate::db::sql::{params, Connection, OptionalExtension as _};
use shared::domain::Millis;
use shared::projection::{project, Projection, ServerMeta};
use shared::record::{read_record, Record};
use shared::{DocId, MunicipalityId};

use super::{documents, schema, venue_list};
use crate::error::Error;

fn officer(o: Option<shared::OfficerId>) -> Option<String> {
    o.map(|o| o.0.to_string())
}

fn text(m: Option<MunicipalityId>) -> Option<String> {
    m.map(|m| m.0.to_string())
}

/// The tables a field record's rows are in, keyed by its `doc_id`.
pub const FIELD_RECORD_TABLES: &[&str] = &[
    "patrol_visits",
    "inspections",
    "inspection_findings",
    "activities",
    "uncounted_records",
];

/// Replaces the rows a document contributes. A field record moves between
/// the counted tables and `uncounted_records` as its state changes, so the
/// write takes it out of the other place first. `fresh`: no row of
/// [`FIELD_RECORD_TABLES`] names the document (the caller has just read
/// that), so there is nothing to take out or replace: its rows are only
/// added (three statements fewer for a new record, each a round trip's
/// worth of work on PostgreSQL).
pub fn write(conn: &Connection, p: &Projection, fresh: bool) -> Result<(), Error> {
    // What the phones' venue list says of this inspection before and after
    // (`venue_list`): its tag changes only when that does, so editing a
    // draft or a finding sends no phone a new list.
    let venue_fact = |id: DocId| -> Result<Option<(String, Millis, String)>, Error> {
        conn.prepare_cached(
            "SELECT venue_id, started_at, follow_up FROM inspections WHERE doc_id = ?1",
        )?
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()
    };
    let (inspection, fact_after) = match p {
        Projection::Inspection { row, .. } => (
            Some(row.doc_id),
            Some((
                row.venue_id.to_string(),
                row.started_at,
                row.follow_up.to_string(),
            )),
        ),
        Projection::Uncounted(u) if u.kind == shared::DocKind::Inspection => (Some(u.doc_id), None),
        _ => (None, None),
    };
    if let Some(id) = inspection {
        let before = if fresh { None } else { venue_fact(id)? };
        if before != fact_after {
            venue_list::changed(conn)?;
        }
    }
    let field_record = match p {
        Projection::Visit(v) => Some(v.doc_id),
        Projection::Inspection { row, .. } => Some(row.doc_id),
        Projection::Activity(a) => Some(a.doc_id),
        Projection::Uncounted(u) => Some(u.doc_id),
        _ => None,
    };
    if let Some(id) = field_record.filter(|_| !fresh) {
        let id = id.to_string();
        let uncounted = matches!(p, Projection::Uncounted(_));
        let tables: &[&str] = if uncounted {
            &[
                "patrol_visits",
                "inspections",
                "inspection_findings",
                "activities",
            ]
        } else {
            &["uncounted_records"]
        };
        for t in tables {
            // Table names are the constants above, never input.
            conn.execute_pipelined(&format!("DELETE FROM {t} WHERE doc_id = ?1"), [&id])?;
        }
    }
    match p {
        Projection::Nothing => {}
        Projection::Hotspot(h) => {
            conn.replace(
                "hotspots",
                "id",
                "INSERT INTO hotspots VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    h.id.to_string(),
                    h.name,
                    h.lat,
                    h.lon,
                    h.radius_m,
                    h.visits_per_week,
                    h.minutes_per_week,
                    h.initiative_id.to_string(),
                    h.active_from,
                    h.active_to,
                    h.demo,
                    text(h.municipality)
                ],
            )?;
        }
        Projection::Venue(v) => {
            conn.replace(
                "venues",
                "id",
                "INSERT INTO venues VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    v.id.to_string(),
                    v.name,
                    v.licensee,
                    v.opens,
                    v.closes,
                    v.security_staff_required,
                    v.late_hours,
                    v.dancing,
                    v.outdoor_area,
                    v.risk,
                    v.demo,
                    text(v.municipality)
                ],
            )?;
        }
        Projection::Plan {
            plan,
            focus_areas,
            initiatives,
        } => {
            let id = plan.id.to_string();
            conn.replace(
                "plans",
                "id",
                "INSERT INTO plans VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id,
                    plan.municipality,
                    plan.period_start,
                    plan.period_end,
                    plan.demo,
                    text(plan.municipality_id)
                ],
            )?;
            conn.execute_pipelined("DELETE FROM focus_areas WHERE plan_id = ?1", [&id])?;
            conn.execute_pipelined("DELETE FROM initiatives WHERE plan_id = ?1", [&id])?;
            for f in focus_areas {
                conn.replace(
                    "focus_areas",
                    "id",
                    "INSERT INTO focus_areas VALUES (?1, ?2, ?3, ?4)",
                    params![f.id.to_string(), id, f.name, f.position],
                )?;
            }
            for i in initiatives {
                conn.replace(
                    "initiatives",
                    "id",
                    "INSERT INTO initiatives VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    params![
                        i.id.to_string(),
                        id,
                        i.focus_area_id.to_string(),
                        i.title,
                        i.owner,
                        i.target_at_least,
                        i.target_unit,
                        i.target_per,
                        i.counts,
                        i.position
                    ],
                )?;
            }
        }
        Projection::Visit(v) => {
            add_or_replace(conn, fresh, "patrol_visits", "INSERT INTO patrol_visits VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)", params![v.doc_id.to_string(), v.hotspot_id.to_string(), v.initiative_id.to_string(), officer(v.owner),
                v.started_at, v.ended_at, v.duration_s, v.in_dosage_window, v.officers_count, v.contacts, v.interventions,
                v.problems, v.inside_at_start, v.inside_at_end, v.received_at, text(v.municipality)])?;
        }
        Projection::Inspection { row, findings } => {
            let id = row.doc_id.to_string();
            add_or_replace(conn, fresh, "inspections", "INSERT INTO inspections VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", params![id, row.venue_id.to_string(), row.initiative_id.to_string(), officer(row.owner),
                    row.started_at, row.ended_at, row.follow_up, row.remarks, row.police_participants,
                    row.municipal_participants, row.received_at, text(row.municipality)])?;
            if !fresh {
                conn.execute_pipelined("DELETE FROM inspection_findings WHERE doc_id = ?1", [&id])?;
            }
            for f in findings {
                conn.execute_pipelined(
                    "INSERT INTO inspection_findings VALUES (?1, ?2, ?3, ?4)",
                    params![id, f.item, f.answer, f.has_comment],
                )?;
            }
        }
        Projection::Activity(a) => {
            add_or_replace(
                conn,
                fresh,
                "activities",
                "INSERT INTO activities VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    a.doc_id.to_string(),
                    a.initiative_id.to_string(),
                    officer(a.owner),
                    a.date,
                    a.kind,
                    a.people_reached,
                    a.received_at,
                    text(a.municipality)
                ],
            )?;
        }
        Projection::Uncounted(u) => {
            add_or_replace(
                conn,
                fresh,
                "uncounted_records",
                "INSERT INTO uncounted_records VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    u.doc_id.to_string(),
                    u.kind.as_str(),
                    u.state.as_str(),
                    u.at,
                    u.initiative_id.to_string(),
                    u.place_id.map(|p| p.to_string()),
                    officer(u.owner),
                    u.received_at,
                    text(u.municipality)
                ],
            )?;
        }
    }
    Ok(())
}

/// A field record's row in `table` (keyed by `doc_id`, the first
/// parameter): added when the record is fresh, else put in place of the
/// one there.
fn add_or_replace<P: crate::db::sql::Params>(
    conn: &Connection,
    fresh: bool,
    table: &str,
    insert: &str,
    params: P,
) -> Result<(), Error> {
    if fresh {
        conn.execute_pipelined(insert, params)
    } else {
        conn.replace(table, "doc_id", insert, params)
    }
}

/// Projects one record into the follow-up tables: the one path both
/// ingest and `rebuild` take, so that a rebuild gives identical rows.
/// Returns the rows written.
/// `municipality`: the one it belongs to ([`municipality_of`]); `fresh`:
/// as [`write`]'s.
pub fn write_record(
    conn: &Connection,
    id: DocId,
    owner: Option<shared::OfficerId>,
    first_received_at: Millis,
    municipality: Option<MunicipalityId>,
    record: &Record,
    fresh: bool,
) -> Result<Projection, Error> {
    let meta = ServerMeta {
        doc_id: id,
        owner,
        first_received_at,
        municipality,
    };
    let rows = project(&meta, record);
    write(conn, &rows, fresh)?;
    Ok(rows)
}

/// The municipality a record belongs to, by `shared::municipality`'s rule,
/// its places looked up in the follow-up tables (as ingest looks them up).
/// A failing lookup is "unknown": the record then belongs to no
/// municipality, which no page shows, never to a wrong one.
pub fn municipality_of(conn: &Connection, record: &Record) -> Option<MunicipalityId> {
    shared::municipality::of_record(record, &super::ingest::SqlReferences::new(conn))
}

/// Empties the follow-up tables and fills them again from the documents.
/// Returns how many documents were projected.
pub fn rebuild(conn: &Connection) -> Result<usize, Error> {
    // Live rows come again from the documents; the kept figures of erased
    // records (`kept_rows`) have no document and stay. (An upgrade that
    // rebuilds before the version that made `kept_rows` has none.)
    let has_kept = conn.has_table("kept_rows")?;
    for t in schema::FOLLOW_UP_TABLES {
        if has_kept && schema::KEPT_TABLES.contains(t) {
            conn.execute(
                &format!("DELETE FROM {t} WHERE doc_id NOT IN (SELECT doc_id FROM kept_rows)"),
                [],
            )?;
        } else {
            conn.execute(&format!("DELETE FROM {t}"), [])?;
        }
    }
    let ids: Vec<(Vec<u8>, Option<String>, i64)> = {
        // Reference data first: a record's municipality is its place's.
        let mut stmt = conn.prepare(
            "SELECT id, owner, first_received_at FROM docs
              ORDER BY kind NOT IN ('plan', 'hotspot', 'venue'), id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut n = 0;
    for (id, owner, first_received_at) in ids {
        let id = DocId::from_slice(&id)
            .ok_or_else(|| Error::internal("a stored document id is not 16 bytes"))?;
        let doc = documents::load(conn, id)?;
        // A stored document that no longer reads is left out of the
        // follow-up rather than stopping the rebuild; it stays in the log.
        let Ok(record) = read_record(&doc) else {
            tracing::warn!(doc = %id, "stored document does not read as a record; left out of follow-up");
            continue;
        };
        let owner = owner
            .map(|o| uuid::Uuid::parse_str(&o).map(shared::OfficerId))
            .transpose()
            .map_err(Error::internal)?;
        let municipality = municipality_of(conn, &record);
        // Not fresh: kept figures of erased records stay in the tables.
        write_record(
            conn,
            id,
            owner,
            first_received_at,
            municipality,
            &record,
            false,
        )?;
        // The document's row keeps the answer too (`documents::upsert`).
        conn.execute(
            "UPDATE docs SET municipality = ?2 WHERE id = ?1",
            params![id.as_bytes(), text(municipality)],
        )?;
        n += 1;
    }
    Ok(n)
}

/// Every follow-up row, as text, in a stable order: what a rebuild must
/// reproduce exactly.
pub fn dump(conn: &Connection) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for t in schema::FOLLOW_UP_TABLES {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {t} ORDER BY 1, 2"))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let mut line = format!("{t}:");
            // PostgreSQL's tables carry SQLite's rowid as a column of
            // their own (`schema::translate`); it is not the row's content.
            for i in (0..r.len()).filter(|i| r.name(*i) != "rowid") {
                let v: crate::db::sql::Value = r.get(i)?;
                line.push_str(&format!(" {v:?}"));
            }
            out.push(line);
        }
    }
    Ok(out)
}
