//! The second factor of signing in (`shared::two_factor`): after a right
//! password, `/sign-in/code` asks the six-digit code from the
//! authenticator app (or a recovery code); an account without an app is
//! first sent to `/sign-in/set-up`, which shows a QR code (and the secret
//! as text, to type) and takes the app's first code, then shows the
//! recovery codes once. Demo accounts never come here.

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, PreEscaped};

use super::lang::Lang;
use super::layout::page;
use super::session::HalfSignedIn;
use crate::db::coordinators::{self, CodeOutcome};
use crate::error::Error;
use crate::http::AppState;
use crate::peer_rate::PeerAddress;

#[derive(serde::Deserialize)]
pub struct Code {
    csrf: String,
    #[serde(default)]
    code: String,
}

fn code_form(l: Lang, me: &HalfSignedIn, message: Option<&str>) -> maud::Markup {
    page(
        l,
        l.t("Code from your authenticator app"),
        None,
        html! {
            p { (l.t("Enter the six-digit code your authenticator app shows for Trygghetslogg. Without the app, enter one of your recovery codes; each works once.")) }
            @if let Some(m) = message { p.error role="alert" { (m) } }
            form method="post" action="/sign-in/code" {
                input type="hidden" name="csrf" value=(me.coordinator.csrf);
                label for="code" { (l.t("Code")) }
                input #code name="code" autocomplete="one-time-code" inputmode="text" maxlength="20" required autofocus;
                p { button type="submit" { (l.t("Sign in")) } }
            }
        },
    )
}

/// The code is asked; a whole session goes on to the pages, an account
/// without an app to its set-up.
pub async fn code(
    State(state): State<AppState>,
    l: Lang,
    me: HalfSignedIn,
) -> Result<Response, Error> {
    if me.coordinator.whole {
        return Ok(Redirect::to("/").into_response());
    }
    let (token, now) = (me.token.clone(), state.clock.now_ms());
    let setting_up = state
        .db
        .read(move |c| coordinators::setting_up(c, &token, now))
        .await?;
    if setting_up {
        return Ok(Redirect::to("/sign-in/set-up").into_response());
    }
    Ok(code_form(l, &me, None).into_response())
}

pub async fn give_code(
    State(state): State<AppState>,
    l: Lang,
    PeerAddress(source): PeerAddress,
    me: HalfSignedIn,
    Form(form): Form<Code>,
) -> Result<Response, Error> {
    me.check_csrf(&form.csrf)?;
    if me.coordinator.whole {
        return Ok(Redirect::to("/").into_response());
    }
    let (token, now) = (me.token.clone(), state.clock.now_ms());
    let typed: String = form.code.chars().take(40).collect();
    let outcome = state
        .db
        .write(move |c| coordinators::give_code(c, &token, &typed, &source, now))
        .await?;
    Ok(match outcome {
        CodeOutcome::Ok {
            recovery_codes,
            home,
        } if recovery_codes.is_empty() => {
            tracing::info!("coordinator signed in");
            Redirect::to(home).into_response()
        }
        CodeOutcome::Ok {
            recovery_codes,
            home,
        } => page(
            l,
            l.t("Your recovery codes"),
            Some(super::layout::Header::of(&me.coordinator)),
            html! {
                p { (l.t("The app is set up. Keep these recovery codes where only you can reach them (printed, or in a password manager): each signs you in once if the phone with the app is lost. They are shown now and never again.")) }
                ul.recovery-codes { @for c in &recovery_codes { li { code { (c) } } } }
                p { a.button href=(home) { (l.t("I have kept them")) } }
            },
        )
        .into_response(),
        CodeOutcome::Wrong => (
            StatusCode::UNAUTHORIZED,
            code_form(
                l,
                &me,
                Some(l.t("Wrong or already used code. Try the code your app shows now.")),
            ),
        )
            .into_response(),
        CodeOutcome::Ended => Redirect::to("/sign-in").into_response(),
    })
}

/// Setting the app up: the QR code and the secret as text, and the app's
/// first code.
pub async fn set_up(
    State(state): State<AppState>,
    l: Lang,
    me: HalfSignedIn,
) -> Result<Response, Error> {
    if me.coordinator.whole {
        return Ok(Redirect::to("/").into_response());
    }
    let (token, now) = (me.token.clone(), state.clock.now_ms());
    let Some(secret) = state
        .db
        .write(move |c| coordinators::pending_secret(c, &token, now))
        .await?
    else {
        return Ok(Redirect::to("/sign-in/code").into_response());
    };
    let url = shared::two_factor::otpauth_url(&secret, &me.coordinator.username)
        .ok_or_else(|| Error::internal("the authenticator link could not be made"))?;
    let qr = qrcode::QrCode::new(url.as_bytes())
        .map_err(Error::internal)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .build();
    let text = shared::two_factor::secret_text(&secret);
    Ok(page(
        l,
        l.t("Set up your authenticator app"),
        None,
        html! {
            p { (l.t("Every coordinator signs in with a password and a code from an authenticator app on their phone (for example Microsoft Authenticator, Google Authenticator or FreeOTP). Scan the QR code with the app, or type the key below, then enter the six-digit code it shows.")) }
            div.qr { (PreEscaped(qr)) }
            p { (l.t("Key")) ": " code.secret { (text) } }
            form method="post" action="/sign-in/code" {
                input type="hidden" name="csrf" value=(me.coordinator.csrf);
                label for="code" { (l.t("Code")) }
                input #code name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="7" required;
                p { button type="submit" { (l.t("Set up and sign in")) } }
            }
        },
    )
    .into_response())
}
