//! The documents themselves: the change log, the per-document row, and who
//! may read each one. A document is rebuilt from its changes whenever the
//! server needs its content; the log is the truth. Only accepted documents
//! have a row and changes in the log (held changes wait in `held.rs`).

use std::collections::HashSet;

use crate::db::sql::{params, Connection, OptionalExtension, Row, Value};
use automerge::{Automerge, Change};
use shared::access::{readers, DocState, Readers};
use shared::domain::Millis;
use shared::sync::changes::CheckedChange;
use shared::sync::cursor::{next_check, GENESIS};
use shared::{DocId, DocKind, MunicipalityId, OfficerId};
use uuid::Uuid;

use crate::error::Error;

/// The server's row for an accepted document, with its participants.
#[derive(Debug, Clone)]
pub struct StoredDoc {
    pub state: DocState,
    pub first_received_at: Millis,
}

fn parse_officer(s: Option<String>) -> Result<Option<OfficerId>, Error> {
    s.map(|s| Uuid::parse_str(&s).map(OfficerId).map_err(Error::internal))
        .transpose()
}

/// The server's knowledge of an accepted document, or none if it has
/// never accepted it.
pub fn stored(conn: &Connection, id: DocId) -> Result<Option<StoredDoc>, Error> {
    type Row = (String, Option<String>, Millis, Option<String>);
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT kind, owner, first_received_at, municipality FROM docs WHERE id = ?1",
        )?
        .query_row([id.as_bytes()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((kind, owner, first_received_at, municipality)) = row else {
        return Ok(None);
    };
    stored_doc(conn, id, kind, owner, first_received_at, municipality).map(Some)
}

/// What taking in a pushed document first needs to know of it, read in
/// one statement (each is a round trip on PostgreSQL).
pub struct FirstLook {
    /// Its accepted row; none if never accepted.
    pub stored: Option<StoredDoc>,
    /// Its epoch (`redaction`); 0 when never redacted.
    pub epoch: u32,
    /// Whether changes of it are held (`held`).
    pub has_held: bool,
    /// Whether it is in the erasure ledger (`erasure::is_erased`).
    pub erased: bool,
    /// Whether a row of the field records' follow-up tables names it
    /// (`projection::FIELD_RECORD_TABLES`).
    pub has_rows: bool,
}

/// [`first_look`]'s statement.
static FIRST_LOOK: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    // One subquery over all of them: each subquery costs PostgreSQL an
    // executor of its own per run.
    let rows: Vec<String> = super::projection::FIELD_RECORD_TABLES
        .iter()
        .map(|t| format!("SELECT 1 FROM {t} WHERE doc_id = ?2"))
        .collect();
    format!(
        "SELECT d.kind, d.owner, d.first_received_at, d.municipality, d.epoch,
                EXISTS (SELECT 1 FROM held_changes WHERE doc_id = ?1),
                EXISTS (SELECT 1 FROM ledger.erasures WHERE doc_id = ?1),
                EXISTS ({})
           FROM (SELECT 1 AS one) o LEFT JOIN docs d ON d.id = ?1",
        rows.join(" UNION ALL ")
    )
});

pub fn first_look(conn: &Connection, id: DocId) -> Result<FirstLook, Error> {
    first_looks(conn, &[id])?.pop().ok_or(Error::NoRows)
}

/// [`first_look`] of several documents, asked together (one round trip on
/// PostgreSQL, where a sync of 200 records would otherwise wait 200 times).
/// Each answer holds until the document itself is written.
pub fn first_looks(conn: &Connection, ids: &[DocId]) -> Result<Vec<FirstLook>, Error> {
    let queries: Vec<(&str, Vec<Value>)> = ids
        .iter()
        .map(|id| (FIRST_LOOK.as_str(), first_look_params(*id)))
        .collect();
    let answers = conn.query_many(&queries)?;
    ids.iter()
        .zip(answers)
        .map(|(id, rows)| look_from(conn, *id, rows.first().ok_or(Error::NoRows)?))
        .collect()
}

fn first_look_params(id: DocId) -> Vec<Value> {
    vec![
        Value::Blob(id.as_bytes().to_vec()),
        Value::Text(id.to_string()),
    ]
}

fn look_from(conn: &Connection, id: DocId, r: &Row) -> Result<FirstLook, Error> {
    let kind: Option<String> = r.get(0)?;
    let first: Option<Millis> = r.get(2)?;
    let stored = match (kind, first) {
        (Some(kind), Some(first)) => Some(stored_doc(conn, id, kind, r.get(1)?, first, r.get(3)?)?),
        _ => None,
    };
    Ok(FirstLook {
        stored,
        epoch: r.get::<_, Option<u32>>(4)?.unwrap_or(0),
        has_held: r.get(5)?,
        erased: r.get(6)?,
        has_rows: r.get(7)?,
    })
}

fn stored_doc(
    conn: &Connection,
    id: DocId,
    kind: String,
    owner: Option<String>,
    first_received_at: Millis,
    municipality: Option<String>,
) -> Result<StoredDoc, Error> {
    let kind = DocKind::parse(&kind)
        .ok_or_else(|| Error::Internal(format!("stored document {id} has kind {kind:?}")))?;
    Ok(StoredDoc {
        state: DocState {
            kind,
            owner: parse_officer(owner)?,
            participants: participants(conn, id)?,
            municipality: municipality
                .map(|m| Uuid::parse_str(&m).map(MunicipalityId))
                .transpose()
                .map_err(Error::internal)?,
        },
        first_received_at,
    })
}

/// The municipality a document belongs to, as stored when it was
/// accepted; none for an unknown document.
pub fn municipality(conn: &Connection, id: DocId) -> Result<Option<MunicipalityId>, Error> {
    let m: Option<Option<String>> = conn
        .prepare_cached("SELECT municipality FROM docs WHERE id = ?1")?
        .query_row([id.as_bytes()], |r| r.get(0))
        .optional()?;
    Ok(m.flatten()
        .and_then(|m| Uuid::parse_str(&m).ok())
        .map(MunicipalityId))
}

/// The readers the rows name: the participants other than the owner.
pub fn participants(conn: &Connection, id: DocId) -> Result<Vec<Uuid>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT officer_id FROM doc_access WHERE doc_id = ?1 ORDER BY officer_id",
    )?;
    let ids = stmt.query_map([id.as_bytes()], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for s in ids {
        out.push(Uuid::parse_str(&s?).map_err(Error::internal)?);
    }
    Ok(out)
}

/// The raw changes of a document in log order.
pub fn change_bytes(conn: &Connection, id: DocId) -> Result<Vec<Vec<u8>>, Error> {
    let mut stmt =
        // Emptied rows are an erased or redacted past (`erasure`,
        // `redaction`): positions only.
        conn.prepare_cached(
            "SELECT bytes FROM changes WHERE doc_id = ?1 AND length(bytes) > 0 ORDER BY seq",
        )?;
    let rows = stmt.query_map([id.as_bytes()], |r| r.get::<_, Vec<u8>>(0))?;
    rows.collect::<Result<_, _>>()
}

/// Rebuilds a document from its stored changes.
pub fn load(conn: &Connection, id: DocId) -> Result<Automerge, Error> {
    let mut doc = Automerge::new();
    let mut changes = Vec::new();
    for bytes in change_bytes(conn, id)? {
        // These bytes parsed when they were accepted; failing now means the
        // file was damaged, which the operator must hear about.
        changes.push(
            Change::from_bytes(bytes).map_err(|e| {
                Error::Internal(format!("stored change of {id} does not parse: {e}"))
            })?,
        );
    }
    doc.apply_changes(changes)
        .map_err(|e| Error::Internal(format!("stored changes of {id} do not apply: {e}")))?;
    Ok(doc)
}

/// The log's last position and check value.
pub fn head(conn: &Connection) -> Result<(u64, Vec<u8>), Error> {
    let row: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, chain FROM changes ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row
        .map(|(s, c)| (s as u64, c))
        .unwrap_or((0, GENESIS.to_vec())))
}

/// The check value at a position, if the log reaches that far.
pub fn check_at(conn: &Connection, seq: u64) -> Result<Option<Vec<u8>>, Error> {
    if seq == 0 {
        return Ok(Some(GENESIS.to_vec()));
    }
    conn.query_row(
        "SELECT chain FROM changes WHERE seq = ?1",
        [seq as i64],
        |r| r.get(0),
    )
    .optional()
}

/// Appends new changes to the log.
pub fn append_changes(
    conn: &Connection,
    id: DocId,
    changes: &[CheckedChange],
    now: Millis,
) -> Result<(), Error> {
    // The log's last check value, read once per writing transaction and
    // carried forward from there: only appends here change it, and every
    // writer holds the log's lock (`sql::LOG_LOCK`) until it commits.
    let mut check = match conn.remembered(LOG_CHECK) {
        Some(check) => check,
        None => head(conn)?.1,
    };
    for c in changes {
        check = next_check(&check, &c.hash).to_vec();
        conn.execute_pipelined(
            "INSERT INTO changes (doc_id, hash, actor, bytes, received_at, chain) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
            id.as_bytes(),
            &c.hash[..],
            &c.actor.0,
            c.change.raw_bytes(),
            now,
            &check
        ],
        )?;
    }
    conn.remember(LOG_CHECK, check);
    Ok(())
}

/// [`append_changes`]'s key for the log's last check value.
const LOG_CHECK: &str = "log check";

/// `access::readers` in the form the tables keep it.
struct StoredReaders {
    /// Every device.
    every_device: bool,
    /// The officers working in the `municipality` column's municipality.
    municipality_reads: bool,
    /// The owner (who has the `owner` column already).
    owner_reads: bool,
    /// Rows for the other readers.
    others: Vec<OfficerId>,
}

/// The outgoing query combines these stored answers and decides nothing
/// itself.
fn stored_form(state: &DocState) -> StoredReaders {
    let mut out = StoredReaders {
        every_device: false,
        municipality_reads: false,
        owner_reads: false,
        others: Vec::new(),
    };
    match readers(state) {
        Readers::EveryDevice => out.every_device = true,
        // The municipality column is `state.municipality`, which the
        // rule named.
        Readers::Municipality(_) => out.municipality_reads = true,
        Readers::Officers(list) => {
            out.owner_reads = state.owner.is_some_and(|o| list.contains(&o));
            out.others = list
                .into_iter()
                .filter(|o| Some(*o) != state.owner)
                .collect();
        }
    }
    out
}

/// Creates or updates an accepted document's row and who may read it. The
/// owner and first-received time are set once and never change. `new`:
/// the document had no row (the caller has just read that).
pub fn upsert(
    conn: &Connection,
    id: DocId,
    state: &DocState,
    new: bool,
    first_received_at: Millis,
    now: Millis,
) -> Result<(), Error> {
    let StoredReaders {
        every_device,
        municipality_reads,
        owner_reads,
        others,
    } = stored_form(state);
    conn.execute_pipelined(
        "INSERT INTO docs (id, kind, owner, first_received_at, last_changed_at, every_device, owner_reads,
                           municipality, municipality_reads)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, last_changed_at = excluded.last_changed_at,
            every_device = excluded.every_device, owner_reads = excluded.owner_reads,
            municipality = excluded.municipality, municipality_reads = excluded.municipality_reads",
        params![
        id.as_bytes(),
        state.kind.as_str(),
        state.owner.map(|o| o.0.to_string()),
        first_received_at,
        now,
        every_device,
        owner_reads,
            state.municipality.map(|m| m.0.to_string()),
            municipality_reads
        ],
    )?;
    // Readers of a new document get all of it through the log after their
    // cursor; only a reader added later needs the whole history at once
    // (`granted_seq` past their cursor, see `outgoing`).
    if new && others.is_empty() {
        return Ok(()); // No rows to compare with, none to write.
    }
    let granted = if new { 0 } else { head(conn)?.0 };
    set_reader_rows(conn, id, &others, granted)
}

/// Makes the document's reader rows name exactly `others`. Officers added
/// now get `granted_seq`, so that their next sync brings the whole document.
fn set_reader_rows(
    conn: &Connection,
    id: DocId,
    others: &[OfficerId],
    granted_seq: u64,
) -> Result<(), Error> {
    let current: HashSet<Uuid> = participants(conn, id)?.into_iter().collect();
    let wanted: HashSet<Uuid> = others.iter().map(|o| o.0).collect();
    for added in wanted.difference(&current) {
        conn.execute_pipelined(
            "INSERT INTO doc_access (doc_id, officer_id, granted_seq) VALUES (?1, ?2, ?3)",
            params![id.as_bytes(), added.to_string(), granted_seq as i64],
        )?;
    }
    for removed in current.difference(&wanted) {
        conn.execute_pipelined(
            "DELETE FROM doc_access WHERE doc_id = ?1 AND officer_id = ?2",
            params![id.as_bytes(), removed.to_string()],
        )?;
    }
    Ok(())
}

/// Recomputes every document's readers from its stored state: run once
/// when the store is upgraded to reader rows (schema version 4). The
/// owners' devices already hold their records, so nothing is resent.
pub fn refresh_readers(conn: &Connection) -> Result<usize, Error> {
    // Read with the columns of version 4, not `stored`, which reads later
    // ones. Reference data names no municipality yet: version 16
    // (`municipalities::adopt_existing`) gives it its readers.
    let rows: Vec<(Vec<u8>, String, Option<String>)> = conn
        .prepare("SELECT id, kind, owner FROM docs ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (raw, kind, owner) in &rows {
        let id = DocId::from_slice(raw)
            .ok_or_else(|| Error::internal("a stored document id is not 16 bytes"))?;
        let Some(kind) = DocKind::parse(kind) else {
            continue;
        };
        let state = DocState {
            kind,
            owner: parse_officer(owner.clone())?,
            participants: participants(conn, id)?,
            municipality: None,
        };
        let r = stored_form(&state);
        conn.execute(
            "UPDATE docs SET every_device = ?2, owner_reads = ?3 WHERE id = ?1",
            params![id.as_bytes(), r.every_device, r.owner_reads],
        )?;
        set_reader_rows(conn, id, &r.others, 0)?;
    }
    Ok(rows.len())
}
