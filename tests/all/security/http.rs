//! The HTTP helpers the security tests share: one request to the test
//! server (with an optional `Host` header and extra headers), its answer,
//! the WorkerCode JSON they upload and the worker sources they read.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{Value as Json, json};

use crate::common::server::TestServer;

/// How long one request (head and body) may take before the test fails:
/// an attack that hangs the server fails the test instead of hanging it.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

/// One answer: its status, headers and whole body.
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Reply {
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics with the body if it is not.
    pub fn json(&self) -> Json {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }

    /// The value of header `name`, if it is there and is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A plain HTTP/1 client, for tests that send many requests over one.
pub type Client = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    Full<Bytes>,
>;

/// A new [`Client`].
pub fn client() -> Client {
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http()
}

/// One request through `client`: `host` overrides the `Host` header,
/// `token` is sent as a bearer token, `extra` adds headers. Panics if the
/// request fails or takes longer than 30 s.
pub async fn request(
    client: &Client,
    method: &str,
    url: &str,
    host: Option<&str>,
    token: Option<&str>,
    extra: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Reply {
    let mut req = http::Request::builder().method(method).uri(url);
    if let Some(h) = host {
        req = req.header("host", h);
    }
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let req = req.body(Full::new(body.into())).unwrap();
    let call = async {
        let resp = client
            .request(req)
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: {e} (did the server die?)"));
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body,
        }
    };
    tokio::time::timeout(ANSWER_WITHIN, call)
        .await
        .unwrap_or_else(|_| panic!("{method} {url} got no answer in {ANSWER_WITHIN:?}"))
}

/// One request on a client of its own, with `token` as a bearer token (see
/// [`request`]).
pub async fn send(method: &str, url: &str, token: Option<&str>, body: impl Into<Bytes>) -> Reply {
    request(&client(), method, url, None, token, &[], body).await
}

/// `PUT /workers/{id}` of `code` with the server's admin token.
pub async fn put_worker(s: &TestServer, id: &str, code: &Json) -> Reply {
    send(
        "PUT",
        &s.url(&format!("/workers/{id}")),
        Some(&s.token),
        code.to_string(),
    )
    .await
}

/// The WorkerCode JSON of one module `name` holding `src`, with the keys of
/// `extra` (an object) merged in.
pub fn code(name: &str, src: &str, extra: Json) -> Json {
    let mut c =
        json!({"mainModule": name, "modules": {name: src}, "compatibilityDate": "2025-06-01"});
    if let (Some(c), Json::Object(extra)) = (c.as_object_mut(), extra) {
        c.extend(extra);
    }
    c
}

/// The text of `tests/{path}` (panics naming the file if it cannot be read).
pub fn test_file(path: &str) -> String {
    let path = format!("{}/../../tests/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The worker source tests/hostile/security/{area}/{name}.
pub fn hostile(area: &str, name: &str) -> String {
    test_file(&format!("hostile/security/{area}/{name}"))
}
