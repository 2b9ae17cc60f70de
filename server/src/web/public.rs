//! The public summary, at a stable address without sign-in: per focus area
//! and period, what was done against the promise. It shows only what was
//! published (`db::publication`): closed quarters and their years, rounded
//! to 5, published at most once a day (the rules and why are
//! `shared::follow_up::public`). No officer names, no free text, no times.
//! In Swedish when the browser prefers it, else English.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use shared::follow_up::public::Published;
use shared::local_time::format_date;

use super::follow_up::PeriodQuery;
use super::lang::Lang;
use super::layout::page;
use crate::db::{municipalities, publication};
use crate::error::Error;
use crate::http::AppState;

/// `/public`: the municipalities on the server, each a link to its
/// summary; a server with one municipality shows its summary here too.
pub async fn index(
    State(state): State<AppState>,
    l: Lang,
    q: Query<PeriodQuery>,
) -> Result<Response, Error> {
    let all = state.db.read(municipalities::all).await?;
    if let [only] = all.as_slice() {
        return summary(state, l, q, only.clone(), "/public").await;
    }
    Ok(page(
        l,
        l.t("What we did"),
        None,
        html! {
            p { (l.t("The citizen promises of each municipality and the local police, and what was done.")) }
            @if all.is_empty() {
                p { (l.t("No municipality publishes figures here yet.")) }
            }
            ul {
                @for m in &all {
                    li { a href=(format!("/public/{}?lang={}", m.slug, l.tag())) { (m.name) } }
                }
            }
        },
    )
    .into_response())
}

/// `/public/<municipality>`: one municipality's summary.
pub async fn show(
    State(state): State<AppState>,
    l: Lang,
    Path(slug): Path<String>,
    q: Query<PeriodQuery>,
) -> Result<Response, Error> {
    if !shared::municipality::valid_slug(&slug) {
        return Err(Error::NotFound);
    }
    let m = state
        .db
        .read(move |c| municipalities::by_slug(c, &slug))
        .await?
        .ok_or(Error::NotFound)?;
    let address = format!("/public/{}", m.slug);
    summary(state, l, q, m, &address).await
}

async fn summary(
    state: AppState,
    l: Lang,
    Query(q): Query<PeriodQuery>,
    m: shared::municipality::Municipality,
    address: &str,
) -> Result<Response, Error> {
    // The day's publication is made by the server's hourly check (`http::
    // run`); should a visitor come first, by that visitor.
    publication::publish_if_due(&state.db, state.clock.now_ms()).await?;
    let here = m.id;
    let (periods, last) = state
        .db
        .read(move |c| {
            Ok((
                publication::published_periods(c, here)?,
                publication::last_published_at(c)?,
            ))
        })
        .await?;
    let asked = q.period().map(str::to_string);
    let key = match &asked {
        Some(p) if periods.contains(p) => Some(p.clone()),
        Some(_) => None,
        // The newest year (years come first).
        None => periods.first().cloned(),
    };
    let figures: Option<Published> = match key {
        Some(k) => {
            state
                .db
                .read(move |c| publication::published(c, here, &k))
                .await?
        }
        None => None,
    };
    let title = match &figures {
        Some(f) => format!(
            "{}, {}",
            l.t("What we did"),
            shared::follow_up::Period::parse(&f.period)
                .map(|p| l.period(&p))
                .unwrap_or_else(|_| f.period.clone())
        ),
        None => l.t("What we did").to_string(),
    };
    let title = format!("{}: {title}", m.name);
    Ok(page(
        l,
        &title,
        None,
        html! {
            p.muted {
                (l.t("Figures are published once a day for quarters that have ended, rounded to the nearest 5 (0 means 0 to 2)."))
                @if let Some(at) = last { " " (l.t("Last updated")) ": " (format_date(at)) "." }
            }
            // The language switch: the same period in the other language.
            p.no-print {
                @let here = figures.as_ref().map(|f| format!("period={}&", f.period)).unwrap_or_default();
                @match l {
                    Lang::Sv => { a href=(format!("{address}?{here}lang=en")) hreflang="en" lang="en" { "In English" } }
                    Lang::En => { a href=(format!("{address}?{here}lang=sv")) hreflang="sv" lang="sv" { "På svenska" } }
                }
            }
            @match &figures {
                None => {
                    @if asked.is_some() {
                        p { (l.t("No figures are published for that period: only whole quarters that have ended, and years.")) }
                    } @else {
                        p { (l.t("No figures are published yet: the first quarter has not ended.")) }
                    }
                }
                Some(f) => {
                    p {
                        @if f.municipality.is_empty() { (l.t("No citizen promises cover this period.")) }
                        @else { (l.t("The citizen promises of ")) (f.municipality) (l.t(" and the local police: what was done.")) }
                    }
                    @if f.quarters.len() > 1 || f.period.len() == 4 {
                        p.muted { (l.t("The sum of the quarters")) " " (f.quarters.join(", ")) "." }
                    }
                    ul {
                        li { (l.t("Foot patrols at places people feel unsafe: ")) strong { (f.visits) } }
                        li { (l.t("Inspections of licensed venues: ")) strong { (f.inspections) } }
                    }
                    @for area in &f.focus_areas {
                        h2 { (area.name) }
                        table {
                            thead { tr { th { (l.t("Initiative")) } th.n { (l.t("Done")) } th.n { (l.t("Promised")) } } }
                            tbody {
                                @for i in &area.initiatives {
                                    tr {
                                        td { (i.title) }
                                        td.n { (i.delivered) }
                                        td.n { @if let Some(t) = i.target { (t) } @else { "—" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if !periods.is_empty() {
                p.no-print {
                    (l.t("Published periods: "))
                    @for (n, p) in periods.iter().enumerate() {
                        @if n > 0 { " · " }
                        a href=(format!("{address}?period={p}&lang={}", l.tag())) { (p) }
                    }
                }
            }
        },
    )
    .into_response())
}
