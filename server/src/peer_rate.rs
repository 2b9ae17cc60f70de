//! Request rates per peer on the routes anyone may call without a
//! credential: enrolment and sign-in (each a guess at a secret, and
//! sign-in a costly hash), and the public summary.
//!
//! The bookkeeping is `governor`'s keyed GCRA limiter; this module only
//! says which peer a request comes from and answers `429` with
//! `Retry-After` when the peer is over its rate.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::error::Error;

/// A rate: `per_minute` requests a minute on average, up to `burst` at
/// once.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub per_minute: u32,
    pub burst: u32,
}

impl Rate {
    fn quota(self) -> Option<Quota> {
        let per_minute = NonZeroU32::new(self.per_minute)?;
        let burst = NonZeroU32::new(self.burst).unwrap_or(per_minute);
        Some(Quota::per_minute(per_minute).allow_burst(burst))
    }
}

/// The rates of the anonymous routes.
#[derive(Debug, Clone, Copy)]
pub struct AnonymousRates {
    /// `POST /v1/enrol` and `POST /sign-in`: guesses at a secret.
    pub credentials: Rate,
    /// `GET /public`, `GET /sign-in`.
    pub pages: Rate,
}

impl Default for AnonymousRates {
    fn default() -> Self {
        AnonymousRates {
            // A police station enrolling its phones behind one address
            // does it in a burst; a guesser gets one try every 3 s.
            credentials: Rate {
                per_minute: 20,
                burst: 30,
            },
            pages: Rate {
                per_minute: 120,
                burst: 60,
            },
        }
    }
}

/// The limiters, shared by every request.
pub struct Limiters {
    credentials: Option<DefaultKeyedRateLimiter<IpAddr>>,
    pages: Option<DefaultKeyedRateLimiter<IpAddr>>,
    trusted_proxy: Option<IpAddr>,
}

impl Limiters {
    pub fn new(rates: AnonymousRates, trusted_proxy: Option<IpAddr>) -> Arc<Self> {
        Arc::new(Limiters {
            credentials: rates
                .credentials
                .quota()
                .map(DefaultKeyedRateLimiter::keyed),
            pages: rates.pages.quota().map(DefaultKeyedRateLimiter::keyed),
            trusted_proxy,
        })
    }

    /// Forgets peers whose allowance is full again, so that the map does
    /// not grow with every address ever seen.
    pub fn forget_idle(&self) {
        for l in [&self.credentials, &self.pages].into_iter().flatten() {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

/// Which limiter, if any, a request counts against.
fn limiter_for<'a>(
    limiters: &'a Limiters,
    method: &Method,
    path: &str,
) -> Option<&'a DefaultKeyedRateLimiter<IpAddr>> {
    match (method, path) {
        (&Method::POST, "/v1/enrol") | (&Method::POST, "/sign-in") => limiters.credentials.as_ref(),
        (&Method::GET, "/public") | (&Method::GET, "/sign-in") => limiters.pages.as_ref(),
        _ => None,
    }
}

/// The peer a request comes from: the TCP peer, or for a trusted proxy the
/// last address its `X-Forwarded-For` names (the one the proxy added).
pub fn peer_of(
    connected: Option<SocketAddr>,
    headers: &HeaderMap,
    trusted_proxy: Option<IpAddr>,
) -> Option<IpAddr> {
    let ip = connected?.ip();
    if Some(ip) != trusted_proxy {
        return Some(ip);
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .next_back();
    Some(forwarded.unwrap_or(ip))
}

pub async fn limit(
    State(limiters): State<Arc<Limiters>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(limiter) = limiter_for(&limiters, request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let connected = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    // Without a socket (the router driven in a test) there is no peer to
    // count.
    let Some(peer) = peer_of(connected, request.headers(), limiters.trusted_proxy) else {
        return next.run(request).await;
    };
    match limiter.check_key(&peer) {
        Ok(()) => next.run(request).await,
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            too_many(wait)
        }
    }
}

fn too_many(wait: Duration) -> Response {
    let seconds = wait.as_secs() + 1;
    tracing::warn!(retry_after_s = seconds, "anonymous request over its rate");
    let mut res = Error::TooManyRequests { seconds }.into_response();
    if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// The address a request comes from, as `peer_of` names it (the security
/// log's source, the sign-in's failure count); "unknown" without a socket.
#[derive(Debug, Clone)]
pub struct PeerAddress(pub String);

impl axum::extract::FromRequestParts<crate::http::AppState> for PeerAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &crate::http::AppState,
    ) -> Result<Self, Self::Rejection> {
        let connected = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        Ok(PeerAddress(
            peer_of(
                connected,
                &parts.headers,
                state.limits.transport.trusted_proxy,
            )
            .map_or_else(|| "unknown".to_string(), |ip| ip.to_string()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trusted_proxy_names_the_peer_and_nobody_else_can() {
        let proxy: IpAddr = "10.0.0.1".parse().expect("test value");
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.2.3.4, 192.0.2.7"),
        );
        let from = |ip: &str| Some(SocketAddr::new(ip.parse().expect("test value"), 4000));
        assert_eq!(
            peer_of(from("10.0.0.1"), &h, Some(proxy)),
            Some("192.0.2.7".parse().expect("test value")),
            "the proxy's own entry, not the client's claim"
        );
        assert_eq!(
            peer_of(from("203.0.113.9"), &h, Some(proxy)),
            Some("203.0.113.9".parse().expect("test value")),
            "anyone else's header is ignored"
        );
        assert_eq!(peer_of(None, &h, Some(proxy)), None);
    }

    #[test]
    fn a_burst_passes_and_the_next_request_waits() {
        let limiters = Limiters::new(
            AnonymousRates {
                credentials: Rate {
                    per_minute: 6,
                    burst: 3,
                },
                pages: Rate {
                    per_minute: 0,
                    burst: 0,
                },
            },
            None,
        );
        let l = limiter_for(&limiters, &Method::POST, "/v1/enrol").expect("test value");
        let ip: IpAddr = "127.0.0.2".parse().expect("test value");
        for _ in 0..3 {
            assert!(l.check_key(&ip).is_ok());
        }
        assert!(l.check_key(&ip).is_err());
        assert!(l
            .check_key(&"127.0.0.3".parse().expect("test value"))
            .is_ok());
        assert!(
            limiter_for(&limiters, &Method::GET, "/public").is_none(),
            "a zero rate is no limit"
        );
        assert!(limiter_for(&limiters, &Method::POST, "/v1/sync").is_none());
    }
}
