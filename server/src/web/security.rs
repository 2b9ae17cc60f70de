//! The security log page: sign-ins, failures, waits and sign-outs, newest
//! first, for the coordinators to see who tried what from where.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::lang::Lang;
use super::layout::page;
use super::session::SignedIn;
use crate::db::security_log;
use crate::error::Error;
use crate::http::AppState;
use shared::local_time::format_date_time;

/// Events on the page (the table keeps 180 days).
const SHOWN: usize = 1000;

pub async fn show(State(state): State<AppState>, me: SignedIn, l: Lang) -> Result<Response, Error> {
    let rows = state.db.read(|c| security_log::recent(c, SHOWN)).await?;
    Ok(page(
        l,
        l.t("Security log"),
        Some(me.header()),
        html! {
            p.muted { (l.t("Sign-ins, failed attempts and sign-outs of the last 180 days, newest first. Passwords are never kept.")) }
            table {
                thead { tr { th { (l.t("When")) } th { (l.t("Event")) } th { (l.t("User name")) } th { (l.t("By")) } th { (l.t("From")) } } }
                tbody {
                    @for r in &rows {
                        tr {
                            td { (format_date_time(r.at)) }
                            td { (l.say(&r.event)) }
                            td { (r.username) }
                            td { (r.by.as_deref().unwrap_or("")) }
                            td { code { (r.source) } }
                        }
                    }
                }
            }
        },
    )
    .into_response())
}
