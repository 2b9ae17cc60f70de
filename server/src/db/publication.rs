//! The public summary's figures, published at most once a day for closed
//! quarters and the years they make up; the rules are
//! `shared::follow_up::public`. The public page reads only this table,
//! never the live follow-up.

use crate::db::sql::{params, Connection, OptionalExtension};
use shared::domain::Millis;
use shared::follow_up::public::{self, Published, PublishedArea, PublishedInitiative};
use shared::follow_up::Period;
use shared::local_time::to_local;

use shared::MunicipalityId;

use super::follow_up::{public_figures, PublicFigures};
use crate::error::Error;

pub fn last_published_at(conn: &Connection) -> Result<Option<Millis>, Error> {
    conn.query_row("SELECT max(published_at) FROM public_figures", [], |r| {
        r.get(0)
    })
}

/// The figures as published: exact counts, before rounding.
fn exact(period: Period, f: PublicFigures) -> Published {
    Published {
        period: period.key(),
        municipality: f.plan.municipality,
        visits: f.visits,
        inspections: f.inspections,
        focus_areas: f
            .plan
            .focus_areas
            .into_iter()
            .map(|a| PublishedArea {
                name: a.name,
                initiatives: a
                    .initiatives
                    .into_iter()
                    .map(|i| PublishedInitiative {
                        title: i.title,
                        delivered: i.progress.delivered,
                        target: i.progress.target,
                    })
                    .collect(),
            })
            .collect(),
        quarters: Vec::new(),
    }
}

/// The years with records or a plan of the municipality, up to `now`'s.
fn years(conn: &Connection, m: &str, now: Millis) -> Result<std::ops::RangeInclusive<i32>, Error> {
    let this_year = to_local(now).year();
    let first_ms: Option<Millis> = conn.query_row(
        "SELECT min(t) FROM (SELECT min(started_at) AS t FROM patrol_visits WHERE municipality = ?1
                   UNION ALL SELECT min(started_at) FROM inspections WHERE municipality = ?1) AS firsts",
        [m],
        |r| r.get(0),
    )?;
    let first_plan: Option<String> = conn.query_row(
        "SELECT min(period_start) FROM plans WHERE municipality_id = ?1",
        [m],
        |r| r.get(0),
    )?;
    let plan_year = first_plan.and_then(|d| d.get(..4)?.parse::<i32>().ok());
    let first = [first_ms.map(|ms| to_local(ms).year()), plan_year]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(this_year);
    Ok(first.min(this_year)..=this_year)
}

/// The figures of every municipality, as they would be published at `now`.
/// Only reads: run it on a reader connection, so that the writer (and
/// every sync) never waits for it.
pub fn compute(conn: &Connection, now: Millis) -> Result<Vec<(MunicipalityId, Published)>, Error> {
    let mut out = Vec::new();
    for m in super::municipalities::all(conn)? {
        for p in compute_one(conn, m.id, now)? {
            out.push((m.id, p));
        }
    }
    Ok(out)
}

/// The figures of every closed quarter and its year of one municipality.
fn compute_one(
    conn: &Connection,
    municipality: MunicipalityId,
    now: Millis,
) -> Result<Vec<Published>, Error> {
    let public_figures = |p| public_figures(conn, municipality, p);
    let quarters = public::closed_quarters(years(conn, &municipality.0.to_string(), now)?, now);
    let mut published: Vec<Published> = Vec::new();
    for q in &quarters {
        published.push(Published::quarter(exact(*q, public_figures(*q)?)));
    }
    let mut year_keys: Vec<i32> = quarters.iter().map(Period::year).collect();
    year_keys.dedup();
    for year in year_keys {
        let theirs: Vec<Published> = published
            .iter()
            .filter(|p| p.period.starts_with(&format!("{year}-")))
            .cloned()
            .collect();
        let shape = exact(Period::Year(year), public_figures(Period::Year(year))?);
        published.push(Published::year(year, shape, &theirs));
    }
    Ok(published)
}

/// Stores `figures` as the publication of `now`, unless one was made today
/// already (two visitors may have computed it at once). Returns whether it
/// stored.
pub fn store(
    conn: &Connection,
    figures: &[(MunicipalityId, Published)],
    now: Millis,
) -> Result<bool, Error> {
    if !public::due(last_published_at(conn)?, now) {
        return Ok(false);
    }
    conn.execute("DELETE FROM public_figures", [])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO public_figures (period, body, published_at, municipality) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (m, p) in figures {
        let body = serde_json::to_string(p).map_err(Error::internal)?;
        insert.execute(params![p.period, body, now, m.0.to_string()])?;
    }
    // A day with nothing to publish still counts as published.
    if figures.is_empty() {
        insert.execute(params!["", "", now, None::<String>])?;
    }
    tracing::info!(periods = figures.len(), "public figures published");
    Ok(true)
}

/// The publication job's key for `Db::run_once`.
pub const JOB: i64 = 2;

/// Publishes if no publication was made today: computed on a reader, then
/// stored in one short write.
pub async fn publish_if_due(db: &super::Db, now: Millis) -> Result<(), Error> {
    if !public::due(db.read(last_published_at).await?, now) {
        return Ok(());
    }
    let figures = db.read(move |c| compute(c, now)).await?;
    db.write(move |c| store(c, &figures, now)).await?;
    Ok(())
}

/// The published figures of a municipality's period (`2026-Q2`, `2026`),
/// if any.
pub fn published(
    conn: &Connection,
    municipality: MunicipalityId,
    period: &str,
) -> Result<Option<Published>, Error> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM public_figures WHERE municipality = ?2 AND period = ?1 AND period != ''",
            params![period, municipality.0.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    body.map(|b| serde_json::from_str(&b).map_err(Error::internal))
        .transpose()
}

/// The keys of every published period: years first, newest first, then
/// quarters newest first.
pub fn published_periods(
    conn: &Connection,
    municipality: MunicipalityId,
) -> Result<Vec<String>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT period FROM public_figures WHERE municipality = ?1 AND period != ''
          ORDER BY length(period), period DESC",
    )?;
    let rows = stmt.query_map([municipality.0.to_string()], |r| r.get(0))?;
    rows.collect::<Result<_, _>>()
}
