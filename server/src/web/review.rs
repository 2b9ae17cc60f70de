//! Activity review: the timeline with filters, one record's details and
//! edit history (opened only with a purpose, written to the access log),
//! the access log with its CSV export, and the quarantine.

use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use shared::local_time::{format_date, format_date_time};
use shared::record::Record;
use shared::DocId;
use uuid::Uuid;

use super::follow_up::{chosen, PeriodQuery};
use super::lang::Lang;
use super::layout::page;
use super::session::SignedIn;
use crate::db::review::{self, Filter, RecordView, PURPOSES};
use crate::db::{identity::DeviceInfo, quarantine};
use crate::error::Error;
use crate::http::AppState;

fn select(
    l: Lang,
    name: &str,
    label: &str,
    choices: &[(String, String)],
    chosen: &Option<String>,
) -> Markup {
    // Label and select in one box, so that the filter row never wraps
    // a label away from its select.
    html! {
        div.field {
            label for=(name) { (label) }
            select #(name) name=(name) {
                option value="" { (l.t("all")) }
                @for (id, text) in choices {
                    option value=(id) selected[chosen.as_deref() == Some(id.as_str())] { (text) }
                }
            }
        }
    }
}

/// A timeline row's place: a hotspot's or venue's name, or an activity's
/// kind in words (stored as its key).
fn place_words(l: Lang, r: &review::TimelineRow) -> String {
    match shared::domain::ActivityKind::ALL
        .into_iter()
        .find(|k| r.kind == "activity" && k.as_str() == r.place)
    {
        Some(k) => l.say(&k),
        None => r.place.clone(),
    }
}

fn kind_label(l: Lang, kind: &str) -> &'static str {
    match kind {
        "patrol_visit" => l.t("Patrol visit"),
        "inspection" => l.t("Inspection"),
        "activity" => l.t("Activity"),
        _ => l.t("Record"),
    }
}

pub async fn timeline(
    State(state): State<AppState>,
    me: SignedIn,
    l: Lang,
    Query(filter): Query<Filter>,
) -> Result<Response, Error> {
    let period = chosen(
        &PeriodQuery::of(filter.period.clone()),
        state.clock.now_ms(),
    )?;
    let f = filter.clone();
    let page_no = filter.page.unwrap_or(0);
    let m = me.here()?;
    let (found, [areas, initiatives, hotspots, venues, officers]) = state
        .db
        .read(move |c| {
            Ok((
                review::timeline(c, m, period, &f, page_no, review::TIMELINE_LIMIT)?,
                review::choices(c, m)?,
            ))
        })
        .await?;
    let rows = found.rows;
    let here = filter_query(&filter, &period);
    let kinds = vec![
        (
            "patrol_visit".to_string(),
            (l.t("Patrol visits")).to_string(),
        ),
        ("inspection".to_string(), (l.t("Inspections")).to_string()),
        (
            "activity".to_string(),
            (l.t("Other activities")).to_string(),
        ),
    ];
    Ok(page(
        l,
        &format!("{} {}", l.t("Records"), l.period(&period)),
        Some(me.header()),
        html! {
            form.filters method="get" action="/records" {
                div.field {
                    label for="period" { (l.t("Period")) }
                    input #period name="period" value=(l.period_key(&period)) size="10";
                }
                (select(l, "kind", l.t("Kind"), &kinds, &filter.kind))
                (select(l, "focus_area", l.t("Focus area"), &areas, &filter.focus_area))
                (select(l, "initiative", l.t("Initiative"), &initiatives, &filter.initiative))
                (select(l, "hotspot", l.t("Hotspot"), &hotspots, &filter.hotspot))
                (select(l, "venue", l.t("Venue"), &venues, &filter.venue))
                (select(l, "officer", l.t("Officer"), &officers, &filter.officer))
                p { button type="submit" { (l.t("Filter")) } }
            }
            p.muted {
                (l.t("Page ")) (page_no + 1) ": " (rows.len()) (l.t(" records"))
                " · " a href=(format!("/records.csv?{here}")) download { (l.t("Download CSV")) }
                " · " a href=(format!("/records.xlsx?{here}")) download { (l.t("Download Excel")) }
                " " (l.t("(the filtered records, without free text)"))
            }
            table {
                thead { tr { th { (l.t("When")) } th { (l.t("Kind")) } th { (l.t("Initiative")) } th { (l.t("Place")) } th { (l.t("Officer")) } th { "" } } }
                tbody {
                    @for r in &rows {
                        tr {
                            td { @if r.kind == "activity" { (format_date(r.at)) } @else { (format_date_time(r.at)) } }
                            td { (kind_label(l, r.kind)) @if let Some(s) = r.uncounted { br; span.muted { (l.say(&s)) } } }
                            td { (r.initiative) } td { (place_words(l, r)) } td { (r.officer) }
                            td { a href=(format!("/records/{}", r.doc_id)) { (l.t("Details")) } }
                        }
                    }
                }
            }
            p.pages {
                @if page_no > 0 { a href=(format!("/records?{here}&page={}", page_no - 1)) { "← " (l.t("Previous page")) } " " }
                @if found.more { a href=(format!("/records?{here}&page={}", page_no + 1)) { (l.t("Next page")) " →" } }
            }
            // The free text only on request, with a purpose: every record
            // exported is an opening, written to the access log.
            details.no-print {
                summary { (l.t("Export with the free text (notes, findings, comments)")) }
                form method="post" action="/records/export" {
                    input type="hidden" name="csrf" value=(me.0.csrf);
                    input type="hidden" name="query" value=(here);
                    p.muted { (l.t("Each record exported is written to the access log with your name, the time and the purpose.")) }
                    (purpose_fields(l, l.t("Why do you export them?"), "export_case"))
                    p {
                        button type="submit" name="format" value="csv" { (l.t("Download CSV")) } " "
                        button type="submit" name="format" value="xlsx" { (l.t("Download Excel")) }
                    }
                }
            }
        },
    )
    .into_response())
}

/// The timeline's filters as a query string (without the page), for the
/// paging and export links.
fn filter_query(f: &Filter, period: &shared::follow_up::Period) -> String {
    let some = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
    let here = Filter {
        period: Some(period.key()),
        kind: some(&f.kind),
        focus_area: some(&f.focus_area),
        initiative: some(&f.initiative),
        hotspot: some(&f.hotspot),
        venue: some(&f.venue),
        officer: some(&f.officer),
        page: None,
    };
    // Absent filters (None) are left out of the string.
    serde_urlencoded::to_string(&here).unwrap_or_default()
}

/// Most records one export holds.
const EXPORT_LIMIT: usize = 100_000;

/// The filtered records as rows for a spreadsheet: what, when, where, who
/// and whether it counts. No free text: notes and findings stay in the
/// documents, read only by opening a record with a purpose.
/// The filtered records of the filter's period, at most `limit`, for an
/// export.
async fn filtered(
    state: &AppState,
    me: &SignedIn,
    filter: Filter,
    limit: usize,
) -> Result<(shared::follow_up::Period, review::TimelinePage), Error> {
    let m = me.here()?;
    let period = chosen(
        &PeriodQuery::of(filter.period.clone()),
        state.clock.now_ms(),
    )?;
    let found = state
        .db
        .read(move |c| review::timeline(c, m, period, &filter, 0, limit))
        .await?;
    Ok((period, found))
}

async fn export_rows(
    state: &AppState,
    me: &SignedIn,
    filter: Filter,
) -> Result<(String, Vec<[String; 8]>), Error> {
    let (period, found) = filtered(state, me, filter, EXPORT_LIMIT).await?;
    let rows = found
        .rows
        .into_iter()
        .map(|r| export_row(r, &period))
        .collect();
    Ok((period.key(), rows))
}

/// One timeline row as an export's cells, in `EXPORT_HEADER`'s order.
fn export_row(r: review::TimelineRow, period: &shared::follow_up::Period) -> [String; 8] {
    [
        r.doc_id,
        r.kind.to_string(),
        r.uncounted
            .unwrap_or(shared::lifecycle::RecordState::Finished)
            .as_str()
            .to_string(),
        if r.kind == "activity" {
            format_date(r.at)
        } else {
            format_date_time(r.at)
        },
        r.initiative,
        r.place,
        r.officer,
        period.key(),
    ]
}

/// Rows as a workbook of one sheet, the header in bold, every cell text.
fn rows_as_workbook<R: AsRef<[String]>>(
    header: &[&str],
    rows: &[R],
    key: &str,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(format!("Records {key}"))?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.as_ref().iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, cell)?;
        }
    }
    sheet.autofit();
    book.save_to_buffer()
}

const EXPORT_HEADER: [&str; 8] = [
    "record",
    "kind",
    "state",
    "when",
    "initiative",
    "place",
    "officer",
    "period",
];

pub async fn records_csv(
    State(state): State<AppState>,
    me: SignedIn,
    Query(filter): Query<Filter>,
) -> Result<Response, Error> {
    let (key, rows) = export_rows(&state, &me, filter).await?;
    let body = shared::spreadsheet::excel_csv(&EXPORT_HEADER, &rows).map_err(Error::internal)?;
    Ok(super::attachment(
        super::CSV,
        &format!("records-{key}.csv"),
        body,
    ))
}

/// Most records one export with free text holds (each is an opening).
const FREE_TEXT_LIMIT: usize = 5_000;

#[derive(serde::Deserialize)]
pub struct FreeTextExport {
    csrf: String,
    /// The timeline's filters, as the page's query string.
    query: String,
    purpose: String,
    #[serde(default)]
    case_number: String,
    format: String,
}

/// The filtered records with their free text, for a purpose: each record
/// is written to the access log (in one write, before anything is read),
/// like an opening of its details.
pub async fn records_with_free_text(
    State(state): State<AppState>,
    me: SignedIn,
    Form(form): Form<FreeTextExport>,
) -> Result<Response, Error> {
    me.check_csrf(&form.csrf)?;
    review::checked_opening(&form.purpose, &form.case_number)?;
    let filter: Filter = axum::extract::Query::try_from_uri(
        &format!("/records?{}", form.query)
            .parse()
            .map_err(|_| Error::NotFound)?,
    )
    .map(|q| q.0)
    .map_err(|_| Error::BadRequest {
        code: shared::sync::ErrorCode::BadForm,
        message: "the filters could not be read".into(),
    })?;
    let (period, found) = filtered(&state, &me, filter, FREE_TEXT_LIMIT).await?;
    let ids: Vec<DocId> = found
        .rows
        .iter()
        .filter_map(|r| Uuid::parse_str(&r.doc_id).ok().map(DocId))
        .collect();
    let (now, who) = (state.clock.now_ms(), me.0.id);
    let (purpose, case_number) = (form.purpose.clone(), form.case_number.clone());
    let logged = ids.clone();
    state
        .db
        .write(move |c| {
            for id in logged {
                review::log_access(c, who, id, &purpose, &case_number, now)?;
            }
            Ok(())
        })
        .await?;
    let texts = state
        .db
        .read(move |c| {
            ids.iter()
                .map(|id| review::free_text(c, *id))
                .collect::<Result<Vec<String>, Error>>()
        })
        .await?;
    let mut header = EXPORT_HEADER.to_vec();
    header.push("free_text");
    let rows: Vec<Vec<String>> = found
        .rows
        .into_iter()
        .zip(texts)
        .map(|(r, text)| {
            let mut row = export_row(r, &period).to_vec();
            row.push(text);
            row
        })
        .collect();
    let key = period.key();
    if form.format == "xlsx" {
        let body = rows_as_workbook(&header, &rows, &key).map_err(Error::internal)?;
        Ok(super::attachment(
            super::XLSX,
            &format!("records-{key}-free-text.xlsx"),
            body,
        ))
    } else {
        let body = shared::spreadsheet::excel_csv(&header, &rows).map_err(Error::internal)?;
        Ok(super::attachment(
            super::CSV,
            &format!("records-{key}-free-text.csv"),
            body,
        ))
    }
}

pub async fn records_xlsx(
    State(state): State<AppState>,
    me: SignedIn,
    Query(filter): Query<Filter>,
) -> Result<Response, Error> {
    let (key, rows) = export_rows(&state, &me, filter).await?;
    let body = rows_as_workbook(&EXPORT_HEADER, &rows, &key).map_err(Error::internal)?;
    Ok(super::attachment(
        super::XLSX,
        &format!("records-{key}.xlsx"),
        body,
    ))
}

/// The purpose (one from the list, none chosen for the coordinator: a
/// reason clicked through is no reason) and the optional case number that
/// every opening and free-text export asks for.
fn purpose_fields(l: Lang, question: &str, case_id: &str) -> Markup {
    html! {
        fieldset {
            legend { (question) }
            @for (key, label) in PURPOSES {
                label { input type="radio" name="purpose" value=(key) required; " " (l.t(label)) }
            }
        }
        label for=(case_id) { (l.t("Case number, if any (no personal identity number)")) }
        input id=(case_id) name="case_number" maxlength="40" autocomplete="off";
    }
}

pub(super) fn parse_id(id: &str) -> Result<DocId, Error> {
    Uuid::parse_str(id).map(DocId).map_err(|_| Error::NotFound)
}

/// The details are not shown until a purpose is chosen.
pub async fn purpose_form(
    State(state): State<AppState>,
    me: SignedIn,
    l: Lang,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    asking_purpose(&state, &me, l, &id, "").await
}

/// The record `id` as the server holds it, if this account's roles reach
/// its municipality; else not found, as if there were none (the answer
/// says nothing of another municipality's records).
pub async fn in_reach(
    state: &AppState,
    me: &SignedIn,
    id: DocId,
) -> Result<crate::db::documents::StoredDoc, Error> {
    let stored = state
        .db
        .read(move |c| crate::db::documents::stored(c, id))
        .await?
        .ok_or(Error::NotFound)?;
    me.must_reach(stored.state.municipality)?;
    Ok(stored)
}

/// The form that asks why a record is opened, posting to the record
/// (`tail` ""), or to its protocol ("/protocol").
async fn asking_purpose(
    state: &AppState,
    me: &SignedIn,
    l: Lang,
    id: &str,
    tail: &str,
) -> Result<Response, Error> {
    let id = parse_id(id)?;
    // No purpose is asked for a record that is not there (or not here).
    let stored = in_reach(state, me, id).await?;
    Ok(page(
        l,
        l.t("Open a record"),
        Some(me.header()),
        html! {
            // Which record, by what says nothing of its contents.
            p { strong { (l.say(&stored.state.kind)) } " " code { (id) } ", " (l.t("first received ")) (format_date_time(stored.first_received_at)) }
            p { (l.t("Opening a record's details is written to the access log with your name, the time and the purpose.")) }
            form method="post" action=(format!("/records/{id}{tail}")) {
                input type="hidden" name="csrf" value=(me.0.csrf);
                (purpose_fields(l, l.t("Why do you open it?"), "case_number"))
                p { button type="submit" { (l.t("Open the record")) } }
            }
        },
    )
    .into_response())
}

#[derive(serde::Deserialize)]
pub struct Open {
    csrf: String,
    purpose: String,
    /// The case number, if the opening belongs to one.
    #[serde(default)]
    case_number: String,
}

pub async fn open(
    State(state): State<AppState>,
    me: SignedIn,
    l: Lang,
    Path(id): Path<String>,
    Form(form): Form<Open>,
) -> Result<Response, Error> {
    me.check_csrf(&form.csrf)?;
    let id = parse_id(&id)?;
    let view = open_logged(&state, &me, id, form.purpose, form.case_number).await?;
    Ok(page(
        l,
        kind_title(l, &view.record),
        Some(me.header()),
        record_markup(l, &view, &me.0.csrf),
    )
    .into_response())
}

/// A record's details, read only after their opening is committed to the
/// access log in its own write: no details without a log.
async fn open_logged(
    state: &AppState,
    me: &SignedIn,
    id: DocId,
    purpose: String,
    case_number: String,
) -> Result<RecordView, Error> {
    in_reach(state, me, id).await?;
    let (now, who) = (state.clock.now_ms(), me.0.id);
    state
        .db
        .write(move |c| review::log_access(c, who, id, &purpose, &case_number, now))
        .await?;
    state.db.read(move |c| review::record(c, id)).await
}

fn kind_title(l: Lang, r: &Record) -> &'static str {
    match r {
        Record::PatrolVisit(_) => l.t("Patrol visit"),
        Record::Inspection(_) => l.t("Inspection"),
        Record::Activity(_) => l.t("Activity"),
        _ => l.t("Reference data"),
    }
}

fn record_markup(l: Lang, v: &RecordView, csrf: &str) -> Markup {
    let opt_time = |t: Option<i64>| t.map(format_date_time).unwrap_or_else(|| "—".into());
    html! {
        // The record in words first: what, where, for which promise, who.
        p.summary {
            strong { (kind_title(l, &v.record)) }
            @if let Some(p) = &v.place { " · " (p) }
            @if let Some(i) = &v.initiative { br; (l.t("Initiative")) ": " (i) }
            @if let Some(o) = &v.owner { br; (l.t("Logged by")) ": " (o) }
            @if !v.participants.is_empty() { br; (l.t("Participants")) ": " (v.participants.join(", ")) }
        }
        p.muted { (l.t("Record ")) code { (v.id) } (l.t(", first received ")) (format_date_time(v.first_received_at)) }
        table {
            @if let Some(state) = v.record.state() {
                tr { th { (l.t("State")) } td { (l.say(&state)) @if let Some(at) = v.record.discarded_at() { ", " (format_date_time(at)) } } }
            }
            @match &v.record {
                Record::PatrolVisit(p) => {
                    tr { th { (l.t("Started")) } td { (format_date_time(p.started_at)) } }
                    tr { th { (l.t("Ended")) } td { (opt_time(p.ended_at)) } }
                    tr { th { (l.t("Officers")) } td { (p.officers_count) } }
                    tr { th { (l.t("Contacts")) } td { (p.contacts.value()) } }
                    tr { th { (l.t("Interventions")) } td { (p.interventions.value()) } }
                    tr { th { (l.t("Problems seen")) } td { (p.problems_seen().iter().map(|x| l.say(x)).collect::<Vec<_>>().join(", ")) } }
                    tr { th { (l.t("Notes")) } td { (p.notes.as_str()) } }
                }
                Record::Inspection(i) => {
                    tr { th { (l.t("Started")) } td { (format_date_time(i.started_at)) } }
                    tr { th { (l.t("Ended")) } td { (opt_time(i.ended_at)) } }
                    tr { th { (l.t("Participants")) } td { (i.participants.len()) } }
                    @for item in shared::domain::ChecklistItem::ALL {
                        @if let Some(e) = i.entry(item) {
                            tr { th { (l.say(&item)) } td { (l.say(&e.answer)) @if !e.comment.as_str().is_empty() { ": " (e.comment.as_str()) } } }
                        }
                    }
                    tr { th { (l.t("Findings")) } td { (i.findings.as_str()) } }
                    tr { th { (l.t("Follow-up")) } td { (l.say(&i.follow_up)) } }
                }
                Record::Activity(a) => {
                    tr { th { (l.t("Date")) } td { (a.date) } }
                    tr { th { (l.t("Kind")) } td { (l.say(&a.kind)) } }
                    tr { th { (l.t("People reached")) } td { (a.people_reached) } }
                    tr { th { (l.t("Notes")) } td { (a.notes.as_str()) } }
                }
                _ => { tr { td { (l.t("Reference data; see the reference pages.")) } } }
            }
        }
        @for r in &v.redactions {
            p.muted {
                (l.t("Redacted")) ": "
                (r.paths.iter().map(|p| super::redaction::path_label(l, p)).collect::<Vec<_>>().join(", "))
                ", " (format_date_time(r.redacted_at)) " (" (l.say(&r.reason)) ")"
            }
        }
        @if !shared::redaction::redactable_fields(v.record.kind()).is_empty() {
            p.no-print { a href=(format!("/records/{}/redact", v.id)) { (l.t("Redact a field…")) } }
        }
        @if shared::erasure::may_erase(v.record.kind()) {
            p.no-print { a.danger href=(format!("/records/{}/erase", v.id)) { (l.t("Erase this record…")) } }
        }
        @if let Record::Inspection(_) = &v.record {
            form.no-print method="post" action=(format!("/records/{}/protocol", v.id)) {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="purpose" value="protocol";
                button type="submit" { (l.t("Printable protocol for the licensee")) }
            }
        }
        h2 { (l.t("Edit history")) }
        p.muted { (l.t("From the document itself: each person's edits in one session (changes less than 30 minutes apart), with what they changed, old → new. Times by the device's clock.")) }
        @for (session, author) in &v.sessions {
            section.session {
                h3 {
                    (format_date_time(session.from))
                    @if session.to - session.from >= 60_000 { "–" (shared::local_time::format_time(session.to)) }
                    " · "
                    @match author {
                        review::Author::Officer(name) => { (name) }
                        review::Author::Coordinator => { (l.t("coordinator")) }
                        review::Author::Unknown => { (l.t("unknown device")) }
                    }
                    " · " (session.changes) (l.t(if session.changes == 1 { " change" } else { " changes" }))
                }
                table.changes {
                    @for c in session.changed.iter().filter(|c| c.path != "record_kind" && c.path != "schema_version") {
                        tr {
                            th { (l.field_path(&c.path)) }
                            td { (value(l, v, &c.path, c.old.as_deref())) }
                            td { "→" }
                            td { (value(l, v, &c.path, c.new.as_deref())) }
                        }
                    }
                }
            }
        }
    }
}

/// A value in the history in words; an officer's id as the name.
fn value(l: Lang, v: &RecordView, path: &str, raw: Option<&str>) -> String {
    let raw = raw.unwrap_or("");
    match v.names.get(raw) {
        Some(name) => name.clone(),
        None => l.field_value(path, raw),
    }
}

pub async fn access_log(
    State(state): State<AppState>,
    me: SignedIn,
    l: Lang,
    Query(f): Query<review::AccessFilter>,
) -> Result<Response, Error> {
    let filter = f.clone();
    let m = me.here()?;
    let (rows, coordinators) = state
        .db
        .read(move |c| {
            Ok((
                review::access_log(c, m, &filter, 1000)?,
                review::coordinators(c, m)?,
            ))
        })
        .await?;
    let purposes: Vec<(String, String)> = PURPOSES
        .iter()
        .map(|(k, label)| (k.to_string(), l.t(label).to_string()))
        .collect();
    Ok(page(
        l,
        l.t("Access log"),
        Some(me.header()),
        html! {
            form.filters method="get" action="/access-log" {
                (select(l, "coordinator", l.t("Who"), &coordinators, &f.coordinator))
                (select(l, "purpose", l.t("Purpose"), &purposes, &f.purpose))
                div {
                    label for="record" { (l.t("Record")) }
                    input #record name="record" value=(f.record.clone().unwrap_or_default()) size="36";
                }
                p { button type="submit" { (l.t("Filter")) } }
            }
            p { a href="/access-log.csv" download { (l.t("Download CSV")) } }
            table {
                thead { tr { th { (l.t("When")) } th { (l.t("Who")) } th { (l.t("Record")) } th { (l.t("Purpose")) } th { (l.t("Case number")) } } }
                tbody {
                    @for r in &rows {
                        tr {
                            td { (format_date_time(r.at)) } td { (r.coordinator) }
                            td {
                                @if let Some(k) = r.kind { (l.say(&k)) }
                                @if let Some(p) = &r.place { " · " (p) }
                                br;
                                a href=(format!("/access-log?record={}", r.doc_id)) { code { (r.doc_id) } }
                            }
                            td { (l.t(review::logged_label(&r.purpose))) }
                            td { (r.case_number.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        },
    )
    .into_response())
}

pub async fn access_log_csv(
    State(state): State<AppState>,
    me: SignedIn,
) -> Result<Response, Error> {
    let m = me.here()?;
    let rows = state
        .db
        .read(move |c| review::access_log(c, m, &review::AccessFilter::default(), usize::MAX >> 1))
        .await?;
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                format_date_time(r.at),
                r.coordinator.clone(),
                r.doc_id.clone(),
                r.kind.map(|k| k.as_str()).unwrap_or("").to_string(),
                r.purpose.clone(),
                r.case_number.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let write = || {
        shared::spreadsheet::excel_csv(
            &[
                "at",
                "coordinator",
                "record",
                "kind",
                "purpose",
                "case_number",
            ],
            &rows,
        )
    };
    let body = write().map_err(Error::internal)?;
    Ok(super::attachment(super::CSV, "access-log.csv", body))
}

pub async fn quarantined(
    State(state): State<AppState>,
    me: SignedIn,
    l: Lang,
) -> Result<Response, Error> {
    let m = me.here()?;
    let (rows, devices): (Vec<quarantine::Quarantined>, Vec<DeviceInfo>) = state
        .db
        .read(move |c| {
            Ok((
                quarantine::list(c, Some(m))?,
                crate::db::identity::list_devices(c, None)?,
            ))
        })
        .await?;
    let device_name = |id: &str| {
        devices
            .iter()
            .find(|d| d.id.to_string() == id)
            .map(|d| format!("{} ({})", d.officer_name, d.name))
            .unwrap_or_else(|| id.to_string())
    };
    Ok(page(
        l,
        l.t("Quarantined documents"),
        Some(me.header()),
        html! {
            p.muted { (l.t("Documents the server refused, kept with the reason. The device keeps them too and sends them again once amended.")) }
            @if rows.is_empty() { p { (l.t("None.")) } }
            @else {
                table {
                    thead { tr { th { (l.t("Received")) } th { (l.t("Document")) } th { (l.t("From")) } th { (l.t("Reason")) } th.n { (l.t("Changes")) } } }
                    tbody {
                        @for q in &rows {
                            tr {
                                td { (format_date_time(q.received_at)) } td { code { (q.doc_id) } }
                                td { (device_name(&q.device_id)) }
                                td { (q.code) ": " (q.reason) } td.n { (q.change_count) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response())
}

/// Asks why the protocol is opened: a link to it, or a reload, reads
/// nothing and logs nothing without a purpose.
pub async fn protocol_purpose(
    State(state): State<AppState>,
    me: SignedIn,
    l: Lang,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    asking_purpose(&state, &me, l, &id, "/protocol").await
}

/// The printable protocol of one inspection, for the licensee's copy.
/// Printing it is an opening of the record like any other: asked with a
/// purpose (the record's page sends "protocol"), and logged.
pub async fn protocol(
    State(state): State<AppState>,
    me: SignedIn,
    l: Lang,
    Path(id): Path<String>,
    Form(form): Form<Open>,
) -> Result<Response, Error> {
    me.check_csrf(&form.csrf)?;
    let id = parse_id(&id)?;
    let view = open_logged(&state, &me, id, form.purpose, form.case_number).await?;
    let Record::Inspection(i) = &view.record else {
        return Err(Error::NotFound);
    };
    let venue_id = i.venue_id.to_string();
    let venue = state
        .db
        .read(move |c| review::venue_names(c, &venue_id))
        .await?;
    let (venue, licensee) = venue.unwrap_or_else(|| ("(unknown venue)".into(), String::new()));
    let count = |o: shared::domain::Organisation| {
        i.participants
            .iter()
            .filter(|p| p.organisation == o)
            .count()
    };
    Ok(page(
        l,
        l.t("Inspection protocol"),
        Some(me.header()),
        html! {
            p { (l.t("Supervision under the Alcohol Act (alkohollagen 2010:1622), chapter 9. Copy for the licensee.")) }
            table {
                tr { th { (l.t("Venue")) } td { (venue) } }
                tr { th { (l.t("Licensee")) } td { (licensee) } }
                tr { th { (l.t("Inspection")) } td { (format_date_time(i.started_at)) " – " (i.ended_at.map(format_date_time).unwrap_or_default()) } }
                tr { th { (l.t("Inspectors")) } td {
                    (count(shared::domain::Organisation::Police)) (l.t(" from the police, "))
                    (count(shared::domain::Organisation::Municipality)) (l.t(" from the municipality")) } }
                tr { th { (l.t("Record")) } td { code { (view.id) } } }
            }
            h2 { (l.t("Checklist")) }
            table {
                thead { tr { th { (l.t("Item")) } th { (l.t("Result")) } th { (l.t("Comment")) } } }
                tbody {
                    @for item in shared::domain::ChecklistItem::ALL {
                        @let entry = i.entry(item);
                        tr {
                            td { (l.say(&item)) }
                            td { (l.say(&entry.map(|e| e.answer).unwrap_or_default())) }
                            td { (entry.map(|e| e.comment.as_str()).unwrap_or("")) }
                        }
                    }
                }
            }
            // The signatures never stand alone on a page: the findings and
            // the follow-up go with them.
            section.keep {
            h2 { (l.t("Findings")) }
            p.assessment { @if i.findings.as_str().is_empty() { (l.t("None.")) } @else { (i.findings.as_str()) } }
            h2 { (l.t("Follow-up")) }
            p { (match i.follow_up {
                shared::domain::FollowUp::None => l.t("None."),
                shared::domain::FollowUp::Revisit => l.t("The venue will be visited again."),
                shared::domain::FollowUp::SupervisionCase => l.t("The municipality opens a supervision case; the licensee will be heard before any decision."),
            }) }
            p.muted { (l.t("A remark is not a sanction: only the municipality decides sanctions, after the licensee has been heard.")) }
            // The signatures stay together, each line labelled.
            @if let Some(at) = i.read_back_at { p { (l.t("Read back to the responsible manager on site: ")) (format_date_time(at)) "." } }
            div.signatures {
                @for who in [l.t("For the inspectors"), l.t("Received by the licensee")] {
                    div.signature {
                        p { strong { (who) } }
                        div.line {} span.muted { (l.t("Signature")) }
                        div.line {} span.muted { (l.t("Name in print")) }
                        div.line {} span.muted { (l.t("Date")) }
                    }
                }
            }
            }
        },
    )
    .into_response())
}
