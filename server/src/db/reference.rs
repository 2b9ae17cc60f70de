//! Coordinators' writes: reference data (hotspots, venues, the plan) is
//! changed on the server, with the server's own Automerge actor, and
//! reaches the devices through the same log as everything else.

use crate::db::sql::{params, Connection, OptionalExtension};
use automerge::{transaction::CommitOptions, AutoCommit};
use rand::{rngs::OsRng, RngCore};
use shared::domain::Millis;
use shared::record::{read_record, write_record, Record};
use shared::sync::changes::CheckedChange;
use shared::validation::{errors, validate};
use shared::{ActorKey, DocId, MunicipalityId};

use super::documents;
use super::ingest::{accept, Before, SqlReferences};
use crate::error::Error;

/// The server's actor for coordinators' edits, made on first use.
pub fn server_actor(conn: &Connection) -> Result<ActorKey, Error> {
    let existing: Option<Vec<u8>> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'server_actor'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(a) = existing {
        return Ok(ActorKey(a));
    }
    let mut a = vec![0u8; 16];
    OsRng.fill_bytes(&mut a);
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('server_actor', ?1)",
        params![a],
    )?;
    Ok(ActorKey(a))
}

/// Creates or edits a record as a coordinator: `edit` gets the current
/// record (none for a new document) and returns the new one. The record is
/// validated like any other; a failing one is refused with the reasons.
/// A hotspot, venue or plan is placed in `municipality` when it is new
/// and stays in the one it was made in (`shared::municipality::may_move`).
pub fn save(
    conn: &Connection,
    id: DocId,
    now: Millis,
    municipality: Option<MunicipalityId>,
    edit: impl FnOnce(Option<Record>) -> Record,
) -> Result<Record, Error> {
    let existing = documents::load(conn, id)?;
    let stored = documents::stored(conn, id)?;
    let before = if stored.is_some() {
        read_record(&existing).ok()
    } else {
        None
    };
    let was = before.as_ref().and_then(shared::municipality::of_reference);
    let mut record = edit(before);
    if let Some(m) = was.or(municipality) {
        set_municipality(&mut record, m);
    }
    let is_reference = matches!(
        record,
        Record::Hotspot(_) | Record::Venue(_) | Record::PromisePlan(_) | Record::Directory(_)
    );
    if is_reference
        && !shared::municipality::may_move(was, shared::municipality::of_reference(&record))
    {
        return Err(Error::BadRequest {
            code: shared::sync::ErrorCode::Invalid,
            message: "hotspots, venues and plans belong to a municipality: choose one first".into(),
        });
    }
    let problems = validate(&record, &SqlReferences::new(conn));
    let errs: Vec<String> = errors(&problems).map(|p| p.to_string()).collect();
    if !errs.is_empty() {
        return Err(Error::BadRequest {
            code: shared::sync::ErrorCode::Invalid,
            message: errs.join("; "),
        });
    }
    write(conn, id, now, existing, stored, record)
}

/// Writes a hotspot's, venue's or plan's municipality into the record.
pub fn set_municipality(record: &mut Record, m: MunicipalityId) {
    match record {
        Record::Hotspot(h) => h.municipality_id = Some(m.0),
        Record::Venue(v) => v.municipality_id = Some(m.0),
        Record::PromisePlan(p) => p.municipality_id = Some(m.0),
        Record::Directory(d) => d.municipality_id = Some(m.0),
        _ => {}
    }
}

/// Commits `record` over `existing` as the server's change and takes it
/// in (log, readers, follow-up rows). Validation is the caller's.
pub fn write(
    conn: &Connection,
    id: DocId,
    now: Millis,
    existing: automerge::Automerge,
    stored: Option<documents::StoredDoc>,
    record: Record,
) -> Result<Record, Error> {
    let actor = server_actor(conn)?;
    let mut doc = AutoCommit::load(&existing.save())
        .map_err(Error::internal)?
        .with_actor(actor.to_actor());
    write_record(&mut doc, &record).map_err(Error::internal)?;
    if doc
        .commit_with(CommitOptions::default().with_time(now / 1000))
        .is_none()
    {
        return Ok(record); // Nothing changed.
    }
    let change = doc
        .get_last_local_change()
        .ok_or_else(|| Error::internal("commit made no change"))?;
    let checked = CheckedChange {
        hash: change.hash().0,
        actor: actor.clone(),
        change,
    };
    documents::append_changes(conn, id, &[checked], now)?;
    // Not looked for: its rows, if any, are replaced.
    let before = match stored {
        Some(_) => Before::Accepted,
        None => Before::MaybeRows,
    };
    let first = stored.map(|s| s.first_received_at).unwrap_or(now);
    let municipality = super::projection::municipality_of(conn, &record);
    accept(conn, id, &record, None, municipality, before, first, now)?;
    Ok(record)
}

/// Republishes each municipality's directory of officers (those who work
/// there) and their devices' actors, so that devices can name participants
/// and tell who changed a record. Called whenever an officer, a device or
/// where an officer works changes; a directory that did not change gets no
/// change.
pub fn publish_directory(conn: &Connection, now: Millis) -> Result<(), Error> {
    for m in super::municipalities::all(conn)? {
        publish_directory_of(conn, m.id, now)?;
    }
    Ok(())
}

fn publish_directory_of(conn: &Connection, m: MunicipalityId, now: Millis) -> Result<(), Error> {
    use shared::domain::{Directory, DirectoryEntry, Organisation};
    let key = format!("directory_doc:{m}");
    let known = |key: &str| -> Result<Option<DocId>, Error> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| {
            r.get::<_, Vec<u8>>(0)
        })
        .optional()?
        .map(|raw| {
            DocId::from_slice(&raw).ok_or_else(|| Error::internal("directory id is not 16 bytes"))
        })
        .transpose()
    };
    let id = match known(&key)? {
        Some(id) => id,
        None => {
            // The one directory of a store from before municipalities
            // becomes its first municipality's, which every officer works in.
            let id = match known("directory_doc")? {
                Some(legacy) => {
                    conn.execute("DELETE FROM meta WHERE key = 'directory_doc'", [])?;
                    legacy
                }
                None => DocId::random(),
            };
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                params![key, id.as_bytes()],
            )?;
            id
        }
    };
    let mut officers = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT o.id, o.display_name, o.organisation FROM officers o
           JOIN officer_municipalities om ON om.officer_id = o.id
          WHERE om.municipality_id = ?1 ORDER BY o.display_name, o.id",
    )?;
    let rows: Vec<(String, String, String)> = stmt
        .query_map([m.0.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut actors = conn
        .prepare_cached("SELECT actor FROM devices WHERE officer_id = ?1 ORDER BY enrolled_at")?;
    for (officer, name, org) in rows {
        let list: Vec<Vec<u8>> = actors
            .query_map([&officer], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        officers.push(DirectoryEntry {
            id: uuid::Uuid::parse_str(&officer).map_err(Error::internal)?,
            name,
            organisation: Organisation::parse(&org).unwrap_or(Organisation::Police),
            actors: list.iter().map(hex::encode).collect(),
        });
    }
    save(conn, id, now, Some(m), |_| {
        Record::Directory(Directory {
            officers,
            municipality_id: Some(m.0),
        })
    })?;
    Ok(())
}

/// Every document of a reference kind in a municipality, with its record,
/// ordered by name.
fn records_of_kind(
    conn: &Connection,
    kind: shared::DocKind,
    municipality: MunicipalityId,
) -> Result<Vec<(uuid::Uuid, Record)>, Error> {
    let mut stmt = conn.prepare("SELECT id FROM docs WHERE kind = ?1 AND municipality = ?2")?;
    let ids: Vec<Vec<u8>> = stmt
        .query_map(params![kind.as_str(), municipality.0.to_string()], |r| {
            r.get(0)
        })?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for raw in ids {
        let id = DocId::from_slice(&raw)
            .ok_or_else(|| Error::internal("document id is not 16 bytes"))?;
        let record = read_record(&documents::load(conn, id)?).map_err(Error::internal)?;
        out.push((id.0, record));
    }
    let name = |r: &Record| match r {
        Record::Hotspot(h) => h.name.clone(),
        Record::Venue(v) => v.name.clone(),
        _ => String::new(),
    };
    out.sort_by_key(|(_, r)| name(r));
    Ok(out)
}

/// Imports rows read from a CSV file (`shared::reference_csv`) as one
/// unit: an id must name a document of the same kind, or the row is
/// reported; with any bad row (`bad`, from reading, and these) nothing is
/// written. Returns how many rows were written, or every bad row by line.
/// New rows are placed in `municipality`; an id must name one of its
/// documents (another municipality's is "unknown", and left untouched).
pub fn import(
    conn: &Connection,
    kind: shared::DocKind,
    rows: shared::reference_csv::Imported<Record>,
    mut bad: Vec<shared::reference_csv::RowError>,
    municipality: MunicipalityId,
    now: Millis,
) -> Result<Result<usize, Vec<shared::reference_csv::RowError>>, Error> {
    for (line, id, _) in &rows {
        if let Some(id) = id {
            let known: Option<(String, Option<String>)> = conn
                .query_row(
                    "SELECT kind, municipality FROM docs WHERE id = ?1",
                    [id.as_bytes()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let here = municipality.0.to_string();
            if known.as_ref().map(|(k, m)| (k.as_str(), m.as_deref()))
                != Some((kind.as_str(), Some(here.as_str())))
            {
                bad.push(shared::reference_csv::RowError {
                    line: *line,
                    problem: shared::reference_csv::RowProblem::UnknownId {
                        kind: kind.as_str(),
                        id: *id,
                    },
                });
            }
        }
    }
    if !bad.is_empty() {
        bad.sort_by_key(|r| r.line);
        return Ok(Err(bad));
    }
    let n = rows.len();
    for (_, id, record) in rows {
        let id = id.map(DocId).unwrap_or_else(DocId::random);
        save(conn, id, now, Some(municipality), move |before| {
            match (before, record) {
                // An update keeps what the file does not carry: the initiative a
                // hotspot's patrols count toward, and the demo mark.
                (Some(Record::Hotspot(old)), Record::Hotspot(mut new)) => {
                    new.initiative_id = old.initiative_id;
                    new.demo = old.demo;
                    Record::Hotspot(new)
                }
                (Some(Record::Venue(old)), Record::Venue(mut new)) => {
                    new.demo = old.demo;
                    Record::Venue(new)
                }
                (_, record) => record,
            }
        })?;
    }
    Ok(Ok(n))
}

/// The municipality's promise plan: its document id and record, if there
/// is one.
pub fn current_plan(
    conn: &Connection,
    municipality: MunicipalityId,
) -> Result<Option<(uuid::Uuid, shared::domain::PromisePlan)>, Error> {
    Ok(
        records_of_kind(conn, shared::DocKind::PromisePlan, municipality)?
            .into_iter()
            .find_map(|(id, r)| match r {
                Record::PromisePlan(p) => Some((id, p)),
                _ => None,
            }),
    )
}

/// Every hotspot of a municipality with its document id, by name.
pub fn hotspots(
    conn: &Connection,
    municipality: MunicipalityId,
) -> Result<Vec<(uuid::Uuid, shared::domain::Hotspot)>, Error> {
    Ok(
        records_of_kind(conn, shared::DocKind::Hotspot, municipality)?
            .into_iter()
            .filter_map(|(id, r)| match r {
                Record::Hotspot(h) => Some((id, h)),
                _ => None,
            })
            .collect(),
    )
}

/// Every venue of a municipality with its document id, by name.
pub fn venues(
    conn: &Connection,
    municipality: MunicipalityId,
) -> Result<Vec<(uuid::Uuid, shared::domain::Venue)>, Error> {
    Ok(records_of_kind(conn, shared::DocKind::Venue, municipality)?
        .into_iter()
        .filter_map(|(id, r)| match r {
            Record::Venue(v) => Some((id, v)),
            _ => None,
        })
        .collect())
}

/// Imports a promise plan read from CSV (`shared::reference_csv::read_plan`)
/// over the current one. An initiative that hotspots or records count
/// toward cannot be left out (their follow-up would lose its line): each
/// such one is reported, and nothing is written.
pub fn import_plan(
    conn: &Connection,
    text: &str,
    municipality: MunicipalityId,
    now: Millis,
) -> Result<Result<usize, Vec<shared::reference_csv::RowError>>, Error> {
    let current = current_plan(conn, municipality)?;
    let (plan, mut bad) = shared::reference_csv::read_plan(text, current.as_ref().map(|c| &c.1));
    if let Some((_, old)) = &current {
        let kept: Vec<uuid::Uuid> = plan
            .iter()
            .flat_map(|p| p.initiatives().map(|(_, i)| i.id))
            .collect();
        for (_, gone) in old.initiatives().filter(|(_, i)| !kept.contains(&i.id)) {
            let uses: i64 = conn.query_row(
                "SELECT (SELECT count(*) FROM hotspots WHERE initiative_id = ?1)
                      + (SELECT count(*) FROM patrol_visits WHERE initiative_id = ?1)
                      + (SELECT count(*) FROM inspections WHERE initiative_id = ?1)
                      + (SELECT count(*) FROM activities WHERE initiative_id = ?1)
                      + (SELECT count(*) FROM uncounted_records WHERE initiative_id = ?1)",
                [gone.id.to_string()],
                |r| r.get(0),
            )?;
            if plan.is_some() && uses > 0 {
                bad.push(shared::reference_csv::RowError {
                    line: 1,
                    problem: shared::reference_csv::RowProblem::InitiativeInUse {
                        title: gone.title.clone(),
                        uses,
                    },
                });
            }
        }
    }
    match plan {
        Some(plan) if bad.is_empty() => {
            let n = plan.initiatives().count();
            let id = current.map(|c| DocId(c.0)).unwrap_or_else(DocId::random);
            save(conn, id, now, Some(municipality), move |_| {
                Record::PromisePlan(plan)
            })?;
            Ok(Ok(n))
        }
        _ => {
            bad.sort_by_key(|r| r.line);
            Ok(Err(bad))
        }
    }
}
