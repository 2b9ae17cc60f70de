//! The public summary, at a stable address without sign-in: per focus area
//! and period, what was done against the promise. Aggregates only: no
//! officer names, no free text, no exact times, and counts below 5 shown as
//! "fewer than 5" (`shared::follow_up::public_count`). In Swedish when the
//! browser prefers it (citizens of a Swedish municipality), else English.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use shared::follow_up::{public_count, Period, PublicCount};

use super::follow_up::{load, PeriodQuery};
use super::lang::Lang;
use super::layout::page;
use crate::error::Error;
use crate::http::AppState;

/// The public page's words, in the two languages citizens are offered:
/// Swedish when the browser prefers it, English otherwise.
struct Words {
    title: &'static str,
    no_plan: &'static str,
    promises: (&'static str, &'static str),
    small_counts: &'static str,
    patrols: &'static str,
    inspections: &'static str,
    columns: [&'static str; 3],
    other_periods: &'static str,
    fewer_than_5: &'static str,
}

const EN: Words = Words {
    title: "What we did",
    no_plan: "No citizen promises cover this period.",
    promises: ("The citizen promises of ", " and the local police: what was done."),
    small_counts: "Counts below 5 are shown as \"fewer than 5\". Figures are updated as officers' records arrive.",
    patrols: "Foot patrols at places people feel unsafe: ",
    inspections: "Inspections of licensed venues: ",
    columns: ["Initiative", "Done", "Promised"],
    other_periods: "Other periods: ",
    fewer_than_5: "fewer than 5",
};

const SV: Words = Words {
    title: "Det här gjorde vi",
    no_plan: "Inga medborgarlöften gäller för den här perioden.",
    promises: ("Medborgarlöftena i ", " och lokalpolisen: det här gjordes."),
    small_counts: "Antal under 5 visas som \"färre än 5\". Siffrorna uppdateras när polisernas rapporter kommer in.",
    patrols: "Fotpatruller på platser där människor känner sig otrygga: ",
    inspections: "Tillsyner av serveringsställen: ",
    columns: ["Insats", "Gjort", "Utlovat"],
    other_periods: "Andra perioder: ",
    fewer_than_5: "färre än 5",
};

pub async fn show(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, Error> {
    let lang = Lang::of(&headers);
    let w = match lang {
        Lang::Sv => &SV,
        Lang::En => &EN,
    };
    // The public page shows whole years unless a period is asked for.
    let period = match super::follow_up::chosen(&q, state.clock.now_ms())? {
        p if q.is_empty() => Period::Year(p.year()),
        p => p,
    };
    let f = load(&state, period).await?;
    let visits: u64 = f.hotspots.iter().map(|h| h.visits()).sum();
    let inspections: u64 = f.venues.iter().map(|v| v.inspections).sum();
    let count = |n: u64| match public_count(n) {
        PublicCount::FewerThan5 => w.fewer_than_5.to_string(),
        PublicCount::Count(n) => n.to_string(),
    };
    Ok(page(
        lang,
        &format!("{}, {period}", w.title),
        None,
        html! {
            p {
                @if f.municipality.is_empty() { (w.no_plan) }
                @else { (w.promises.0) (f.municipality) (w.promises.1) }
            }
            p.muted { (w.small_counts) }
            ul {
                li { (w.patrols) strong { (count(visits)) } }
                li { (w.inspections) strong { (count(inspections)) } }
            }
            @for area in &f.focus_areas {
                h2 { (area.name) }
                table {
                    thead { tr { th { (w.columns[0]) } th.n { (w.columns[1]) } th.n { (w.columns[2]) } } }
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
                (w.other_periods)
                a href=(format!("/public?period={}", period.previous().key())) { (period.previous()) }
            }
        },
    )
    .into_response())
}
