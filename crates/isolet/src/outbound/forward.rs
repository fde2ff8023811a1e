//! The forward policy: the host performs the worker's request with hyper
//! (HTTPS through rustls with the webpki roots), after checking the host
//! against the allow/deny lists and every resolved address against the
//! private-address block. Redirects are followed hop by hop, each hop checked
//! again.

use std::net::{IpAddr, SocketAddr};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::Name;

use super::address::{host_matches, is_private};
use super::{BoxFuture, ForwardConfig, Redirect};
use crate::http::{BodyStream, Request, StreamingResponse};

/// Resolves names and drops private addresses unless allowed: the check
/// happens on the addresses the connection will actually use, so DNS names
/// pointing at 127.0.0.1 (or rebinding) cannot slip through.
#[derive(Clone)]
struct CheckedResolver {
    allow_private: bool,
}

impl tower_service::Service<Name> for CheckedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let allow = self.allow_private;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| allow || !is_private(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!(
                        "{} resolves only to private or loopback addresses, which this worker may not reach",
                        name.as_str()
                    ),
                ));
            }
            Ok(allowed.into_iter())
        })
    }
}

type HttpsClient =
    Client<hyper_rustls::HttpsConnector<HttpConnector<CheckedResolver>>, Full<Bytes>>;

/// Two clients: one that blocks private addresses, one that allows them.
///
/// ```
/// # #[tokio::main] async fn main() {
/// use isolet::outbound::{ForwardConfig, Forwarder, Redirect};
/// let metadata = isolet::Request::get("http://169.254.169.254/latest/meta-data/");
/// let err = Forwarder::default().fetch(&ForwardConfig::default(), metadata, Redirect::Follow).await.unwrap_err();
/// assert!(err.ends_with("refused: 169.254.169.254 is a private or loopback address"));
/// # }
/// ```
pub struct Forwarder {
    strict: HttpsClient,
    permissive: HttpsClient,
}

fn client(allow_private: bool, system_roots: bool) -> HttpsClient {
    let mut http = HttpConnector::new_with_resolver(CheckedResolver { allow_private });
    http.enforce_http(false);
    http.set_connect_timeout(Some(Duration::from_secs(10)));
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let builder = hyper_rustls::HttpsConnectorBuilder::new();
    // Not guest-controlled: the ring provider always supports the default
    // protocol versions.
    let builder = if system_roots {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        // The machine's store and SSL_CERT_FILE / SSL_CERT_DIR (a
        // corporate proxy's CA); unreadable ones are skipped.
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("rustls ring provider supports the default TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        builder.with_tls_config(config)
    } else {
        builder
            .with_provider_and_webpki_roots((*provider).clone())
            .expect("rustls ring provider supports the default TLS versions")
    };
    let https = builder.https_or_http().enable_http1().wrap_connector(http);
    Client::builder(hyper_util::rt::TokioExecutor::new()).build(https)
}

impl Default for Forwarder {
    fn default() -> Self {
        Self::new()
    }
}

impl Forwarder {
    /// Trusting the public web PKI only (Mozilla's roots): what workers'
    /// `fetch()` gets.
    ///
    /// ```
    /// # #[tokio::main] async fn main() {
    /// use isolet::outbound::{ForwardConfig, Forwarder, Redirect};
    /// let forwarder = Forwarder::new();
    /// let cfg = ForwardConfig { allow_hosts: vec!["api.example.com".into()], ..Default::default() };
    /// let req = isolet::Request::get("https://evil.example.net/steal");
    /// let err = forwarder.fetch(&cfg, req, Redirect::Follow).await.unwrap_err();
    /// assert_eq!(err, "fetch(https://evil.example.net/steal) refused: host evil.example.net is not on the allow list");
    /// # }
    /// ```
    pub fn new() -> Self {
        Forwarder {
            strict: client(false, false),
            permissive: client(true, false),
        }
    }

    /// Also trusting the machine's certificate store and `SSL_CERT_FILE`:
    /// for the operator's own requests (the npm registry, Code Mode's HTTP
    /// tools) behind a TLS-inspecting proxy.
    ///
    /// ```
    /// # #[tokio::main] async fn main() {
    /// use isolet::outbound::{ForwardConfig, Forwarder, Redirect};
    /// let operator = Forwarder::with_system_roots(); // more roots, the same checks
    /// let cfg = ForwardConfig { deny_hosts: vec!["*.internal.test".into()], ..Default::default() };
    /// let req = isolet::Request::get("https://db.internal.test/");
    /// let err = operator.fetch(&cfg, req, Redirect::Follow).await.unwrap_err();
    /// assert_eq!(err, "fetch(https://db.internal.test/) refused: host db.internal.test is on the deny list");
    /// # }
    /// ```
    pub fn with_system_roots() -> Self {
        Forwarder {
            strict: client(false, true),
            permissive: client(true, true),
        }
    }

    /// Performs `req` under `cfg`. `Err` is the message the worker sees.
    ///
    /// ```
    /// # #[tokio::main] async fn main() {
    /// use isolet::outbound::{ForwardConfig, Forwarder, Redirect};
    /// use isolet::Request;
    /// let (forwarder, cfg) = (Forwarder::new(), ForwardConfig::default()); // allow_private: false
    /// // Refused from the URL alone: no lookup, no connection.
    /// let err = forwarder.fetch(&cfg, Request::get("http://127.0.0.1:8080/admin"), Redirect::Follow).await.unwrap_err();
    /// assert_eq!(err, "fetch(http://127.0.0.1:8080/admin) refused: 127.0.0.1 is a private or loopback address");
    /// let err = forwarder.fetch(&cfg, Request::get("ftp://example.com/f"), Redirect::Follow).await.unwrap_err();
    /// assert_eq!(err, "fetch(ftp://example.com/f): only http and https URLs can be fetched");
    /// # }
    /// ```
    pub async fn fetch(
        &self,
        cfg: &ForwardConfig,
        mut req: Request,
        redirect: Redirect,
    ) -> Result<StreamingResponse, String> {
        let client = if cfg.allow_private {
            &self.permissive
        } else {
            &self.strict
        };
        let mut hops = 0;
        // `timeoutMs` bounds the whole fetch: every redirect hop, the
        // response head and its body, read whole or as the worker reads it.
        let deadline = tokio::time::Instant::now() + Duration::from_millis(cfg.timeout_ms);
        let timed_out =
            |url: &url::Url| format!("fetch({url}) timed out after {} ms", cfg.timeout_ms);
        loop {
            let url =
                url::Url::parse(&req.url).map_err(|e| format!("invalid URL {:?}: {e}", req.url))?;
            check_url(cfg, &url)?;
            let mut builder = http::Request::builder()
                .method(req.method.as_str())
                .uri(url.as_str());
            for (k, v) in &req.headers {
                if k.eq_ignore_ascii_case("host")
                    || k.eq_ignore_ascii_case("content-length")
                    || k.eq_ignore_ascii_case("transfer-encoding")
                    || k.eq_ignore_ascii_case("connection")
                {
                    continue;
                }
                builder = builder.header(k.as_str(), v.as_str());
            }
            let request = builder
                .body(Full::new(Bytes::from(req.body.clone())))
                .map_err(|e| format!("invalid request: {e}"))?;
            let resp = tokio::time::timeout_at(deadline, client.request(request))
                .await
                .map_err(|_| timed_out(&url))?
                .map_err(|e| format!("fetch({url}) failed: {}", error_chain(&e)))?;
            let status = resp.status().as_u16();
            let location = resp
                .headers()
                .get(http::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_string);
            // The redirect statuses of the Fetch standard; another 3xx (300,
            // 304, 305) is a response, with or without a Location.
            if matches!(status, 301 | 302 | 303 | 307 | 308)
                && location.is_some()
                && redirect != Redirect::Manual
            {
                if redirect == Redirect::Error {
                    return Err(format!(
                        "fetch({url}) was redirected, and redirect is \"error\""
                    ));
                }
                hops += 1;
                if hops > cfg.max_redirects {
                    return Err(format!(
                        "fetch({url}): too many redirects (more than {})",
                        cfg.max_redirects
                    ));
                }
                let next = url
                    .join(location.as_deref().unwrap_or_default())
                    .map_err(|e| format!("fetch({url}): bad redirect location: {e}"))?;
                // Fetch's "HTTP-redirect fetch": a 303 (other than for
                // GET/HEAD), or a 301/302 of a POST, becomes a GET without a
                // body, and the headers that described that body go too.
                if (status == 303 && req.method != "GET" && req.method != "HEAD")
                    || ((status == 301 || status == 302) && req.method == "POST")
                {
                    req.method = "GET".into();
                    req.body.clear();
                    req.headers.retain(|(k, _)| {
                        !REQUEST_BODY_HEADERS
                            .iter()
                            .any(|h| k.eq_ignore_ascii_case(h))
                    });
                }
                if next.origin() != url.origin() {
                    drop_credentials(&mut req.headers);
                }
                req.url = next.into();
                continue;
            }
            let headers = resp
                .headers()
                .iter()
                .filter_map(|(k, v)| {
                    v.to_str()
                        .ok()
                        .map(|v| (k.as_str().to_string(), v.to_string()))
                })
                .collect();
            let max = cfg.max_response_bytes;
            let body = resp.into_body();
            let length = hyper::body::Body::size_hint(&body).exact();
            if length.is_some_and(|n| n > max) {
                // Known too large from its head: refused before a byte of it moves.
                return Err(too_large(&url, max));
            }
            let small = length.is_some_and(|n| n <= WHOLE_BODY_UP_TO);
            let body = if small {
                // The fast path: read whole here, handed over in one piece.
                let bytes =
                    tokio::time::timeout_at(deadline, Limited::new(body, max as usize).collect())
                        .await
                        .map_err(|_| timed_out(&url))?
                        .map_err(|e| {
                            if e.downcast_ref::<http_body_util::LengthLimitError>()
                                .is_some()
                            {
                                too_large(&url, max)
                            } else {
                                format!("fetch({url}): reading the response failed: {e}")
                            }
                        })?
                        .to_bytes()
                        .to_vec();
                BodyStream::whole(bytes)
            } else {
                streamed_body(body, url.to_string(), max, deadline, cfg.timeout_ms)
            };
            return Ok(StreamingResponse {
                status,
                headers,
                body,
                web_socket: None,
            });
        }
    }
}

/// Response bodies of at most this many bytes (by their `content-length`)
/// are read whole before the worker gets the response; others (larger,
/// chunked, unknown length) are read as the worker reads them.
const WHOLE_BODY_UP_TO: u64 = 64 * 1024;

fn too_large(url: &url::Url, max: u64) -> String {
    format!("fetch({url}): response body over {max} bytes")
}

/// A response body read as the worker asks for it, at most `max` bytes
/// and until `deadline` (the fetch's `timeoutMs`): past either its read
/// fails.
fn streamed_body(
    body: hyper::body::Incoming,
    url: String,
    max: u64,
    deadline: tokio::time::Instant,
    timeout_ms: u64,
) -> BodyStream {
    use futures_util::StreamExt;
    let start = Some((http_body_util::BodyStream::new(body), 0u64));
    let frames = futures_util::stream::unfold(start, move |state| {
        let url = url.clone();
        async move {
            let (mut body, mut seen) = state?;
            let fail = |e: String| Some((Err(crate::Error::Outbound(e)), None));
            loop {
                let frame = match tokio::time::timeout_at(deadline, body.next()).await {
                    Err(_) => return fail(format!("fetch({url}) timed out after {timeout_ms} ms")),
                    Ok(None) => return None,
                    Ok(Some(Err(e))) => {
                        return fail(format!(
                            "fetch({url}): reading the response failed: {}",
                            error_chain(&e)
                        ));
                    }
                    Ok(Some(Ok(frame))) => frame,
                };
                // Trailers carry no body bytes: read on.
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                seen += data.len() as u64;
                if seen > max {
                    return fail(format!("fetch({url}): response body over {max} bytes"));
                }
                return Some((Ok(data.to_vec()), Some((body, seen))));
            }
        }
    });
    BodyStream::from_stream(frames)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// The checks that need no network: scheme, host lists, literal addresses.
fn check_url(cfg: &ForwardConfig, url: &url::Url) -> Result<(), String> {
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!(
            "fetch({url}): only http and https URLs can be fetched"
        ));
    }
    let host = url.host_str().unwrap_or("");
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if cfg.deny_hosts.iter().any(|p| host_matches(p, bare)) {
        return Err(format!(
            "fetch({url}) refused: host {host} is on the deny list"
        ));
    }
    if !cfg.allow_hosts.is_empty() && !cfg.allow_hosts.iter().any(|p| host_matches(p, bare)) {
        return Err(format!(
            "fetch({url}) refused: host {host} is not on the allow list"
        ));
    }
    if let Ok(ip) = bare.parse::<IpAddr>()
        && !cfg.allow_private
        && is_private(ip)
    {
        return Err(format!(
            "fetch({url}) refused: {ip} is a private or loopback address"
        ));
    }
    Ok(())
}

/// Request headers that carry the caller's credentials for one origin:
/// a redirect to another origin does not take them along (the Fetch
/// standard drops `Authorization` there; cookies and proxy credentials
/// belong to their origin too), so a worker's or a gateway's token for
/// one API never reaches a host that API redirects to.
const ORIGIN_CREDENTIALS: [&str; 3] = ["authorization", "cookie", "proxy-authorization"];

/// The headers that describe a request body: dropped with the body when a
/// redirect turns the request into a GET (Fetch's request-body-header names).
const REQUEST_BODY_HEADERS: [&str; 4] = [
    "content-encoding",
    "content-language",
    "content-location",
    "content-type",
];

/// Removes [`ORIGIN_CREDENTIALS`] from `headers` (before a cross-origin
/// redirect is followed).
fn drop_credentials(headers: &mut Vec<(String, String)>) {
    headers.retain(|(k, _)| !ORIGIN_CREDENTIALS.iter().any(|c| k.eq_ignore_ascii_case(c)));
}

#[cfg(test)]
mod tests {

    #[test]
    fn credentials_do_not_follow_a_cross_origin_redirect() {
        let mut headers = vec![
            ("Authorization".to_string(), "Bearer s3cret".to_string()),
            ("cookie".to_string(), "session=1".to_string()),
            ("Proxy-Authorization".to_string(), "Basic x".to_string()),
            ("accept".to_string(), "application/json".to_string()),
        ];
        super::drop_credentials(&mut headers);
        assert_eq!(
            headers,
            vec![("accept".to_string(), "application/json".to_string())]
        );
    }
    use super::*;

    #[test]
    fn url_checks() {
        let cfg = ForwardConfig {
            allow_hosts: vec!["*.example.com".into(), "127.0.0.1".into()],
            deny_hosts: vec!["bad.example.com".into()],
            ..Default::default()
        };
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert!(check_url(&cfg, &u("https://api.example.com/")).is_ok());
        assert!(
            check_url(&cfg, &u("https://bad.example.com/"))
                .unwrap_err()
                .contains("deny list")
        );
        assert!(
            check_url(&cfg, &u("https://other.test/"))
                .unwrap_err()
                .contains("allow list")
        );
        assert!(
            check_url(&cfg, &u("http://127.0.0.1/"))
                .unwrap_err()
                .contains("private")
        );
        assert!(
            check_url(&cfg, &u("ftp://api.example.com/"))
                .unwrap_err()
                .contains("http")
        );
        let open = ForwardConfig {
            allow_private: true,
            ..Default::default()
        };
        assert!(check_url(&open, &u("http://[::1]:8080/")).is_ok());
        assert!(check_url(&ForwardConfig::default(), &u("http://[::ffff:127.0.0.1]/")).is_err());
    }

    /// Every redirect hop is checked as the first request was: with
    /// private addresses not allowed, a redirect to a loopback, private,
    /// link-local (cloud metadata) or IPv4-mapped address, however the
    /// `Location` spells it, is refused and nothing is sent there. End to
    /// end a test's upstream on 127.0.0.1 cannot be the first hop without
    /// `allow_private`; here both clients resolve names to private
    /// addresses, so the first hop (`localhost`) is reached and only the
    /// per-hop check stands between a redirect and its target (a redirect
    /// to `localhost` itself is followed).
    #[tokio::test]
    async fn redirects_to_private_addresses_are_refused_not_followed() {
        use std::sync::{Arc, Mutex};

        fn location(path: &str, port: u16) -> Option<String> {
            Some(match path {
                "/to-loopback" => format!("http://127.0.0.1:{port}/landed"),
                "/to-decimal-loopback" => format!("http://2130706433:{port}/landed"),
                "/to-ten" => "http://10.0.0.1/landed".to_string(),
                "/to-ten-scheme-relative" => "//10.0.0.1/landed".to_string(),
                "/to-metadata" => "http://169.254.169.254/latest/meta-data/".to_string(),
                "/to-ipv6-loopback" => format!("http://[::1]:{port}/landed"),
                "/to-mapped" => format!("http://[::ffff:127.0.0.1]:{port}/landed"),
                "/to-name" => format!("http://localhost:{port}/landed"),
                _ => return None,
            })
        }

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let record = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let record = record.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(
                        move |req: http::Request<hyper::body::Incoming>| {
                            let path = req.uri().path().to_string();
                            record.lock().unwrap().push(path.clone());
                            let resp = match location(&path, port) {
                                Some(to) => http::Response::builder()
                                    .status(302)
                                    .header("location", to)
                                    .body(Full::new(Bytes::new())),
                                None => http::Response::builder()
                                    .body(Full::new(Bytes::from_static(b"landed"))),
                            };
                            async move { Ok::<_, std::convert::Infallible>(resp.unwrap()) }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .await;
                });
            }
        });

        let forwarder = Forwarder {
            strict: client(true, false),
            permissive: client(true, false),
        };
        let cfg = ForwardConfig::default();
        assert!(!cfg.allow_private);
        let from = |path: &str| Request::get(format!("http://localhost:{port}{path}"));
        let refused = |url: &str, ip: &str| {
            format!("fetch({url}) refused: {ip} is a private or loopback address")
        };
        let loopback = format!("http://127.0.0.1:{port}/landed");
        for (path, expected) in [
            ("/to-loopback", refused(&loopback, "127.0.0.1")),
            ("/to-decimal-loopback", refused(&loopback, "127.0.0.1")),
            ("/to-ten", refused("http://10.0.0.1/landed", "10.0.0.1")),
            (
                "/to-ten-scheme-relative",
                refused("http://10.0.0.1/landed", "10.0.0.1"),
            ),
            (
                "/to-metadata",
                refused(
                    "http://169.254.169.254/latest/meta-data/",
                    "169.254.169.254",
                ),
            ),
            (
                "/to-ipv6-loopback",
                refused(&format!("http://[::1]:{port}/landed"), "::1"),
            ),
        ] {
            let err = forwarder
                .fetch(&cfg, from(path), Redirect::Follow)
                .await
                .unwrap_err();
            assert_eq!(err, expected, "{path}");
        }
        let err = forwarder
            .fetch(&cfg, from("/to-mapped"), Redirect::Follow)
            .await
            .unwrap_err();
        assert!(
            err.contains(") refused: ") && err.ends_with(" is a private or loopback address"),
            "{err}"
        );
        // Each first hop was made; no redirect reached the upstream.
        let hops: Vec<String> = seen.lock().unwrap().clone();
        assert_eq!(
            hops,
            [
                "/to-loopback",
                "/to-decimal-loopback",
                "/to-ten",
                "/to-ten-scheme-relative",
                "/to-metadata",
                "/to-ipv6-loopback",
                "/to-mapped"
            ]
        );

        // The same forwarder follows a redirect the checks allow.
        let resp = forwarder
            .fetch(&cfg, from("/to-name"), Redirect::Follow)
            .await
            .unwrap();
        assert_eq!(resp.status, 200);
        assert_eq!(resp.body.collect().await.unwrap(), b"landed");
        assert_eq!(
            seen.lock().unwrap().last().map(String::as_str),
            Some("/landed")
        );
    }

    /// Only Fetch's redirect statuses are followed; a 303 keeps HEAD, turns
    /// another method into a bodiless GET and drops the body's headers; a
    /// 307 keeps the method, body and headers.
    #[tokio::test]
    async fn redirect_statuses_and_methods_follow_the_fetch_standard() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(
                        |req: http::Request<hyper::body::Incoming>| async move {
                            let status = req.uri().path().trim_start_matches('/').parse::<u16>();
                            let resp = match status {
                                Ok(status) => http::Response::builder()
                                    .status(status)
                                    .header("location", "/landed")
                                    .body(Full::new(Bytes::new())),
                                Err(_) => {
                                    let kind = req
                                        .headers()
                                        .get("content-type")
                                        .and_then(|v| v.to_str().ok())
                                        .unwrap_or("-")
                                        .to_string();
                                    let method = req.method().to_string();
                                    let body = req.into_body().collect().await.unwrap().to_bytes();
                                    let text = format!(
                                        "{method} {kind} {}",
                                        String::from_utf8_lossy(&body)
                                    );
                                    http::Response::builder().body(Full::new(Bytes::from(text)))
                                }
                            };
                            Ok::<_, std::convert::Infallible>(resp.unwrap())
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        let forwarder = Forwarder {
            strict: client(true, false),
            permissive: client(true, false),
        };
        let cfg = ForwardConfig {
            allow_private: true,
            ..Default::default()
        };
        let url = |status: u16| format!("http://127.0.0.1:{port}/{status}");
        for status in [300, 304, 305] {
            let resp = forwarder
                .fetch(&cfg, Request::get(url(status)), Redirect::Follow)
                .await
                .unwrap();
            assert_eq!(resp.status, status, "a {status} is not a redirect");
        }
        async fn answer(
            forwarder: &Forwarder,
            cfg: &ForwardConfig,
            method: &str,
            url: String,
        ) -> String {
            let req = Request::new(method, url)
                .header("content-type", "text/plain")
                .body(if method == "HEAD" { "" } else { "data" });
            let resp = forwarder.fetch(cfg, req, Redirect::Follow).await.unwrap();
            assert_eq!(resp.status, 200, "{method}");
            String::from_utf8(resp.body.collect().await.unwrap()).unwrap()
        }
        let answer =
            |method: &'static str, status: u16| answer(&forwarder, &cfg, method, url(status));
        assert_eq!(answer("POST", 303).await, "GET - ");
        assert_eq!(answer("PUT", 303).await, "GET - ");
        assert_eq!(answer("POST", 302).await, "GET - ");
        assert_eq!(answer("PUT", 302).await, "PUT text/plain data");
        assert_eq!(answer("POST", 307).await, "POST text/plain data");
        assert_eq!(answer("POST", 308).await, "POST text/plain data");
        // HEAD stays HEAD through a 303 (its answer has no body).
        assert_eq!(answer("HEAD", 303).await, "");
    }
}
