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
pub(crate) struct Forwarder {
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

impl Forwarder {
    /// Trusting the public web PKI only (Mozilla's roots): what workers'
    /// `fetch()` gets.
    pub fn new() -> Self {
        Forwarder {
            strict: client(false, false),
            permissive: client(true, false),
        }
    }

    /// Also trusting the machine's certificate store and `SSL_CERT_FILE`:
    /// for the operator's own requests (the npm registry, Code Mode's HTTP
    /// tools) behind a TLS-inspecting proxy.
    pub fn with_system_roots() -> Self {
        Forwarder {
            strict: client(false, true),
            permissive: client(true, true),
        }
    }

    /// Performs `req` under `cfg`. `Err` is the message the worker sees.
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
            let resp = tokio::time::timeout(
                Duration::from_millis(cfg.timeout_ms),
                client.request(request),
            )
            .await
            .map_err(|_| format!("fetch({}) timed out after {} ms", url, cfg.timeout_ms))?
            .map_err(|e| format!("fetch({url}) failed: {}", error_chain(&e)))?;
            let status = resp.status().as_u16();
            let location = resp
                .headers()
                .get(http::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_string);
            if (300..400).contains(&status) && location.is_some() && redirect != Redirect::Manual {
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
                if status == 303 || ((status == 301 || status == 302) && req.method == "POST") {
                    req.method = "GET".into();
                    req.body.clear();
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
            let small = hyper::body::Body::size_hint(&body)
                .exact()
                .is_some_and(|n| n <= WHOLE_BODY_UP_TO);
            let body = if small {
                // The fast path: read whole here, handed over in one piece.
                let bytes = Limited::new(body, max as usize)
                    .collect()
                    .await
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
                streamed_body(body, url.to_string(), max)
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

/// A response body read as the worker asks for it, at most `max` bytes:
/// past that its read fails.
fn streamed_body(body: hyper::body::Incoming, url: String, max: u64) -> BodyStream {
    use tokio_stream::StreamExt;
    let mut seen = 0u64;
    let mut failed = false;
    let frames = http_body_util::BodyStream::new(body).filter_map(move |frame| {
        if failed {
            return None;
        }
        let outcome = match frame {
            Ok(frame) => {
                let data = frame.into_data().ok()?;
                seen += data.len() as u64;
                if seen > max {
                    Err(format!("fetch({url}): response body over {max} bytes"))
                } else {
                    Ok(data.to_vec())
                }
            }
            Err(e) => Err(format!(
                "fetch({url}): reading the response failed: {}",
                error_chain(&e)
            )),
        };
        failed = outcome.is_err();
        Some(outcome.map_err(crate::Error::Outbound))
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
}
