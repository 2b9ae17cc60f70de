//! The public summary, at a stable address without sign-in: per focus area
//! and period, what was done against the promise. Aggregates only: no
//! officer names, no free text, no exact times, and counts below 5 shown as
//! "fewer than 5" (`shared::follow_up::public_count`).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use shared::follow_up::{public_count, Period};

use super::follow_up::{load, PeriodQuery};
use super::layout::page;
use crate::error::Error;
use crate::http::AppState;

pub async fn show(
    State(state): State<AppState>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, Error> {
    // The public page shows whole years unless a period is asked for.
    let period = match super::follow_up::chosen(&q, state.clock.now_ms())? {
        p if q.is_empty() => Period::Year(p.year()),
        p => p,
    };
    let f = load(&state, period).await?;
    let visits: u64 = f.hotspots.iter().map(|h| h.visits()).sum();
    let inspections: u64 = f.venues.iter().map(|v| v.inspections).sum();
    Ok(page(
        &format!("What we did, {period}"),
        None,
        html! {
            p {
                @if f.municipality.is_empty() { "No citizen promises cover this period." }
                @else { "The citizen promises of " (f.municipality) " and the local police: what was done." }
            }
            p.muted { "Counts below 5 are shown as \"fewer than 5\". Figures are updated as officers' records arrive." }
            ul {
                li { "Foot patrols at places people feel unsafe: " strong { (public_count(visits)) } }
                li { "Inspections of licensed venues: " strong { (public_count(inspections)) } }
            }
            @for area in &f.focus_areas {
                h2 { (area.name) }
                table {
                    thead { tr { th { "Initiative" } th.n { "Done" } th.n { "Promised" } } }
                    tbody {
                        @for i in &area.initiatives {
                            tr {
                                td { (i.title) }
                                td.n { (public_count(i.progress.delivered)) }
                                td.n { @if let Some(t) = i.progress.target { (t) } @else { "—" } }
                            }
                        }
                    }
                }
            }
            p.no-print {
                "Other periods: "
                a href=(format!("/public?period={}", period.previous().key())) { (period.previous()) }
            }
        },
    )
    .into_response())
}
