//! Reference data: the hotspots and venues the officers' apps offer, and
//! the promise plan. Shown as tables; exported and imported as CSV or Excel
//! (the columns of `shared::reference_csv`); a hotspot or venue is also
//! edited on a form of its own, saved as a one-row import. An import with
//! any bad row reports every bad row with its line and imports nothing.

use axum::extract::{Form, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use shared::record::Record;
use shared::reference_csv::{self, RowError, RowProblem};
use shared::DocKind;
use uuid::Uuid;

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
    let here = me.here()?;
    let (hotspots, venues, plan) = state
        .db
        .read(move |c| {
            Ok((
                reference::hotspots(c, here)?,
                reference::venues(c, here)?,
                reference::current_plan(c, here)?,
            ))
        })
        .await?;
    let csrf = &me.0.csrf;
    let import_form = |what: &str| {
        html! {
            form.no-print method="post" action=(format!("/reference/{what}")) enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(csrf);
                label for=(format!("file-{what}")) { (l.t("Import ")) (what) (l.t(" from an Excel or CSV file (the export's columns; leave id empty for a new row)")) }
                input id=(format!("file-{what}")) type="file" name="file" accept=".csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required;
                " " button type="submit" { (l.t("Import")) }
            }
        }
    };
    Ok((
        status,
        page(
            l,
            l.t("Reference data"),
            Some(me.header()),
            html! {
                @if let Some(m) = message { (m) }
                h2 { (l.t("Hotspots (")) (hotspots.len()) ")" }
                p { a href="/reference/hotspots.xlsx" download { (l.t("Export hotspots as Excel")) } " · " a href="/reference/hotspots.csv" download { (l.t("Export hotspots as CSV")) } }
                (import_form("hotspots"))
                table {
                    thead { tr { th { (l.t("Name")) } th.n { (l.t("Radius (m)")) } th.n { (l.t("Visits / week")) } th.n { (l.t("Minutes / week")) } th { (l.t("Active")) } } }
                    tbody {
                        @for (id, h) in &hotspots {
                            tr {
                                td { a href=(format!("/reference/hotspots/{id}")) title=(l.t("Edit")) { (h.name) } } td.n { (h.radius_m) }
                                td.n { (h.dosage.visits_per_week) } td.n { (h.dosage.minutes_per_week) }
                                td { (h.active_from) " – " (h.active_to.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
                h2 { (l.t("Venues (")) (venues.len()) ")" }
                p { a href="/reference/venues.xlsx" download { (l.t("Export venues as Excel")) } " · " a href="/reference/venues.csv" download { (l.t("Export venues as CSV")) } }
                (import_form("venues"))
                table {
                    thead { tr { th { (l.t("Name")) } th { (l.t("Licensee")) } th { (l.t("Serving hours")) } th { (l.t("Risk")) } } }
                    tbody {
                        @for (id, v) in &venues {
                            tr {
                                td { a href=(format!("/reference/venues/{id}")) title=(l.t("Edit")) { (v.name) } } td { (v.licensee) }
                                td { (v.serving_hours.opens) "–" (v.serving_hours.closes) }
                                td { (l.say(&v.risk)) }
                            }
                        }
                    }
                }
                h2 { (l.t("Promise plan")) }
                p { a href="/reference/plan.xlsx" download { (l.t("Export the plan as Excel")) } " · " a href="/reference/plan.csv" download { (l.t("Export the plan as CSV")) } }
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
                                        td { a href=(format!("/reference/plan/{}", i.id)) title=(l.t("Edit")) { (i.title) } } td { (l.say(&i.owner)) } td { (l.say(&i.counts)) }
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
    me: SignedIn,
    Path(file): Path<String>,
) -> Result<Response, Error> {
    let here = me.here()?;
    let (what, excel) = match (file.strip_suffix(".csv"), file.strip_suffix(".xlsx")) {
        (Some(w), _) => (w.to_string(), false),
        (_, Some(w)) => (w.to_string(), true),
        _ => return Err(Error::NotFound),
    };
    let kind = kind_of(&what)?;
    let body = match kind {
        DocKind::Hotspot => {
            let hotspots = state.db.read(move |c| reference::hotspots(c, here)).await?;
            reference_csv::write_hotspots(&hotspots)
        }
        DocKind::PromisePlan => match state
            .db
            .read(move |c| reference::current_plan(c, here))
            .await?
        {
            Some((_, plan)) => reference_csv::write_plan(&plan),
            None => return Err(Error::NotFound),
        },
        _ => {
            let venues = state.db.read(move |c| reference::venues(c, here)).await?;
            reference_csv::write_venues(&venues)
        }
    }
    .map_err(Error::internal)?;
    if excel {
        let book = super::workbook::csv_as_workbook(&body, &what).map_err(Error::internal)?;
        return Ok(super::attachment(
            super::XLSX,
            &format!("{what}.xlsx"),
            book,
        ));
    }
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
    // An Excel workbook is read into the CSV import's text: one reader.
    let text = if super::workbook::is_workbook(&bytes) {
        super::workbook::first_sheet_as_csv(&bytes).map_err(RowProblem::NotCsv)
    } else {
        String::from_utf8(bytes.to_vec()).map_err(|_| RowProblem::NotUtf8)
    };
    let text = match text {
        Ok(text) => text,
        Err(problem) => {
            let rows = [RowError { line: 1, problem }];
            return reference_page(
                l,
                &state,
                &me,
                StatusCode::BAD_REQUEST,
                Some(bad_rows(l, &rows)),
            )
            .await;
        }
    };
    let text = text.trim_start_matches('\u{feff}').to_string();
    let outcome = import_text(&state, me.here()?, kind, text).await?;
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

/// Imports reference rows as CSV text (a file, or one edited row): every
/// row validated, nothing written unless all are good.
async fn import_text(
    state: &AppState,
    here: shared::MunicipalityId,
    kind: DocKind,
    text: String,
) -> Result<Result<usize, Vec<RowError>>, Error> {
    let now = state.clock.now_ms();
    state
        .db
        .write(move |c| {
            if kind == DocKind::PromisePlan {
                return reference::import_plan(c, &text, here, now);
            }
            let refs = crate::db::ingest::SqlReferences::new(c);
            let (rows, bad): reference_csv::Read<Record> = match kind {
                DocKind::Hotspot => {
                    let plan = reference::current_plan(c, here)?.map(|(_, p)| p);
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
            reference::import(c, kind, rows, bad, here, now)
        })
        .await
}

/// A reference export read back into its header and rows (cells as
/// typed, without the formula guard).
fn table_of(body: Vec<u8>) -> Result<(Vec<String>, Vec<Vec<String>>), Error> {
    let text = String::from_utf8(body).map_err(Error::internal)?;
    let (text, separator) = shared::spreadsheet::sniff(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(Error::internal)?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(Error::internal)?;
        rows.push(
            record
                .iter()
                .map(|c| shared::spreadsheet::read_cell(c).to_string())
                .collect(),
        );
    }
    Ok((header, rows))
}

/// What one edit form changes: the export's header and rows, the row the
/// form is about, and the columns it lets a coordinator change.
struct Editing {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    row: usize,
    editable: &'static [&'static str],
}

/// The hotspot or venue with `id`, or the plan's initiative with `id` (the
/// plan's CSV has a row per initiative, in `PromisePlan::initiatives`'
/// order; its title, owner, what counts and the target can change).
async fn editing(
    state: &AppState,
    here: shared::MunicipalityId,
    kind: DocKind,
    id: Uuid,
) -> Result<Editing, Error> {
    // Every column but the id; of the plan, the initiative's own columns
    // (municipality, period and focus area are the plan's).
    let hotspot: &'static [&'static str] = &reference_csv::HOTSPOT_COLUMNS[1..];
    let venue: &'static [&'static str] = &reference_csv::VENUE_COLUMNS[1..];
    let initiative: &'static [&'static str] = &reference_csv::PLAN_COLUMNS[4..];
    let (body, editable, row) = match kind {
        DocKind::Hotspot => {
            let all = state.db.read(move |c| reference::hotspots(c, here)).await?;
            let row = all.iter().position(|(h, _)| *h == id);
            (reference_csv::write_hotspots(&all), hotspot, row)
        }
        DocKind::Venue => {
            let all = state.db.read(move |c| reference::venues(c, here)).await?;
            let row = all.iter().position(|(v, _)| *v == id);
            (reference_csv::write_venues(&all), venue, row)
        }
        _ => {
            let (_, plan) = state
                .db
                .read(move |c| reference::current_plan(c, here))
                .await?
                .ok_or(Error::NotFound)?;
            let row = plan.initiatives().position(|(_, i)| i.id == id);
            (reference_csv::write_plan(&plan), initiative, row)
        }
    };
    let (header, rows) = table_of(body.map_err(Error::internal)?)?;
    let row = row.filter(|r| *r < rows.len()).ok_or(Error::NotFound)?;
    Ok(Editing {
        header,
        rows,
        row,
        editable,
    })
}

/// A column's name in words on the edit form.
fn column_label(l: Lang, column: &str) -> &'static str {
    match column {
        "name" => l.t("Name"),
        "lat" => l.t("Latitude (WGS 84)"),
        "lon" => l.t("Longitude (WGS 84)"),
        "radius_m" => l.t("Radius (m)"),
        "active_from" => l.t("Active from (YYYY-MM-DD)"),
        "active_to" => l.t("Active to (YYYY-MM-DD, empty: open-ended)"),
        "visits_per_week" => l.t("Visits / week"),
        "minutes_per_week" => l.t("Minutes / week"),
        "licensee" => l.t("Licensee"),
        "opens" => l.t("Serving opens (HH:MM)"),
        "closes" => l.t("Serving closes (HH:MM)"),
        "security_staff_required" => l.t("Security staff required (yes/no)"),
        "late_hours" => l.t("Serves after 01:00 (yes/no)"),
        "dancing" => l.t("Dancing (yes/no)"),
        "outdoor_area" => l.t("Outdoor area (yes/no)"),
        "risk" => l.t("Risk (low, medium, high)"),
        "initiative" => l.t("Initiative (a new title is a new initiative)"),
        "owner" => l.t("Owner (police, municipality, joint)"),
        "counts" => l.t("Counts (patrol_visits, inspections, activities)"),
        "target_at_least" => l.t("Target (a number; empty: none)"),
        "target_unit" => l.t("Target unit (as the promise words it)"),
        "target_per" => l.t("Target per (year, tertial, quarter, plan)"),
        _ => l.t("Field"),
    }
}

fn edit_form(
    l: Lang,
    me: &SignedIn,
    what: &str,
    id: Uuid,
    e: &Editing,
    message: Option<Markup>,
) -> Markup {
    let csrf = &me.0.csrf;
    let cells = &e.rows[e.row];
    let title_column = if what == "plan" { "initiative" } else { "name" };
    let title = e
        .header
        .iter()
        .position(|h| h == title_column)
        .and_then(|i| cells.get(i))
        .cloned()
        .unwrap_or_default();
    page(
        l,
        &title,
        Some(me.header()),
        html! {
            @if let Some(m) = message { (m) }
            form method="post" action=(format!("/reference/{what}/{id}")) {
                input type="hidden" name="csrf" value=(csrf);
                @for (column, value) in e.header.iter().zip(cells) {
                    @if e.editable.contains(&column.as_str()) {
                        label for=(column) { (column_label(l, column)) }
                        input id=(column) name=(column) value=(value);
                    }
                }
                p { button type="submit" { (l.t("Save")) } " " a.button href="/reference" { (l.t("Cancel")) } }
            }
        },
    )
}

/// The municipality a hotspot or venue belongs to, if this account's roles
/// reach it (else not found); an initiative is the shown municipality's
/// plan's.
async fn municipality_of(
    state: &AppState,
    me: &SignedIn,
    kind: DocKind,
    id: Uuid,
) -> Result<shared::MunicipalityId, Error> {
    if kind == DocKind::PromisePlan {
        return me.here();
    }
    let m = state
        .db
        .read(move |c| crate::db::documents::municipality(c, shared::DocId(id)))
        .await?;
    me.must_reach(m)?;
    m.ok_or(Error::NotFound)
}

/// One hotspot, venue or initiative as a form, to change on the page.
pub async fn edit(
    State(state): State<AppState>,
    me: SignedIn,
    l: Lang,
    Path((what, id)): Path<(String, Uuid)>,
) -> Result<Response, Error> {
    let kind = kind_of(&what)?;
    let e = editing(
        &state,
        municipality_of(&state, &me, kind, id).await?,
        kind,
        id,
    )
    .await?;
    Ok(edit_form(l, &me, &what, id, &e, None).into_response())
}

/// Saves the form as an import with the same checks as a file: a hotspot
/// or venue as one row; an initiative as the whole plan with its row
/// changed (the plan is imported whole).
pub async fn save(
    State(state): State<AppState>,
    me: SignedIn,
    l: Lang,
    Path((what, id)): Path<(String, Uuid)>,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Result<Response, Error> {
    me.check_csrf(form.get("csrf").map(String::as_str).unwrap_or(""))?;
    let kind = kind_of(&what)?;
    let here = municipality_of(&state, &me, kind, id).await?;
    let mut e = editing(&state, here, kind, id).await?;
    for (c, column) in e.header.iter().enumerate() {
        if let (true, Some(v)) = (e.editable.contains(&column.as_str()), form.get(column)) {
            e.rows[e.row][c] = v.trim().to_string();
        }
    }
    let rows: Vec<&Vec<String>> = if kind == DocKind::PromisePlan {
        e.rows.iter().collect()
    } else {
        vec![&e.rows[e.row]]
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut write = || -> Result<(), csv::Error> {
        w.write_record(&e.header)?;
        for r in &rows {
            w.write_record(r.iter())?;
        }
        Ok(())
    };
    write().map_err(Error::internal)?;
    let text = String::from_utf8(shared::spreadsheet::finish(w).map_err(Error::internal)?)
        .map_err(Error::internal)?;
    match import_text(&state, here, kind, text).await? {
        Ok(_) => Ok(Redirect::to("/reference").into_response()),
        Err(bad) => Ok((
            StatusCode::BAD_REQUEST,
            edit_form(l, &me, &what, id, &e, Some(bad_rows(l, &bad))),
        )
            .into_response()),
    }
}
