//! Request routing and handlers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header};
use http_body_util::{BodyExt, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use serde_json::{Value as Json, json};
use tokio::sync::Semaphore;
use tokio_stream::StreamExt as _;

use super::State;
use super::access::{Caller, invoker, not_exposed, refusal, reserved_handler};
use super::answer::{Origin, from_worker_response, worker_http_response};
use super::body::{
    IdleBody, STREAM_REQUEST_BODIES_OVER, declared_length, incoming_stream, json_values, read_body,
    read_body_within, read_json,
};
use super::respond::{
    BodyError, HttpResponse, error, error_body, error_response, full, json_response,
};
use super::run::run_once;
use super::store::valid_id;
use super::tail_hub::sse_frame;
use isolet::Error;
use isolet::Request;
use isolet::Value;
use isolet::WorkerCode;

pub(crate) async fn handle(
    state: Arc<State>,
    req: http::Request<Incoming>,
    _peer: SocketAddr,
) -> HttpResponse {
    let started = Instant::now();
    let (route, resp) = unwind_to_500(route(&state, req)).await;
    state
        .metrics
        .request(route, resp.status().as_u16(), started.elapsed());
    resp
}

/// Runs a request's handling; a panic anywhere in it (a bug, whatever a
/// worker or a client sent) becomes a 500 answer for that request, logged,
/// instead of a dropped connection. Every lock the handlers share recovers
/// from poisoning, and a worker's instance dropped mid-call is freed like
/// any other, so the server goes on serving.
async fn unwind_to_500(
    handling: impl std::future::Future<Output = (&'static str, HttpResponse)>,
) -> (&'static str, HttpResponse) {
    use futures_util::FutureExt as _;
    match std::panic::AssertUnwindSafe(handling).catch_unwind().await {
        Ok(answer) => answer,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            tracing::error!(panic = %what, "handling a request panicked");
            (
                "panic",
                error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the server failed while handling this request (an isolet bug, logged on the server)",
                ),
            )
        }
    }
}

/// Every route [`route`] serves, as `crates/isolet-server/openapi.yaml` names it: the
/// method (`"*"`: any method, the worker's own handler answers it) and the
/// path, where `{name}` stands for one segment (possibly empty) and a final
/// `{path}` for the rest (any number of segments, none included). HEAD is
/// not listed: only the playground's pages answer it, as they do GET.
///
/// The tests hold the router to this table both ways (a request to every
/// listed route is served, and a request to anything else near it, built
/// from the literal segments of `route`'s own source, answers "no route"),
/// and openapi.yaml to it both ways.
#[cfg(test)]
pub(crate) const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/playground/"),
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("GET", "/workers"),
    ("PUT", "/workers/{id}"),
    ("GET", "/workers/{id}"),
    ("DELETE", "/workers/{id}"),
    ("GET", "/workers/{id}/tail"),
    ("GET", "/workers/{id}/objects"),
    ("GET", "/workers/{id}/objects/{name}"),
    ("PUT", "/workers/{id}/objects/{name}"),
    ("DELETE", "/workers/{id}/objects/{name}"),
    ("GET", "/workers/{id}/storage"),
    ("PUT", "/workers/{id}/storage"),
    ("DELETE", "/workers/{id}/storage"),
    ("POST", "/run"),
    ("POST", "/bundle"),
    ("*", "/w/{id}/{path}"),
    ("*", "/w/{id}/o/{name}/{path}"),
    ("POST", "/w/{id}/rpc/{entrypoint}/{method}"),
];

/// Requests [`route`] serves besides [`ROUTES`]: another spelling of one of
/// them, so not a path of its own in openapi.yaml.
#[cfg(test)]
pub(crate) const ROUTE_ALIASES: &[(&str, &str)] = &[
    // A redirect to `/playground/`.
    ("GET", "/playground"),
];

async fn route(state: &Arc<State>, req: http::Request<Incoming>) -> (&'static str, HttpResponse) {
    let playground = playground_at(state, &req);
    // Host-based routing: {id}.{domain} goes to worker {id}, whole path
    // (the playground's own host, if under the domain, stays its).
    if let Some(domain) = &state.config.domain
        && playground != (PlaygroundAt::Here { own_host: true })
    {
        let host = host_name(&req);
        if let Some(id) = host.strip_suffix(&format!(".{domain}")) {
            // The same refusal as `/w/{id}/`: the token when one is set.
            let caller = match invoker(state, &req) {
                Ok(c) => c,
                Err(r) => return ("invoke", r),
            };
            let id = id.to_string();
            let path = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or("/".into());
            return (
                "invoke",
                invoke_as(state, req, &id, None, &path, Origin::Own, caller).await,
            );
        }
    }
    let path = req.uri().path().to_string();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let method = req.method().clone();
    match (method.clone(), segments.as_slice()) {
        (_, ["playground", ..]) | (Method::GET | Method::HEAD, [""])
            if playground == PlaygroundAt::Elsewhere =>
        {
            let location = playground_url(state.config.playground_host.as_deref(), &req);
            ("playground", super::playground::redirect(&location))
        }
        (_, ["playground", ..]) | (Method::GET | Method::HEAD, [""])
            if playground == PlaygroundAt::LoopbackOnly =>
        {
            (
                "playground",
                error(
                    StatusCode::NOT_FOUND,
                    "the playground answers only on loopback host names (localhost, 127.0.0.1, [::1]) \
                     unless `playground_host` gives it a host of its own",
                ),
            )
        }
        (_, ["w", ..]) if playground == PlaygroundAt::Here { own_host: true } => (
            "other",
            error(
                StatusCode::NOT_FOUND,
                "workers do not answer on the playground's host (playground_host): use another host name for /w/",
            ),
        ),
        (_, ["playground", rest @ ..]) if matches!(playground, PlaygroundAt::Here { .. }) => (
            "playground",
            super::playground::serve(&method, rest, &path, req.headers()),
        ),
        (Method::GET | Method::HEAD, [""]) if matches!(playground, PlaygroundAt::Here { .. }) => {
            ("playground", super::playground::redirect("/playground/"))
        }
        (Method::GET, ["healthz"]) => (
            "healthz",
            json_response(StatusCode::OK, &json!({"status": "ok"})),
        ),
        (Method::GET, ["metrics"]) => {
            let mut text = state.metrics.render(&state.runtime);
            if let Some(group) = &state.group {
                let mut texts = vec![text];
                texts.extend(group.metrics().await);
                let reporting = texts.len();
                text = super::group::merge_metrics(&texts);
                text.push_str(&format!(
                    "# HELP isolet_server_processes Server processes whose metrics this answer sums.\n\
                     # TYPE isolet_server_processes gauge\nisolet_server_processes {reporting}\n"
                ));
            }
            let mut r = http::Response::new(full(text));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            ("metrics", r)
        }
        (_, ["workers", ..]) | (_, ["run"]) | (_, ["bundle"]) => {
            if let Some(resp) = refusal(&req, Some(&state.admin_token)) {
                return ("admin", resp);
            }
            let resp = match (method, segments.as_slice()) {
                (Method::GET, ["workers"]) | (Method::GET, ["workers", ""]) => {
                    list_workers(state, &req).await
                }
                (Method::PUT, ["workers", id]) => put_worker(state, req, id).await,
                (Method::GET, ["workers", id]) => get_worker(state, id).await,
                (Method::DELETE, ["workers", id]) => delete_worker(state, id).await,
                (Method::GET, ["workers", id, "tail"]) => tail(state, id).await,
                (Method::GET, ["workers", id, "objects"]) => list_objects(state, id),
                (_, ["workers", id, "objects", name]) => match percent_decode(name) {
                    Some(name) => object_admin(state, req, id, &name).await,
                    None => error(
                        StatusCode::BAD_REQUEST,
                        "the object name is not valid UTF-8",
                    ),
                },
                (_, ["workers", id, "storage"]) => object_admin(state, req, id, "").await,
                (Method::POST, ["run"]) => run_once(state, req).await,
                (Method::POST, ["bundle"]) => bundle(state, req).await,
                _ => error(
                    StatusCode::NOT_FOUND,
                    format!("no route for {} {}", req.method(), path),
                ),
            };
            ("admin", resp)
        }
        (_, ["w", id, "rpc", entrypoint, rpc_method]) if method == Method::POST => {
            let caller = match invoker(state, &req) {
                Ok(c) => c,
                Err(r) => return ("rpc", r),
            };
            let (id, ep, m) = (
                id.to_string(),
                entrypoint.to_string(),
                rpc_method.to_string(),
            );
            ("rpc", rpc(state, req, &id, &ep, &m, caller).await)
        }
        (_, ["w", id, "o", name, ..]) => {
            let caller = match invoker(state, &req) {
                Ok(c) => c,
                Err(r) => return ("object", r),
            };
            let Some(object) = percent_decode(name) else {
                return (
                    "object",
                    error(
                        StatusCode::BAD_REQUEST,
                        "the object name is not valid UTF-8",
                    ),
                );
            };
            let (id, prefix) = (id.to_string(), format!("/w/{id}/o/{name}"));
            let rest = path.strip_prefix(&prefix).unwrap_or("");
            let rest = if rest.is_empty() { "/" } else { rest };
            let path_and_query = match req.uri().query() {
                Some(q) => format!("{rest}?{q}"),
                None => rest.to_string(),
            };
            let resp = invoke_as(
                state,
                req,
                &id,
                Some(&object),
                &path_and_query,
                Origin::Shared,
                caller,
            )
            .await;
            ("object", resp)
        }
        (_, ["w", id, ..]) => {
            let caller = match invoker(state, &req) {
                Ok(c) => c,
                Err(r) => return ("invoke", r),
            };
            let id = id.to_string();
            let prefix = format!("/w/{id}");
            let rest = path.strip_prefix(&prefix).unwrap_or("");
            let rest = if rest.is_empty() { "/" } else { rest };
            let path_and_query = match req.uri().query() {
                Some(q) => format!("{rest}?{q}"),
                None => rest.to_string(),
            };
            let resp = invoke_as(
                state,
                req,
                &id,
                None,
                &path_and_query,
                Origin::Shared,
                caller,
            )
            .await;
            ("invoke", resp)
        }
        _ => (
            "other",
            error(
                StatusCode::NOT_FOUND,
                format!("no route for {} {}", req.method(), path),
            ),
        ),
    }
}

/// The request's `Host` header ("" when it has none).
fn host_header<B>(req: &http::Request<B>) -> &str {
    req.headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
}

/// The request's host name: its `Host` header without the port, lowercased.
fn host_name<B>(req: &http::Request<B>) -> String {
    host_header(req)
        .split(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Where this request stands to the playground.
#[derive(Debug, PartialEq, Eq)]
enum PlaygroundAt {
    /// Turned off.
    Off,
    /// Served on this host; `own_host` when it is `playground_host` (whose
    /// origin workers do not share).
    Here { own_host: bool },
    /// On another host (`playground_host`; see [`playground_url`]).
    Elsewhere,
    /// No `playground_host` is set and this request's host is not a
    /// loopback name: the page is not served on an origin that users
    /// elsewhere share with every worker by path.
    LoopbackOnly,
}

/// Whether a `Host` header names this machine's loopback: `localhost`,
/// `*.localhost`, `127.0.0.0/8` or `[::1]` (with or without a port).
fn loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    let name = name.trim_end_matches('.');
    name.eq_ignore_ascii_case("localhost")
        || name
            .get(name.len().saturating_sub(10)..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case(".localhost"))
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn playground_at<B>(state: &State, req: &http::Request<B>) -> PlaygroundAt {
    if !state.config.playground {
        return PlaygroundAt::Off;
    }
    let Some(home) = &state.config.playground_host else {
        return if loopback_host(host_header(req)) {
            PlaygroundAt::Here { own_host: false }
        } else {
            PlaygroundAt::LoopbackOnly
        };
    };
    let home_name = home.split(':').next().unwrap_or("");
    let here = host_header(req).split(':').next().unwrap_or("");
    if here.eq_ignore_ascii_case(home_name) {
        PlaygroundAt::Here { own_host: true }
    } else {
        PlaygroundAt::Elsewhere
    }
}

/// Where a request on another host finds the playground: scheme-relative
/// (so it works behind a TLS proxy too), on `home`'s port if it names one,
/// else on this request's.
fn playground_url<B>(home: Option<&str>, req: &http::Request<B>) -> String {
    let home = home.unwrap_or("");
    if home.contains(':') {
        return format!("//{home}/playground/");
    }
    match host_header(req).split_once(':') {
        Some((_, port)) => format!("//{home}:{port}/playground/"),
        None => format!("//{home}/playground/"),
    }
}

async fn put_worker(state: &State, req: http::Request<Incoming>, id: &str) -> HttpResponse {
    if !valid_id(id) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("worker id {id:?} must be 1-63 of [A-Za-z0-9_-], starting alphanumeric"),
        );
    }
    let raw: Json = match read_json(state, req, "invalid worker code", "the body is not JSON").await
    {
        Ok(c) => c,
        Err(r) => return r,
    };
    let sets_outbound = raw.get("globalOutbound").is_some();
    let mut code: WorkerCode = match serde_json::from_value(raw) {
        Ok(c) => c,
        Err(e) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                &json!({"error": "invalid worker code", "problems": [format!("the body is not a WorkerCode: {e}")]}),
            );
        }
    };
    // The operator's ceilings bound what the tenant asked for (the
    // server's own default outbound policy is the operator's).
    let over_ceilings = state.config.ceiling_problems(&code);
    if !sets_outbound {
        code.global_outbound = state.config.default_outbound.clone();
    }
    let mut problems = code.validate().err().unwrap_or_default();
    problems.extend(over_ceilings);
    if !problems.is_empty() {
        return error_response(state, &Error::InvalidCode(problems));
    }
    let existed = matches!(state.store.get(id).await, Ok(Some(_)));
    if let Err(e) = state.store.put(id, &code).await {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("storing the code failed: {e}"),
        );
    }
    // New code lifts a crash quarantine (isolet::quarantine).
    isolet::quarantine::clear(&state.config.data_dir, id);
    // The old instance is retired: the next request loads the new code, in
    // every server process.
    state.runtime.evict(id);
    if let Some(group) = &state.group {
        group.evict(id).await;
    }
    json_response(
        if existed {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        },
        &json!({"id": id, "hash": code.content_hash()}),
    )
}

/// `GET /workers/{id}/objects`: the worker's objects with storage.
fn list_objects(state: &State, id: &str) -> HttpResponse {
    if !valid_id(id) {
        return error(StatusCode::NOT_FOUND, format!("no worker {id:?}"));
    }
    match state.runtime.objects(id) {
        Ok(list) => json_response(StatusCode::OK, &json!({ "objects": list })),
        Err(e) => error_response(state, &e),
    }
}

/// `/workers/{id}/objects/{name}` (and `/workers/{id}/storage`, the id's
/// own): `GET` exports the object's database (a SQLite file), `PUT`
/// replaces it with the body, `DELETE` deletes it.
async fn object_admin(
    state: &State,
    req: http::Request<Incoming>,
    id: &str,
    name: &str,
) -> HttpResponse {
    let not_allowed = |m: &Method| {
        error(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{m} is not GET, PUT or DELETE"),
        )
    };
    // The method first: an unsupported one is 405 whatever the id.
    if ![Method::GET, Method::PUT, Method::DELETE].contains(req.method()) {
        return not_allowed(req.method());
    }
    if !valid_id(id) {
        return error(StatusCode::NOT_FOUND, format!("no worker {id:?}"));
    }
    let missing = || {
        error(
            StatusCode::NOT_FOUND,
            format!("worker {id:?} has no object {name:?}"),
        )
    };
    match req.method().clone() {
        Method::GET => match state.runtime.export_object(id, name).await {
            Ok(Some(db)) => {
                let mut r = http::Response::new(full(db));
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/vnd.sqlite3"),
                );
                r
            }
            Ok(None) => missing(),
            Err(e) => error_response(state, &e),
        },
        Method::PUT => {
            let max = MAX_IMPORT_BYTES;
            let body = IdleBody::new(req.into_body(), state.config.body_pace());
            let body = match Limited::new(body, max).collect().await {
                Ok(c) => c.to_bytes(),
                Err(_) => {
                    return error(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("the database is over {max} bytes, or its upload failed"),
                    );
                }
            };
            match state.runtime.import_object(id, name, body.to_vec()).await {
                Ok(()) => {
                    if let Some(group) = &state.group {
                        group.evict(id).await;
                    }
                    json_response(
                        StatusCode::OK,
                        &json!({"id": id, "object": name, "bytes": body.len()}),
                    )
                }
                Err(e) => error_response(state, &e),
            }
        }
        Method::DELETE => match state.runtime.delete_object(id, name) {
            Ok(true) => {
                if let Some(group) = &state.group {
                    group.evict(id).await;
                }
                no_content()
            }
            Ok(false) => missing(),
            Err(e) => error_response(state, &e),
        },
        m => not_allowed(&m),
    }
}

/// An empty 204 answer.
fn no_content() -> HttpResponse {
    http::Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(full(Bytes::new()))
        .unwrap_or_else(|_| error(StatusCode::NO_CONTENT, ""))
}

/// The largest database `PUT /workers/{id}/objects/{name}` takes.
const MAX_IMPORT_BYTES: usize = 1 << 30;

/// A URL path segment's percent-decoded text (`None`: not UTF-8).
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

async fn get_worker(state: &State, id: &str) -> HttpResponse {
    match state.store.get(id).await {
        Ok(Some(code)) => json_response(
            StatusCode::OK,
            &serde_json::to_value(&code).unwrap_or(Json::Null),
        ),
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no worker {id:?}")),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn delete_worker(state: &State, id: &str) -> HttpResponse {
    match state.store.delete(id).await {
        Ok(true) => {
            isolet::quarantine::clear(&state.config.data_dir, id);
            state.runtime.evict(id);
            if let Some(group) = &state.group {
                group.evict(id).await;
            }
            no_content()
        }
        Ok(false) => error(StatusCode::NOT_FOUND, format!("no worker {id:?}")),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn list_workers(state: &State, req: &http::Request<Incoming>) -> HttpResponse {
    let mut limit = 100usize;
    let mut cursor = None;
    for pair in req
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "limit" => match v.parse::<usize>() {
                Ok(n) if (1..=1000).contains(&n) => limit = n,
                _ => return error(StatusCode::BAD_REQUEST, "limit must be 1..=1000"),
            },
            "cursor" => cursor = Some(v.to_string()),
            _ => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("unknown query parameter {k:?}"),
                );
            }
        }
    }
    match state.store.list(cursor.as_deref(), limit).await {
        Ok((ids, more)) => {
            let next = if more { ids.last().cloned() } else { None };
            json_response(StatusCode::OK, &json!({"workers": ids, "cursor": next}))
        }
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// The per-worker concurrency map is pruned of idle entries when a new
/// id would take it to this many.
const CONCURRENCY_PRUNE_AT: usize = 256;

/// Drops the entries of the per-worker concurrency map that nobody uses:
/// an entry whose semaphore only the map holds has no permit out and no
/// waiter (both hold a handle), so a fresh one later is the same thing.
/// The map thus holds at most [`CONCURRENCY_PRUNE_AT`] entries beyond the
/// workers busy right now, whatever ids clients send.
fn prune_idle(map: &mut std::collections::HashMap<String, Arc<Semaphore>>) {
    map.retain(|_, sem| Arc::strong_count(sem) > 1);
}

/// Bounded per-worker concurrency: wait up to 5 s for a slot, then 503.
/// `id` must be a valid one (the map is keyed by it).
async fn acquire(
    state: &State,
    id: &str,
) -> Result<tokio::sync::OwnedSemaphorePermit, HttpResponse> {
    let sem = {
        let mut map = state.concurrency.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(id) {
            Some(sem) => sem.clone(),
            None => {
                if map.len() >= CONCURRENCY_PRUNE_AT {
                    prune_idle(&mut map);
                }
                let sem = Arc::new(Semaphore::new(state.config.worker_concurrency.max(1)));
                map.insert(id.to_string(), sem.clone());
                state.metrics.concurrency_entries(map.len());
                sem
            }
        }
    };
    // Most requests find a free slot: no timer for them.
    if let Ok(p) = sem.clone().try_acquire_owned() {
        return Ok(p);
    }
    match tokio::time::timeout(Duration::from_secs(5), sem.acquire_owned()).await {
        Ok(Ok(p)) => Ok(p),
        _ => {
            let mut r = error(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("worker {id:?} is at its concurrency limit"),
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            Err(r)
        }
    }
}

/// The warm worker for a stored id (cold start on a miss), or its
/// object's live instance. Only deployed code makes a worker (the warm
/// cache is untouched by unknown ids); a caller without a token reaches an
/// object only if the code exposes objects, checked before the object is
/// created and again on every call (an instance created for a trusted
/// caller does not serve others).
async fn worker(
    state: &State,
    id: &str,
    object: Option<&str>,
    caller: Caller,
) -> Result<isolet::Worker, HttpResponse> {
    if !valid_id(id) {
        return Err(no_worker(id));
    }
    let hidden =
        |code: &WorkerCode| object.is_some() && caller == Caller::Anyone && !code.expose.objects;
    let mut cold = false;
    let mut refused = false;
    // Stored code over today's ceilings (stored before an operator lowered
    // them) is not loaded.
    let mut over: Vec<String> = Vec::new();
    // Cold path only: a quarantined id is refused; the crash-prone steps
    // of its load (parsing its source) are marked as its own, and a load
    // that ends lifts its suspicion, or with a worker forgets its crashes
    // (isolet::quarantine).
    let mut quarantined = None;
    let mut loading = false;
    let code = async || {
        cold = true;
        match state.store.get(id).await {
            Ok(Some(code)) if hidden(&code) => {
                refused = true;
                Err(Error::InvalidRequest("not exposed".into()))
            }
            Ok(Some(code))
                if {
                    over = state.config.stored_code_problems(&code);
                    !over.is_empty()
                } =>
            {
                Err(Error::InvalidRequest("over the ceilings".into()))
            }
            Ok(Some(_))
                if {
                    quarantined = isolet::quarantine::quarantined(&state.config.data_dir, id);
                    quarantined.is_some()
                } =>
            {
                Err(Error::InvalidRequest("quarantined".into()))
            }
            Ok(Some(code)) => {
                isolet::quarantine::work(&state.config.data_dir, id);
                loading = true;
                Ok(code)
            }
            Ok(None) => Err(Error::InvalidRequest(format!("no worker {id:?}"))),
            Err(e) => Err(Error::Engine(e.to_string())),
        }
    };
    let result = isolet::quarantine::scope(async {
        match object {
            Some(name) => state.runtime.get_object_with(id, name, code).await,
            None => state.runtime.get_with(id, code).await,
        }
    })
    .await;
    if loading {
        isolet::quarantine::ended(&state.config.data_dir, id, result.is_ok());
    }
    match result {
        Ok(w) if hidden(w.code()) => Err(not_exposed(id, "its objects")),
        Ok(w) => {
            state.metrics.start(cold);
            Ok(w)
        }
        Err(_) if refused => Err(not_exposed(id, "its objects")),
        Err(_) if !over.is_empty() => Err(error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "worker {id:?} is not loaded: its stored code is over this server's ceilings ({}); \
                 upload it again within them",
                over.join("; ")
            ),
        )),
        Err(_) if quarantined.is_some() => Err(error(
            StatusCode::SERVICE_UNAVAILABLE,
            quarantined.unwrap_or_default(),
        )),
        Err(Error::InvalidRequest(m)) if m.starts_with("no worker") => {
            Err(error(StatusCode::NOT_FOUND, m))
        }
        Err(e) => Err(error_response(state, &e)),
    }
}

/// 404 for an id that names no worker (quoted, at most 64 characters of it).
fn no_worker(id: &str) -> HttpResponse {
    let shown: String = id.chars().take(64).collect();
    let more = if shown.len() < id.len() { "..." } else { "" };
    error(StatusCode::NOT_FOUND, format!("no worker {shown:?}{more}"))
}

/// A concurrency slot for worker `id`, then the worker itself. The id is
/// checked first: nothing keys on an id that cannot be a worker's.
async fn slot_and_worker(
    state: &State,
    id: &str,
    object: Option<&str>,
    caller: Caller,
) -> Result<(tokio::sync::OwnedSemaphorePermit, isolet::Worker), HttpResponse> {
    if !valid_id(id) {
        return Err(no_worker(id));
    }
    let permit = acquire(state, id).await?;
    let worker = worker(state, id, object, caller).await?;
    Ok((permit, worker))
}

/// The request a worker sees. What the server consumed stays with it: the
/// admin or invoke token of a trusted caller, and on the shared origin the
/// `Cookie` header (cookies there belong to the origin's other users:
/// the playground, the other workers, a proxy in front).
fn to_worker_request(
    parts: &http::request::Parts,
    path_and_query: &str,
    body: Bytes,
    origin: Origin,
    caller: Caller,
) -> Request {
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let mut r = Request::new(
        parts.method.as_str(),
        format!("http://{host}{path_and_query}"),
    );
    for (k, v) in &parts.headers {
        if (caller == Caller::Trusted && k == header::AUTHORIZATION)
            || (origin == Origin::Shared && k == header::COOKIE)
        {
            continue;
        }
        if let Ok(v) = v.to_str() {
            r.headers.push((k.as_str().to_string(), v.to_string()));
        }
    }
    r.body = body.to_vec();
    r
}

/// `fetch` on worker `id` (or its object `object`) with the request.
async fn invoke_as(
    state: &State,
    mut req: http::Request<Incoming>,
    id: &str,
    object: Option<&str>,
    path_and_query: &str,
    origin: Origin,
    caller: Caller,
) -> HttpResponse {
    if !valid_id(id) {
        return no_worker(id);
    }
    let upgrade = super::websocket::requested(&mut req);
    let (parts, body) = req.into_parts();
    let max = state.config.max_body_bytes;
    // A body of known, small size is read first and handed over whole (the
    // fast path); a larger or chunked one streams to the worker as it reads.
    // An upgrade's body (if any) is always read first: its socket's place
    // is reserved only after it.
    let streamed = upgrade.is_none()
        && match declared_length(&parts.headers) {
            Some(n) => n > STREAM_REQUEST_BODIES_OVER && n <= max,
            None => !hyper::body::Body::is_end_stream(&body),
        };
    let (body, stream) = if streamed {
        (
            Bytes::new(),
            Some(incoming_stream(body, max, state.config.body_pace())),
        )
    } else {
        match read_body(state, body, &parts.headers).await {
            Ok(b) => (b, None),
            Err(r) => return r,
        }
    };
    let (_permit, w) = match slot_and_worker(state, id, object, caller).await {
        Ok(pw) => pw,
        Err(r) => return r,
    };
    // A WebSocket holds an instance while open: its place is reserved once
    // the worker exists, the caller may reach it and the body has arrived
    // (an unknown id or a slow upgrade request holds none).
    let socket_slot = match &upgrade {
        Some(_) => match super::websocket::reserve(state, id, object) {
            Ok(slot) => Some(slot),
            Err(r) => return r,
        },
        None => None,
    };
    let request = to_worker_request(&parts, path_and_query, body, origin, caller);
    let ep = w.entrypoint(None);
    let answer = match stream {
        Some(stream) => ep.fetch_with_body_stream(request, stream).await,
        None => ep.fetch_streaming(request).await,
    };
    match answer {
        Ok(mut resp) => match (resp.web_socket.take(), upgrade) {
            (Some(socket), Some(upgrade)) => {
                let head =
                    worker_http_response(resp.status, &resp.headers, full(Vec::new()), origin);
                let idle = state.config.websocket_idle_timeout();
                super::websocket::accept(upgrade, head, socket, max, socket_slot, idle)
            }
            // Dropping the socket ends the worker's session.
            (Some(_), None) => error(
                StatusCode::BAD_GATEWAY,
                "the worker accepted a WebSocket, but the request did not ask to upgrade to one (Upgrade: websocket)",
            ),
            (None, _) => from_worker_response(resp, origin),
        },
        Err(e) => error_response(state, &e),
    }
}

/// `POST /w/{id}/rpc/{entrypoint}/{method}`: a method of one of the
/// worker's entrypoints, for a caller with a token or where the code
/// exposes that entrypoint (`expose.rpc`).
async fn rpc(
    state: &State,
    req: http::Request<Incoming>,
    id: &str,
    entrypoint: &str,
    method: &str,
    caller: Caller,
) -> HttpResponse {
    if !valid_id(id) {
        return no_worker(id);
    }
    if caller == Caller::Anyone && reserved_handler(method) {
        let shown: String = method.chars().take(64).collect();
        return error(
            StatusCode::FORBIDDEN,
            format!(
                "{shown:?} is a handler name the Workers runtime reserves (fetch, scheduled, alarm, tail, \
                 queue, webSocket*, constructor, _-prefixed names, ...): clients may not call it over RPC, \
                 whatever `expose` lists; only a request with the admin token or the invoke token may"
            ),
        );
    }
    // Whether the caller may call this entrypoint is decided before its
    // body is read: an unknown worker or an unexposed entrypoint costs no
    // body (nor the memory its arguments would take).
    let (_permit, w) = match slot_and_worker(state, id, None, caller).await {
        Ok(pw) => pw,
        Err(r) => return r,
    };
    if caller == Caller::Anyone && !w.code().expose.rpc_allows(entrypoint) {
        let shown: String = entrypoint.chars().take(64).collect();
        return not_exposed(id, &format!("RPC entrypoint {shown:?}"));
    }
    let (parts, body) = req.into_parts();
    let (max, key) = if state.config.max_rpc_body_bytes < state.config.max_body_bytes {
        (state.config.max_rpc_body_bytes, "max_rpc_body_bytes")
    } else {
        (state.config.max_body_bytes, "max_body_bytes")
    };
    let body = match read_body_within(state, body, &parts.headers, max, key).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let most = state.config.max_rpc_values;
    let values = json_values(&body, most);
    if values > most {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the RPC arguments hold over {most} JSON values (array elements and object members), \
                 this server's most (max_rpc_values)"
            ),
        );
    }
    let body: Json = if body.is_empty() {
        json!([])
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("the body must be a JSON array of arguments: {e}"),
                );
            }
        }
    };
    // `[args...]`, or `{"args": [...], "props": {...}}` for the entrypoint's
    // ctx.props, as a parent's getEntrypoint(name, { props }) gives them.
    let (args, props) = match body {
        Json::Object(mut o) if o.keys().all(|k| k == "args" || k == "props") => (
            o.remove("args").unwrap_or_else(|| json!([])),
            o.remove("props"),
        ),
        other => (other, None),
    };
    // A worker trusts its ctx.props (who the caller is, what it may do):
    // only the parent side, a caller with a token, sets them.
    if props.is_some() && caller == Caller::Anyone {
        return error(
            StatusCode::FORBIDDEN,
            "props can be given only with the admin or invoke token: the worker trusts them",
        );
    }
    let props = match props.map(Value::from_wire) {
        None => None,
        Some(Ok(p @ Value::Object(_))) => Some(p),
        Some(Ok(_)) => return error(StatusCode::BAD_REQUEST, "props must be an object"),
        Some(Err(e)) => return error(StatusCode::BAD_REQUEST, format!("bad props: {e}")),
    };
    let args = match Value::from_wire(args) {
        Ok(Value::Array(a)) => a,
        Ok(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "the body must be a JSON array of arguments",
            );
        }
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("bad wire value: {e}")),
    };
    let ep = if entrypoint == "default" {
        None
    } else {
        Some(entrypoint)
    };
    let target = match props {
        None => w.entrypoint(ep),
        Some(p) => match w.entrypoint(ep).with_props(&p) {
            Ok(t) => t,
            Err(e) => return error_response(state, &e),
        },
    };
    match target.call(method, args).await {
        Ok(v) => json_response(StatusCode::OK, &json!({"result": v.to_wire()})),
        Err(e) => error_response(state, &e),
    }
}

/// `POST /bundle`: `{"package": {...package.json}, "modules": {"name": "source"},
/// "mainModule"?}` → the `WorkerCode` with its npm dependencies (to PUT as
/// a worker or send to `/run`).
async fn bundle(state: &State, req: http::Request<Incoming>) -> HttpResponse {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct BundleBody {
        package: serde_json::Value,
        modules: std::collections::BTreeMap<String, String>,
        #[serde(default)]
        main_module: Option<String>,
    }
    let body: BundleBody = match read_json(
        state,
        req,
        "invalid bundle request",
        "the body is not a bundle request",
    )
    .await
    {
        Ok(b) => b,
        Err(r) => return r,
    };
    // Marked while it runs (it parses the package's sources): a crash
    // then is no worker's (isolet::quarantine).
    let _busy = isolet::quarantine::busy(Some(&state.config.data_dir), isolet::quarantine::BUNDLE);
    match state
        .bundler
        .bundle(&body.package, body.modules, body.main_module.as_deref())
        .await
    {
        Ok(code) => json_response(
            StatusCode::OK,
            &serde_json::to_value(&code).unwrap_or_default(),
        ),
        Err(e) => {
            let (status, body) = error_body(state, &e);
            json_response(status, &body)
        }
    }
}

/// `GET /workers/{id}/tail`: trace events as Server-Sent Events.
async fn tail(state: &State, id: &str) -> HttpResponse {
    if !valid_id(id) {
        return error(StatusCode::NOT_FOUND, format!("no worker {id:?}"));
    }
    let rx = state.hub.subscribe(id);
    let events = tokio_stream::wrappers::BroadcastStream::new(rx).map(|item| {
        let text = match item {
            Ok(event) => sse_frame(Ok(&event)),
            Err(tokio_stream::wrappers::errors::BroadcastStreamRecvError::Lagged(n)) => {
                sse_frame(Err(n))
            }
        };
        Ok::<_, BodyError>(Frame::data(Bytes::from(text)))
    });
    // The other server processes' events of this worker, when there are any.
    let (peer_tx, peer_rx) = tokio::sync::mpsc::channel::<Bytes>(256);
    let mut note = String::new();
    if let Some(group) = &state.group {
        let unreachable = group.tail(id, peer_tx).await;
        if unreachable > 0 {
            note = format!(
                ": {unreachable} server process(es) could not be reached; their events are missing\n\n"
            );
        }
    } else {
        drop(peer_tx);
    }
    let events = events.merge(
        tokio_stream::wrappers::ReceiverStream::new(peer_rx)
            .map(|b| Ok::<_, BodyError>(Frame::data(b))),
    );
    let keepalive = tokio_stream::StreamExt::map(
        tokio_stream::wrappers::IntervalStream::new(tokio::time::interval(Duration::from_secs(15))),
        |_| Ok::<_, BodyError>(Frame::data(Bytes::from_static(b": keepalive\n\n"))),
    );
    let hello = tokio_stream::once(Ok::<_, BodyError>(Frame::data(Bytes::from(format!(
        ": tailing {id}\n\n{note}"
    )))));
    let stream = hello.chain(events.merge(keepalive));
    http::Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(BodyExt::boxed_unsync(StreamBody::new(stream)))
        .unwrap_or_else(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    /// A panic while handling a request is that request's 500, not a
    /// dropped connection (review finding 14's connection drop).
    #[tokio::test]
    async fn a_panic_in_a_handler_is_a_500_answer() {
        let (route, resp) = unwind_to_500(async {
            let answers: Vec<(&'static str, HttpResponse)> = Vec::new();
            answers
                .into_iter()
                .next()
                .expect("a bug deep in some handler")
        })
        .await;
        assert_eq!(route, "panic");
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert!(
            String::from_utf8_lossy(&body).contains("logged on the server"),
            "{body:?}"
        );
        // A handler that does not panic answers as it would.
        let (route, resp) = unwind_to_500(async { ("healthz", error(StatusCode::OK, "ok")) }).await;
        assert_eq!((route, resp.status()), ("healthz", StatusCode::OK));
    }

    #[test]
    fn loopback_host_names() {
        for host in [
            "localhost",
            "LOCALHOST:8787",
            "playground.localhost:80",
            "127.0.0.1",
            "127.1.2.3:8787",
            "[::1]:8787",
            "[::1]",
            "localhost.",
        ] {
            assert!(loopback_host(host), "{host}");
        }
        for host in [
            "",
            "example.com",
            "localhost.example.com",
            "evil-localhost",
            "10.0.0.1:8787",
            "[2001:db8::1]:80",
            "0.0.0.0",
        ] {
            assert!(!loopback_host(host), "{host}");
        }
    }

    /// Review finding 11: the concurrency map drops the entries nobody
    /// holds, and only those.
    #[test]
    fn idle_concurrency_entries_are_pruned_and_busy_ones_kept() {
        let mut map = std::collections::HashMap::new();
        for i in 0..1_000 {
            map.insert(format!("idle-{i}"), Arc::new(Semaphore::new(4)));
        }
        let busy = Arc::new(Semaphore::new(4));
        let permit = busy.clone().try_acquire_owned().unwrap();
        map.insert("busy".into(), busy);
        let waiting = Arc::new(Semaphore::new(0));
        map.insert("waited-on".into(), waiting.clone());
        prune_idle(&mut map);
        let mut left: Vec<&String> = map.keys().collect();
        left.sort();
        assert_eq!(left, ["busy", "waited-on"]);
        drop((permit, waiting));
        prune_idle(&mut map);
        assert!(map.is_empty());
    }

    /// The segments of a path as `route` splits it: `/` is `[""]`, `/a/`
    /// is `["a", ""]`.
    fn segments(path: &str) -> Vec<&str> {
        path.trim_start_matches('/').split('/').collect()
    }

    /// Whether `path` (segments) is one that `template` (a path of
    /// [`ROUTES`]) names: `{x}` is any one segment, a final `{path}` any
    /// number of them.
    fn names(template: &str, path: &[&str]) -> bool {
        let t = segments(template);
        for (i, seg) in t.iter().enumerate() {
            if *seg == "{path}" && i + 1 == t.len() {
                return path.len() >= i;
            }
            match path.get(i) {
                Some(p) if seg.starts_with('{') || seg == p => {}
                _ => return false,
            }
        }
        path.len() == t.len()
    }

    /// Whether [`ROUTES`] or [`ROUTE_ALIASES`] list `method` on `path`.
    fn listed(method: &str, path: &[&str]) -> bool {
        ROUTES
            .iter()
            .chain(ROUTE_ALIASES)
            .any(|&(m, t)| (m == "*" || m == method) && names(t, path))
    }

    /// The literal segments in `route`'s source: every string literal there
    /// made of lowercase letters, digits, `.`, `_` or `-` (`""` included;
    /// the metrics labels come along, harmlessly). A route added to the
    /// match brings its segments into the probe below.
    fn router_words() -> BTreeSet<&'static str> {
        let src = include_str!("routes.rs");
        let start = src.find("async fn route(").expect("the router's fn");
        let end = start + src[start..].find("\n}\n").expect("the router's end");
        let mut words = BTreeSet::new();
        let mut rest = &src[start..end];
        while let Some(open) = rest.find('"') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('"') else { break };
            let literal = &after[..close];
            if literal
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
            {
                words.insert(literal);
            }
            rest = &after[close + 1..];
        }
        words
    }

    /// The requests the router is probed with: every path of one or two
    /// segments drawn from the router's words (and `x`), and around each
    /// listed route (its placeholders as `x`): its prefixes, itself with a
    /// segment more or a trailing slash, and itself with any one segment
    /// replaced by any word.
    fn probes() -> Vec<(Method, String)> {
        let mut words: Vec<String> = router_words().into_iter().map(String::from).collect();
        words.push("x".into());
        let mut paths: BTreeSet<Vec<String>> = BTreeSet::new();
        for a in &words {
            paths.insert(vec![a.clone()]);
            for b in &words {
                paths.insert(vec![a.clone(), b.clone()]);
            }
        }
        for &(_, template) in ROUTES.iter().chain(ROUTE_ALIASES) {
            let base: Vec<String> = segments(template)
                .into_iter()
                .map(|s| String::from(if s.starts_with('{') { "x" } else { s }))
                .collect();
            for k in 1..=base.len() {
                paths.insert(base[..k].to_vec());
            }
            for extra in ["x", ""] {
                let mut longer = base.clone();
                longer.push(extra.into());
                paths.insert(longer);
            }
            for i in 0..base.len() {
                for word in &words {
                    let mut other = base.clone();
                    other[i] = word.clone();
                    paths.insert(other);
                }
            }
        }
        let methods = [
            Method::GET,
            Method::PUT,
            Method::POST,
            Method::DELETE,
            Method::PATCH,
        ];
        paths
            .iter()
            .flat_map(|p| {
                let path = format!("/{}", p.join("/"));
                methods.iter().map(move |m| (m.clone(), path.clone()))
            })
            .collect()
    }

    /// The router serves exactly [`ROUTES`] (and [`ROUTE_ALIASES`]): a real
    /// server, sent each probe with the admin token, answers every listed
    /// one with something other than its "no route" 404 (or the
    /// playground's "no playground file" 404, or a 405), and every other
    /// probe with one of those.
    #[tokio::test]
    async fn router_serves_exactly_its_routes() {
        let dir = tempfile::tempdir().unwrap();
        let config = crate::ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.path().to_path_buf(),
            max_instances: 100,
            shutdown_grace_ms: 2_000,
            ..Default::default()
        };
        let bound = crate::Server::new(config)
            .await
            .unwrap()
            .bind()
            .await
            .unwrap();
        let (addr, token) = (bound.local_addr(), bound.admin_token().to_string());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(bound.run(async {
            let _ = stopped.await;
        }));
        let client: hyper_util::client::legacy::Client<_, http_body_util::Full<Bytes>> =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http();
        let probes = probes();
        let mut tasks = tokio::task::JoinSet::new();
        for chunk in probes.chunks(probes.len().div_ceil(8)) {
            let (chunk, client, token) = (chunk.to_vec(), client.clone(), token.clone());
            tasks.spawn(async move {
                let mut wrong = Vec::new();
                for (method, path) in chunk {
                    let req = http::Request::builder()
                        .method(method.clone())
                        .uri(format!("http://{addr}{path}"))
                        .header(header::AUTHORIZATION, format!("Bearer {token}"))
                        .body(http_body_util::Full::new(Bytes::new()))
                        .unwrap();
                    let resp = client
                        .request(req)
                        .await
                        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
                    let status = resp.status();
                    // Only a 404's or 405's body is read: a served route's
                    // may never end (`/tail`), and dropping it is enough.
                    let served = match status {
                        StatusCode::METHOD_NOT_ALLOWED => false,
                        StatusCode::NOT_FOUND => {
                            let body = resp.into_body().collect().await.unwrap().to_bytes();
                            let text = String::from_utf8_lossy(&body);
                            !text.contains("no route for") && !text.contains("no playground file")
                        }
                        _ => true,
                    };
                    if served != listed(method.as_str(), &segments(&path)) {
                        wrong.push(if served {
                            format!("{method} {path}: served ({status}), but not in ROUTES")
                        } else {
                            format!("{method} {path}: in ROUTES, but not served ({status})")
                        });
                    }
                }
                wrong
            });
        }
        let mut wrong = Vec::new();
        while let Some(found) = tasks.join_next().await {
            wrong.extend(found.unwrap());
        }
        drop(client);
        let _ = stop.send(());
        server.await.unwrap().unwrap();
        wrong.sort();
        assert!(
            wrong.is_empty(),
            "{} of {} probes:\n{}",
            wrong.len(),
            probes.len(),
            wrong.join("\n")
        );
        // The probe did reach the routes it lists (it is not vacuous).
        assert!(
            probes
                .iter()
                .any(|(m, p)| *m == Method::POST && p == "/bundle")
        );
    }

    /// The operations openapi.yaml documents: path → methods (uppercase).
    fn openapi_operations() -> BTreeMap<String, BTreeSet<String>> {
        let spec = include_str!("../openapi.yaml");
        let (_, paths) = spec
            .split_once("\npaths:\n")
            .expect("openapi.yaml has paths");
        let mut ops: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut current: Option<String> = None;
        for line in paths.lines() {
            if !line.is_empty() && !line.starts_with(' ') {
                break; // the next top-level key
            }
            if let Some(path) = line.strip_prefix("  /").and_then(|p| p.strip_suffix(':')) {
                let path = format!("/{path}");
                ops.entry(path.clone()).or_default();
                current = Some(path);
            } else if let Some(op) = line.strip_prefix("    ").and_then(|l| l.strip_suffix(':'))
                && ["get", "put", "post", "delete", "patch", "head", "options"].contains(&op)
            {
                let path = current.clone().expect("an operation under a path");
                ops.entry(path).or_default().insert(op.to_ascii_uppercase());
            }
        }
        ops
    }

    /// openapi.yaml documents exactly the routes the router serves (which
    /// `router_serves_exactly_its_routes` holds to [`ROUTES`]): every path
    /// with exactly its methods (a `"*"` route with at least one), and no
    /// path the router does not serve.
    #[test]
    fn openapi_documents_exactly_the_routes() {
        let documented = openapi_operations();
        let mut served: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for &(method, path) in ROUTES {
            served.entry(path).or_default().insert(method.to_string());
        }
        let mut wrong = Vec::new();
        for (path, methods) in &served {
            match documented.get(*path) {
                None => wrong.push(format!("openapi.yaml lacks {path}")),
                Some(ops) if methods.contains("*") => {
                    if ops.is_empty() {
                        wrong.push(format!("openapi.yaml documents no operation on {path}"));
                    }
                }
                Some(ops) if ops != methods => wrong.push(format!(
                    "{path}: openapi.yaml documents {ops:?}, the router serves {methods:?}"
                )),
                Some(_) => {}
            }
        }
        for path in documented.keys() {
            if !served.contains_key(path.as_str()) {
                wrong.push(format!(
                    "openapi.yaml documents {path}, which the router does not serve"
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        assert!(documented["/bundle"].contains("POST"));
    }
}
