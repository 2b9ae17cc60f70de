//! The follow-up of a chosen period (quarter, tertial, year): per
//! initiative the delivered output against its target, the patrol dosage
//! per hotspot per week, inspections against the plan, findings and open
//! follow-ups. The same page prints as the council's quarterly report; the
//! CSV export carries the same figures.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, PreEscaped};
use shared::domain::{Answer, ChecklistItem};
use shared::follow_up::Period;
use shared::local_time::format_date_time;

use super::chart;
use super::lang::Lang;
use super::layout::{bar, page};
use super::session::SignedIn;
use crate::db::follow_up::{figures, FollowUp};
use crate::error::Error;
use crate::http::AppState;

#[derive(serde::Deserialize, Default)]
pub struct PeriodQuery {
    period: Option<String>,
}

impl PeriodQuery {
    pub fn of(period: Option<String>) -> Self {
        PeriodQuery { period }
    }

    pub fn is_empty(&self) -> bool {
        self.period.as_deref().is_none_or(str::is_empty)
    }

    /// The period asked for, if any (not checked).
    pub fn period(&self) -> Option<&str> {
        self.period.as_deref().filter(|p| !p.is_empty())
    }
}

/// The period asked for, or the current quarter.
pub fn chosen(q: &PeriodQuery, now: i64) -> Result<Period, Error> {
    match q.period.as_deref().filter(|p| !p.is_empty()) {
        None => Ok(Period::quarter_of(now)),
        Some(p) => Period::parse(p).map_err(|e| Error::BadRequest {
            code: shared::sync::ErrorCode::BadPeriod,
            message: e.to_string(),
        }),
    }
}

pub async fn load(
    state: &AppState,
    here: shared::MunicipalityId,
    period: Period,
) -> Result<FollowUp, Error> {
    state.db.read(move |c| figures(c, here, period)).await
}

pub async fn show(
    State(state): State<AppState>,
    me: SignedIn,
    l: Lang,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, Error> {
    let period = chosen(&q, state.clock.now_ms())?;
    let f = load(&state, me.here()?, period).await?;
    let title = format!("{} {}", l.t("Follow-up"), l.period(&period));
    // The yearly review of the retention rules, reminded of while due.
    let review = state.db.read(crate::db::retention::last_review).await?;
    let now = state.clock.now_ms();
    // Said to whoever can act on it: those who open the retention page.
    let review_due = shared::retention::review_due(review.as_ref().map(|r| r.0), now)
        && shared::roles::may_open(&me.0.roles, "/retention");
    Ok(page(
        l,
        &title,
        Some(me.header()),
        html! {
            @if review_due {
                div.no-print { (super::retention::review_line(l, review.as_ref(), now)) a href="/retention" { (l.t("Retention")) } }
            }
            (period_picker(l, period))
            (report(l, &f, &me.0.csrf, state.clock.now_ms()))
        },
    )
    .into_response())
}

fn period_picker(l: Lang, period: Period) -> Markup {
    html! {
        form.no-print method="get" action="/follow-up" {
            label for="period" { (l.t("Period (2026-Q3, 2026-T2 or 2026)")) }
            input #period name="period" value=(l.period_key(&period)) size="10";
            " " button type="submit" { (l.t("Show")) }
            " " a href=(format!("/follow-up?period={}", period.previous().key())) { "← " (l.t("Previous")) }
            " · " a href=(format!("/follow-up?period={}", period.next().key())) { (l.t("Next")) " →" }
            " · " a href=(format!("/follow-up.csv?period={}", period.key())) download { (l.t("Download CSV")) }
            " · " a href=(format!("/follow-up.xlsx?period={}", period.key())) download { (l.t("Download Excel")) }
            p.muted { (l.t("Print this page for the council's report: the print layout leaves out the navigation and the forms.")) }
        }
    }
}

fn report(l: Lang, f: &FollowUp, csrf: &str, now: i64) -> Markup {
    let today = shared::local_time::local_day(now);
    let swatch = |c| html! { span.swatch style=(format!("background:{}", chart::css(c))) {} };
    html! {
        p.muted {
            @if f.municipality.is_empty() { (l.t("No promise plan covers this period.")) }
            @else {
                (f.municipality) (l.t(", citizen promises "))
                @if let Some((from, to)) = &f.plan_period { (from) " – " (to) }
            }
            br;
            // What the figures are as of: a report printed mid-period says so.
            (l.t("Figures as of ")) (format_date_time(now)) "."
            @if f.erased_kept > 0 {
                br;
                (f.erased_kept) (l.t(" of the records counted here have since been erased; their figures are kept without officer, times or text."))
            }
        }
        h2 { (l.t("Initiatives: delivered against target")) }
        @for area in &f.focus_areas {
            section.keep {
            h3 { (area.name) }
            @if let Some(text) = &area.assessment { p.assessment { strong { (l.t("Assessment: ")) } (text) } }
            details.no-print {
                summary { @if area.assessment.is_some() { (l.t("Edit the assessment")) } @else { (l.t("Write an assessment for the report")) } }
                form method="post" action="/follow-up/assessment" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="period" value=(f.period.key());
                    input type="hidden" name="focus_area" value=(area.id);
                    label for=(format!("a-{}", area.id)) { (l.t("Assessment of ")) (area.name) ", " (l.period(&f.period)) (l.t(" (printed in the report; no names of civilians)")) }
                    textarea id=(format!("a-{}", area.id)) name="text" rows="4" cols="80" maxlength="4000" {
                        (area.assessment.as_deref().unwrap_or(""))
                    }
                    p { button type="submit" { (l.t("Save")) } }
                }
            }
            // The same column widths in every focus area's table.
            table.initiatives {
                colgroup { col.title; col.owner; col.num; col.num; col.unit; col.progress; }
                thead { tr { th { (l.t("Initiative")) } th { (l.t("Owner")) } th.n { (l.t("Delivered")) } th.n { (l.t("Target")) } th { (l.t("Unit")) } th { (l.t("Progress")) } } }
                tbody {
                    @for i in &area.initiatives {
                        tr {
                            td { (i.title) }
                            td { (l.say(&i.owner)) }
                            td.n { (i.progress.delivered) }
                            td.n { @if let Some(t) = i.progress.target { (t) } @else { "—" } }
                            td { (i.unit.as_deref().unwrap_or("")) }
                            td {
                                @if let Some(p) = i.progress.percent() {
                                    (bar(p, i.progress.met() == Some(true))) " " (p) " %"
                                } @else { span.muted { (l.t("no target")) } }
                            }
                        }
                    }
                }
            }
            }
        }
        section.keep {
        h2 { (l.t("Patrol dosage per hotspot")) }
        p.muted.legend {
            (l.t("Bars per week: ")) (swatch(chart::MET)) " " (l.t("met the prescription")) " · "
            (swatch(chart::SHORT)) " " (l.t("fell short")) " · "
            (swatch(chart::UNDER_WAY)) " " (l.t("the week under way")) "; "
            (l.t("line: prescribed per week; weeks by number. Visits of 10–16 minutes are the most effective (Koper)."))
        }
        }
        table {
            thead { tr {
                th { (l.t("Hotspot")) } th.n { (l.t("Visits")) } th.n { (l.t("Prescribed visits")) }
                th.n { (l.t("Minutes")) } th.n { (l.t("Prescribed minutes")) } th.n { "10–16 min" }
            } }
            tbody {
                @for h in &f.hotspots {
                    tr {
                        td { (h.name) }
                        td.n { (h.visits()) } td.n { (h.prescribed_visits()) }
                        td.n { (h.minutes()) } td.n { (h.prescribed_minutes()) }
                        td.n { @if h.visits() > 0 { (h.in_window() * 100 / h.visits()) " %" } @else { "—" } }
                    }
                }
            }
        }
        div.charts {
            @for h in &f.hotspots {
                figure {
                    figcaption { (h.name) }
                    div.pair {
                        div { span.muted { (l.t("visits / week")) } (PreEscaped(chart::weekly(&h.weeks, |w| w.visits, h.visits_per_week, today))) }
                        div { span.muted { (l.t("minutes / week")) } (PreEscaped(chart::weekly(&h.weeks, |w| w.minutes, h.minutes_per_week, today))) }
                    }
                }
            }
        }
        h2 { (l.t("Inspections against the plan")) }
        p.muted { (l.t("Every venue at least once a year, higher risk first.")) }
        table {
            thead { tr { th { (l.t("Venue")) } th { (l.t("Risk")) } th.n { (l.t("Inspections")) } th { (l.t("Last inspected")) } th { "" } } }
            tbody {
                @for v in &f.venues {
                    tr {
                        td { (v.name) } td { (l.say(&v.risk)) } td.n { (v.inspections) }
                        td { (v.last_inspected.as_deref().unwrap_or(l.t("never"))) }
                        td { @if v.due { strong { (l.t("due")) } } }
                    }
                }
            }
        }
        section.keep {
        h3 { (l.t("Findings per checklist item")) }
        @if f.findings.is_empty() { p.muted { (l.t("No inspections in this period.")) } }
        @else {
            // Item × answer: one row per item, the inspections per answer.
            table {
                thead { tr { th { (l.t("Item")) } @for a in Answer::ALL { th.n { (l.say(&a)) } } } }
                tbody {
                    @for item in ChecklistItem::ALL.iter().filter(|i| f.findings.iter().any(|(x, ..)| x == *i)) {
                        tr {
                            td { (l.say(item)) }
                            @for a in Answer::ALL {
                                td.n { (f.findings.iter().find(|(x, y, _)| x == item && *y == a).map(|(.., n)| *n).unwrap_or(0)) }
                            }
                        }
                    }
                }
            }
        }
        }
        h3 { (l.t("Open follow-ups")) }
        @if f.open_follow_ups.is_empty() { p.muted { (l.t("None.")) } }
        @else {
            table {
                thead { tr { th { (l.t("Venue")) } th { (l.t("Inspected")) } th { (l.t("Follow-up")) } } }
                tbody { @for o in &f.open_follow_ups { tr { td { (o.venue) } td { (o.date) } td { (l.say(&o.follow_up)) } } } }
            }
        }
    }
}

pub async fn csv(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, Error> {
    export(&state, &me, &q, "csv", super::CSV, |f| {
        to_csv(f).map_err(Error::internal)
    })
    .await
}

pub async fn xlsx(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, Error> {
    export(&state, &me, &q, "xlsx", super::XLSX, |f| {
        to_xlsx(f).map_err(Error::internal)
    })
    .await
}

/// The period's figures as a file `follow-up-<period>.<ext>`.
async fn export(
    state: &AppState,
    me: &SignedIn,
    q: &PeriodQuery,
    ext: &str,
    content_type: &'static str,
    write: impl FnOnce(&FollowUp) -> Result<Vec<u8>, Error>,
) -> Result<Response, Error> {
    let period = chosen(q, state.clock.now_ms())?;
    let body = write(&load(state, me.here()?, period).await?)?;
    let slug = me.0.here.as_ref().map(|m| m.slug.as_str()).unwrap_or("");
    Ok(super::attachment(
        content_type,
        &format!("follow-up-{slug}-{}.{ext}", period.key()),
        body,
    ))
}

/// The figures as rows of one table: period, section, name, figure,
/// value (the CSV and the Excel export hold the same rows).
pub fn rows(f: &FollowUp) -> Vec<[String; 5]> {
    let p = f.period.key();
    let mut out = Vec::new();
    let mut row = |section: &str, name: &str, figure: &str, value: String| {
        out.push([p.clone(), section.into(), name.into(), figure.into(), value]);
    };
    for area in &f.focus_areas {
        for i in &area.initiatives {
            let name = format!("{} / {}", area.name, i.title);
            row(
                "initiative",
                &name,
                "delivered",
                i.progress.delivered.to_string(),
            );
            if let Some(t) = i.progress.target {
                row("initiative", &name, "target", t.to_string());
            }
        }
    }
    for h in &f.hotspots {
        for (figure, value) in [
            ("visits", h.visits()),
            ("prescribed_visits", h.prescribed_visits()),
            ("minutes", h.minutes()),
            ("prescribed_minutes", h.prescribed_minutes()),
            ("visits_10_16_min", h.in_window()),
        ] {
            row("hotspot", &h.name, figure, value.to_string());
        }
        for week in &h.weeks {
            let figure = format!("visits_week_of_{}", week.monday_date());
            row("hotspot", &h.name, &figure, week.visits.to_string());
        }
    }
    for v in &f.venues {
        row("venue", &v.name, "inspections", v.inspections.to_string());
        row(
            "venue",
            &v.name,
            "due",
            if v.due { "yes" } else { "no" }.into(),
        );
    }
    for (item, answer, n) in &f.findings {
        // Exports keep stable keys: a spreadsheet filters on them.
        row("finding", item.key(), answer.as_str(), n.to_string());
    }
    // A revisit or supervision case not yet followed by an inspection: the
    // venue, the kind, and the date of the inspection that opened it.
    for o in &f.open_follow_ups {
        row(
            "open_follow_up",
            &o.venue,
            o.follow_up.as_str(),
            o.date.clone(),
        );
    }
    out
}

const HEADER: [&str; 5] = ["period", "section", "name", "figure", "value"];

/// The figures as CSV, as Swedish Excel opens it (`shared::spreadsheet`).
pub fn to_csv(f: &FollowUp) -> Result<Vec<u8>, csv::Error> {
    shared::spreadsheet::excel_csv(&HEADER, &rows(f))
}

/// The figures as an Excel workbook (numbers as numbers).
pub fn to_xlsx(f: &FollowUp) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(format!("Follow-up {}", f.period.key()))?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in rows(f).iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            match cell.parse::<f64>() {
                Ok(n) if c == 4 => sheet.write_number(r, c as u16, n)?,
                _ => sheet.write_string(r, c as u16, cell)?,
            };
        }
    }
    sheet.autofit();
    book.save_to_buffer()
}

#[derive(serde::Deserialize)]
pub struct Assessment {
    csrf: String,
    period: String,
    focus_area: String,
    text: String,
}

pub async fn save_assessment(
    State(state): State<AppState>,
    me: SignedIn,
    axum::extract::Form(form): axum::extract::Form<Assessment>,
) -> Result<Response, Error> {
    me.check_csrf(&form.csrf)?;
    let period = chosen(&PeriodQuery::of(Some(form.period)), state.clock.now_ms())?;
    let (who, now, here) = (me.0.id, state.clock.now_ms(), me.here()?);
    state
        .db
        .write(move |c| {
            crate::db::follow_up::save_assessment(
                c,
                here,
                period,
                &form.focus_area,
                &form.text,
                who,
                now,
            )
        })
        .await?;
    Ok(
        axum::response::Redirect::to(&format!("/follow-up?period={}", period.key()))
            .into_response(),
    )
}
