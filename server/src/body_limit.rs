//! The request body limit, with a clean 413 whatever the client does.
//!
//! tower-http's `RequestBodyLimitLayer` answered 413 as soon as it saw a
//! `Content-Length` past the limit and the connection closed while the
//! client was still sending: a client writing its body before reading the
//! answer (most do) saw a broken pipe instead of the 413. Here the body is
//! read to its end first (what is past the limit is read and dropped, never
//! kept), then the 413 goes out with `Connection: close`. Reading is
//! bounded by the request timeout around this layer, and memory by the
//! limit. A client that sends `Expect: 100-continue` with a declared length
//! past the limit is answered at once, before it sends anything.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt as _;

use crate::error::Error;

/// Buffers the body up to `max` bytes and hands it on; answers 413 after
/// reading the whole body when it is larger.
pub async fn limit_body(State(max): State<usize>, req: Request, next: Next) -> Response {
    let (parts, mut body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut over = declared.is_some_and(|n| n > max as u64);
    let expects_continue = parts
        .headers
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if over && expects_continue {
        // Not polling the body means hyper never sends 100 Continue: the
        // client learns the answer before sending its body.
        return too_large(max);
    }
    let mut kept: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Error::BadRequest {
                code: shared::sync::ErrorCode::BadBody,
                message: "the request body could not be read to its end".into(),
            }
            .into_response();
        };
        let Ok(data) = frame.into_data() else {
            continue; // Trailers carry nothing we use.
        };
        if !over && kept.len() + data.len() > max {
            over = true;
            kept = Vec::new();
        }
        if !over {
            kept.extend_from_slice(&data);
        }
    }
    if over {
        return too_large(max);
    }
    next.run(Request::from_parts(parts, Body::from(Bytes::from(kept))))
        .await
}

fn too_large(max: usize) -> Response {
    let mut response = Error::TooLarge(format!(
        "the request body is larger than {max} bytes; send fewer documents per request"
    ))
    .into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
