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

use super::respond::{Body, HttpResponse, error, full};

static INDEX: &str = include_str!(concat!(env!("OUT_DIR"), "/playground/index.html"));
static APP_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/playground/app.js"));
static STYLE_CSS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/playground/style.css"));
/// The assets' content hash (from `build.rs`): their ETag and the
/// cache-busting `?v=` of the page's links.
const VERSION: &str = include_str!(concat!(env!("OUT_DIR"), "/playground/version"));

/// The Content-Security-Policy of every playground answer; `nonce`: the
/// page's style nonce (the assets have none).
fn csp(nonce: Option<&str>) -> String {
    let nonce = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'{nonce}; \
         connect-src 'self'; img-src 'self' data:; frame-src 'self'; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'"
    )
}

/// The answer to a playground route (`segments` after `playground`, `path`
/// the whole path, for a 404's text): every one, errors and 304s too,
/// carries the playground's security headers.
pub(super) fn serve(
    method: &Method,
    segments: &[&str],
    path: &str,
    headers: &http::HeaderMap,
) -> HttpResponse {
    let mut r = answer(method, segments, headers)
        .unwrap_or_else(|| error(StatusCode::NOT_FOUND, format!("no playground file {path}")));
    secure(r.headers_mut(), None);
    r
}

/// The answer to a playground route, or `None` when the path is not one
/// of its files.
fn answer(method: &Method, segments: &[&str], headers: &http::HeaderMap) -> Option<HttpResponse> {
    if method != Method::GET && method != Method::HEAD {
        return Some(error(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("the playground answers GET, not {method}"),
        ));
    }
    let (body, content_type) = match segments {
        [] => return Some(redirect("/playground/")),
        [""] | ["index.html"] => {
            let nonce = match nonce() {
                Ok(n) => n,
                Err(e) => return Some(error(StatusCode::INTERNAL_SERVER_ERROR, e)),
            };
            let page = INDEX
                .replace("{{NONCE}}", &nonce)
                .replace("{{VERSION}}", VERSION.trim());
            let mut r = respond(Bytes::from(page), "text/html; charset=utf-8", Some(&nonce));
            // The page holds this answer's nonce: never reuse it.
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            return Some(r);
        }
        ["app.js"] => (Asset::AppJs, "text/javascript; charset=utf-8"),
        ["style.css"] => (Asset::StyleCss, "text/css; charset=utf-8"),
        _ => return None,
    };
    // One ETag per encoding: a cache must not answer a gzip-less client
    // with the gzipped bytes it revalidated.
    let gzip = accepts_gzip(headers);
    let etag = format!("\"{}{}\"", VERSION.trim(), if gzip { "-gz" } else { "" });
    let mut r = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        let mut r = http::Response::new(full(Bytes::new()));
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else if gzip {
        let mut r = respond(body.gzipped(), content_type, None);
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    } else {
        respond(body.bytes(), content_type, None)
    };
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Some(r)
}

/// The page's static files.
#[derive(Clone, Copy)]
enum Asset {
    AppJs,
    StyleCss,
}

impl Asset {
    fn bytes(self) -> Bytes {
        Bytes::from_static(match self {
            Asset::AppJs => APP_JS,
            Asset::StyleCss => STYLE_CSS,
        })
    }

    /// Gzipped once, on first use (the bundle shrinks ~3x: CodeMirror is
    /// most of it).
    fn gzipped(self) -> Bytes {
        use std::sync::OnceLock;
        static APP: OnceLock<Bytes> = OnceLock::new();
        static STYLE: OnceLock<Bytes> = OnceLock::new();
        let cell = match self {
            Asset::AppJs => &APP,
            Asset::StyleCss => &STYLE,
        };
        cell.get_or_init(|| {
            use std::io::Write as _;
            let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            // Writing to a Vec cannot fail.
            let _ = z.write_all(&self.bytes());
            Bytes::from(z.finish().unwrap_or_default())
        })
        .clone()
    }
}

/// Whether `Accept-Encoding` allows gzip (`gzip` or `*`, not with `q=0`).
fn accepts_gzip(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// A 303 to the playground (`to`: its path, or a scheme-relative URL on
/// its own host).
pub(super) fn redirect(to: &str) -> HttpResponse {
    let mut r = http::Response::new(full(Bytes::new()));
    *r.status_mut() = StatusCode::SEE_OTHER;
    match HeaderValue::from_str(to) {
        Ok(v) => {
            r.headers_mut().insert(header::LOCATION, v);
            r
        }
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the playground's address {to:?} is not a valid header value"),
        ),
    }
}

fn respond(body: Bytes, content_type: &'static str, nonce: Option<&str>) -> http::Response<Body> {
    let mut r = http::Response::new(full(body));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    secure(h, nonce);
    r
}

/// The playground's security headers, on an answer that lacks them (the
/// page's own CSP, with its nonce, is kept).
fn secure(h: &mut http::HeaderMap, nonce: Option<&str>) {
    if !h.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Ok(v) = HeaderValue::from_str(&csp(nonce))
    {
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
    // A window another page opens on the playground gets no handle to it
    // (and the playground none to its opener).
    h.insert(
        http::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
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

    fn header(r: &HttpResponse, name: header::HeaderName) -> &str {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    #[test]
    fn page_has_a_fresh_nonce_in_its_csp_and_no_inline_script() {
        let none = http::HeaderMap::new();
        let a = answer(&Method::GET, &[""], &none).expect("page");
        let b = answer(&Method::GET, &[""], &none).expect("page");
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
        assert_eq!(
            header(
                &a,
                http::HeaderName::from_static("cross-origin-opener-policy")
            ),
            "same-origin"
        );
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
        let none = http::HeaderMap::new();
        let js = answer(&Method::GET, &["app.js"], &none).expect("app.js");
        assert_eq!(js.status(), StatusCode::OK);
        assert!(header(&js, header::CONTENT_TYPE).starts_with("text/javascript"));
        assert_eq!(header(&js, header::CONTENT_ENCODING), "");
        let mut asked = http::HeaderMap::new();
        asked.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(header(&js, header::ETAG)).expect("etag"),
        );
        let again = answer(&Method::GET, &["app.js"], &asked).expect("app.js");
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert!(answer(&Method::GET, &["nope.js"], &none).is_none());
        assert_eq!(
            answer(&Method::POST, &[""], &none)
                .expect("answer")
                .status(),
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(
            answer(&Method::GET, &[], &none).expect("redirect").status(),
            StatusCode::SEE_OTHER
        );
    }

    #[test]
    fn gzip_when_accepted_with_its_own_etag() {
        let mut gz = http::HeaderMap::new();
        gz.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br;q=1.0, gzip;q=0.8"),
        );
        let r = answer(&Method::GET, &["app.js"], &gz).expect("app.js");
        assert_eq!(header(&r, header::CONTENT_ENCODING), "gzip");
        assert!(header(&r, header::ETAG).ends_with("-gz\""));
        assert_eq!(header(&r, header::VARY), "accept-encoding");
        let zipped = Asset::AppJs.gzipped();
        assert!(
            zipped.len() * 2 < APP_JS.len(),
            "{} of {}",
            zipped.len(),
            APP_JS.len()
        );
        let mut plain = Vec::new();
        use std::io::Read as _;
        flate2::read::GzDecoder::new(&zipped[..])
            .read_to_end(&mut plain)
            .expect("gunzip");
        assert_eq!(plain, APP_JS);
        let mut refused = http::HeaderMap::new();
        refused.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip;q=0, identity"),
        );
        assert!(!accepts_gzip(&refused));
        refused.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("*"));
        assert!(accepts_gzip(&refused));
    }
}
