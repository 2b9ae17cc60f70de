//! Who is signed in. A page handler that takes [`SignedIn`] is for
//! coordinators only: without a live session the browser is sent to the
//! sign-in page (303), whatever else the request carries (a device's
//! bearer token opens no page).
//!
//! CSRF: each session has a random token that every form carries in a
//! hidden field and [`SignedIn::check_csrf`] compares; the cookie is also
//! `SameSite=Strict`. Written here rather than taken from a crate: it is
//! a dozen lines over the session row we keep anyway.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use crate::db::coordinators::{self, Coordinator};
use crate::error::Error;
use crate::http::AppState;

pub const SESSION_COOKIE: &str = "tl_session";

/// A form whose only field is the CSRF token (sign out, revoke).
#[derive(Debug, serde::Deserialize)]
pub struct CsrfOnly {
    pub csrf: String,
}

#[derive(Debug, Clone)]
pub struct SignedIn(pub Coordinator);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let HalfSignedIn { coordinator: c, .. } =
            HalfSignedIn::from_request_parts(parts, state).await?;
        // The page's route as the router wrote it, for the roles' rule.
        let route = parts
            .extensions
            .get::<axum::extract::MatchedPath>()
            .map(|m| m.as_str())
            .unwrap_or_default();
        if !c.whole {
            // The password was right; the second factor is still asked.
            return Err(Redirect::to("/sign-in/code").into_response());
        }
        if c.must_change_password {
            return Err(Redirect::to("/sign-in/new-password").into_response());
        }
        if !shared::roles::may_open(&c.roles, route) {
            return Err(Error::Forbidden(
                "your roles do not include this page; an administrator gives roles on the accounts page".into(),
            )
            .into_response());
        }
        Ok(SignedIn(c))
    }
}

/// A session whose password was right, whole or not: for the pages that
/// ask the second factor (`two_factor`), and nothing else. Carries the
/// session's token, which those pages act on.
#[derive(Debug, Clone)]
pub struct HalfSignedIn {
    pub coordinator: Coordinator,
    pub token: String,
}

impl FromRequestParts<AppState> for HalfSignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) else {
            return Err(Redirect::to("/sign-in").into_response());
        };
        if token.len() > 128 {
            return Err(Redirect::to("/sign-in").into_response());
        }
        let now = state.clock.now_ms();
        let asked = token.clone();
        match state
            .db
            .read(move |c| coordinators::by_session(c, &asked, now))
            .await
        {
            Ok(Some(coordinator)) => Ok(HalfSignedIn { coordinator, token }),
            Ok(None) => Err(Redirect::to("/sign-in").into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}

impl HalfSignedIn {
    pub fn check_csrf(&self, sent: &str) -> Result<(), Error> {
        SignedIn(self.coordinator.clone()).check_csrf(sent)
    }
}

impl SignedIn {
    /// The municipality the pages show now; a page about one municipality
    /// cannot open for an account that reaches none.
    pub fn here(&self) -> Result<shared::MunicipalityId, Error> {
        self.0.here.as_ref().map(|m| m.id).ok_or_else(|| {
            Error::Forbidden(
                "your account reaches no municipality; an administrator gives municipalities on the accounts page".into(),
            )
        })
    }

    /// A record's or row's municipality: one this account's roles do not
    /// reach is answered as if there were nothing (404), so that the
    /// answer tells nothing about another municipality's records.
    pub fn must_reach(&self, m: Option<shared::MunicipalityId>) -> Result<(), Error> {
        if self.0.reaches(m) {
            Ok(())
        } else {
            Err(Error::NotFound)
        }
    }

    /// The page header of this coordinator's pages.
    pub fn header(&self) -> super::layout::Header<'_> {
        super::layout::Header::of(&self.0)
    }

    /// Refuses a form that does not carry the session's CSRF token.
    pub fn check_csrf(&self, sent: &str) -> Result<(), Error> {
        use sha2::{Digest, Sha256};
        // Compared as hashes, so the time taken does not leak a prefix.
        if Sha256::digest(sent.as_bytes()) == Sha256::digest(self.0.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "the form is out of date or was not sent from this site; reload the page and try again".into(),
            ))
        }
    }
}

/// A cookie as the pages set it: HttpOnly, SameSite=Strict, Secure when
/// the server is configured to be reached over TLS.
/// Whether the request carries a session cookie at all (not whether it is
/// valid): for an error page, to keep the navigation.
pub fn has_session_cookie(headers: &axum::http::HeaderMap) -> bool {
    axum_extra::extract::cookie::CookieJar::from_headers(headers)
        .get(SESSION_COOKIE)
        .is_some()
}

pub fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path("/")
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_http_only_strict_and_secure_when_asked() {
        let plain = cookie(SESSION_COOKIE, "v".into(), false).to_string();
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Strict"));
        assert!(!plain.contains("Secure"));
        let tls = cookie(SESSION_COOKIE, "v".into(), true).to_string();
        assert!(tls.contains("Secure"), "{tls}");
    }
}
