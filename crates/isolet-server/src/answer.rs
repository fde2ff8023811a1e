//! Worker answers on the wire: a worker's response as the server sends it,
//! with what its origin (its own, or the shared one) allows.

use bytes::Bytes;
use http::{StatusCode, header};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use tokio_stream::StreamExt as _;

use super::respond::{Body, BodyError, HttpResponse, error, full};
use isolet::StreamingResponse;

/// A worker's response. A whole body goes out with its length; a streamed
/// one as the worker makes it (chunked transfer encoding, each chunk written
/// as it comes; a worker error mid-body aborts the response).
pub(super) fn from_worker_response(resp: StreamingResponse, origin: Origin) -> HttpResponse {
    let StreamingResponse {
        status,
        headers,
        body,
        web_socket: _,
    } = resp;
    let body = match body.into_whole() {
        Ok(bytes) => full(bytes),
        Err(stream) => BodyExt::boxed_unsync(StreamBody::new(stream.map(|chunk| match chunk {
            Ok(bytes) => Ok(Frame::data(Bytes::from(bytes))),
            Err(e) => Err(BodyError::from(e.to_string())),
        }))),
    };
    worker_http_response(status, &headers, body, origin)
}

pub(super) fn worker_http_response(
    status: u16,
    headers: &[(String, String)],
    body: Body,
    origin: Origin,
) -> HttpResponse {
    let mut builder = http::Response::builder().status(status);
    for (k, v) in headers {
        // Hop-by-hop and framing headers are the server's business.
        if k.eq_ignore_ascii_case("content-length")
            || k.eq_ignore_ascii_case("transfer-encoding")
            || k.eq_ignore_ascii_case("connection")
            || (origin == Origin::Shared
                && ORIGIN_WIDE_HEADERS
                    .iter()
                    .any(|h| k.eq_ignore_ascii_case(h)))
            || (k.eq_ignore_ascii_case("set-cookie") && sets_domain_cookie(v))
        {
            continue;
        }
        builder = builder.header(k.as_str(), v.as_str());
    }
    if origin == Origin::Shared {
        // Added to any policy of the worker's own (browsers enforce both).
        builder = builder.header(header::CONTENT_SECURITY_POLICY, SHARED_ORIGIN_CSP);
    }
    builder.body(body).unwrap_or_else(|e| {
        error(
            StatusCode::BAD_GATEWAY,
            format!("the worker returned an invalid response: {e}"),
        )
    })
}

/// Whether a `Set-Cookie` value has a `Domain` attribute: a cookie for
/// the parent domain, which `{id}.{domain}` shares with every other
/// worker's host (each would then receive it). Workers set host-only
/// cookies. Attributes are read as browsers read them (RFC 6265 5.2): split
/// on `;`, each at its first `=`, name and value trimmed, the name in any
/// case; so `Domain =x`, `domain= .x` and `DOMAIN="x"` all count, and so
/// does a `Domain` with no value (browsers ignore it; it is dropped all the
/// same).
fn sets_domain_cookie(value: &str) -> bool {
    value.split(';').skip(1).any(|attribute| {
        let name = attribute
            .split_once('=')
            .map_or(attribute, |(name, _)| name);
        name.trim().eq_ignore_ascii_case("domain")
    })
}

/// Whether a worker answers from an origin of its own (`{id}.{domain}`) or
/// from the one it shares with every other worker and the playground
/// (`/w/{id}/...`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    Own,
    Shared,
}

/// Response headers whose effect spans the whole origin: a worker on the
/// shared origin may not send them. `Service-Worker-Allowed` would let its
/// service worker claim a scope above `/w/{id}/` (every other worker's
/// pages, the playground); `Clear-Site-Data` would wipe the origin's storage
/// (the playground's token, the other workers' data); `Set-Cookie` would
/// set cookies the other workers' requests carry (a cookie's `Path` is no
/// boundary between pages of one origin).
const ORIGIN_WIDE_HEADERS: [&str; 3] = ["service-worker-allowed", "clear-site-data", "set-cookie"];

/// The policy every answer of a worker on the shared origin (`/w/{id}/...`)
/// carries: its pages run sandboxed in an opaque origin of their own (no
/// `allow-same-origin`), so their scripts cannot read the playground's
/// `localStorage` (the admin token), the other workers' pages or the
/// origin's cookies, nor register a service worker. Scripts, forms, popups,
/// dialogs and downloads still work. A worker that needs its own origin
/// answers at `{id}.{domain}` (`domain` in the config), which carries none
/// of this.
pub(crate) const SHARED_ORIGIN_CSP: &str =
    "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads";

#[cfg(test)]
mod tests {
    use super::*;

    /// Review finding 9: a worker's answer on the shared origin is
    /// sandboxed and sets no cookie; on its own origin it is untouched.
    #[test]
    fn shared_origin_answers_are_sandboxed_and_set_no_cookies() {
        let headers = vec![
            ("set-cookie".to_string(), "sid=1; Path=/".to_string()),
            (
                "content-security-policy".to_string(),
                "default-src 'self'".to_string(),
            ),
            ("x-kept".to_string(), "yes".to_string()),
        ];
        let shared = worker_http_response(200, &headers, full(""), Origin::Shared);
        let csp: Vec<&str> = shared
            .headers()
            .get_all(header::CONTENT_SECURITY_POLICY)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(csp, ["default-src 'self'", SHARED_ORIGIN_CSP]);
        assert!(!SHARED_ORIGIN_CSP.contains("allow-same-origin"));
        assert!(shared.headers().get(header::SET_COOKIE).is_none());
        assert_eq!(shared.headers()["x-kept"], "yes");
        let own = worker_http_response(200, &headers, full(""), Origin::Own);
        assert_eq!(own.headers()[header::SET_COOKIE], "sid=1; Path=/");
        // Its own host only: not the parent domain every worker shares.
        let parent = vec![
            (
                "set-cookie".to_string(),
                "a=1; Path=/; DOMAIN=workers.test".to_string(),
            ),
            ("set-cookie".to_string(), "b=2; Path=/domain=x".to_string()),
        ];
        let scoped = worker_http_response(200, &parent, full(""), Origin::Own);
        let cookies: Vec<&str> = scoped
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(cookies, ["b=2; Path=/domain=x"]);
        assert_eq!(
            own.headers()
                .get_all(header::CONTENT_SECURITY_POLICY)
                .iter()
                .count(),
            1
        );
    }

    /// A `Domain` attribute is found however a browser would read it (RFC
    /// 6265 5.2: split at the first `=`, both sides trimmed, any case):
    /// `Domain =workers.test` passed the first filter, which looked for
    /// the text `domain=`.
    #[test]
    fn domain_cookies_are_found_in_every_spelling() {
        for v in [
            "s=x; Path=/; Domain=workers.test",
            "s=x; Path=/; Domain =workers.test",
            "s=x; Path=/; Domain= workers.test",
            "s=x; Path=/; Domain \t= \tworkers.test",
            "s=x; Path=/;Domain=workers.test",
            "s=x; dOmAiN=workers.test; Path=/",
            "s=x; DOMAIN=.workers.test",
            "s=x; Domain = .workers.test ",
            "s=x; Domain=\"workers.test\"",
            "s=x; Secure; HttpOnly; domain",
            "s=x; Domain=",
        ] {
            assert!(sets_domain_cookie(v), "{v}");
            let h = vec![("set-cookie".to_string(), v.to_string())];
            let r = worker_http_response(200, &h, full(""), Origin::Own);
            assert!(r.headers().get(header::SET_COOKIE).is_none(), "{v}");
        }
        for v in [
            "s=x; Path=/",
            "domain=workers.test; Path=/",
            "s=domain=x; Path=/",
            "s=x; Path=/domain=x",
            "s=x; Domains=workers.test",
            "s=x; X-Domain=workers.test",
            "s=x; Path=/; SameSite=Lax; Secure; HttpOnly",
        ] {
            assert!(!sets_domain_cookie(v), "{v}");
        }
    }
}
