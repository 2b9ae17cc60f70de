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
use super::layout::page;
use super::session::SignedIn;
use crate::db::review::{self, Filter, RecordView, PURPOSES};
use crate::db::{identity::DeviceInfo, quarantine};
use crate::error::Error;
use crate::http::AppState;

fn select(
    name: &str,
    label: &str,
    choices: &[(String, String)],
    chosen: &Option<String>,
) -> Markup {
    html! {
        label for=(name) { (label) }
        select #(name) name=(name) {
            option value="" { "all" }
            @for (id, text) in choices {
                option value=(id) selected[chosen.as_deref() == Some(id.as_str())] { (text) }
            }
        }
    }
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "patrol_visit" => "Patrol visit",
        "inspection" => "Inspection",
        "activity" => "Activity",
        _ => "Record",
    }
}

pub async fn timeline(
    State(state): State<AppState>,
    me: SignedIn,
    Query(filter): Query<Filter>,
) -> Result<Response, Error> {
    let period = chosen(
        &PeriodQuery::of(filter.period.clone()),
        state.clock.now_ms(),
    )?;
    let f = filter.clone();
    let (rows, [areas, initiatives, hotspots, venues, officers]) = state
        .db
        .read(move |c| Ok((review::timeline(c, period, &f)?, review::choices(c)?)))
        .await?;
    let kinds = vec![
        ("patrol_visit".to_string(), "Patrol visits".to_string()),
        ("inspection".to_string(), "Inspections".to_string()),
        ("activity".to_string(), "Other activities".to_string()),
    ];
    Ok(page(
        &format!("Records {period}"),
        Some((&me.0.display_name, &me.0.csrf)),
        html! {
            form.filters method="get" action="/records" {
                label for="period" { "Period" }
                input #period name="period" value=(period.key()) size="10";
                (select("kind", "Kind", &kinds, &filter.kind))
                (select("focus_area", "Focus area", &areas, &filter.focus_area))
                (select("initiative", "Initiative", &initiatives, &filter.initiative))
                (select("hotspot", "Hotspot", &hotspots, &filter.hotspot))
                (select("venue", "Venue", &venues, &filter.venue))
                (select("officer", "Officer", &officers, &filter.officer))
                p { button type="submit" { "Filter" } }
            }
            p.muted { (rows.len()) " records"
                @if rows.len() == review::TIMELINE_LIMIT { " (the newest " (review::TIMELINE_LIMIT) "; narrow the filters to see the rest)" } }
            table {
                thead { tr { th { "When" } th { "Kind" } th { "Initiative" } th { "Place" } th { "Officer" } th { "" } } }
                tbody {
                    @for r in &rows {
                        tr {
                            td { @if r.kind == "activity" { (format_date(r.at)) } @else { (format_date_time(r.at)) } }
                            td { (kind_label(r.kind)) }
                            td { (r.initiative) } td { (r.place) } td { (r.officer) }
                            td { a href=(format!("/records/{}", r.doc_id)) { "Details" } }
                        }
                    }
                }
            }
        },
    )
    .into_response())
}

fn parse_id(id: &str) -> Result<DocId, Error> {
    Uuid::parse_str(id).map(DocId).map_err(|_| Error::NotFound)
}

/// The details are not shown until a purpose is chosen.
pub async fn purpose_form(me: SignedIn, Path(id): Path<String>) -> Result<Response, Error> {
    let id = parse_id(&id)?;
    Ok(page(
        "Open a record",
        Some((&me.0.display_name, &me.0.csrf)),
        html! {
            p { "Opening a record's details is written to the access log with your name, the time and the purpose." }
            form method="post" action=(format!("/records/{id}")) {
                input type="hidden" name="csrf" value=(me.0.csrf);
                fieldset {
                    legend { "Why do you open it?" }
                    @for (i, (key, label)) in PURPOSES.iter().enumerate() {
                        label { input type="radio" name="purpose" value=(key) required checked[i == 0]; " " (label) }
                    }
                }
                p { button type="submit" { "Open the record" } }
            }
        },
    )
    .into_response())
}

#[derive(serde::Deserialize)]
pub struct Open {
    csrf: String,
    purpose: String,
}

pub async fn open(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<Open>,
) -> Result<Response, Error> {
    me.check_csrf(&form.csrf)?;
    let id = parse_id(&id)?;
    let now = state.clock.now_ms();
    let who = me.0.id;
    // Logged first, in its own committed write: no details without a log.
    state
        .db
        .write(move |c| {
            crate::db::documents::stored(c, id)?.ok_or(Error::NotFound)?;
            review::log_access(c, who, id, &form.purpose, now)
        })
        .await?;
    let view = state.db.read(move |c| review::record(c, id)).await?;
    Ok(page(
        kind_title(&view.record),
        Some((&me.0.display_name, &me.0.csrf)),
        record_markup(&view),
    )
    .into_response())
}

fn kind_title(r: &Record) -> &'static str {
    match r {
        Record::PatrolVisit(_) => "Patrol visit",
        Record::Inspection(_) => "Inspection",
        Record::Activity(_) => "Activity",
        _ => "Reference data",
    }
}

fn record_markup(v: &RecordView) -> Markup {
    let opt_time = |t: Option<i64>| t.map(format_date_time).unwrap_or_else(|| "—".into());
    html! {
        p.muted { "Record " code { (v.id) } ", first received " (format_date_time(v.first_received_at)) }
        table {
            @match &v.record {
                Record::PatrolVisit(p) => {
                    tr { th { "Started" } td { (format_date_time(p.started_at)) } }
                    tr { th { "Ended" } td { (opt_time(p.ended_at)) } }
                    tr { th { "Officers" } td { (p.officers_count) } }
                    tr { th { "Contacts" } td { (p.contacts.value()) } }
                    tr { th { "Interventions" } td { (p.interventions.value()) } }
                    tr { th { "Problems seen" } td { (p.problem_tags().join(", ")) } }
                    tr { th { "Notes" } td { (p.notes.as_str()) } }
                }
                Record::Inspection(i) => {
                    tr { th { "Started" } td { (format_date_time(i.started_at)) } }
                    tr { th { "Ended" } td { (opt_time(i.ended_at)) } }
                    tr { th { "Participants" } td { (i.participants.len()) } }
                    @for item in shared::domain::ChecklistItem::ALL {
                        @if let Some(e) = i.entry(item) {
                            tr { th { (item.label_en()) } td { (e.answer.as_str()) @if !e.comment.as_str().is_empty() { ": " (e.comment.as_str()) } } }
                        }
                    }
                    tr { th { "Findings" } td { (i.findings.as_str()) } }
                    tr { th { "Follow-up" } td { (i.follow_up.as_str()) } }
                }
                Record::Activity(a) => {
                    tr { th { "Date" } td { (a.date) } }
                    tr { th { "Kind" } td { (a.kind.as_str()) } }
                    tr { th { "People reached" } td { (a.people_reached) } }
                    tr { th { "Notes" } td { (a.notes.as_str()) } }
                }
                _ => { tr { td { "Reference data; see the reference pages." } } }
            }
        }
        @if let Record::Inspection(_) = &v.record {
            p.no-print { a href=(format!("/records/{}/protocol", v.id)) { "Printable protocol for the licensee" } }
        }
        h2 { "Edit history" }
        p.muted { "From the document itself: every change, when it was made (the device's clock) and by whom." }
        table {
            thead { tr { th { "When" } th { "Who" } th { "What" } } }
            tbody {
                @for (edit, who) in &v.history {
                    tr { td { (format_date_time(edit.at)) } td { (who) } td { (edit.note.as_deref().unwrap_or("—")) } }
                }
            }
        }
    }
}

pub async fn access_log(State(state): State<AppState>, me: SignedIn) -> Result<Response, Error> {
    let rows = state.db.read(|c| review::access_log(c, 1000)).await?;
    Ok(page(
        "Access log",
        Some((&me.0.display_name, &me.0.csrf)),
        html! {
            p { a href="/access-log.csv" download { "Download CSV" } }
            table {
                thead { tr { th { "When" } th { "Who" } th { "Record" } th { "Purpose" } } }
                tbody {
                    @for r in &rows {
                        tr {
                            td { (format_date_time(r.at)) } td { (r.coordinator) }
                            td { code { (r.doc_id) } }
                            td { (review::purpose_label(&r.purpose).unwrap_or("")) }
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
    _me: SignedIn,
) -> Result<Response, Error> {
    let rows = state
        .db
        .read(|c| review::access_log(c, usize::MAX >> 1))
        .await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut write = || -> Result<Vec<u8>, csv::Error> {
        w.write_record(["at", "coordinator", "record", "purpose"])?;
        for r in &rows {
            w.write_record([
                &format_date_time(r.at),
                &r.coordinator,
                &r.doc_id,
                &r.purpose,
            ])?;
        }
        w.flush()?;
        Ok(w.get_ref().clone())
    };
    let body = write().map_err(Error::internal)?;
    Ok(super::attachment(super::CSV, "access-log.csv", body))
}

pub async fn quarantined(State(state): State<AppState>, me: SignedIn) -> Result<Response, Error> {
    let (rows, devices): (Vec<quarantine::Quarantined>, Vec<DeviceInfo>) = state
        .db
        .read(|c| Ok((quarantine::list(c)?, crate::db::identity::list_devices(c)?)))
        .await?;
    let device_name = |id: &str| {
        devices
            .iter()
            .find(|d| d.id.to_string() == id)
            .map(|d| format!("{} ({})", d.officer_name, d.name))
            .unwrap_or_else(|| id.to_string())
    };
    Ok(page(
        "Quarantined documents",
        Some((&me.0.display_name, &me.0.csrf)),
        html! {
            p.muted { "Documents the server refused, kept with the reason. The device keeps them too and sends them again once amended." }
            @if rows.is_empty() { p { "None." } }
            @else {
                table {
                    thead { tr { th { "Received" } th { "Document" } th { "From" } th { "Reason" } th.n { "Changes" } } }
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

/// The printable protocol of one inspection, for the licensee's copy.
/// Printing it is an opening of the record like any other: it is logged.
pub async fn protocol(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let id = parse_id(&id)?;
    let (now, who) = (state.clock.now_ms(), me.0.id);
    state
        .db
        .write(move |c| {
            crate::db::documents::stored(c, id)?.ok_or(Error::NotFound)?;
            review::log_access(c, who, id, "protocol", now)
        })
        .await?;
    let view = state.db.read(move |c| review::record(c, id)).await?;
    let Record::Inspection(i) = &view.record else {
        return Err(Error::NotFound);
    };
    let venue_id = i.venue_id.to_string();
    let venue: Option<(String, String)> = state
        .db
        .read(move |c| {
            use rusqlite::OptionalExtension;
            Ok(c.query_row(
                "SELECT name, licensee FROM venues WHERE id = ?1",
                [venue_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
        })
        .await?;
    let (venue, licensee) = venue.unwrap_or_else(|| ("(unknown venue)".into(), String::new()));
    let count = |o: shared::domain::Organisation| {
        i.participants
            .iter()
            .filter(|p| p.organisation == o)
            .count()
    };
    Ok(page(
        "Inspection protocol",
        Some((&me.0.display_name, &me.0.csrf)),
        html! {
            p { "Supervision under the Alcohol Act (alkohollagen 2010:1622), chapter 9. Copy for the licensee." }
            table {
                tr { th { "Venue" } td { (venue) } }
                tr { th { "Licensee" } td { (licensee) } }
                tr { th { "Inspection" } td { (format_date_time(i.started_at)) " – " (i.ended_at.map(format_date_time).unwrap_or_default()) } }
                tr { th { "Inspectors" } td {
                    (count(shared::domain::Organisation::Police)) " from the police, "
                    (count(shared::domain::Organisation::Municipality)) " from the municipality" } }
                tr { th { "Record" } td { code { (view.id) } } }
            }
            h2 { "Checklist" }
            table {
                thead { tr { th { "Item" } th { "Result" } th { "Comment" } } }
                tbody {
                    @for item in shared::domain::ChecklistItem::ALL {
                        @let entry = i.entry(item);
                        tr {
                            td { (item.label_en()) }
                            td { (entry.map(|e| e.answer.as_str()).unwrap_or("not_checked").replace('_', " ")) }
                            td { (entry.map(|e| e.comment.as_str()).unwrap_or("")) }
                        }
                    }
                }
            }
            h2 { "Findings" }
            p.assessment { @if i.findings.as_str().is_empty() { "None." } @else { (i.findings.as_str()) } }
            h2 { "Follow-up" }
            p { (match i.follow_up {
                shared::domain::FollowUp::None => "None.",
                shared::domain::FollowUp::Revisit => "The venue will be visited again.",
                shared::domain::FollowUp::SupervisionCase => "The municipality opens a supervision case; the licensee will be heard before any decision.",
            }) }
            p.muted { "A remark is not a sanction: only the municipality decides sanctions, after the licensee has been heard." }
            table {
                tr { th { "For the inspectors" } th { "Received by the licensee" } }
                tr { td { br; br; "……………………………………" } td { br; br; "……………………………………" } }
            }
        },
    )
    .into_response())
}
