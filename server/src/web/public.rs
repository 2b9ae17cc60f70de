//! The public summary, at a stable address without sign-in: per focus area
//! and period, what was done against the promise. Aggregates only: no
//! officer names, no free text, no exact times, and counts below 5 shown as
//! "fewer than 5" (`shared::follow_up::public_count`). In Swedish when the
//! browser prefers it (citizens of a Swedish municipality), else English.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use shared::follow_up::{public_count, Period, PublicCount};

use super::follow_up::PeriodQuery;
use super::lang::Lang;
use super::layout::page;
use crate::error::Error;
use crate::http::AppState;

pub async fn show(
    State(state): State<AppState>,
    l: Lang,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, Error> {
    // The public page shows whole years unless a period is asked for.
    let period = match super::follow_up::chosen(&q, state.clock.now_ms())? {
        p if q.is_empty() => Period::Year(p.year()),
        p => p,
    };
    let figures = state
        .db
        .read(move |c| crate::db::follow_up::public_figures(c, period))
        .await?;
    let (f, visits, inspections) = (&figures.plan, figures.visits, figures.inspections);
    let count = |n: u64| match public_count(n) {
        PublicCount::FewerThan5 => l.t("fewer than 5").to_string(),
        PublicCount::Count(n) => n.to_string(),
    };
    Ok(page(
        l,
        &format!("{}, {period}", l.t("What we did")),
        None,
        html! {
            p {
                @if f.municipality.is_empty() { (l.t("No citizen promises cover this period.")) }
                @else { (l.t("The citizen promises of ")) (f.municipality) (l.t(" and the local police: what was done.")) }
            }
            p.muted { (l.t("Counts below 5 are shown as \"fewer than 5\". Figures are updated as officers' records arrive.")) }
            ul {
                li { (l.t("Foot patrols at places people feel unsafe: ")) strong { (count(visits)) } }
                li { (l.t("Inspections of licensed venues: ")) strong { (count(inspections)) } }
            }
            @for area in &f.focus_areas {
                h2 { (area.name) }
                table {
                    thead { tr { th { (l.t("Initiative")) } th.n { (l.t("Done")) } th.n { (l.t("Promised")) } } }
                    tbody {
                        @for i in &area.initiatives {
                            tr {
                                td { (i.title) }
                                td.n { (count(i.progress.delivered)) }
                                td.n { @if let Some(t) = i.progress.target { (t) } @else { "—" } }
                            }
                        }
                    }
                }
            }
            p.no-print {
                (l.t("Other periods: "))
                a href=(format!("/public?period={}", period.previous().key())) { (period.previous()) }
            }
        },
    )
    .into_response())
}
