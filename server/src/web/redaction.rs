//! Redacting one field of a field record: a page that says what redaction
//! does and asks which field (`shared::redaction::redactable_fields`), why
//! (`RedactionReason`, none chosen for the coordinator) and for a case
//! number; the redaction itself (`Db::redact`: a new epoch in the ledger,
//! then the store, then every phone at its next sync). The access log
//! keeps that the field was redacted and by whom, never what it said.
//!
//! The page names the fields only, never their text: the coordinator read
//! the record on its own page, opened with a purpose and logged.

use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use shared::redaction::{redactable_fields, RedactionReason};
use shared::DocId;

use super::lang::Lang;
use super::layout::page;
use super::session::SignedIn;
use crate::db::documents::StoredDoc;
use crate::db::review;
use crate::error::Error;
use crate::http::AppState;

/// A redactable path in words: "Notes", "Findings", "ID check: comment".
pub fn path_label(l: Lang, path: &str) -> String {
    use shared::redaction::Field;
    match Field::parse(path) {
        Some(Field::Notes) => l.t("Notes").to_string(),
        Some(Field::Findings) => l.t("Findings").to_string(),
        Some(Field::Comment(item)) => format!("{}: {}", l.say(&item), l.t("comment")),
        None => path.to_string(),
    }
}

/// The record to redact: a field record the server holds; else not found.
async fn redactable(
    state: &AppState,
    me: &SignedIn,
    id: &str,
) -> Result<(DocId, StoredDoc), Error> {
    let id = super::review::parse_id(id)?;
    let stored = super::review::in_reach(state, me, id).await?;
    if redactable_fields(stored.state.kind).is_empty() {
        return Err(Error::NotFound);
    }
    Ok((id, stored))
}

/// The question before a redaction.
pub async fn confirm(
    State(state): State<AppState>,
    me: SignedIn,
    l: Lang,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let (id, stored) = redactable(&state, &me, &id).await?;
    // Only the fields that hold text are offered (their text is not shown).
    let filled: Vec<String> = state
        .db
        .read(move |c| {
            let doc = crate::db::documents::load(c, id)?;
            Ok(redactable_fields(stored.state.kind)
                .into_iter()
                .filter(|p| shared::redaction::text_at(&doc, p).is_some_and(|t| !t.is_empty()))
                .collect())
        })
        .await?;
    let csrf = &me.0.csrf;
    Ok(page(
        l,
        l.t("Redact a field of this record?"),
        Some(me.header()),
        html! {
            p { code { (id) } }
            p { (l.t("Redaction empties one free-text field and removes every earlier version of it from the record's history: on the server at once, and on every phone at its next sync. The rest of the record and its figures stay. It cannot be undone. An officer who had changed the field on a phone meanwhile is shown their text and decides again.")) }
            @if filled.is_empty() {
                p { strong { (l.t("No free-text field of this record holds text.")) } }
                p { a.button href="/records" { (l.t("Cancel")) } }
            } @else {
                form method="post" action=(format!("/records/{id}/redact")) {
                    input type="hidden" name="csrf" value=(csrf);
                    fieldset {
                        legend { (l.t("Which field?")) }
                        @for p in &filled {
                            label { input type="radio" name="path" value=(p) required; " " (path_label(l, p)) }
                        }
                    }
                    (super::erasure::why_and_case_number(
                        l,
                        l.t("Why is it redacted?"),
                        RedactionReason::ALL.iter().map(|r| (r.as_str(), l.say(r))),
                        l.t("Redact the field"),
                    ))
                }
            }
        },
    )
    .into_response())
}

#[derive(serde::Deserialize)]
pub struct Redact {
    csrf: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    case_number: String,
}

pub async fn redact(
    State(state): State<AppState>,
    me: SignedIn,
    l: Lang,
    Path(id): Path<String>,
    Form(form): Form<Redact>,
) -> Result<Response, Error> {
    me.check_csrf(&form.csrf)?;
    let reason = RedactionReason::parse(&form.reason).ok_or_else(|| Error::BadRequest {
        code: shared::sync::ErrorCode::BadPurpose,
        message: "choose why the field is redacted".into(),
    })?;
    let case_number = review::checked_case_number(&form.case_number)?;
    let (id, stored) = redactable(&state, &me, &id).await?;
    if !shared::redaction::may_redact(stored.state.kind, &form.path) {
        return Err(Error::BadRequest {
            code: shared::sync::ErrorCode::BadPurpose,
            message: "choose a free-text field of the record".into(),
        });
    }
    let (now, who, here) = (state.clock.now_ms(), me.0.id, stored.state.municipality);
    let epoch = state
        .db
        .redact(
            id,
            vec![form.path.clone()],
            reason,
            case_number.clone(),
            who.to_string(),
            now,
            move |c| {
                review::log_event(
                    c,
                    who,
                    id,
                    here,
                    review::REDACTED,
                    case_number.as_deref(),
                    now,
                )
            },
        )
        .await?;
    tracing::info!(doc = %id, epoch, reason = reason.as_str(), "field redacted");
    Ok(page(
        l,
        l.t("The field was redacted"),
        Some(me.header()),
        html! {
            p { (path_label(l, &form.path)) ": " (l.t("its text and every earlier version of it are gone from the server, and every phone that holds the record replaces its copy at its next sync.")) }
            p { a href="/records" { (l.t("Back to the records")) } }
        },
    )
    .into_response())
}
