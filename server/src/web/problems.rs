//! What went wrong, in the coordinator's language: the rows of a CSV
//! import that cannot be imported, the validation problems behind them,
//! and every error a page answers with, as a page (the shared `Error`
//! answers JSON, which is right for the sync API and useless in a
//! browser). English is each value's `Display`; Swedish is here.

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::html;
use shared::reference_csv::{one_of, RowError, RowProblem, MAX_ROWS};
use shared::validation::Problem;

use super::lang::Lang;
use super::layout::page;
use crate::error::Shown;

impl Lang {
    /// A bad row of an import: its line and why.
    pub fn row_error(self, r: &RowError) -> String {
        match self {
            Lang::En => r.to_string(),
            Lang::Sv => format!("rad {}: {}", r.line, row_problem_sv(&r.problem)),
        }
    }

    /// A validation problem: the field as the CSV column names it (the
    /// column is what the coordinator corrects) and what is wrong, in the
    /// words of the one catalogue (`shared::vocabulary`).
    pub fn problem(self, p: &Problem) -> String {
        format!("{} {}", p.field, self.say(&p.kind))
    }

    fn problems(self, ps: &[Problem]) -> String {
        ps.iter()
            .map(|p| self.problem(p))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The sentence of an error answer: the server's own (specific)
    /// sentence in English, the catalogue's (`shared::vocabulary`) in
    /// Swedish.
    pub fn error_message(self, code: shared::sync::ErrorCode, english: &str) -> String {
        match self {
            Lang::En => english.to_string(),
            Lang::Sv => self.say(&code),
        }
    }
}

fn row_problem_sv(p: &RowProblem) -> String {
    match p {
        RowProblem::NotCsv(e) => format!("filen är inte CSV: {e}"),
        RowProblem::NotUtf8 => {
            "filen är inte UTF-8-text; spara den från kalkylprogrammet som \"CSV UTF-8\"".into()
        }
        RowProblem::Header(columns) => format!("rubrikraden måste vara: {columns}"),
        RowProblem::TooManyRows => format!("fler än {MAX_ROWS} rader; dela upp filen"),
        RowProblem::Columns { found, expected } => {
            format!("{found} kolumner, {expected} väntades")
        }
        RowProblem::NotAnId(s) => {
            format!("id {s:?} är inget id från en export; lämna det tomt för en ny rad")
        }
        RowProblem::NotANumber { column, value } => format!("{column}: {value:?} är inget tal"),
        RowProblem::NotOneOf {
            column,
            allowed,
            value,
        } => format!("{column}: skriv {}, inte {value:?}", one_of(allowed, "eller")),
        RowProblem::Invalid(ps) => Lang::Sv.problems(ps),
        RowProblem::InvalidPlan(ps) => format!("planen: {}", Lang::Sv.problems(ps)),
        RowProblem::NoInitiatives => "filen har inga insatser".into(),
        RowProblem::MixedPlan => "kommun och period måste vara desamma på varje rad".into(),
        RowProblem::DuplicateInitiative(title) => format!("insatsen {title:?} står två gånger"),
        RowProblem::UnknownId { kind, id } => {
            let what = match *kind {
                "hotspot" => "plats",
                "venue" => "serveringsställe",
                other => other,
            };
            format!("det finns ingen {what} med id {id}")
        }
        RowProblem::InitiativeInUse { title, uses } => format!(
            "insatsen {title:?} saknas, men {uses} platser och registreringar räknas mot den; behåll dess rad (en ändrad titel räknas som en ny insats)"
        ),
    }
}

/// Middleware for the pages: an error answered as JSON becomes a page with
/// the same status, the sentence in the browser's language and a way back.
pub async fn as_page(l: Lang, req: Request, next: Next) -> Response {
    let back = back_link(&req);
    let signed_in = super::session::has_session_cookie(req.headers());
    let res = next.run(req).await;
    let status = res.status();
    let Some(shown) = res.extensions().get::<Shown>().cloned() else {
        return res;
    };
    // A sentence starts with a capital, whatever the message's source.
    let message = capitalised(&l.error_message(shown.code, &shown.message));
    let title = match status {
        StatusCode::NOT_FOUND => l.t("Not found"),
        StatusCode::FORBIDDEN => l.t("Not allowed"),
        s if s.is_client_error() => l.t("That did not work"),
        _ => l.t("The server failed"),
    };
    let body = html! {
        p.error role="alert" { (message) }
        p { a href=(back) { (l.t("Back")) } }
    };
    // Signed in (a session cookie came with the request): the navigation
    // stays, so an error is not a dead end.
    let nav = if signed_in {
        Some(super::layout::Header::error_page())
    } else {
        None
    };
    (status, page(l, title, nav, body)).into_response()
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Where "Back" leads: the page the form was on (the `Referer`'s path on
/// this site), else the follow-up.
fn back_link(req: &Request) -> String {
    req.headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.parse::<axum::http::Uri>().ok())
        .and_then(|u| u.path_and_query().map(|p| p.as_str().to_string()))
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/follow-up".into())
}
