//! Reference data: the hotspots and venues the officers' apps offer, and
//! the promise plan. Shown as tables; exported and imported as CSV (the
//! columns of `shared::reference_csv`). An import with any bad row reports
//! every bad row with its line and imports nothing.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use shared::record::Record;
use shared::reference_csv::{self, RowError, RowProblem};
use shared::DocKind;

use super::lang::Lang;
use super::layout::page;
use super::session::SignedIn;
use crate::db::reference;
use crate::error::Error;
use crate::http::AppState;

fn kind_of(name: &str) -> Result<DocKind, Error> {
    match name {
        "hotspots" => Ok(DocKind::Hotspot),
        "venues" => Ok(DocKind::Venue),
        "plan" => Ok(DocKind::PromisePlan),
        _ => Err(Error::NotFound),
    }
}

async fn reference_page(
    l: Lang,
    state: &AppState,
    me: &SignedIn,
    status: StatusCode,
    message: Option<Markup>,
) -> Result<Response, Error> {
    let (hotspots, venues, plan) = state
        .db
        .read(|c| {
            Ok((
                reference::hotspots(c)?,
                reference::venues(c)?,
                reference::current_plan(c)?,
            ))
        })
        .await?;
    let csrf = &me.0.csrf;
    let import_form = |what: &str| {
        html! {
            form.no-print method="post" action=(format!("/reference/{what}")) enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(csrf);
                label for=(format!("file-{what}")) { (l.t("Import ")) (what) (l.t(" from a CSV file (UTF-8, the export's columns; leave id empty for a new row)")) }
                input id=(format!("file-{what}")) type="file" name="file" accept=".csv,text/csv" required;
                " " button type="submit" { (l.t("Import")) }
            }
        }
    };
    Ok((
        status,
        page(
            l,
            l.t("Reference data"),
            Some((&me.0.display_name, csrf)),
            html! {
                @if let Some(m) = message { (m) }
                h2 { (l.t("Hotspots (")) (hotspots.len()) ")" }
                p { a href="/reference/hotspots.csv" download { (l.t("Export hotspots as CSV")) } }
                (import_form("hotspots"))
                table {
                    thead { tr { th { (l.t("Name")) } th.n { (l.t("Radius (m)")) } th.n { (l.t("Visits / week")) } th.n { (l.t("Minutes / week")) } th { (l.t("Active")) } } }
                    tbody {
                        @for (_, h) in &hotspots {
                            tr {
                                td { (h.name) } td.n { (h.radius_m) }
                                td.n { (h.dosage.visits_per_week) } td.n { (h.dosage.minutes_per_week) }
                                td { (h.active_from) " – " (h.active_to.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
                h2 { (l.t("Venues (")) (venues.len()) ")" }
                p { a href="/reference/venues.csv" download { (l.t("Export venues as CSV")) } }
                (import_form("venues"))
                table {
                    thead { tr { th { (l.t("Name")) } th { (l.t("Licensee")) } th { (l.t("Serving hours")) } th { (l.t("Risk")) } } }
                    tbody {
                        @for (_, v) in &venues {
                            tr {
                                td { (v.name) } td { (v.licensee) }
                                td { (v.serving_hours.opens) "–" (v.serving_hours.closes) }
                                td { (l.say(&v.risk)) }
                            }
                        }
                    }
                }
                h2 { (l.t("Promise plan")) }
                p { a href="/reference/plan.csv" download { (l.t("Export the plan as CSV")) } }
                (import_form("plan"))
                p.muted { (l.t("A plan file is the whole plan, one row per initiative. Initiatives keep their place in the follow-up when their title is kept.")) }
                @if let Some((_, p)) = &plan {
                    p { (p.municipality) ", " (p.period_start) " – " (p.period_end) }
                    @for area in &p.focus_areas {
                        h3 { (area.name) }
                        table {
                            thead { tr { th { (l.t("Initiative")) } th { (l.t("Owner")) } th { (l.t("Counts")) } th { (l.t("Target")) } } }
                            tbody {
                                @for i in &area.initiatives {
                                    tr {
                                        td { (i.title) } td { (l.say(&i.owner)) } td { (l.say(&i.counts)) }
                                        td { @if let Some(t) = &i.target { (l.t("at least ")) (t.at_least) " " (t.unit) " " (l.say(&t.per)) } }
                                    }
                                }
                            }
                        }
                    }
                }
            },
        ),
    )
        .into_response())
}

pub async fn show(State(state): State<AppState>, me: SignedIn, l: Lang) -> Result<Response, Error> {
    reference_page(l, &state, &me, StatusCode::OK, None).await
}

pub async fn export(
    State(state): State<AppState>,
    _me: SignedIn,
    Path(file): Path<String>,
) -> Result<Response, Error> {
    let what = file
        .strip_suffix(".csv")
        .ok_or(Error::NotFound)?
        .to_string();
    let kind = kind_of(&what)?;
    let body = match kind {
        DocKind::Hotspot => {
            let hotspots = state.db.read(reference::hotspots).await?;
            reference_csv::write_hotspots(&hotspots)
        }
        DocKind::PromisePlan => match state.db.read(reference::current_plan).await? {
            Some((_, plan)) => reference_csv::write_plan(&plan),
            None => return Err(Error::NotFound),
        },
        _ => {
            let venues = state.db.read(reference::venues).await?;
            reference_csv::write_venues(&venues)
        }
    }
    .map_err(Error::internal)?;
    Ok(super::attachment(super::CSV, &format!("{what}.csv"), body))
}

fn bad_rows(l: Lang, rows: &[RowError]) -> Markup {
    html! {
        div.error role="alert" {
            p { strong { (l.t("Nothing was imported.")) } (l.t(" Correct these rows and import the file again:")) }
            ul { @for r in rows { li { (l.row_error(r)) } } }
        }
    }
}

pub async fn import(
    State(state): State<AppState>,
    me: SignedIn,
    l: Lang,
    Path(what): Path<String>,
    mut form: Multipart,
) -> Result<Response, Error> {
    let kind = kind_of(&what)?;
    let (mut csrf, mut file) = (String::new(), None);
    let bad_form = |e: axum::extract::multipart::MultipartError| Error::BadRequest {
        code: shared::sync::ErrorCode::BadForm,
        message: format!("the upload could not be read: {e}"),
    };
    while let Some(field) = form.next_field().await.map_err(bad_form)? {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(bad_form)?,
            Some("file") => file = Some(field.bytes().await.map_err(bad_form)?),
            _ => {}
        }
    }
    me.check_csrf(&csrf)?;
    let Some(bytes) = file else {
        return Err(Error::BadRequest {
            code: shared::sync::ErrorCode::NoFile,
            message: "choose a CSV file to import".into(),
        });
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        let rows = [RowError {
            line: 1,
            problem: RowProblem::NotUtf8,
        }];
        return reference_page(
            l,
            &state,
            &me,
            StatusCode::BAD_REQUEST,
            Some(bad_rows(l, &rows)),
        )
        .await;
    };
    let text = text.trim_start_matches('\u{feff}').to_string();
    let now = state.clock.now_ms();
    let outcome = state
        .db
        .write(move |c| {
            if kind == DocKind::PromisePlan {
                return reference::import_plan(c, &text, now);
            }
            let refs = crate::db::ingest::SqlReferences::new(c);
            let (rows, bad): reference_csv::Read<Record> = match kind {
                DocKind::Hotspot => {
                    let plan = reference::current_plan(c)?.map(|(_, p)| p);
                    let Some(initiative) = plan.as_ref().and_then(shared::rollup::initiative_for_hotspots) else {
                        return Err(Error::BadRequest {
                            code: shared::sync::ErrorCode::NoPlan,
                            message: "the promise plan has no patrol initiative for hotspots to count toward".into(),
                        });
                    };
                    let (rows, bad) = reference_csv::read_hotspots(&text, initiative, &refs);
                    (rows.into_iter().map(|(l, id, h)| (l, id, Record::Hotspot(h))).collect(), bad)
                }
                _ => {
                    let (rows, bad) = reference_csv::read_venues(&text, &refs);
                    (rows.into_iter().map(|(l, id, v)| (l, id, Record::Venue(v))).collect(), bad)
                }
            };
            reference::import(c, kind, rows, bad, now)
        })
        .await?;
    match outcome {
        Ok(n) => {
            tracing::info!(rows = n, kind = kind.as_str(), "reference data imported");
            Ok(Redirect::to("/reference").into_response())
        }
        Err(rows) => {
            reference_page(
                l,
                &state,
                &me,
                StatusCode::BAD_REQUEST,
                Some(bad_rows(l, &rows)),
            )
            .await
        }
    }
}
