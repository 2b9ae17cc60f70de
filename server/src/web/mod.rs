//! The coordinators' web pages and the public summary: HTML rendered on the
//! server (maud, escaped by construction), no scripts, no outside network,
//! charts as inline SVG. Works in any browser and prints cleanly.
//!
//! - [`session`]: who is signed in (cookie → session), CSRF checks.
//! - [`sign_in`]: the sign-in form, rate-limited; sign-out.
//! - [`follow_up`]: the follow-up of a period and its CSV export.
//! - [`review`]: the timeline, a record with its history (opened with a
//!   purpose, logged), the access log, the quarantine.
//! - [`reference`]: hotspots, venues and the plan; CSV export and import.
//! - [`devices`]: enrolment codes, devices, revocation.
//! - [`security`]: the security log (sign-ins, failures, waits).
//! - [`public`]: the public summary, without sign-in.
//! - [`lang`]: Swedish or English, by the browser's preference.
//! - [`problems`]: import rows, validation problems and error pages in
//!   that language.
//! - [`layout`], [`chart`]: the page shell and the SVG charts.

pub mod accounts;
pub mod chart;
pub mod devices;
pub mod erasure;
pub mod follow_up;
pub mod lang;
pub mod layout;
pub mod municipalities;
pub mod problems;
pub mod public;
pub mod redaction;
pub mod reference;
pub mod retention;
pub mod review;
pub mod security;
pub mod session;
pub mod sign_in;
pub mod sso;
pub mod two_factor;
pub mod workbook;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(accounts::root))
        .route(
            "/sign-in/new-password",
            get(accounts::new_password_page).post(accounts::set_new_password),
        )
        .route("/accounts", get(accounts::list).post(accounts::create))
        .route("/accounts/{id}", get(accounts::show).post(accounts::change))
        .route("/sign-in", get(sign_in::form).post(sign_in::submit))
        .route(
            "/sign-in/code",
            get(two_factor::code).post(two_factor::give_code),
        )
        .route("/sign-in/set-up", get(two_factor::set_up))
        .route("/sign-in/sso", get(sso::start))
        .route("/sign-in/sso/callback", get(sso::callback))
        .route("/sign-out", post(sign_in::sign_out))
        .route("/follow-up", get(follow_up::show))
        .route("/follow-up.csv", get(follow_up::csv))
        .route("/follow-up.xlsx", get(follow_up::xlsx))
        .route("/follow-up/assessment", post(follow_up::save_assessment))
        .route("/reference", get(reference::show))
        .route(
            "/reference/{file}",
            get(reference::export).post(reference::import),
        )
        .route(
            "/reference/{what}/{id}",
            get(reference::edit).post(reference::save),
        )
        .route("/devices", get(devices::show))
        .route("/devices/codes", post(devices::create_code))
        .route("/devices/officers/{id}", post(devices::place_officer))
        .route(
            "/devices/{id}/revoke",
            get(devices::confirm_revoke).post(devices::revoke),
        )
        .route("/records", get(review::timeline))
        .route("/records.csv", get(review::records_csv))
        .route("/records.xlsx", get(review::records_xlsx))
        .route("/records/export", post(review::records_with_free_text))
        .route(
            "/records/{id}",
            get(review::purpose_form).post(review::open),
        )
        .route(
            "/records/{id}/erase",
            get(erasure::confirm).post(erasure::erase),
        )
        .route(
            "/records/{id}/redact",
            get(redaction::confirm).post(redaction::redact),
        )
        .route(
            "/records/{id}/protocol",
            get(review::protocol_purpose).post(review::protocol),
        )
        .route("/access-log", get(review::access_log))
        .route("/access-log.csv", get(review::access_log_csv))
        .route("/quarantine", get(review::quarantined))
        .route("/security-log", get(security::show))
        .route("/retention", get(retention::show).post(retention::set))
        .route("/retention/review", post(retention::review))
        .route("/retention/lease", post(retention::set_lease))
        .route("/municipality", post(municipalities::choose))
        .route(
            "/municipalities",
            get(municipalities::list).post(municipalities::create),
        )
        .route("/public", get(public::index))
        .route("/public/{municipality}", get(public::show))
        .layer(axum::middleware::from_fn(problems::as_page))
}

/// A file to download: its type, its name and its bytes.
pub fn attachment(content_type: &'static str, filename: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

pub const CSV: &str = "text/csv; charset=utf-8";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
