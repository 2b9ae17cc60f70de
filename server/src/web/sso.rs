//! Single sign-on through the municipality's or the police's OpenID
//! Connect provider (`serve --sso-issuer …`): the authorization code flow
//! with PKCE (S256), a state bound to the browser by a cookie and kept on
//! the server with the verifier and nonce, and the ID token checked by the
//! `openidconnect` crate (signature against the provider's published keys,
//! issuer, audience, expiry, nonce). The provider's second factor stands
//! for ours. Roles come from the provider's `trygghetslogg_roles` claim
//! when it sends one (`RoleClaims`), else an administrator assigns them
//! here; the account's user name is the provider's `preferred_username`,
//! and its first sign-in through the provider links it to the subject.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use maud::html;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields,
    IdTokenFields, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    StandardErrorResponse, StandardTokenResponse, TokenResponse as _,
};

use super::lang::Lang;
use super::layout::page;
use super::session::{cookie, SESSION_COOKIE};
use crate::db::coordinators;
use crate::error::Error;
use crate::http::AppState;
use crate::peer_rate::PeerAddress;

/// The provider, as the operator configures it.
#[derive(Debug, Clone)]
pub struct SsoConfig {
    /// The issuer URL (its `/.well-known/openid-configuration` is read).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// This server's address as the browser reaches it (the callback is
    /// `<public_url>/sign-in/sso/callback`, registered at the provider).
    pub public_url: String,
    /// The button's words: "Sign in with <label>".
    pub label: String,
}

const STATE_COOKIE: &str = "tl_sso";

/// The claim the provider may carry roles in: names of `shared::roles`
/// (`coordinator`, `council_member`, `administrator`). When present, the
/// provider decides the account's roles at every sign-in (mapped from the
/// claim); when absent, an administrator assigns them here.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct RoleClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trygghetslogg_roles: Option<Vec<String>>,
}

impl AdditionalClaims for RoleClaims {}

type Fields = IdTokenFields<
    RoleClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

type Client = openidconnect::Client<
    RoleClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    StandardTokenResponse<Fields, CoreTokenType>,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

fn http_client() -> Result<openidconnect::reqwest::Client, Error> {
    openidconnect::reqwest::ClientBuilder::new()
        // Following redirects would open the server to SSRF.
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(Error::internal)
}

fn unavailable(e: impl std::fmt::Display) -> Error {
    tracing::warn!(error = %e, "the sign-in provider failed");
    Error::Unavailable("the organisation's sign-in did not answer as expected; try again, or sign in with a password".into())
}

/// The provider's client, from its published metadata (read on every
/// sign-in: a provider that rotates its keys is followed at once).
async fn client(
    config: &SsoConfig,
    http: &openidconnect::reqwest::Client,
) -> Result<Client, Error> {
    let issuer = IssuerUrl::new(config.issuer.clone()).map_err(unavailable)?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(unavailable)?;
    let redirect = RedirectUrl::new(format!(
        "{}/sign-in/sso/callback",
        config.public_url.trim_end_matches('/')
    ))
    .map_err(Error::internal)?;
    Ok(Client::from_provider_metadata(
        metadata,
        ClientId::new(config.client_id.clone()),
        config.client_secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(redirect))
}

fn config(state: &AppState) -> Result<&SsoConfig, Error> {
    state.sso.as_deref().ok_or(Error::NotFound)
}

/// `/sign-in/sso`: off to the provider.
pub async fn start(State(state): State<AppState>, jar: CookieJar) -> Result<Response, Error> {
    let config = config(&state)?;
    let http = http_client()?;
    let client = client(config, &http).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let (s, v, n, now) = (
        csrf.secret().clone(),
        verifier.secret().clone(),
        nonce.secret().clone(),
        state.clock.now_ms(),
    );
    state
        .db
        .write(move |c| coordinators::sso_begin(c, &s, &v, &n, now))
        .await?;
    // Lax, not Strict: the browser comes back from the provider's site,
    // and a Strict cookie would not come with it.
    let bound = Cookie::build((STATE_COOKIE, csrf.secret().clone()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.secure_cookies)
        .path("/sign-in/sso")
        .max_age(time::Duration::minutes(10))
        .build();
    Ok((jar.add(bound), Redirect::to(url.as_str())).into_response())
}

#[derive(serde::Deserialize)]
pub struct Callback {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: Option<String>,
}

fn refused(l: Lang, message: &str) -> Response {
    (
        axum::http::StatusCode::UNAUTHORIZED,
        page(
            l,
            l.t("Sign in"),
            None,
            html! {
                p.error role="alert" { (message) }
                p { a href="/sign-in" { (l.t("Back to the sign-in")) } }
            },
        ),
    )
        .into_response()
}

/// `/sign-in/sso/callback`: the provider sends the browser back with a
/// code; the code, the PKCE verifier and the client's secret buy an ID
/// token, which is checked; its subject names the account.
pub async fn callback(
    State(state): State<AppState>,
    l: Lang,
    PeerAddress(source): PeerAddress,
    jar: CookieJar,
    Query(back): Query<Callback>,
) -> Result<Response, Error> {
    let config = config(&state)?.clone();
    let bound = jar.get(STATE_COOKIE).map(|c| c.value().to_string());
    let jar = jar.remove(Cookie::build(STATE_COOKIE).path("/sign-in/sso"));
    if back.error.is_some()
        || back.state.is_empty()
        || bound.as_deref() != Some(back.state.as_str())
    {
        return Ok(refused(
            l,
            l.t("The sign-in was not completed. Please try again."),
        ));
    }
    let (s, now) = (back.state.clone(), state.clock.now_ms());
    let Some((verifier, nonce)) = state
        .db
        .write(move |c| coordinators::sso_take(c, &s, now))
        .await?
    else {
        return Ok(refused(
            l,
            l.t("The sign-in was not completed. Please try again."),
        ));
    };
    let http = http_client()?;
    let client = client(&config, &http).await?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(back.code))
        .map_err(unavailable)?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&http)
        .await
        .map_err(unavailable)?;
    let Some(id_token) = tokens.id_token() else {
        return Err(unavailable("no ID token"));
    };
    let verifier = client.id_token_verifier();
    let claims = match id_token.claims(&verifier, &Nonce::new(nonce)) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "an ID token was refused");
            return Ok(refused(
                l,
                l.t("The sign-in was not completed. Please try again."),
            ));
        }
    };
    let subject = format!("{} {}", config.issuer, claims.subject().as_str());
    let who = coordinators::SsoPerson {
        subject,
        username: claims
            .preferred_username()
            .map(|u| u.as_str().to_string())
            .unwrap_or_default(),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_string()),
        // Names this version does not know grant nothing.
        roles: claims
            .additional_claims()
            .trygghetslogg_roles
            .as_ref()
            .map(|r| {
                r.iter()
                    .filter_map(|n| shared::roles::Role::parse(n))
                    .collect()
            }),
    };
    let outcome = state
        .db
        .write(move |c| coordinators::sso_session(c, &who, &source, now))
        .await?;
    let Some((session, home)) = outcome else {
        return Ok(refused(
            l,
            l.t("Your organisation's sign-in knows you, but you have no account here. Ask an administrator for one (under the same user name)."),
        ));
    };
    tracing::info!("coordinator signed in through the provider");
    let jar = jar.add(cookie(SESSION_COOKIE, session, state.secure_cookies));
    // A page, not a redirect: the session cookie is SameSite=Strict, and
    // a redirect here still belongs to the navigation the provider's site
    // started, so the cookie would not come with it. The next navigation
    // starts on this site.
    Ok((
        jar,
        page(
            l,
            l.t("Signed in"),
            None,
            html! {
                meta http-equiv="refresh" content=(format!("0; url={home}"));
                p { a href=(home) { (l.t("Continue")) } }
            },
        ),
    )
        .into_response())
}
