//! Retention (gallring): the coordinators' rules per record kind, the
//! yearly review, and the nightly job that erases what the rules no longer
//! keep. When a record is due is `shared::retention`'s rule; the SQL here
//! only reads the records' days and the plans' spans.

use crate::db::sql::{params, Connection, OptionalExtension as _};
use shared::domain::Millis;
use shared::erasure::ErasureReason;
use shared::follow_up::DateSpan;
use shared::local_time::LocalDate;
use shared::retention::RetentionRule;
use shared::{DocId, DocKind};

use super::erasure::{Erasure, BY_RETENTION_JOB};
use crate::error::Error;

/// Erasures written and carried out together: one ledger commit and one
/// store transaction each, so that syncs get the writer between batches.
pub const BATCH: usize = 50;

/// A rule as stored, with who set it and when.
#[derive(Debug, Clone)]
pub struct StoredRule {
    pub rule: RetentionRule,
    pub set_by: String,
    pub set_at: Millis,
}

pub fn rules(conn: &Connection) -> Result<Vec<StoredRule>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.kind, r.months, r.basis, COALESCE(c.display_name, r.set_by), r.set_at
           FROM retention_rules r LEFT JOIN coordinators c ON c.id = r.set_by ORDER BY r.kind",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Millis>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (kind, months, basis, set_by, set_at) = row?;
        // A stored rule that no longer reads is left out: nothing is
        // erased by a rule nobody can see.
        let Some(kind) = DocKind::parse(&kind) else {
            continue;
        };
        let Ok(rule) = RetentionRule::new(kind, months.clamp(0, u32::MAX as i64) as u32, &basis)
        else {
            continue;
        };
        out.push(StoredRule {
            rule,
            set_by,
            set_at,
        });
    }
    Ok(out)
}

pub fn set_rule(
    conn: &Connection,
    rule: &RetentionRule,
    by: &str,
    now: Millis,
) -> Result<(), Error> {
    conn.replace(
        "retention_rules",
        "kind",
        "INSERT INTO retention_rules (kind, months, basis, set_by, set_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![rule.kind.as_str(), rule.months, rule.basis, by, now],
    )?;
    Ok(())
}

pub fn remove_rule(conn: &Connection, kind: DocKind) -> Result<(), Error> {
    conn.execute(
        "DELETE FROM retention_rules WHERE kind = ?1",
        [kind.as_str()],
    )?;
    Ok(())
}

/// The last yearly review: when, and who.
pub fn last_review(conn: &Connection) -> Result<Option<(Millis, String)>, Error> {
    conn.query_row(
        "SELECT r.reviewed_at, COALESCE(c.display_name, r.reviewed_by)
               FROM retention_reviews r LEFT JOIN coordinators c ON c.id = r.reviewed_by
              ORDER BY r.reviewed_at DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

pub fn record_review(conn: &Connection, by: &str, now: Millis) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO retention_reviews (reviewed_by, reviewed_at) VALUES (?1, ?2)",
        params![by, now],
    )?;
    Ok(())
}

/// The table and day column of each kind's counted rows.
fn day_sql(kind: DocKind) -> Option<&'static str> {
    Some(match kind {
        DocKind::PatrolVisit => {
            "SELECT doc_id, started_at FROM patrol_visits
                                  WHERE doc_id NOT IN (SELECT doc_id FROM kept_rows)"
        }
        DocKind::Inspection => {
            "SELECT doc_id, started_at FROM inspections
                                 WHERE doc_id NOT IN (SELECT doc_id FROM kept_rows)"
        }
        DocKind::Activity => {
            "SELECT doc_id, date FROM activities
                               WHERE doc_id NOT IN (SELECT doc_id FROM kept_rows)"
        }
        _ => return None,
    })
}

/// The records the rules no longer keep at `now`: each kind's counted rows
/// and its drafts and discarded records, judged by
/// `RetentionRule::erase_at`.
pub fn due(conn: &Connection, now: Millis) -> Result<Vec<Erasure>, Error> {
    let rules = rules(conn)?;
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let mut plans = Vec::new();
    let mut stmt = conn.prepare_cached("SELECT period_start, period_end FROM plans")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (first, last) = row?;
        if let Some(span) = DateSpan::parse(&first, Some(&last)) {
            plans.push(span);
        }
    }
    let mut out = Vec::new();
    for StoredRule { rule, .. } in &rules {
        let Some(sql) = day_sql(rule.kind) else {
            continue;
        };
        let mut candidates: Vec<(String, LocalDate)> = Vec::new();
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let day = match r.get(1)? {
                crate::db::sql::Value::Integer(ms) => Some(LocalDate::of(ms)),
                crate::db::sql::Value::Text(t) => LocalDate::parse(&t),
                _ => None,
            };
            if let Some(day) = day {
                candidates.push((id, day));
            }
        }
        let mut stmt =
            conn.prepare_cached("SELECT doc_id, at FROM uncounted_records WHERE kind = ?1")?;
        for row in stmt.query_map([rule.kind.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Millis>(1)?))
        })? {
            let (id, at) = row?;
            candidates.push((id, LocalDate::of(at)));
        }
        for (id, day) in candidates {
            if rule.erase_at(day, shared::retention::plan_end_for(day, &plans)) > now {
                continue;
            }
            let Ok(uuid) = uuid::Uuid::parse_str(&id) else {
                continue;
            };
            out.push(Erasure {
                doc_id: DocId(uuid),
                kind: rule.kind,
                reason: ErasureReason::RetentionEnded,
                case_number: None,
                erased_by: BY_RETENTION_JOB.to_string(),
                erased_at: now,
            });
        }
    }
    Ok(out)
}

const LAST_RUN: &str = "retention_last_run";

/// The retention job's key for `Db::run_once`.
pub const JOB: i64 = 1;
const LEASE: &str = "lease_days";

/// The phone lease in days (`shared::retention::DEFAULT_LEASE_DAYS` until
/// a coordinator sets it).
pub fn lease_days(conn: &Connection) -> Result<u32, Error> {
    let v: Option<Vec<u8>> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([LEASE], |r| r.get(0))
        .optional()?;
    Ok(v.and_then(|b| b.try_into().ok().map(u32::from_le_bytes))
        .unwrap_or(shared::retention::DEFAULT_LEASE_DAYS))
}

pub fn set_lease_days(conn: &Connection, days: u32) -> Result<(), Error> {
    conn.replace(
        "meta",
        "key",
        "INSERT INTO meta (key, value) VALUES (?1, ?2)",
        params![LEASE, days.to_le_bytes().to_vec()],
    )?;
    Ok(())
}

/// Revokes every device that has not synced for longer than the lease
/// (`shared::retention::lease_expired`; never synced: since enrolment).
/// Returns how many.
pub fn revoke_past_lease(conn: &Connection, now: Millis) -> Result<usize, Error> {
    let days = lease_days(conn)?;
    let rows: Vec<(String, Millis)> = conn
        .prepare(
            "SELECT id, COALESCE(last_sync_at, enrolled_at) FROM devices WHERE revoked_at IS NULL",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut n = 0;
    for (id, last) in rows {
        if shared::retention::lease_expired(last, days, now) {
            let id = uuid::Uuid::parse_str(&id).map_err(Error::internal)?;
            super::identity::revoke(conn, id, now)?;
            n += 1;
        }
    }
    Ok(n)
}

/// The nightly job: at most once a day, erases in batches of `BATCH`
/// every record the rules no longer keep, each batch written to the
/// ledger first. Returns how many were erased.
pub async fn run_if_due(db: &super::Db, now: Millis) -> Result<usize, Error> {
    let last: Option<Millis> = db
        .read(|c| {
            Ok(
                c.query_row("SELECT value FROM meta WHERE key = ?1", [LAST_RUN], |r| {
                    r.get::<_, Vec<u8>>(0)
                })
                .optional()?
                .and_then(|b| b.try_into().ok().map(i64::from_le_bytes)),
            )
        })
        .await?;
    if last.is_some_and(|l| now - l < 86_400_000) {
        return Ok(0);
    }
    let n = run(db, now).await?;
    let revoked = db.write(move |c| revoke_past_lease(c, now)).await?;
    if revoked > 0 {
        tracing::info!(devices = revoked, "phones past the lease revoked");
    }
    db.write(move |c| {
        c.replace(
            "meta",
            "key",
            "INSERT INTO meta (key, value) VALUES (?1, ?2)",
            params![LAST_RUN, now.to_le_bytes().to_vec()],
        )?;
        Ok(())
    })
    .await?;
    Ok(n)
}

/// Erases every record the rules no longer keep at `now`. What is due is
/// read once (reading it again for every batch of 50 made a year of
/// records quadratic: the erasure benchmark's first run did not end), then
/// erased batch by batch; a record pushed meanwhile waits for the next run.
pub async fn run(db: &super::Db, now: Millis) -> Result<usize, Error> {
    let mut total = 0;
    let all = db.read(move |c| due(c, now)).await?;
    for batch in all.chunks(BATCH) {
        let batch = batch.to_vec();
        let n = batch.len();
        db.record_erasures(batch.clone()).await?;
        db.write(move |c| {
            for e in &batch {
                super::erasure::carry_out(c, e)?;
            }
            Ok(())
        })
        .await?;
        total += n;
        tracing::info!(erased = n, "retention: a batch of records erased");
    }
    if total > 0 {
        db.scrub().await?;
    }
    Ok(total)
}
