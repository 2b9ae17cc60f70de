//! The server's one error type. Each case maps to the HTTP status a client
//! can act on; the cause is logged, internals never reach the client, and
//! record contents reach neither.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use shared::sync::ErrorCode;

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("missing or unknown device token")]
    Unauthorized,
    #[error("this device was revoked")]
    Revoked,
    #[error("{message}")]
    BadRequest { code: ErrorCode, message: String },
    #[error("the enrolment code is unknown, used or expired; ask the coordinator for a new one")]
    BadEnrolmentCode,
    #[error("not found")]
    NotFound,
    /// Signed in, but the request may not do this (e.g. a form without the
    /// session's CSRF token).
    #[error("{0}")]
    Forbidden(String),
    /// A body over the limit once inflated (the raw limit is tower-http's).
    #[error("{0}")]
    TooLarge(String),
    /// The store cannot take writes now (disk full, read-only data
    /// directory); nothing was applied, and the client should retry later.
    #[error("{0}")]
    Unavailable(String),
    /// A peer over its request rate on a route without a credential.
    #[error("too many requests from this address; wait {seconds} s and try again")]
    TooManyRequests { seconds: u64 },
    #[error("internal error: {0}")]
    Internal(String),
    /// A query for one row found none (`db::sql::OptionalExtension`
    /// turns it into `None`); answered as an internal error elsewhere.
    #[error("internal error: the query returned no rows")]
    NoRows,
}

impl Error {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Error::Internal(e.to_string())
    }

    /// The code a client is answered with.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Unauthorized => ErrorCode::Unauthorized,
            Error::Revoked => ErrorCode::Revoked,
            Error::BadRequest { code, .. } => *code,
            Error::BadEnrolmentCode => ErrorCode::BadEnrolmentCode,
            Error::NotFound => ErrorCode::NotFound,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::TooLarge(_) => ErrorCode::TooLarge,
            Error::Unavailable(_) => ErrorCode::Unavailable,
            Error::TooManyRequests { .. } => ErrorCode::TooManyRequests,
            Error::Internal(_) | Error::NoRows => ErrorCode::Internal,
        }
    }

    /// Input a person can correct, said as `message`.
    pub fn bad_input(message: impl Into<String>) -> Self {
        Error::BadRequest {
            code: ErrorCode::Invalid,
            message: message.into(),
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        if let rusqlite::Error::QueryReturnedNoRows = e {
            return Error::NoRows;
        }
        match e.sqlite_error_code() {
            // The cause is logged where the answer is made; the client is
            // told only what it can act on.
            Some(ErrorCode::DiskFull) => {
                tracing::warn!(cause = %e, "disk full");
                Error::Unavailable(
                    "the server's disk is full; nothing was stored, retry later".into(),
                )
            }
            Some(ErrorCode::ReadOnly)
            | Some(ErrorCode::CannotOpen)
            | Some(ErrorCode::SystemIoFailure) => {
                tracing::warn!(cause = %e, "the store cannot be written");
                Error::Unavailable(
                    "the server cannot write its data now; nothing was stored, retry later".into(),
                )
            }
            Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => {
                Error::Unavailable("the server's database is busy; retry".into())
            }
            _ => Error::Internal(e.to_string()),
        }
    }
}

impl From<tokio_postgres::Error> for Error {
    fn from(e: tokio_postgres::Error) -> Self {
        use tokio_postgres::error::SqlState;
        // A lost connection, a server shutting down or a full disk: the
        // client may retry; a broken statement is the server's fault.
        let code = e.code();
        if e.is_closed()
            || code.is_some_and(|c| {
                *c == SqlState::DISK_FULL
                    || *c == SqlState::ADMIN_SHUTDOWN
                    || *c == SqlState::CRASH_SHUTDOWN
                    || *c == SqlState::CANNOT_CONNECT_NOW
                    || *c == SqlState::T_R_SERIALIZATION_FAILURE
                    || *c == SqlState::T_R_DEADLOCK_DETECTED
                    || *c == SqlState::LOCK_NOT_AVAILABLE
            })
            || (code.is_none() && e.to_string().contains("connect"))
        {
            tracing::warn!(cause = %e, "PostgreSQL unavailable");
            return Error::Unavailable(
                "the server cannot reach its database now; nothing was stored, retry later".into(),
            );
        }
        // The cause's cause says what went wrong (a column's type, the
        // server's message); tokio_postgres::Error's own text does not.
        match std::error::Error::source(&e) {
            Some(cause) => Error::Internal(format!("{e}: {cause}")),
            None => Error::Internal(e.to_string()),
        }
    }
}

impl From<shared::sync::WireError> for Error {
    fn from(e: shared::sync::WireError) -> Self {
        if let shared::sync::WireError::TooLarge(_) = e {
            return Error::TooLarge(e.to_string());
        }
        Error::BadRequest {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

#[derive(serde::Serialize)]
struct Body {
    error: ErrorCode,
    message: String,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let code = self.code();
        let status = match &self {
            Error::Unauthorized | Error::Revoked => StatusCode::UNAUTHORIZED,
            Error::BadRequest { .. } | Error::BadEnrolmentCode => StatusCode::BAD_REQUEST,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Internal(_) | Error::NoRows => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let message = match &self {
            Error::NoRows => {
                tracing::error!(cause = "no rows", "request failed");
                "the server failed; the request was not applied".to_string()
            }
            Error::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                "the server failed; the request was not applied".to_string()
            }
            Error::Unavailable(cause) => {
                tracing::warn!(%cause, "store unavailable");
                self.to_string()
            }
            other => other.to_string(),
        };
        // The same code and sentence ride along as an extension, so that
        // the pages can answer with a page (`web::problems::as_page`)
        // without parsing the JSON back.
        let shown = Shown {
            code,
            message: message.clone(),
        };
        let mut res = (
            status,
            Json(Body {
                error: code,
                message,
            }),
        )
            .into_response();
        res.extensions_mut().insert(shown);
        res
    }
}

/// An error answer's code and sentence, as its JSON body says them.
#[derive(Debug, Clone)]
pub struct Shown {
    pub code: ErrorCode,
    pub message: String,
}
