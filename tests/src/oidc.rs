//! A small OpenID Connect provider on loopback, for the single sign-on
//! tests: discovery, a sign-in page (a user name and a button: the test
//! drives it in the browser), the token endpoint, and the signing keys. It
//! checks what a real provider checks of a client: the client's secret
//! (HTTP Basic), the redirect address, and PKCE (S256: the verifier's
//! SHA-256 must be the challenge it was given); a code works once. Its ID
//! tokens are RS256-signed with a key made for these tests only
//! (`tests/fixtures/oidc-test-provider-key.pem`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use openidconnect::core::{CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey};
use openidconnect::{
    AccessToken, Audience, AuthorizationCode, EndUserUsername, IssuerUrl, JsonWebKeyId, Nonce,
    PrivateSigningKey as _, StandardClaims, SubjectIdentifier,
};
use server::web::sso::RoleClaims;
use sha2::Digest as _;

pub const CLIENT_ID: &str = "trygghetslogg";
pub const CLIENT_SECRET: &str = "the client's secret";
const KEY: &str = include_str!("../fixtures/oidc-test-provider-key.pem");

#[derive(Clone)]
struct Provider {
    issuer: String,
    codes: Arc<Mutex<HashMap<String, Pending>>>,
    /// Token requests refused (wrong secret, redirect, verifier, code).
    pub refused: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone)]
struct Pending {
    username: String,
    /// The roles claim the provider sends, if the form filled it.
    roles: Option<Vec<String>>,
    nonce: String,
    challenge: String,
    redirect_uri: String,
}

/// The provider, running; `issuer` is its address.
pub struct TestProvider {
    pub issuer: String,
    refused: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl TestProvider {
    pub async fn start() -> Result<TestProvider> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let issuer = format!("http://{}", listener.local_addr()?);
        let provider = Provider {
            issuer: issuer.clone(),
            codes: Arc::default(),
            refused: Arc::default(),
        };
        let refused = provider.refused.clone();
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/authorize", get(authorize_page).post(authorize))
            .route("/token", axum::routing::post(token))
            .route("/jwks", get(jwks))
            .with_state(provider);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(TestProvider {
            issuer,
            refused,
            task,
        })
    }

    /// Why token requests were refused, if any were.
    pub fn refused(&self) -> Vec<String> {
        self.refused.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for TestProvider {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn signing_key() -> Result<CoreRsaPrivateSigningKey, String> {
    CoreRsaPrivateSigningKey::from_pem(KEY, Some(JsonWebKeyId::new("test-key".into())))
}

async fn discovery(State(p): State<Provider>) -> Json<serde_json::Value> {
    let i = &p.issuer;
    Json(serde_json::json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "jwks_uri": format!("{i}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "profile"],
    }))
}

async fn jwks() -> Response {
    match signing_key() {
        Ok(k) => Json(serde_json::json!({ "keys": [k.as_verification_key()] })).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    }
}

/// The provider's own sign-in page: a user name, kept in the form with
/// what the client asked.
async fn authorize_page(Query(q): Query<HashMap<String, String>>) -> Response {
    let field = |k: &str| q.get(k).cloned().unwrap_or_default();
    if field("client_id") != CLIENT_ID
        || field("response_type") != "code"
        || field("code_challenge_method") != "S256"
        || field("code_challenge").is_empty()
    {
        return (StatusCode::BAD_REQUEST, "a bad authorization request").into_response();
    }
    let hidden: String = ["redirect_uri", "state", "nonce", "code_challenge"]
        .iter()
        .map(|k| {
            format!(
                r#"<input type="hidden" name="{k}" value="{}">"#,
                field(k).replace('"', "&quot;")
            )
        })
        .collect();
    Html(format!(
        r#"<!DOCTYPE html><html><head><title>Testkommunens inloggning</title></head><body>
        <h1>Testkommunens inloggning</h1>
        <form method="post" action="/authorize">{hidden}
        <label for="login">Användarnamn</label> <input id="login" name="username">
        <label for="roles">Roller</label> <input id="roles" name="roles">
        <button id="go" type="submit">Logga in</button></form></body></html>"#
    ))
    .into_response()
}

async fn authorize(State(p): State<Provider>, Form(f): Form<HashMap<String, String>>) -> Response {
    let field = |k: &str| f.get(k).cloned().unwrap_or_default();
    let code = uuid::Uuid::new_v4().simple().to_string();
    if let Ok(mut codes) = p.codes.lock() {
        codes.insert(
            code.clone(),
            Pending {
                username: field("username"),
                roles: Some(field("roles"))
                    .filter(|r| !r.is_empty())
                    .map(|r| r.split(',').map(str::to_string).collect()),
                nonce: field("nonce"),
                challenge: field("code_challenge"),
                redirect_uri: field("redirect_uri"),
            },
        );
    }
    let to = format!(
        "{}?code={code}&state={}",
        field("redirect_uri"),
        urlencode(&field("state"))
    );
    Redirect::to(&to).into_response()
}

/// The client id and secret of HTTP Basic client authentication: each
/// form-urlencoded before base64 (RFC 6749 section 2.3.1).
fn client_of(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(value.strip_prefix("Basic ")?)
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    let decode = |s: &str| -> String {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some((decode(id), decode(secret)))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn token(
    State(p): State<Provider>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let refuse = |why: &str| {
        if let Ok(mut r) = p.refused.lock() {
            r.push(why.to_string());
        }
        (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": "invalid_grant", "error_description": why})),
        )
            .into_response()
    };
    if client_of(&headers) != Some((CLIENT_ID.to_string(), CLIENT_SECRET.to_string())) {
        return refuse("client authentication");
    }
    let field = |k: &str| f.get(k).cloned().unwrap_or_default();
    let Some(pending) = p
        .codes
        .lock()
        .ok()
        .and_then(|mut c| c.remove(&field("code")))
    else {
        return refuse("unknown or used code");
    };
    if field("redirect_uri") != pending.redirect_uri {
        return refuse("redirect_uri");
    }
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(field("code_verifier").as_bytes()));
    if challenge != pending.challenge {
        return refuse("PKCE verifier");
    }
    let access = AccessToken::new(uuid::Uuid::new_v4().to_string());
    let now = chrono::Utc::now();
    let Ok(issuer) = IssuerUrl::new(p.issuer.clone()) else {
        return refuse("issuer");
    };
    let claims =
        openidconnect::IdTokenClaims::<RoleClaims, openidconnect::core::CoreGenderClaim>::new(
            issuer,
            vec![Audience::new(CLIENT_ID.into())],
            now + chrono::Duration::minutes(5),
            now,
            StandardClaims::new(SubjectIdentifier::new(format!("sub-{}", pending.username)))
                .set_preferred_username(Some(EndUserUsername::new(pending.username.clone()))),
            RoleClaims {
                trygghetslogg_roles: pending.roles.clone(),
            },
        )
        .set_nonce(Some(Nonce::new(pending.nonce.clone())));
    let Ok(key) = signing_key() else {
        return refuse("signing key");
    };
    let Ok(id_token) = openidconnect::IdToken::<
        RoleClaims,
        openidconnect::core::CoreGenderClaim,
        openidconnect::core::CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >::new(
        claims,
        &key,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        Some(&access),
        Some(&AuthorizationCode::new(field("code"))),
    ) else {
        return refuse("signing");
    };
    Json(serde_json::json!({
        "access_token": access.secret(),
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}
