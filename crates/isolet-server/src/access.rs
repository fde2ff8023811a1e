//! Who may call what: the admin and invoke bearer tokens, and the RPC
//! methods no client without a token reaches.

use http::{HeaderValue, StatusCode, header};
use hyper::body::Incoming;

use isolet::auth::bearer_ok;

use super::State;
use super::respond::{HttpResponse, error};

/// Checks `Authorization: Bearer <token>` in constant time (when a token is
/// set): the 401 answer for a request without the right one, `None` when it
/// may go on.
pub(super) fn refusal(req: &http::Request<Incoming>, token: Option<&str>) -> Option<HttpResponse> {
    if bearer_ok(req, token?) {
        None
    } else {
        Some(unauthorized())
    }
}

/// Who calls an invocation route (`/w/{id}/...`, `{id}.{domain}`), by
/// the bearer token it carries.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Caller {
    /// No token, where none is required: reaches a worker's `fetch` and
    /// what its code exposes ([`crate::Expose`]).
    Anyone,
    /// The admin token, or the `invoke_token`: reaches every entrypoint
    /// and object. The token is the server's: the worker never sees it.
    Trusted,
}

/// The caller of an invocation route, or the 401 answer when an
/// `invoke_token` is set and the request carries neither it nor the admin
/// token. A request without an `Authorization` header (the common case)
/// costs one header lookup.
// The Err is the answer itself, built once and sent as is.
#[allow(clippy::result_large_err)]
pub(super) fn invoker<B>(state: &State, req: &http::Request<B>) -> Result<Caller, HttpResponse> {
    let required = state.config.invoke_token.as_deref();
    if !req.headers().contains_key(header::AUTHORIZATION) {
        return match required {
            Some(_) => Err(unauthorized()),
            None => Ok(Caller::Anyone),
        };
    }
    if bearer_ok(req, &state.admin_token) || required.is_some_and(|t| bearer_ok(req, t)) {
        Ok(Caller::Trusted)
    } else if required.is_some() {
        Err(unauthorized())
    } else {
        // The worker's own scheme (it sees the header).
        Ok(Caller::Anyone)
    }
}

/// 401 for a missing or wrong bearer token.
fn unauthorized() -> HttpResponse {
    let mut r = error(StatusCode::UNAUTHORIZED, "missing or wrong bearer token");
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

/// 403 for a route the worker does not expose to callers without a token.
pub(super) fn not_exposed(id: &str, what: &str) -> HttpResponse {
    error(
        StatusCode::FORBIDDEN,
        format!(
            "worker {id:?} does not expose {what} to clients: its code must list it under `expose` \
             (WorkerCode), or the request must carry the admin token or the invoke token"
        ),
    )
}

/// The method names the Workers runtime calls as handlers (`fetch`,
/// `scheduled`, `alarm`, `tail`, ...), the constructor, and `_`-prefixed
/// names: an RPC call from a client without a token never reaches them,
/// whatever `expose` lists (a plain-object default export's `tail` would
/// take forged events; see [`crate::Expose`]).
pub(super) fn reserved_handler(method: &str) -> bool {
    const HANDLERS: [&str; 14] = [
        "fetch",
        "scheduled",
        "alarm",
        "tail",
        "trace",
        "tailStream",
        "queue",
        "test",
        "email",
        "webSocketMessage",
        "webSocketClose",
        "webSocketError",
        "connect",
        "constructor",
    ];
    method.starts_with('_') || HANDLERS.contains(&method)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Review 2, item 10: the handler names clients may not call over RPC.
    #[test]
    fn reserved_handler_names() {
        for name in [
            "fetch",
            "tail",
            "scheduled",
            "alarm",
            "webSocketMessage",
            "constructor",
            "_x",
            "__proto__",
        ] {
            assert!(reserved_handler(name), "{name}");
        }
        for name in ["price", "secret", "Fetch", "fetchAll", "tails", ""] {
            assert!(!reserved_handler(name), "{name}");
        }
    }
}
