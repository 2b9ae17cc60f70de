//! Retention on the pages: each field record kind's rule (how many months
//! after the later of the record's day and its plan's end it is kept, and
//! the legal basis), and the yearly review of the rules, which the
//! follow-up page reminds of while it is due. The nightly job
//! (`db::retention`) erases what the rules no longer keep.

use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use shared::local_time::format_date_time;
use shared::retention::{review_due, RetentionRule};
use shared::DocKind;

use super::lang::Lang;
use super::layout::page;
use super::session::{CsrfOnly, SignedIn};
use crate::db::retention;
use crate::error::Error;
use crate::http::AppState;

/// The kinds a rule is set for, in the pages' order.
const KINDS: [DocKind; 3] = [DocKind::PatrolVisit, DocKind::Inspection, DocKind::Activity];

pub async fn show(State(state): State<AppState>, me: SignedIn, l: Lang) -> Result<Response, Error> {
    let (rules, review, lease) = state
        .db
        .read(|c| {
            Ok((
                retention::rules(c)?,
                retention::last_review(c)?,
                retention::lease_days(c)?,
            ))
        })
        .await?;
    let csrf = &me.0.csrf;
    Ok(page(
        l,
        l.t("Retention"),
        Some(me.header()),
        html! {
            p { (l.t("A record is kept for the months below after the later of the day it happened and the end of the promise period it counts toward; then the nightly job erases it from the server and every phone (docs/privacy.md). A closed quarter's figures are kept without details. A kind without a rule is kept.")) }
            table {
                thead { tr { th { (l.t("Kind")) } th { (l.t("Months")) } th { (l.t("Legal basis")) } th { (l.t("Set")) } th {} } }
                tbody {
                    @for kind in KINDS {
                        @let stored = rules.iter().find(|r| r.rule.kind == kind);
                        tr {
                            td { (l.say(&kind)) }
                            td colspan="4" {
                                form method="post" action="/retention" {
                                    input type="hidden" name="csrf" value=(csrf);
                                    input type="hidden" name="kind" value=(kind.as_str());
                                    label { (l.t("Months")) " "
                                        input name="months" type="number" min="1" max=(shared::retention::MAX_MONTHS)
                                            value=(stored.map(|s| s.rule.months.to_string()).unwrap_or_default());
                                    }
                                    " "
                                    label { (l.t("Legal basis")) " "
                                        input name="basis" size="40" maxlength=(shared::retention::MAX_BASIS_CHARS)
                                            value=(stored.map(|s| s.rule.basis.clone()).unwrap_or_default());
                                    }
                                    " "
                                    button type="submit" { (l.t("Save")) }
                                    @if let Some(s) = stored {
                                        br; span.muted { (l.t("Set by ")) (s.set_by) ", " (format_date_time(s.set_at)) }
                                    } @else {
                                        br; span.muted { (l.t("No rule: kept until a rule is set.")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { (l.t("Phone lease")) }
            p { (l.t("A phone that has not reached the server for longer than this stops showing records, and the server revokes it: at its next start it wipes them. An old phone in a drawer keeps nothing.")) }
            form method="post" action="/retention/lease" {
                input type="hidden" name="csrf" value=(csrf);
                label { (l.t("Days")) " "
                    input name="days" type="number" min="1" max=(shared::retention::MAX_LEASE_DAYS) value=(lease);
                }
                " "
                button type="submit" { (l.t("Save")) }
            }
            h2 { (l.t("Yearly review")) }
            (review_line(l, review.as_ref(), state.clock.now_ms()))
            form method="post" action="/retention/review" {
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" { (l.t("Record that the rules were reviewed today")) }
            }
        },
    )
    .into_response())
}

/// The last review and whether one is due; the follow-up page shows it too.
pub fn review_line(l: Lang, review: Option<&(i64, String)>, now: i64) -> Markup {
    html! {
        p {
            @match review {
                Some((at, by)) => { (l.t("Last reviewed ")) (format_date_time(*at)) (l.t(" by ")) (by) "." }
                None => { (l.t("The rules have not been reviewed yet.")) }
            }
            @if review_due(review.map(|r| r.0), now) {
                " " strong { (l.t("A yearly review of the retention rules is due.")) }
            }
        }
    }
}

#[derive(serde::Deserialize)]
pub struct SetRule {
    csrf: String,
    kind: String,
    #[serde(default)]
    months: String,
    #[serde(default)]
    basis: String,
}

pub async fn set(
    State(state): State<AppState>,
    me: SignedIn,
    Form(form): Form<SetRule>,
) -> Result<Response, Error> {
    me.check_csrf(&form.csrf)?;
    let bad = |message: String| Error::BadRequest {
        code: shared::sync::ErrorCode::BadBody,
        message,
    };
    let kind = DocKind::parse(&form.kind).ok_or_else(|| bad("unknown record kind".into()))?;
    let (now, who) = (state.clock.now_ms(), me.0.id.to_string());
    // Both fields empty: the rule is removed (records of the kind kept).
    if form.months.trim().is_empty() && form.basis.trim().is_empty() {
        state
            .db
            .write(move |c| retention::remove_rule(c, kind))
            .await?;
        return Ok(Redirect::to("/retention").into_response());
    }
    let months: u32 = form
        .months
        .trim()
        .parse()
        .map_err(|_| bad(shared::retention::RuleError::Months.to_string()))?;
    let rule = RetentionRule::new(kind, months, &form.basis).map_err(|e| bad(e.to_string()))?;
    state
        .db
        .write(move |c| retention::set_rule(c, &rule, &who, now))
        .await?;
    tracing::info!(kind = kind.as_str(), months, "retention rule set");
    Ok(Redirect::to("/retention").into_response())
}

#[derive(serde::Deserialize)]
pub struct SetLease {
    csrf: String,
    #[serde(default)]
    days: String,
}

pub async fn set_lease(
    State(state): State<AppState>,
    me: SignedIn,
    Form(form): Form<SetLease>,
) -> Result<Response, Error> {
    me.check_csrf(&form.csrf)?;
    let days: u32 = form
        .days
        .trim()
        .parse()
        .ok()
        .filter(|d| (1..=shared::retention::MAX_LEASE_DAYS).contains(d))
        .ok_or_else(|| Error::BadRequest {
            code: shared::sync::ErrorCode::BadBody,
            message: format!(
                "a lease is between 1 and {} days",
                shared::retention::MAX_LEASE_DAYS
            ),
        })?;
    state
        .db
        .write(move |c| retention::set_lease_days(c, days))
        .await?;
    Ok(Redirect::to("/retention").into_response())
}

pub async fn review(
    State(state): State<AppState>,
    me: SignedIn,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, Error> {
    me.check_csrf(&form.csrf)?;
    let (now, who) = (state.clock.now_ms(), me.0.id.to_string());
    state
        .db
        .write(move |c| retention::record_review(c, &who, now))
        .await?;
    Ok(Redirect::to("/retention").into_response())
}
