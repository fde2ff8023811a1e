//! The server's own answers: response bodies, JSON answers and the
//! HTTP status a runtime error maps to.

use std::convert::Infallible;

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use serde_json::{Value as Json, json};

use super::State;
use isolet::Error;

/// A response body; an error (a streamed worker body that failed) aborts
/// the response on the wire instead of ending it as if complete.
pub(crate) type Body = UnsyncBoxBody<Bytes, BodyError>;
pub(crate) type BodyError = Box<dyn std::error::Error + Send + Sync>;
pub(super) type HttpResponse = http::Response<Body>;

pub(super) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never: Infallible| match never {})
        .boxed_unsync()
}

pub(super) fn json_response(status: StatusCode, value: &Json) -> HttpResponse {
    let mut r = http::Response::new(full(serde_json::to_vec(value).unwrap_or_default()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

pub(super) fn error(status: StatusCode, message: impl Into<String>) -> HttpResponse {
    json_response(status, &json!({ "error": message.into() }))
}

/// The status and JSON body a runtime error maps to.
pub(super) fn error_body(state: &State, e: &Error) -> (StatusCode, Json) {
    match e {
        Error::InvalidCode(problems) => (
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid worker code", "problems": problems}),
        ),
        Error::InvalidRequest(m) => (StatusCode::BAD_REQUEST, json!({"error": m})),
        Error::Script(s) => {
            let mut body = json!({"error": s.to_string(), "name": s.name, "message": s.message});
            if state.config.debug {
                body["stack"] = json!(s.stack);
            }
            (StatusCode::INTERNAL_SERVER_ERROR, body)
        }
        Error::CpuLimitExceeded { cpu_ms, fuel } => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": e.to_string(), "limit": "cpu", "cpuMs": cpu_ms, "fuel": fuel}),
        ),
        Error::MemoryLimitExceeded { limit } => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": e.to_string(), "limit": "memory", "bytes": limit}),
        ),
        Error::HostMemoryExceeded { limit, .. } => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": e.to_string(), "limit": "host_memory", "bytes": limit}),
        ),
        Error::ResponseTooLarge { limit } => (
            StatusCode::BAD_GATEWAY,
            json!({"error": e.to_string(), "limit": "response_bytes", "bytes": limit}),
        ),
        Error::ResponseHeadersTooLarge { limit } => (
            StatusCode::BAD_GATEWAY,
            json!({"error": e.to_string(), "limit": "response_header_bytes", "bytes": limit}),
        ),
        Error::Timeout(t) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": e.to_string(), "limit": "wall_time", "ms": t.as_millis() as u64}),
        ),
        Error::Capacity(_) | Error::Discarded => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": e.to_string()}),
        ),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": e.to_string()}),
        ),
    }
}

/// Maps a runtime error to an HTTP response (with Retry-After when the
/// runtime is only out of capacity).
pub(super) fn error_response(state: &State, e: &Error) -> HttpResponse {
    let (status, body) = error_body(state, e);
    let mut r = json_response(status, &body);
    if matches!(e, Error::Capacity(_) | Error::Discarded) {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    r
}
