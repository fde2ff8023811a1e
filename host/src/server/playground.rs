//! The web playground: a page for writing a worker, running it, deploying
//! it and tailing it, served by `isolet serve` at `/playground/`.
//!
//! Its assets come from `playground/` (CodeMirror 6 and the page's own
//! modules, bundled by esbuild in `build.rs`) and are embedded in the
//! binary: nothing is fetched from elsewhere, so it works offline. The page
//! holds no secret: the user enters the admin token, which the page keeps in
//! the browser's `localStorage` and sends on each API call. Every answer
//! carries a strict Content-Security-Policy: scripts only from this origin
//! (no inline script), styles from this origin or with the answer's nonce
//! (CodeMirror injects its styles with it), requests only to this origin,
//! no framing of the page by others.

use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header};

use super::routes::{Body, HttpResponse, error, full};

const INDEX: &str = include_str!(concat!(env!("OUT_DIR"), "/playground/index.html"));
const APP_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/playground/app.js"));
const STYLE_CSS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/playground/style.css"));
/// The assets' content hash (from `build.rs`): their ETag and the
/// cache-busting `?v=` of the page's links.
const VERSION: &str = include_str!(concat!(env!("OUT_DIR"), "/playground/version"));

/// The Content-Security-Policy of every playground answer; `nonce` is the
/// page's style nonce.
pub(super) fn csp(nonce: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; \
         connect-src 'self'; img-src 'self' data:; frame-src 'self'; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'"
    )
}

/// The answer to a playground route (`segments` after `playground`), or
/// `None` when the path is not one of its files.
pub(super) fn serve(
    method: &Method,
    segments: &[&str],
    if_none_match: Option<&HeaderValue>,
) -> Option<HttpResponse> {
    if method != Method::GET && method != Method::HEAD {
        return Some(error(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("the playground answers GET, not {method}"),
        ));
    }
    let (body, content_type): (Bytes, &str) = match segments {
        [] => return Some(redirect("/playground/")),
        [""] | ["index.html"] => {
            let nonce = match nonce() {
                Ok(n) => n,
                Err(e) => return Some(error(StatusCode::INTERNAL_SERVER_ERROR, e)),
            };
            let page = INDEX
                .replace("{{NONCE}}", &nonce)
                .replace("{{VERSION}}", VERSION.trim());
            let mut r = respond(Bytes::from(page), "text/html; charset=utf-8", &nonce);
            // The page holds this answer's nonce: never reuse it.
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            return Some(r);
        }
        ["app.js"] => (Bytes::from_static(APP_JS), "text/javascript; charset=utf-8"),
        ["style.css"] => (Bytes::from_static(STYLE_CSS), "text/css; charset=utf-8"),
        _ => return None,
    };
    let etag = format!("\"{}\"", VERSION.trim());
    if if_none_match.and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        let mut r = http::Response::new(full(Bytes::new()));
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        if let Ok(v) = HeaderValue::from_str(&etag) {
            r.headers_mut().insert(header::ETAG, v);
        }
        return Some(r);
    }
    let mut r = respond(body, content_type, "");
    if let Ok(v) = HeaderValue::from_str(&etag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Some(r)
}

/// `GET /`: the playground.
pub(super) fn redirect(to: &'static str) -> HttpResponse {
    let mut r = http::Response::new(full(Bytes::new()));
    *r.status_mut() = StatusCode::SEE_OTHER;
    r.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(to));
    r
}

fn respond(body: Bytes, content_type: &str, nonce: &str) -> http::Response<Body> {
    let mut r = http::Response::new(full(body));
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&csp(if nonce.is_empty() { "none" } else { nonce })) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    r
}

/// 128 random bits, base64: a fresh style nonce per page.
fn nonce() -> Result<String, String> {
    use base64::Engine as _;
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for the page's nonce: {e}"))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(r: &'a HttpResponse, name: header::HeaderName) -> &'a str {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    #[test]
    fn page_has_a_fresh_nonce_in_its_csp_and_no_inline_script() {
        let a = serve(&Method::GET, &[""], None).expect("page");
        let b = serve(&Method::GET, &[""], None).expect("page");
        let (ca, cb) = (
            header(&a, header::CONTENT_SECURITY_POLICY),
            header(&b, header::CONTENT_SECURITY_POLICY),
        );
        assert!(ca.contains("script-src 'self';"), "{ca}");
        assert!(
            !ca.contains("unsafe-inline") && !ca.contains("unsafe-eval"),
            "{ca}"
        );
        assert_ne!(ca, cb, "each page gets its own nonce");
        assert_eq!(header(&a, header::CACHE_CONTROL), "no-store");
        // The page's only scripts are files: no inline script for a CSP to allow.
        let mut rest = INDEX;
        while let Some(i) = rest.find("<script") {
            let tag = &rest[i..i + rest[i..].find('>').expect("tag ends")];
            assert!(tag.contains(" src="), "inline script: {tag}");
            rest = &rest[i + 1..];
        }
        assert!(!INDEX.contains(" style="), "inline style attribute");
        // No inline event handler attributes (`onclick=` and the like).
        let handler = INDEX.split(" on").skip(1).find(|after| {
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_lowercase())
                .collect();
            !name.is_empty() && after[name.len()..].starts_with('=')
        });
        assert!(handler.is_none(), "inline handler: on{handler:?}");
    }

    #[test]
    fn assets_have_types_etags_and_conditional_answers() {
        let js = serve(&Method::GET, &["app.js"], None).expect("app.js");
        assert_eq!(js.status(), StatusCode::OK);
        assert!(header(&js, header::CONTENT_TYPE).starts_with("text/javascript"));
        let etag = HeaderValue::from_str(header(&js, header::ETAG)).expect("etag");
        let again = serve(&Method::GET, &["app.js"], Some(&etag)).expect("app.js");
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert!(serve(&Method::GET, &["nope.js"], None).is_none());
        assert_eq!(
            serve(&Method::POST, &[""], None).expect("answer").status(),
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(
            serve(&Method::GET, &[], None).expect("redirect").status(),
            StatusCode::SEE_OTHER
        );
    }
}
