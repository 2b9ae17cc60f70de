//! The store's tables, created and upgraded by `PRAGMA user_version`.
//!
//! Two layers: the documents (`docs`, `changes`) are the truth; the
//! follow-up tables (`hotspots` ... `activities`) are derived from them and
//! can be rebuilt at any time (`trygghetslogg-server rebuild`). Identity
//! (`officers`, `devices`, `enrolment_codes`), access and the quarantine are
//! the server's own records.

use crate::db::sql::{Connection, OptionalExtension as _};

use crate::error::Error;

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

CREATE TABLE officers (
    id           TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    organisation TEXT NOT NULL CHECK (organisation IN ('police', 'municipality')),
    created_at   INTEGER NOT NULL
) STRICT;

-- A token is stored only as its SHA-256; the actor is the only Automerge
-- actor the device may write with.
CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    officer_id   TEXT NOT NULL REFERENCES officers(id),
    name         TEXT NOT NULL,
    token_hash   BLOB NOT NULL UNIQUE,
    actor        BLOB NOT NULL UNIQUE,
    enrolled_at  INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_sync_at INTEGER
) STRICT;

CREATE TABLE enrolment_codes (
    code_hash  BLOB PRIMARY KEY,
    officer_id TEXT NOT NULL REFERENCES officers(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;

-- One row per document. owner is the officer whose device first sent it
-- (NULL for coordinators' reference data).
CREATE TABLE docs (
    id                BLOB PRIMARY KEY,
    kind              TEXT,
    owner             TEXT,
    first_received_at INTEGER NOT NULL,
    last_changed_at   INTEGER NOT NULL,
    complete          INTEGER NOT NULL DEFAULT 1
) STRICT;

-- Every Automerge change, in commit order. seq is the sync cursor's
-- position; chain is the running check value of the log up to this row.
CREATE TABLE changes (
    seq         INTEGER PRIMARY KEY,
    doc_id      BLOB NOT NULL,
    hash        BLOB NOT NULL UNIQUE,
    actor       BLOB NOT NULL,
    bytes       BLOB NOT NULL,
    received_at INTEGER NOT NULL,
    chain       BLOB NOT NULL
) STRICT;
CREATE INDEX changes_by_doc ON changes(doc_id, seq);

-- Officers named as participants in a record. granted_seq is the log
-- position when access was given: a device whose cursor is older gets the
-- whole document, not only the changes after its cursor.
CREATE TABLE doc_access (
    doc_id      BLOB NOT NULL,
    officer_id  TEXT NOT NULL,
    granted_seq INTEGER NOT NULL,
    PRIMARY KEY (doc_id, officer_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX doc_access_by_officer ON doc_access(officer_id, granted_seq);

-- Rejected documents, kept for coordinators with the reason.
CREATE TABLE quarantine (
    id          INTEGER PRIMARY KEY,
    doc_id      BLOB NOT NULL,
    device_id   TEXT NOT NULL,
    officer_id  TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    code        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    changes     BLOB NOT NULL
) STRICT;

-- Follow-up tables, derived from the documents.
CREATE TABLE plans (
    id           TEXT PRIMARY KEY,
    municipality TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end   TEXT NOT NULL,
    demo         INTEGER NOT NULL
) STRICT;
CREATE TABLE focus_areas (
    id       TEXT PRIMARY KEY,
    plan_id  TEXT NOT NULL,
    name     TEXT NOT NULL,
    position INTEGER NOT NULL
) STRICT;
CREATE TABLE initiatives (
    id              TEXT PRIMARY KEY,
    plan_id         TEXT NOT NULL,
    focus_area_id   TEXT NOT NULL,
    title           TEXT NOT NULL,
    owner           TEXT NOT NULL,
    target_at_least INTEGER,
    target_unit     TEXT,
    target_per      TEXT,
    counts          TEXT NOT NULL,
    position        INTEGER NOT NULL
) STRICT;
CREATE TABLE hotspots (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    lat              REAL NOT NULL,
    lon              REAL NOT NULL,
    radius_m         INTEGER NOT NULL,
    visits_per_week  INTEGER NOT NULL,
    minutes_per_week INTEGER NOT NULL,
    initiative_id    TEXT NOT NULL,
    active_from      TEXT NOT NULL,
    active_to        TEXT,
    demo             INTEGER NOT NULL
) STRICT;
CREATE TABLE venues (
    id                      TEXT PRIMARY KEY,
    name                    TEXT NOT NULL,
    licensee                TEXT NOT NULL,
    opens                   TEXT NOT NULL,
    closes                  TEXT NOT NULL,
    security_staff_required INTEGER NOT NULL,
    late_hours              INTEGER NOT NULL,
    dancing                 INTEGER NOT NULL,
    outdoor_area            INTEGER NOT NULL,
    risk                    TEXT NOT NULL,
    demo                    INTEGER NOT NULL
) STRICT;
CREATE TABLE patrol_visits (
    doc_id           TEXT PRIMARY KEY,
    hotspot_id       TEXT NOT NULL,
    initiative_id    TEXT NOT NULL,
    owner            TEXT,
    started_at       INTEGER NOT NULL,
    ended_at         INTEGER,
    duration_s       INTEGER,
    in_dosage_window INTEGER,
    officers_count   INTEGER NOT NULL,
    contacts         INTEGER NOT NULL,
    interventions    INTEGER NOT NULL,
    problems         TEXT NOT NULL,
    inside_at_start  INTEGER,
    inside_at_end    INTEGER,
    received_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX patrol_visits_by_hotspot ON patrol_visits(hotspot_id, started_at);
CREATE TABLE inspections (
    doc_id                 TEXT PRIMARY KEY,
    venue_id               TEXT NOT NULL,
    initiative_id          TEXT NOT NULL,
    owner                  TEXT,
    started_at             INTEGER NOT NULL,
    ended_at               INTEGER,
    follow_up              TEXT NOT NULL,
    remarks                INTEGER NOT NULL,
    police_participants    INTEGER NOT NULL,
    municipal_participants INTEGER NOT NULL,
    received_at            INTEGER NOT NULL
) STRICT;
CREATE TABLE inspection_findings (
    doc_id      TEXT NOT NULL,
    item        TEXT NOT NULL,
    answer      TEXT NOT NULL,
    has_comment INTEGER NOT NULL,
    PRIMARY KEY (doc_id, item)
) STRICT, WITHOUT ROWID;
CREATE TABLE activities (
    doc_id         TEXT PRIMARY KEY,
    initiative_id  TEXT NOT NULL,
    owner          TEXT,
    date           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    people_reached INTEGER NOT NULL,
    received_at    INTEGER NOT NULL
) STRICT;
"#,
    r#"
-- Coordinators sign in to the web pages. The password is kept only as an
-- Argon2id PHC string.
CREATE TABLE coordinators (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

-- A session is kept only as the SHA-256 of its cookie; csrf is the token
-- every form of the session must carry.
CREATE TABLE sessions (
    token_hash     BLOB PRIMARY KEY,
    coordinator_id TEXT NOT NULL REFERENCES coordinators(id),
    csrf           TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL
) STRICT;

-- Failed sign-ins, for the rate limit (kept a day).
CREATE TABLE sign_in_failures (
    username TEXT NOT NULL,
    at       INTEGER NOT NULL
) STRICT;
CREATE INDEX sign_in_failures_by_name ON sign_in_failures(username, at);

-- Every opening of a record's details by a coordinator: who, when, which
-- record, and why (a purpose from a fixed list).
CREATE TABLE access_log (
    id             INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    coordinator_id TEXT NOT NULL REFERENCES coordinators(id),
    doc_id         TEXT NOT NULL,
    purpose        TEXT NOT NULL
) STRICT;

-- The follow-up reads records by period.
CREATE INDEX patrol_visits_by_time ON patrol_visits(started_at);
CREATE INDEX patrol_visits_by_initiative ON patrol_visits(initiative_id, started_at);
CREATE INDEX inspections_by_venue ON inspections(venue_id, started_at);
CREATE INDEX inspections_by_initiative ON inspections(initiative_id, started_at);
CREATE INDEX activities_by_initiative ON activities(initiative_id, date);
"#,
    r#"
-- The coordinators' own assessment per focus area and period, printed in
-- the council's report. Never shown on public pages.
CREATE TABLE assessments (
    period         TEXT NOT NULL,
    focus_area_id  TEXT NOT NULL,
    text           TEXT NOT NULL,
    coordinator_id TEXT NOT NULL REFERENCES coordinators(id),
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (period, focus_area_id)
) STRICT;
"#,
    r#"
-- The sync core (shared::sync::push): deduplication is per (document,
-- change), so the log is rebuilt with that key instead of a unique hash.
-- Changes waiting for their dependencies leave the log for held_changes,
-- invisible to devices and pages until their document is accepted; every
-- row of docs is an accepted document.
CREATE TABLE held_changes (
    doc_id      BLOB NOT NULL,
    hash        BLOB NOT NULL,
    device_id   TEXT NOT NULL,
    officer_id  TEXT NOT NULL,
    bytes       BLOB NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (doc_id, hash)
) STRICT, WITHOUT ROWID;
CREATE INDEX held_changes_by_device ON held_changes(device_id);
INSERT INTO held_changes
    SELECT c.doc_id, c.hash, COALESCE(v.id, ''), COALESCE(v.officer_id, d.owner, ''), c.bytes, c.received_at
      FROM changes c JOIN docs d ON d.id = c.doc_id LEFT JOIN devices v ON v.actor = c.actor
     WHERE d.complete = 0;
CREATE TABLE changes_by_document (
    seq         INTEGER PRIMARY KEY,
    doc_id      BLOB NOT NULL,
    hash        BLOB NOT NULL,
    actor       BLOB NOT NULL,
    bytes       BLOB NOT NULL,
    received_at INTEGER NOT NULL,
    chain       BLOB NOT NULL,
    UNIQUE (doc_id, hash)
) STRICT;
INSERT INTO changes_by_document
    SELECT c.* FROM changes c JOIN docs d ON d.id = c.doc_id WHERE d.complete = 1 ORDER BY c.seq;
DROP TABLE changes;
ALTER TABLE changes_by_document RENAME TO changes;
CREATE INDEX changes_by_doc ON changes(doc_id, seq);
DELETE FROM docs WHERE complete = 0 OR kind IS NULL;

-- Who may read each document, as access::readers decided when it was
-- accepted: every device (every_device), the owner (owner_reads), and the
-- other officers in doc_access. Filled by documents::refresh_readers.
ALTER TABLE docs ADD COLUMN every_device INTEGER NOT NULL DEFAULT 0;
ALTER TABLE docs ADD COLUMN owner_reads INTEGER NOT NULL DEFAULT 0;
"#,
    r#"
-- Failed sign-ins are counted per user name and source address
-- (shared::sign_in), so that a guesser elsewhere cannot lock a
-- coordinator out.
ALTER TABLE sign_in_failures ADD COLUMN source TEXT NOT NULL DEFAULT '';
DROP INDEX sign_in_failures_by_name;
CREATE INDEX sign_in_failures_by_name ON sign_in_failures(username, source, at);

-- Sign-ins, failures, waits and sign-outs; never a password.
CREATE TABLE security_log (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    event    TEXT NOT NULL,
    username TEXT NOT NULL,
    source   TEXT NOT NULL
) STRICT;
CREATE INDEX security_log_by_time ON security_log(at);
CREATE INDEX sessions_by_coordinator ON sessions(coordinator_id, created_at);
"#,
    r#"
-- The public summary's figures as last published (db::publication): closed
-- quarters and their years, rounded, at most once a day. A row with an
-- empty period marks a day with nothing to publish.
CREATE TABLE public_figures (
    period       TEXT NOT NULL,
    body         TEXT NOT NULL,
    published_at INTEGER NOT NULL
) STRICT;
"#,
    r#"
-- Validation counts an officer's visits near a new one
-- (shared::validation::NearbyVisits), from this index alone: the end is in
-- it so that no row is read.
CREATE INDEX patrol_visits_by_owner ON patrol_visits(owner, started_at, ended_at);
"#,
    r#"
-- Field records that do not count (shared::lifecycle): drafts and discarded
-- records. One row each, for the timeline; the tables the figures are
-- counted from hold finished records only. Filled by the re-projection
-- this version runs (a running visit or unfinished inspection stored by an
-- older version moves here).
CREATE TABLE uncounted_records (
    doc_id        TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    state         TEXT NOT NULL,
    at            INTEGER NOT NULL,
    initiative_id TEXT NOT NULL,
    place_id      TEXT,
    owner         TEXT,
    received_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX uncounted_records_by_time ON uncounted_records(at);
"#,
    r#"
-- The case number (diarienummer) a coordinator may give when opening a
-- record (shared::access::case_number); null: none given.
ALTER TABLE access_log ADD COLUMN case_number TEXT;
CREATE INDEX access_log_by_doc ON access_log(doc_id);
"#,
    r#"
-- Follow-up rows of erased records kept as anonymous figures
-- (db::erasure): their doc_id is a fresh random id that leads to no
-- document. A rebuild keeps them; the timeline does not list them.
CREATE TABLE kept_rows (
    doc_id  TEXT PRIMARY KEY,
    kind    TEXT NOT NULL,
    kept_at INTEGER NOT NULL
) STRICT;
"#,
    r#"
-- How long each kind of field record is kept (shared::retention), with
-- the legal basis, and the yearly reviews of the rules.
CREATE TABLE retention_rules (
    kind   TEXT PRIMARY KEY,
    months INTEGER NOT NULL,
    basis  TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at INTEGER NOT NULL
) STRICT;
CREATE TABLE retention_reviews (
    id          INTEGER PRIMARY KEY,
    reviewed_by TEXT NOT NULL,
    reviewed_at INTEGER NOT NULL
) STRICT;
"#,
    r#"
-- Redaction (db::redaction): the document's epoch (how many times it was
-- redacted) and every path redacted in it, comma-separated.
ALTER TABLE docs ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE docs ADD COLUMN redacted TEXT NOT NULL DEFAULT '';
"#,
    r#"
-- Two-factor sign-in (shared::two_factor): an account's TOTP secret and
-- the last time step it used (a code is accepted once); demo accounts
-- sign in without. A session is whole once its second factor is given;
-- until then it may only give it (or set the app up: pending_secret).
ALTER TABLE coordinators ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
ALTER TABLE coordinators ADD COLUMN totp_secret BLOB;
ALTER TABLE coordinators ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN second_factor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN pending_secret BLOB;
ALTER TABLE sessions ADD COLUMN code_failures INTEGER NOT NULL DEFAULT 0;
-- Recovery codes, kept only as their SHA-256; each works once.
CREATE TABLE recovery_codes (
    coordinator_id TEXT NOT NULL REFERENCES coordinators(id),
    code_hash      BLOB NOT NULL,
    used_at        INTEGER,
    PRIMARY KEY (coordinator_id, code_hash)
) STRICT, WITHOUT ROWID;
"#,
    r#"
-- Roles (shared::roles): an account holds one or more. The accounts made
-- before roles existed could do everything: they keep it (coordinator and
-- administrator). An administrator disables an account (its sessions end,
-- its password opens nothing) or resets its password (the user sets a new
-- one at the next sign-in). The security log names who changed an account.
CREATE TABLE account_roles (
    coordinator_id TEXT NOT NULL REFERENCES coordinators(id),
    role           TEXT NOT NULL,
    PRIMARY KEY (coordinator_id, role)
) STRICT, WITHOUT ROWID;
INSERT INTO account_roles SELECT id, 'coordinator' FROM coordinators;
INSERT INTO account_roles SELECT id, 'administrator' FROM coordinators;
ALTER TABLE coordinators ADD COLUMN disabled_at INTEGER;
ALTER TABLE coordinators ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE security_log ADD COLUMN by_account TEXT;
"#,
    r#"
-- Single sign-on (web::sso): the account's subject at the OpenID Connect
-- provider ("<issuer> <sub>"), set at its first sign-in there; and the
-- sign-ins under way (the PKCE verifier and nonce, by the hash of the
-- state the browser carries), kept ten minutes.
ALTER TABLE coordinators ADD COLUMN sso_subject TEXT;
CREATE UNIQUE INDEX coordinators_by_sso ON coordinators(sso_subject) WHERE sso_subject IS NOT NULL;
CREATE TABLE sso_pending (
    state_hash BLOB PRIMARY KEY,
    verifier   TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
"#,
    r#"
-- Municipalities (shared::municipality, db::municipalities): one server
-- serves one or many, grouped in police areas. Reference data names its
-- municipality; every document's row and every follow-up row carries the
-- one it belongs to (a record: its place's), so that a municipality's
-- pages select their rows by it. Officers work in the municipalities a
-- coordinator gives them (granted_seq: the log position when given, so
-- that their next sync brings the municipality's reference data whole);
-- accounts reach the municipalities given to them, a police-area
-- coordinator those of its police areas. A session shows one at a time.
-- An upgraded store becomes the first municipality (MUNICIPALITIES_VERSION).
CREATE TABLE police_areas (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    demo INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE municipalities (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    police_area TEXT REFERENCES police_areas(id),
    demo        INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE TABLE officer_municipalities (
    officer_id      TEXT NOT NULL,
    municipality_id TEXT NOT NULL,
    granted_seq     INTEGER NOT NULL,
    PRIMARY KEY (officer_id, municipality_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE account_municipalities (
    coordinator_id  TEXT NOT NULL REFERENCES coordinators(id),
    municipality_id TEXT NOT NULL,
    PRIMARY KEY (coordinator_id, municipality_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE account_police_areas (
    coordinator_id TEXT NOT NULL REFERENCES coordinators(id),
    police_area    TEXT NOT NULL,
    PRIMARY KEY (coordinator_id, police_area)
) STRICT, WITHOUT ROWID;
ALTER TABLE sessions ADD COLUMN municipality TEXT;
ALTER TABLE docs ADD COLUMN municipality TEXT;
ALTER TABLE docs ADD COLUMN municipality_reads INTEGER NOT NULL DEFAULT 0;
CREATE INDEX docs_by_municipality ON docs(municipality);
ALTER TABLE plans ADD COLUMN municipality_id TEXT;
ALTER TABLE hotspots ADD COLUMN municipality TEXT;
ALTER TABLE venues ADD COLUMN municipality TEXT;
ALTER TABLE patrol_visits ADD COLUMN municipality TEXT;
ALTER TABLE inspections ADD COLUMN municipality TEXT;
ALTER TABLE activities ADD COLUMN municipality TEXT;
ALTER TABLE uncounted_records ADD COLUMN municipality TEXT;
ALTER TABLE access_log ADD COLUMN municipality TEXT;
ALTER TABLE public_figures ADD COLUMN municipality TEXT;
CREATE INDEX patrol_visits_by_municipality ON patrol_visits(municipality, started_at);
CREATE INDEX inspections_by_municipality ON inspections(municipality, started_at);
CREATE INDEX activities_by_municipality ON activities(municipality, date);
CREATE INDEX uncounted_records_by_municipality ON uncounted_records(municipality, at);
"#,
];

/// The version whose upgrade also needs `documents::refresh_readers`.
const READERS_VERSION: usize = 4;
/// The version whose upgrade projects every document again (what counts
/// changed: drafts left the counted tables).
const REPROJECT_VERSION: usize = 8;

/// The version whose upgrade makes the store's data the first
/// municipality (`municipalities::adopt_existing`).
const MUNICIPALITIES_VERSION: usize = 16;

/// The follow-up tables, in the order a rebuild empties and refills them.
pub const FOLLOW_UP_TABLES: &[&str] = &[
    "plans",
    "focus_areas",
    "initiatives",
    "hotspots",
    "venues",
    "patrol_visits",
    "inspections",
    "inspection_findings",
    "activities",
    "uncounted_records",
];

/// The follow-up tables that may hold kept figures of erased records.
pub const KEPT_TABLES: &[&str] = &[
    "patrol_visits",
    "inspections",
    "inspection_findings",
    "activities",
];

pub fn migrate(conn: &Connection) -> Result<(), Error> {
    if conn.is_postgres() {
        return migrate_postgres(conn);
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version == 0 {
        // A new store gives freed pages back to the file system after an
        // erasure (`erasure::scrub`); it can only be chosen before the
        // first table. An older store zeroes them (secure_delete) instead.
        conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL;")?;
    }
    if version as usize >= MIGRATIONS.len() {
        return Ok(());
    }
    // One transaction for the whole upgrade, the steps in Rust included:
    // a crash leaves the store at its old version, never between.
    let tx = conn.unchecked_transaction()?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql)?;
        if i + 1 == READERS_VERSION {
            super::documents::refresh_readers(&tx)?;
        }
    }
    let passed = |v: usize| version > 0 && (version as usize) < v && MIGRATIONS.len() >= v;
    if passed(MUNICIPALITIES_VERSION) {
        // Also projects every document again (with its municipality),
        // which covers REPROJECT_VERSION: rows are written in the shape
        // of the last version only.
        super::municipalities::adopt_existing(&tx)?;
    } else if passed(REPROJECT_VERSION) {
        super::projection::rebuild(&tx)?;
    }
    tx.execute_batch(&format!("PRAGMA user_version = {}", MIGRATIONS.len()))?;
    tx.commit()?;
    Ok(())
}

/// The version a PostgreSQL store was made at, in this table (SQLite keeps
/// it in `PRAGMA user_version`).
const POSTGRES_VERSION_TABLE: &str = "trygghetslogg_schema";

/// Creates a new PostgreSQL store's tables, or checks an existing one's.
///
/// The tables are SQLite's, translated ([`postgres_ddl`]): the migrations
/// above stay the one definition of the store, run on an in-memory SQLite
/// database, and what they made is what PostgreSQL gets. Migrations after
/// this version are written in the SQL both share and run on both.
fn migrate_postgres(conn: &Connection) -> Result<(), Error> {
    let tx = conn.begin_write()?;
    tx.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {POSTGRES_VERSION_TABLE} (version BIGINT NOT NULL)"
    ))?;
    let version: Option<i64> = tx
        .query_row(
            &format!("SELECT max(version) FROM {POSTGRES_VERSION_TABLE}"),
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    match version {
        None => {
            tx.execute_batch(&postgres_ddl()?)?;
            tx.execute(
                &format!("INSERT INTO {POSTGRES_VERSION_TABLE} (version) VALUES (?1)"),
                [MIGRATIONS.len() as i64],
            )?;
        }
        Some(v) if v as usize == MIGRATIONS.len() => {}
        Some(v) => {
            return Err(Error::Unavailable(format!(
                "the PostgreSQL store is at schema version {v}, this server knows {}; \
                 run the server release that matches it",
                MIGRATIONS.len()
            )))
        }
    }
    tx.commit()
}

/// The ledger's tables in PostgreSQL's schema `ledger`.
pub fn postgres_ledger(conn: &Connection) -> Result<(), Error> {
    let mut sql = String::from("CREATE SCHEMA IF NOT EXISTS ledger;\n");
    for table in [
        super::erasure::LEDGER_SCHEMA,
        super::redaction::LEDGER_SCHEMA,
    ] {
        let ddl = translate(table).replace(
            "CREATE TABLE IF NOT EXISTS ",
            "CREATE TABLE IF NOT EXISTS ledger.",
        );
        sql.push_str(&ddl);
        sql.push_str(";\n");
    }
    // Two instances may start at once: one creates, the other waits.
    let tx = conn.unchecked_transaction()?;
    tx.query_row(
        "SELECT pg_advisory_xact_lock(?1)",
        [super::sql::JOB_LOCKS - 1],
        |_| Ok(()),
    )?;
    tx.execute_batch(&sql)?;
    tx.commit()
}

/// The store's tables and indexes as PostgreSQL DDL, translated from what
/// the migrations make in SQLite.
pub fn postgres_ddl() -> Result<String, Error> {
    let sqlite = Connection::from(rusqlite::Connection::open_in_memory()?);
    sqlite.execute_batch(&MIGRATIONS.concat())?;
    let mut stmt = sqlite.prepare(
        "SELECT type, sql FROM sqlite_master
          WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'
          ORDER BY CASE type WHEN 'table' THEN 0 ELSE 1 END, rowid",
    )?;
    let mut out = String::new();
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (kind, sql) = row?;
        out.push_str(&if kind == "table" {
            translate(&sql)
        } else {
            sql
        });
        out.push_str(";\n");
    }
    Ok(out)
}

/// One SQLite `CREATE TABLE` in PostgreSQL's words: a column typed
/// `INTEGER` is `BIGINT` (a rowid alias keeps numbering itself), `BLOB` is
/// `BYTEA`, `REAL` is `DOUBLE PRECISION`, text compares byte by byte as in
/// SQLite (`COLLATE "C"`), `STRICT` / `WITHOUT ROWID` go, and a table
/// SQLite numbers by rowid gets that number as a column.
fn translate(sql: &str) -> String {
    // Comments go (they may hold commas and parentheses).
    let code: String = sql
        .lines()
        .map(|l| &l[..l.find("--").unwrap_or(l.len())])
        .collect::<Vec<_>>()
        .join("\n");
    let (Some(open), Some(close)) = (code.find('('), code.rfind(')')) else {
        return code;
    };
    let (head, body, tail) = (&code[..open], &code[open + 1..close], &code[close + 1..]);
    // The column definitions and constraints, split at the commas between
    // them (not those inside a CHECK's or a key's parentheses).
    let mut parts: Vec<String> = Vec::new();
    let (mut depth, mut current) = (0, String::new());
    for c in body.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    let mut rowid_alias = false;
    let parts: Vec<String> = parts
        .iter()
        .map(|part| {
            let words: Vec<&str> = part.split_whitespace().collect();
            let first = words
                .first()
                .map(|w| w.to_ascii_uppercase())
                .unwrap_or_default();
            if words.len() < 2
                || ["PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "CONSTRAINT"].contains(&first.as_str())
            {
                return format!("    {}", words.join(" "));
            }
            let rest = words[2..].join(" ");
            let ty = match words[1].to_ascii_uppercase().as_str() {
                "INTEGER" if rest.to_ascii_uppercase().starts_with("PRIMARY KEY") => {
                    rowid_alias = true;
                    "BIGINT GENERATED BY DEFAULT AS IDENTITY".to_string()
                }
                "INTEGER" => "BIGINT".to_string(),
                "BLOB" => "BYTEA".to_string(),
                "REAL" => "DOUBLE PRECISION".to_string(),
                "TEXT" => "TEXT COLLATE \"C\"".to_string(),
                other => other.to_string(),
            };
            format!("    {} {ty} {rest}", words[0])
                .trim_end()
                .to_string()
        })
        .collect();
    let mut columns = parts.join(",\n");
    if !tail.to_ascii_uppercase().contains("WITHOUT ROWID") && !rowid_alias {
        // SQLite numbers every row of such a table, and a few queries use
        // that number (`rowid`): PostgreSQL gets it as a column.
        columns.push_str(",\n    rowid BIGINT GENERATED BY DEFAULT AS IDENTITY");
    }
    format!("{}(\n{columns}\n)", head.trim_end())
}

#[cfg(test)]
mod postgres_tests {
    use super::*;

    #[test]
    fn sqlite_tables_translate_to_postgres() {
        let t = translate(
            "CREATE TABLE changes (\n    seq INTEGER PRIMARY KEY,\n    doc_id BLOB NOT NULL, -- the id, (a comment)\n    lat REAL,\n    text TEXT CHECK (text IN ('a', 'b'))\n) STRICT",
        );
        assert!(
            t.contains("seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"),
            "{t}"
        );
        assert!(t.contains("doc_id BYTEA NOT NULL,"), "{t}");
        assert!(t.contains("lat DOUBLE PRECISION,"), "{t}");
        assert!(
            t.contains("text TEXT COLLATE \"C\" CHECK (text IN ('a', 'b'))"),
            "{t}"
        );
        assert!(
            !t.contains("STRICT") && !t.contains("rowid") && !t.contains("comment"),
            "{t}"
        );
        let u = translate("CREATE TABLE s (a TEXT, b INTEGER NOT NULL DEFAULT 0)");
        assert!(
            u.contains("rowid BIGINT GENERATED BY DEFAULT AS IDENTITY"),
            "{u}"
        );
    }

    #[test]
    fn the_whole_schema_translates() -> Result<(), Error> {
        let ddl = postgres_ddl()?;
        if let Ok(to) = std::env::var("WRITE_POSTGRES_DDL") {
            std::fs::write(to, &ddl).map_err(Error::internal)?;
        }
        assert!(ddl.contains("CREATE TABLE \"changes\""), "{ddl}");
        assert!(!ddl.contains(" BLOB"), "{ddl}");
        Ok(())
    }
}
