//! Signing in and out. The form carries a CSRF token matched against a
//! short-lived cookie (there is no session yet to hold one). The password
//! check runs on the blocking pool, never on the writer thread, and
//! failures are counted per user name and source address (see
//! `db::coordinators` and `shared::sign_in`).

use crate::db::identity::random_token;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use maud::html;

use super::lang::Lang;
use super::layout::page;
use super::session::{cookie, CsrfOnly, SignedIn, SESSION_COOKIE};
use crate::db::coordinators::{self, Attempt, Next, SignIn, Who};
use crate::error::Error;
use crate::http::AppState;
use crate::peer_rate::PeerAddress;

const FORM_COOKIE: &str = "tl_sign_in";

#[derive(serde::Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
    csrf: String,
}

fn form_page(
    l: Lang,
    token: &str,
    message: Option<&str>,
    username: &str,
    sso: Option<&str>,
) -> maud::Markup {
    page(
        l,
        l.t("Sign in"),
        None,
        html! {
            p.muted { (l.t("For coordinators. Officers use the app.")) }
            @if let Some(m) = message { p.error role="alert" { (m) } }
            form method="post" action="/sign-in" {
                input type="hidden" name="csrf" value=(token);
                label for="username" { (l.t("User name")) }
                // A failed attempt keeps the name typed; never the password.
                input #username name="username" autocomplete="username" required value=(username);
                label for="password" { (l.t("Password")) }
                input #password name="password" type="password" autocomplete="current-password" required;
                p { button type="submit" { (l.t("Sign in")) } }
            }
            @if let Some(label) = sso {
                p { a.button href="/sign-in/sso" { (l.t("Sign in with")) " " (label) } }
            }
        },
    )
}

/// A fresh form with its CSRF cookie.
fn fresh_form(
    l: Lang,
    state: &AppState,
    jar: CookieJar,
    status: StatusCode,
    message: Option<&str>,
    username: &str,
) -> Response {
    let token = random_token();
    let jar = jar.add(cookie(FORM_COOKIE, token.clone(), state.secure_cookies));
    let sso = state.sso.as_ref().map(|s| s.label.as_str());
    (status, jar, form_page(l, &token, message, username, sso)).into_response()
}

/// Password checks running at once (see `submit`).
static PASSWORD_CHECKS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

pub async fn form(State(state): State<AppState>, l: Lang, jar: CookieJar) -> Response {
    fresh_form(l, &state, jar, StatusCode::OK, None, "")
}

pub async fn submit(
    State(state): State<AppState>,
    l: Lang,
    PeerAddress(source): PeerAddress,
    jar: CookieJar,
    Form(form): Form<Credentials>,
) -> Result<Response, Error> {
    let expected = jar.get(FORM_COOKIE).map(|c| c.value().to_string());
    if expected.as_deref() != Some(form.csrf.as_str()) || form.csrf.is_empty() {
        return Ok(fresh_form(
            l,
            &state,
            jar,
            StatusCode::FORBIDDEN,
            Some(l.t("The form was out of date. Please sign in again.")),
            "",
        ));
    }
    if form.username.len() > 200 || form.password.len() > 1024 {
        return Ok(fresh_form(
            l,
            &state,
            jar,
            StatusCode::UNAUTHORIZED,
            Some(l.t("Wrong user name or password.")),
            "",
        ));
    }
    let typed = form.username.clone();
    let now = state.clock.now_ms();
    let who = Who {
        username: form.username.clone(),
        source,
    };
    let asking = who.clone();
    let attempt = state
        .db
        .write(move |c| coordinators::attempt(c, &asking.username, &asking.source, now))
        .await?;
    let outcome = match attempt {
        Attempt::Wait { ms } => SignIn::Wait { ms },
        Attempt::Check { account, reserved } => {
            // At most as many Argon2 checks at once as the machine has
            // cores: each takes 19 MiB and tens of milliseconds, and
            // anonymous sign-ins must not starve the syncs. A check that
            // cannot start soon is answered 503 (its failure stays
            // reserved, as a guess).
            let Ok(Ok(_permit)) =
                tokio::time::timeout(std::time::Duration::from_secs(2), PASSWORD_CHECKS.acquire())
                    .await
            else {
                return Err(Error::Unavailable(
                    "too many sign-ins at once; try again in a moment".into(),
                ));
            };
            let hash = account.as_ref().map(|a| a.1.clone());
            let password = form.password;
            let ok = tokio::task::spawn_blocking(move || {
                coordinators::verify(hash.as_deref(), &password)
            })
            .await
            .map_err(Error::internal)?;
            let id = account.map(|a| a.0);
            state
                .db
                .write(move |c| coordinators::finish(c, id, ok, reserved, &who, now))
                .await?
        }
    };
    Ok(match outcome {
        SignIn::Ok { session, next } => {
            tracing::info!("coordinator's password right");
            let jar = jar.remove(Cookie::from(FORM_COOKIE)).add(cookie(
                SESSION_COOKIE,
                session,
                state.secure_cookies,
            ));
            let to = match next {
                Next::Done(home) => home,
                Next::Code => "/sign-in/code",
                Next::SetUp => "/sign-in/set-up",
            };
            (jar, Redirect::to(to)).into_response()
        }
        SignIn::Wrong => fresh_form(
            l,
            &state,
            jar,
            StatusCode::UNAUTHORIZED,
            Some(l.t("Wrong user name or password.")),
            &typed,
        ),
        SignIn::Wait { ms } => {
            let message = format!(
                "{} {}.",
                l.t("Too many failed attempts for this user name from here. Try again in"),
                l.say(&shared::sign_in::Wait { ms })
            );
            let mut res = fresh_form(
                l,
                &state,
                jar,
                StatusCode::TOO_MANY_REQUESTS,
                Some(&message),
                &typed,
            );
            let seconds = shared::sign_in::Wait { ms }.seconds();
            if let Ok(v) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
                res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
            res
        }
    })
}

pub async fn sign_out(
    State(state): State<AppState>,
    PeerAddress(source): PeerAddress,
    me: SignedIn,
    jar: CookieJar,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, Error> {
    me.check_csrf(&form.csrf)?;
    let now = state.clock.now_ms();
    if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) {
        state
            .db
            .write(move |c| coordinators::sign_out(c, &token, &source, now))
            .await?;
    }
    let jar = jar.remove(Cookie::from(SESSION_COOKIE));
    Ok((jar, Redirect::to("/sign-in")).into_response())
}
