//! Erasing a field record on request: a page that says what erasure does
//! and asks why (a reason from `shared::erasure::ErasureReason`, none
//! chosen for the coordinator) and for a case number; the erasure itself
//! (`Db::erase`: the ledger, then the store, then every phone at its next
//! sync). The access log keeps that the record existed and who erased it.

use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use shared::erasure::{may_erase, ErasureReason};
use shared::DocId;

use super::lang::Lang;
use super::layout::page;
use super::session::SignedIn;
use crate::db::documents::StoredDoc;
use crate::db::erasure::Erasure;
use crate::db::review;
use crate::error::Error;
use crate::http::AppState;

/// The record to erase: one the server holds, of a kind that is erased
/// as a record (`shared::erasure::may_erase`); else not found.
async fn erasable(state: &AppState, me: &SignedIn, id: &str) -> Result<(DocId, StoredDoc), Error> {
    let id = super::review::parse_id(id)?;
    let stored = super::review::in_reach(state, me, id).await?;
    if !may_erase(stored.state.kind) {
        return Err(Error::NotFound);
    }
    Ok((id, stored))
}

/// The question before an erasure.
pub async fn confirm(
    State(state): State<AppState>,
    me: SignedIn,
    l: Lang,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let (id, stored) = erasable(&state, &me, &id).await?;
    let csrf = &me.0.csrf;
    Ok(page(
        l,
        l.t("Erase this record?"),
        Some(me.header()),
        html! {
            p { strong { (l.say(&stored.state.kind)) } " " code { (id) } ", " (l.t("first received ")) (shared::local_time::format_date_time(stored.first_received_at)) }
            p { (l.t("Erasure removes the record and its whole history from the server at once, and from every phone at its next sync. It cannot be undone. The access log keeps that it existed and who erased it, never its contents.")) }
            p { (l.t("If it counts in a quarter that has ended, its share of that quarter's figures is kept without officer, times or text, so reports already given do not change; a record entered by mistake leaves no figures.")) }
            form method="post" action=(format!("/records/{id}/erase")) {
                input type="hidden" name="csrf" value=(csrf);
                (why_and_case_number(
                    l,
                    l.t("Why is it erased?"),
                    ErasureReason::ALL.iter().map(|r| (r.as_str(), l.say(r))),
                    l.t("Erase the record"),
                ))
            }
        },
    )
    .into_response())
}

/// The end of an erasure's or a redaction's form: the reason (a radio
/// button each, none chosen), the case number, the red button, cancel.
pub fn why_and_case_number<'a>(
    l: Lang,
    legend: &str,
    reasons: impl Iterator<Item = (&'a str, String)>,
    submit: &str,
) -> maud::Markup {
    html! {
        fieldset {
            legend { (legend) }
            @for (value, words) in reasons {
                label { input type="radio" name="reason" value=(value) required; " " (words) }
            }
        }
        label for="case_number" { (l.t("Case number, if any (no personal identity number)")) }
        input id="case_number" name="case_number" maxlength="40" autocomplete="off";
        p {
            button.danger type="submit" { (submit) }
            " "
            a.button href="/records" { (l.t("Cancel")) }
        }
    }
}

#[derive(serde::Deserialize)]
pub struct Erase {
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    case_number: String,
}

pub async fn erase(
    State(state): State<AppState>,
    me: SignedIn,
    l: Lang,
    Path(id): Path<String>,
    Form(form): Form<Erase>,
) -> Result<Response, Error> {
    me.check_csrf(&form.csrf)?;
    let reason = ErasureReason::parse(&form.reason).ok_or_else(|| Error::BadRequest {
        code: shared::sync::ErrorCode::BadPurpose,
        message: "choose why the record is erased".into(),
    })?;
    let case_number = review::checked_case_number(&form.case_number)?;
    let (id, stored) = erasable(&state, &me, &id).await?;
    let (now, who, here) = (state.clock.now_ms(), me.0.id, stored.state.municipality);
    let erasure = Erasure {
        doc_id: id,
        kind: stored.state.kind,
        reason,
        case_number: case_number.clone(),
        erased_by: who.to_string(),
        erased_at: now,
    };
    state
        .db
        .erase(erasure, move |c| {
            review::log_event(
                c,
                who,
                id,
                here,
                review::ERASED,
                case_number.as_deref(),
                now,
            )
        })
        .await?;
    tracing::info!(doc = %id, reason = reason.as_str(), "record erased");
    Ok(page(
        l,
        l.t("The record was erased"),
        Some(me.header()),
        html! {
            p { (l.t("It is gone from the server, and every phone that holds it deletes it at its next sync.")) }
            p { a href="/records" { (l.t("Back to the records")) } }
        },
    )
    .into_response())
}
