//! The HTTP shell: routes, limits and the mapping of requests to calls of
//! the store. `router` is what tests drive without a socket; `run` serves
//! it on a listener until `shutdown` resolves.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::clock::Clock;
use crate::db::{identity, Db};
use crate::error::Error;
use crate::peer_rate::Limiters;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body accepted (413 above it).
    pub max_body_bytes: usize,
    /// Longest a request may take (408 after it).
    pub request_timeout: Duration,
    /// Where a sync response is cut (the device asks again).
    pub max_response_bytes: usize,
    /// The listener's limits: header timeout, connection caps.
    pub transport: crate::transport::TransportLimits,
    /// Request rates per peer on the routes without a credential.
    pub anonymous: crate::peer_rate::AnonymousRates,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 8 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_response_bytes: crate::sync::DEFAULT_MAX_RESPONSE_BYTES,
            transport: Default::default(),
            anonymous: Default::default(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub limits: Limits,
    /// Mark cookies `Secure`: set when the pages are reached over TLS (a
    /// proxy in front of this server terminates it).
    pub secure_cookies: bool,
    /// Single sign-on through an OpenID Connect provider, when configured.
    pub sso: Option<Arc<crate::web::sso::SsoConfig>>,
    /// What `/metrics` reports, and the bearer token it asks for (none:
    /// the route is off).
    pub metrics: Arc<crate::metrics::Metrics>,
    pub metrics_token: Option<Arc<str>>,
}

/// The routes with their limits, as tests drive them without a socket.
pub fn router(state: AppState) -> Router {
    let limiters = Limiters::new(state.limits.anonymous, state.limits.transport.trusted_proxy);
    router_with(state, limiters)
}

fn router_with(state: AppState, limiters: Arc<Limiters>) -> Router {
    let limits = state.limits;
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .route("/v1/enrol", post(enrol))
        .route("/v1/sync", post(sync))
        .merge(crate::web::routes())
        .with_state(state)
        // One limit (`body_limit`): axum's own default limit is turned off.
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(
            limits.max_body_bytes,
            crate::body_limit::limit_body,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        // Before the body is read: a peer over its rate costs nothing more.
        .layer(axum::middleware::from_fn_with_state(
            limiters,
            crate::peer_rate::limit,
        ))
        .layer(axum::middleware::map_response(security_headers))
        // Logs method, path, status and latency; never bodies or headers.
        .layer(TraceLayer::new_for_http())
}

/// The pages hold personal data and the API's answers records: nothing is
/// kept by a browser or a proxy cache unless a handler says otherwise; no
/// script, frame, outside style or image may load (the pages have none),
/// no referrer leaves with a link, and a browser never guesses a type.
// connect-src 'self': no page has a script (script-src falls back to
// 'none'), so this only lets a browser's own tooling fetch from the page.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async fn security_headers(mut res: Response) -> Response {
    use axum::http::HeaderValue;
    let h = res.headers_mut();
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}

/// Serves until `shutdown` resolves, then lets requests in flight finish.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits;
    let limiters = Limiters::new(limits.anonymous, limits.transport.trusted_proxy);
    // Peers whose allowance is whole again are forgotten every minute.
    let sweeper = {
        let limiters = limiters.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                limiters.forget_idle();
            }
        })
    };
    // The public figures are published once a day, off the writer, so
    // that no visitor waits for them.
    let publisher = {
        let (db, clock) = (state.db.clone(), state.clock.clone());
        tokio::spawn(async move {
            // First a minute after start: a server starting up, or a test
            // filling a store, is not published half-way.
            let first = tokio::time::Instant::now() + Duration::from_secs(60);
            let mut every = tokio::time::interval_at(first, Duration::from_secs(600));
            loop {
                every.tick().await;
                // One instance at a time (`Db::run_once`).
                let job = || crate::db::publication::publish_if_due(&db, clock.now_ms());
                if let Err(e) = db.run_once(crate::db::publication::JOB, job).await {
                    tracing::warn!(error = %e, "publishing the public figures failed");
                }
            }
        })
    };
    // Retention: the records the rules no longer keep are erased once a
    // day (checked every 10 minutes, first ten minutes after start).
    let retention = {
        let (db, clock) = (state.db.clone(), state.clock.clone());
        tokio::spawn(async move {
            let first = tokio::time::Instant::now() + Duration::from_secs(600);
            let mut every = tokio::time::interval_at(first, Duration::from_secs(600));
            loop {
                every.tick().await;
                let job = || crate::db::retention::run_if_due(&db, clock.now_ms());
                match db.run_once(crate::db::retention::JOB, job).await {
                    Ok(None | Some(0)) => {}
                    Ok(Some(n)) => tracing::info!(erased = n, "retention: records erased"),
                    Err(e) => tracing::warn!(error = %e, "the retention job failed"),
                }
            }
        })
    };
    let served = crate::transport::serve(
        listener,
        router_with(state, limiters),
        limits.transport,
        shutdown,
    )
    .await;
    sweeper.abort();
    publisher.abort();
    retention.abort();
    served
}

/// Alive: the process answers (a load balancer's liveness check). Reads
/// nothing, so a slow or unreachable database does not make a healthy
/// process look dead.
async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// Ready: the database answers a read (a load balancer sends syncs here
/// only then); 503 otherwise.
async fn ready(State(state): State<AppState>) -> Result<Json<serde_json::Value>, Error> {
    state
        .db
        // The schema's own table: there on every store, even an empty one.
        .read(|c| {
            let catalogue = if c.is_postgres() {
                "SELECT count(*) FROM pg_catalog.pg_tables"
            } else {
                "SELECT count(*) FROM sqlite_master"
            };
            c.query_row(catalogue, [], |r| r.get::<_, i64>(0))
        })
        .await
        .map_err(|e| Error::Unavailable(format!("the database does not answer: {e}")))?;
    Ok(Json(serde_json::json!({ "status": "ready" })))
}

/// The Prometheus text, to a request with the configured bearer token.
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Error> {
    use sha2::{Digest, Sha256};
    let Some(token) = &state.metrics_token else {
        return Err(Error::NotFound);
    };
    let sent = bearer(&headers).map_err(|_| Error::Unauthorized)?;
    // Compared as hashes, so the time taken does not leak a prefix.
    if Sha256::digest(sent.as_bytes()) != Sha256::digest(token.as_bytes()) {
        return Err(Error::Unauthorized);
    }
    let text = state.metrics.render(&state.db).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

#[derive(serde::Deserialize)]
struct EnrolRequest {
    code: String,
    device_name: String,
}

async fn enrol(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<identity::Enrolled>, Error> {
    let req: EnrolRequest = serde_json::from_slice(&body).map_err(|e| Error::BadRequest {
        code: shared::sync::ErrorCode::BadBody,
        message: format!("expected JSON {{\"code\": ..., \"device_name\": ...}}: {e}"),
    })?;
    let now = state.clock.now_ms();
    let enrolled = state
        .db
        .write(move |c| identity::enrol(c, &req.code, &req.device_name, now))
        .await?;
    tracing::info!(device = %enrolled.device_id, "device enrolled");
    Ok(Json(enrolled))
}

fn bearer(headers: &HeaderMap) -> Result<String, Error> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(Error::Unauthorized)?;
    // The scheme is case-insensitive (RFC 9110 11.1): `bearer` is Bearer.
    let (scheme, token) = value.trim().split_once(' ').ok_or(Error::Unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Error::Unauthorized);
    }
    let token = token.trim();
    if token.is_empty() || token.len() > 256 {
        return Err(Error::Unauthorized);
    }
    Ok(token.to_string())
}

/// `/v1/sync`, counted for `/metrics`: its outcome, its time and every
/// refusal's code.
async fn sync(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Error> {
    let started = std::time::Instant::now();
    let metrics = state.metrics.clone();
    let answer = sync_answer(state, headers, body).await;
    let outcome = match &answer {
        Ok(r) if r.status() == StatusCode::OK => "ok",
        Ok(_) => "rejected",
        Err(e) => {
            metrics.refused(e.code().as_str());
            "error"
        }
    };
    metrics
        .syncs
        .get_or_create(&crate::metrics::Outcome { outcome })
        .inc();
    metrics
        .sync_seconds
        .observe(started.elapsed().as_secs_f64());
    answer
}

async fn sync_answer(state: AppState, headers: HeaderMap, body: Bytes) -> Result<Response, Error> {
    let token = bearer(&headers)?;
    // Authenticate before reading the body, so that a stranger's bytes are
    // never decoded. The writer checks the token again in its transaction,
    // so a device revoked in between is still refused.
    let check = token.clone();
    state
        .db
        .read(move |c| identity::device_for_token(c, &check))
        .await?;
    // A body damaged on the way is refused whole (see protocol.md).
    if let Some(digest) = headers.get(shared::sync::wire::DIGEST_HEADER) {
        let ok = digest
            .to_str()
            .is_ok_and(|d| shared::sync::wire::digest_matches(d, &body));
        if !ok {
            return Err(Error::BadRequest {
                code: shared::sync::ErrorCode::BadDigest,
                message: "the body does not match its Content-Digest; it was damaged on the way, send it again".into(),
            });
        }
    }
    // The digest vouches for the bytes as sent; gzip is undone after it,
    // bounded by the same limit as a plain body.
    let body = shared::sync::coding::decode_body(
        headers
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok()),
        body.to_vec(),
        state.limits.max_body_bytes,
    )?;
    let incoming = shared::sync::wire::decode_request(&body)?;
    let now = state.clock.now_ms();
    let max = state.limits.max_response_bytes;
    let (response, rejected) = state
        .db
        .write(move |c| crate::sync::run(c, &token, &incoming, now, max))
        .await?;
    for code in response.results.iter().filter_map(|r| r.code) {
        state.metrics.refused(code.as_str());
    }
    // 422 tells a client at a glance that something was refused; the body
    // is the same full response, with the accepted documents acknowledged.
    let status = if rejected {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut bytes = shared::sync::wire::encode(&response);
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(shared::sync::coding::accepts_gzip);
    if gzip {
        bytes = shared::sync::coding::gzip(&bytes);
    }
    let digest = shared::sync::wire::content_digest(&bytes);
    let mut response = (
        status,
        [
            (
                header::CONTENT_TYPE,
                shared::sync::wire::CONTENT_TYPE.to_string(),
            ),
            (
                header::HeaderName::from_static(shared::sync::wire::DIGEST_HEADER),
                digest,
            ),
        ],
        bytes,
    )
        .into_response();
    if gzip {
        response.headers_mut().insert(
            header::CONTENT_ENCODING,
            header::HeaderValue::from_static(shared::sync::coding::GZIP),
        );
    }
    Ok(response)
}
