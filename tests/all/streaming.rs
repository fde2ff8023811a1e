//! Streamed response bodies: a worker's `ReadableStream` body reaches the
//! caller chunk by chunk while the worker runs (tests/workers/js/streaming.js).

use std::sync::Arc;
use std::time::{Duration, Instant};

use isolet::{Error, Limits, Outcome, Request, Runtime, TraceEvent, WorkerCode};
use tokio::sync::Semaphore;

/// The source of a worker under tests/workers/.
fn worker_source(rel: &str) -> String {
    crate::common::read(&format!("workers/{rel}"))
}

fn worker_code() -> WorkerCode {
    let src = worker_source("js/streaming.js");
    WorkerCode::new("streaming.js")
        .module("streaming.js", isolet::ModuleSource::Esm(src))
        .compatibility_date("2025-06-01")
        .binding("GATE", isolet::BindingSpec::Capability("gate".into()))
}

/// A capability whose `pass()` returns only when the test lets it.
struct Gate(Semaphore);

impl isolet::Binding for Gate {
    fn call<'a>(
        &'a self,
        _method: &'a str,
        _args: Vec<isolet::Value>,
    ) -> isolet::BoxFuture<'a, Result<isolet::Value, String>> {
        Box::pin(async move {
            self.0.acquire().await.map_err(|e| e.to_string())?.forget();
            Ok(isolet::Value::Null)
        })
    }
}

use crate::common::Traces;

async fn runtime() -> (Runtime, Arc<Gate>, Arc<Traces>) {
    let gate = Arc::new(Gate(Semaphore::new(0)));
    let traces = Arc::new(Traces::default());
    let rt = Runtime::builder()
        .capability("gate", gate.clone())
        .tail_sink(traces.clone())
        .build()
        .await
        .unwrap();
    (rt, gate, traces)
}

fn get(path: &str) -> Request {
    Request::get(format!("https://stream.test{path}"))
}

/// GET `path`, answered as soon as the worker has answered.
async fn open(w: &isolet::Worker, path: &str) -> isolet::StreamingResponse {
    w.entrypoint(None).fetch_streaming(get(path)).await.unwrap()
}

/// The worker's traces, once there is at least one (an invocation whose
/// body streams ends after its reader saw the end).
async fn traces_of(traces: &Traces, id: &str) -> Vec<TraceEvent> {
    let deadline = Instant::now() + Duration::from_secs(5);
    while traces.for_worker(id).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    traces.for_worker(id)
}

#[tokio::test]
async fn chunks_arrive_while_the_worker_is_still_producing() {
    let (rt, gate, traces) = runtime().await;
    let w = rt.get("gated", worker_code).await.unwrap();
    let mut resp = open(&w, "/gated").await;
    assert_eq!(resp.status, 200);
    let first = resp.body.next_chunk().await.unwrap().unwrap();
    assert_eq!(first, b"first;");
    // The worker now waits on the gate: nothing more can arrive until the
    // test opens it, and the invocation has not ended.
    let early = tokio::time::timeout(Duration::from_millis(100), resp.body.next_chunk()).await;
    assert!(early.is_err(), "a chunk arrived before the gate opened");
    assert!(
        traces.for_worker("gated").is_empty(),
        "the invocation ended early"
    );
    gate.0.add_permits(1);
    assert_eq!(resp.body.next_chunk().await.unwrap().unwrap(), b"second;");
    gate.0.add_permits(1);
    assert!(resp.body.next_chunk().await.is_none());
    // The trace comes once the body has ended; the instance serves again.
    let t = traces_of(&traces, "gated").await;
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].outcome, Outcome::Ok);
    assert_eq!(w.fetch(get("/plain")).await.unwrap().text(), "plain /plain");
}

#[tokio::test]
async fn server_sent_events_from_wait_until_with_real_pauses() {
    let (rt, _gate, traces) = runtime().await;
    let w = rt.get("sse", worker_code).await.unwrap();
    let started = Instant::now();
    let mut resp = open(&w, "/sse?gap=150").await;
    assert_eq!(resp.header("content-type"), Some("text/event-stream"));
    let mut events = Vec::new();
    let mut at = Vec::new();
    while let Some(chunk) = resp.body.next_chunk().await {
        events.push(String::from_utf8(chunk.unwrap()).unwrap());
        at.push(started.elapsed());
    }
    assert_eq!(events, ["data: 0\n\n", "data: 1\n\n", "data: 2\n\n"]);
    // Timers wait in real time while a body streams: the events are spread
    // over ~300 ms, the first one sent at once.
    assert!(at[2] >= Duration::from_millis(290), "{at:?}");
    assert!(at[0] + Duration::from_millis(100) < at[2], "{at:?}");
    let t = traces_of(&traces, "sse").await;
    assert_eq!(t.len(), 1, "{t:?}");
    let logs: Vec<_> = t[0].logs.iter().map(|l| l.message.as_str()).collect();
    assert_eq!(logs, ["event 0", "event 1", "event 2"]);

    // The buffered API gets the same body whole, and the trace with it.
    let (whole, trace) = w.entrypoint(None).fetch_traced(get("/sse?gap=1")).await;
    assert_eq!(whole.unwrap().text(), "data: 0\n\ndata: 1\n\ndata: 2\n\n");
    assert_eq!(trace.outcome, Outcome::Ok);
    assert_eq!(trace.logs.len(), 3);
}

#[tokio::test]
async fn chunk_kinds_pipes_and_echoed_request_bodies() {
    let (rt, _gate, _) = runtime().await;
    let w = rt.get("mixed", worker_code).await.unwrap();
    let mut resp = open(&w, "/mixed").await;
    let mut chunks = Vec::new();
    while let Some(c) = resp.body.next_chunk().await {
        chunks.push(String::from_utf8(c.unwrap()).unwrap());
    }
    // Empty chunks are not sent; each other chunk is.
    assert_eq!(chunks, ["a", "bc", "d"]);

    let echo = w
        .fetch(Request::post(
            "https://stream.test/echo",
            b"request bytes".to_vec(),
        ))
        .await
        .unwrap();
    assert_eq!(echo.text(), "request bytes");
    assert_eq!(echo.header("x-streamed"), Some("yes"));

    // A whole body is one chunk.
    let mut plain = open(&w, "/plain").await;
    assert_eq!(
        plain.body.next_chunk().await.unwrap().unwrap(),
        b"plain /plain"
    );
    assert!(plain.body.next_chunk().await.is_none());
}

#[tokio::test]
async fn a_stream_that_fails_ends_the_body_with_the_script_error() {
    let (rt, _gate, traces) = runtime().await;
    let w = rt.get("broken", worker_code).await.unwrap();
    let mut resp = open(&w, "/error").await;
    assert_eq!(resp.body.next_chunk().await.unwrap().unwrap(), b"partial");
    match resp.body.next_chunk().await {
        Some(Err(Error::Script(e))) => {
            assert_eq!(e.name, "RangeError");
            assert_eq!(e.message, "the stream broke");
        }
        other => panic!("expected the script error, got {other:?}"),
    }
    assert!(resp.body.next_chunk().await.is_none());
    match w.fetch(get("/not-bytes")).await {
        Err(Error::Script(e)) => assert_eq!(e.name, "TypeError", "{e:?}"),
        other => panic!("expected a TypeError, got {other:?}"),
    }
    let t = traces_of(&traces, "broken").await;
    assert_eq!(t[0].outcome, Outcome::Exception);
    // A script error leaves the worker usable.
    assert_eq!(w.fetch(get("/plain")).await.unwrap().text(), "plain /plain");
}

#[tokio::test]
async fn the_deadline_covers_streaming_and_a_reader_may_stop_early() {
    let (rt, _gate, traces) = runtime().await;
    let code = || worker_code().limits(Limits::new().timeout(Duration::from_millis(300)));
    let w = rt.get("forever", code).await.unwrap();
    let mut resp = open(&w, "/forever").await;
    let mut ticks = 0;
    let err = loop {
        match resp.body.next_chunk().await {
            Some(Ok(_)) => ticks += 1,
            Some(Err(e)) => break e,
            None => panic!("an endless stream ended"),
        }
    };
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(ticks >= 3, "only {ticks} chunks before the deadline");

    // A reader that holds the body without reading: the invocation still
    // ends at the deadline (the worker is stopped, the trace delivered), and
    // the reader later gets what was sent, then the reason it stopped.
    let idle = rt.get("idle", code).await.unwrap();
    let mut resp = open(&idle, "/forever").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let t = traces_of(&traces, "idle").await;
    assert_eq!(t.len(), 1, "the invocation did not end at its deadline");
    let mut read = 0;
    let last = loop {
        match resp.body.next_chunk().await {
            Some(Ok(_)) => read += 1,
            other => break other,
        }
    };
    assert!(read >= 1, "{read}");
    assert!(matches!(last, Some(Err(Error::Timeout(_)))), "{last:?}");

    // A reader that drops the body stops the worker; the next call gets a
    // working instance.
    let w2 = rt.get("dropped", worker_code).await.unwrap();
    let mut resp = open(&w2, "/forever").await;
    assert!(resp.body.next_chunk().await.unwrap().is_ok());
    drop(resp);
    assert_eq!(
        traces_of(&traces, "dropped").await[0].outcome,
        Outcome::Canceled
    );
    assert_eq!(
        w2.fetch(get("/plain")).await.unwrap().text(),
        "plain /plain"
    );
    // The timed-out worker was retired and comes back on the next get().
    let w = rt.get("forever", code).await.unwrap();
    assert_eq!(w.fetch(get("/plain")).await.unwrap().text(), "plain /plain");
}

/// `limits.response_bytes`: a whole body over it fails the call and leaves
/// the worker usable; a stream is cut off at the limit (its reader gets the
/// bytes within it, then the error) and only its instance goes; the traces
/// say why.
#[tokio::test]
async fn response_bytes_limit_cuts_off_whole_and_streamed_bodies() {
    let (rt, _gate, traces) = runtime().await;
    let code = || worker_code().limits(Limits::new().response_bytes(100));
    let w = rt.get("capped", code).await.unwrap();
    assert_eq!(w.fetch(get("/big?n=100")).await.unwrap().body.len(), 100);
    let err = w.fetch(get("/big?n=101")).await.unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 100 }),
        "{err:?}"
    );
    assert!(err.is_limit());

    let mut resp = open(&w, "/forever").await;
    let mut got = Vec::new();
    let end = loop {
        match resp.body.next_chunk().await {
            Some(Ok(chunk)) => got.extend_from_slice(&chunk),
            Some(Err(e)) => break e,
            None => panic!("an endless stream ended without the limit's error"),
        }
    };
    assert!(
        matches!(end, Error::ResponseTooLarge { limit: 100 }),
        "{end:?}"
    );
    assert_eq!(got.len(), 100);
    assert!(
        got.starts_with(b"tick 0\ntick 1\n"),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
    assert!(resp.body.next_chunk().await.is_none());

    // The same worker (not retired) answers the next call.
    assert_eq!(w.fetch(get("/plain")).await.unwrap().text(), "plain /plain");
    let deadline = Instant::now() + Duration::from_secs(5);
    while traces.for_worker("capped").len() < 4 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let outcomes: Vec<Outcome> = traces
        .for_worker("capped")
        .iter()
        .map(|t| t.outcome)
        .collect();
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| **o == Outcome::ExceededResponseBytes)
            .count(),
        2,
        "{outcomes:?}"
    );
}

/// POSTs `parts` as a streamed request body (fed by a task as the worker
/// reads) and waits for the whole response.
async fn post_streamed(w: &isolet::Worker, path: &str, parts: Vec<Vec<u8>>) -> isolet::Response {
    let (tx, body) = upload();
    let sender = tokio::spawn(async move {
        for part in parts {
            tx.send(Ok(part)).await.unwrap();
        }
    });
    let resp = w
        .entrypoint(None)
        .fetch_with_body_stream(
            Request::new("POST", format!("https://stream.test{path}")),
            body,
        )
        .await
        .unwrap()
        .into_response()
        .await
        .unwrap();
    sender.await.unwrap();
    resp
}

/// A request body from a channel the test feeds.
fn upload() -> (
    tokio::sync::mpsc::Sender<isolet::Result<Vec<u8>>>,
    isolet::BodyStream,
) {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    (
        tx,
        isolet::BodyStream::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx)),
    )
}

#[tokio::test]
async fn request_bodies_stream_into_the_worker_as_it_reads() {
    let (rt, _gate, traces) = runtime().await;
    let w = rt.get("upper", worker_code).await.unwrap();
    let (tx, body) = upload();
    let mut resp = w
        .entrypoint(None)
        .fetch_with_body_stream(Request::new("POST", "https://stream.test/upper"), body)
        .await
        .unwrap();
    // Each part of the request comes back before the next one is sent.
    for part in ["abc", "", "déf", "ghi"] {
        tx.send(Ok(part.as_bytes().to_vec())).await.unwrap();
        if part.is_empty() {
            continue;
        }
        let chunk = resp.body.next_chunk().await.unwrap().unwrap();
        assert_eq!(String::from_utf8(chunk).unwrap(), part.to_uppercase());
    }
    drop(tx);
    assert!(resp.body.next_chunk().await.is_none());

    // Read whole by request.text().
    let resp = post_streamed(&w, "/length", vec![vec![b'x'; 1000]; 100]).await;
    assert_eq!(
        resp.json().unwrap(),
        serde_json::json!({"length": 100_000, "head": "xxxxx", "bodyUsed": true})
    );

    // An upload that fails reaches the worker as a TypeError from its read.
    let (tx, body) = upload();
    tx.send(Ok(b"part".to_vec())).await.unwrap();
    tx.send(Err(isolet::Error::InvalidRequest(
        "the client went away".into(),
    )))
    .await
    .unwrap();
    let result = w
        .entrypoint(None)
        .fetch_with_body_stream(Request::new("POST", "https://stream.test/length"), body)
        .await;
    match result {
        Err(Error::Script(e)) => {
            assert_eq!(e.name, "TypeError");
            assert!(e.message.contains("the client went away"), "{e:?}");
        }
        other => panic!("expected a TypeError, got {other:?}"),
    }
    // A request body with bytes of its own and a stream is refused.
    let (_tx, body) = upload();
    let refused = w
        .entrypoint(None)
        .fetch_with_body_stream(Request::post("https://stream.test/length", "x"), body)
        .await;
    assert!(
        matches!(refused, Err(Error::InvalidRequest(_))),
        "{refused:?}"
    );
    drop(traces);
}

#[tokio::test]
async fn a_python_worker_reads_a_streamed_request_body_whole() {
    let (rt, _gate, _) = runtime().await;
    let code = WorkerCode::new("main.py")
        .module(
            "main.py",
            isolet::ModuleSource::Python(
                "from workers import Response, WorkerEntrypoint\n\nclass Default(WorkerEntrypoint):\n    async def fetch(self, request):\n        body = await request.text()\n        return Response(f\"{len(body)}:{body[:3]}\")\n".into(),
            ),
        )
        .compatibility_date("2025-06-01");
    let w = rt.load(code).await.unwrap();
    let parts = ["abc", "def", "ghi"]
        .map(|p| p.as_bytes().to_vec())
        .to_vec();
    let resp = post_streamed(&w, "/", parts).await;
    assert_eq!(resp.text(), "9:abc");
}

/// An upstream on 127.0.0.1 whose bodies stream (chunked, no length):
/// `/hold` sends `first` and the rest only once `release` is notified;
/// `/chunks?n=&size=` sends `n` chunks of `size` bytes (`a`, `b`, ...);
/// `/small` is a short body with a `content-length`.
async fn streaming_upstream() -> (std::net::SocketAddr, Arc<tokio::sync::Notify>) {
    use bytes::Bytes;
    use http_body_util::{BodyExt, StreamBody};
    use hyper::body::Frame;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let release = Arc::new(tokio::sync::Notify::new());
    let held = release.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let held = held.clone();
            tokio::spawn(async move {
                let svc =
                    hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let held = held.clone();
                        async move {
                            let (tx, rx) = tokio::sync::mpsc::channel::<
                                Result<Frame<Bytes>, std::convert::Infallible>,
                            >(4);
                            let query: std::collections::HashMap<String, String> = req
                                .uri()
                                .query()
                                .unwrap_or("")
                                .split('&')
                                .filter_map(|kv| kv.split_once('='))
                                .map(|(k, v)| (k.to_string(), v.to_string()))
                                .collect();
                            let num = |k: &str| {
                                query
                                    .get(k)
                                    .and_then(|v| v.parse::<usize>().ok())
                                    .unwrap_or(1)
                            };
                            let path = req.uri().path().to_string();
                            if path == "/small" {
                                let body =
                                    http_body_util::Full::new(Bytes::from_static(b"small body"))
                                        .map_err(|e| match e {})
                                        .boxed();
                                return Ok::<_, std::convert::Infallible>(
                                    http::Response::builder()
                                        .header("content-type", "text/plain")
                                        .body(body)
                                        .unwrap(),
                                );
                            }
                            let (n, size) = (num("n"), num("size"));
                            tokio::spawn(async move {
                                if path == "/hold" {
                                    let _ = tx
                                        .send(Ok(Frame::data(Bytes::from_static(b"first"))))
                                        .await;
                                    held.notified().await;
                                    let _ =
                                        tx.send(Ok(Frame::data(Bytes::from_static(b"rest")))).await;
                                } else {
                                    for i in 0..n {
                                        let chunk = vec![b'a' + (i % 26) as u8; size];
                                        if tx
                                            .send(Ok(Frame::data(Bytes::from(chunk))))
                                            .await
                                            .is_err()
                                        {
                                            return;
                                        }
                                    }
                                }
                            });
                            let body =
                                StreamBody::new(tokio_stream::wrappers::ReceiverStream::new(rx))
                                    .boxed();
                            Ok(http::Response::builder()
                                .header("content-type", "text/plain")
                                .body(body)
                                .unwrap())
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (addr, release)
}

fn body_reader() -> WorkerCode {
    WorkerCode::new("body_reader.js")
        .module(
            "body_reader.js",
            isolet::ModuleSource::Esm(worker_source("js/outbound/body_reader.js")),
        )
        .compatibility_date("2025-06-01")
        .global_outbound(isolet::Outbound::Forward(isolet::ForwardConfig {
            allow_private: true,
            ..Default::default()
        }))
        .binding(
            "STREAMER",
            isolet::BindingSpec::Service {
                worker: "streamer".into(),
                entrypoint: None,
                props: None,
            },
        )
}

fn reader_get(path: &str, target: &str) -> Request {
    Request::get(format!("https://reader.test{path}?target={target}"))
}

#[tokio::test]
async fn outbound_and_service_binding_bodies_arrive_as_the_worker_reads_them() {
    let (rt, gate, traces) = runtime().await;
    rt.define("streamer", worker_code());
    let (addr, release) = streaming_upstream().await;
    let up = |p: &str| format!("http://{addr}{p}");
    let w = rt.get("reader", body_reader).await.unwrap();
    let json = |r: isolet::Response| r.json().unwrap();

    // The first chunk reaches the worker while the upstream still holds the
    // rest: a body read whole would wait for it and hit the deadline.
    let r = w.fetch(reader_get("/first", &up("/hold"))).await.unwrap();
    assert_eq!(
        json(r),
        serde_json::json!({"status": 200, "first": "first", "type": "text/plain",
            "immutable": "TypeError: Can't modify immutable headers.", "copyMutable": true})
    );
    release.notify_waiters();

    // A short body with a length comes whole, through the same API.
    let r = w.fetch(reader_get("/first", &up("/small"))).await.unwrap();
    assert_eq!(json(r)["first"], "small body");

    // 1 MiB proxied through the worker, chunk by chunk.
    let mut resp = w
        .entrypoint(None)
        .fetch_streaming(reader_get("/proxy", &up("/chunks?n=64%26size=16384")))
        .await
        .unwrap();
    let mut total = 0;
    let mut chunks = 0;
    while let Some(chunk) = resp.body.next_chunk().await {
        let chunk = chunk.unwrap();
        assert!(chunk.iter().all(|&b| b.is_ascii_lowercase()));
        total += chunk.len();
        chunks += 1;
    }
    assert_eq!(total, 64 * 16384);
    assert!(chunks > 1, "the proxied body came in one piece");

    // A BYOB reader takes the arriving body in views of 1,000 bytes.
    let r = w
        .fetch(reader_get("/byob", &up("/chunks?n=10%26size=2500")))
        .await
        .unwrap();
    let out = json(r);
    assert_eq!(out["total"], 25000);
    assert_eq!(out["largest"], 1000);
    assert!(out["reads"].as_u64().unwrap() >= 25, "{out}");

    // A body kept past its invocation cannot be read in the next one.
    let r = w.fetch(reader_get("/keep", &up("/hold"))).await.unwrap();
    assert_eq!(r.text(), "kept");
    let out = json(w.fetch(reader_get("/later", "")).await.unwrap());
    assert_eq!(out["error"], "TypeError", "{out}");
    assert!(
        out["message"]
            .as_str()
            .unwrap()
            .contains("can no longer be read"),
        "{out}"
    );
    release.notify_waiters();

    // A service binding's streamed body: its first chunk while the other
    // worker waits at its gate.
    let r = w.fetch(reader_get("/service", "/gated")).await.unwrap();
    assert_eq!(
        json(r),
        serde_json::json!({"status": 200, "first": "first;"})
    );
    gate.0.add_permits(2);
    // And passed through as this worker's own body.
    let direct = rt
        .get("streamer", worker_code)
        .await
        .unwrap()
        .fetch(get("/mixed"))
        .await
        .unwrap()
        .text();
    let proxied = w
        .fetch(reader_get("/service-proxy", "/mixed"))
        .await
        .unwrap()
        .text();
    assert_eq!(proxied, direct);
    assert!(!proxied.is_empty());

    // Outbound traces record each fetch.
    let t = traces.for_worker("reader");
    assert!(
        t.iter()
            .flat_map(|e| e.outbound.iter())
            .all(|o| o.status == Some(200)),
        "{t:?}"
    );
}

#[tokio::test]
async fn the_outbound_byte_limit_covers_bodies_read_as_they_arrive() {
    let (rt, _gate, _traces) = runtime().await;
    rt.define("streamer", worker_code());
    let (addr, _release) = streaming_upstream().await;
    let code = body_reader().limits(Limits::new().outbound_bytes(10_000));
    let w = rt.load(code).await.unwrap();
    let target = format!("http://{addr}/chunks?n=10%26size=2500");
    let out = w
        .fetch(reader_get("/text", &target))
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(out["error"], "TypeError", "{out}");
    assert!(
        out["message"]
            .as_str()
            .unwrap()
            .contains("exceeded this invocation's limit of 10000 bytes"),
        "{out}"
    );
    // Under the limit, the same body reads whole.
    let target = format!("http://{addr}/chunks?n=3%26size=2500");
    let out = w
        .fetch(reader_get("/text", &target))
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(out["length"], 7500);
}

/// A Python worker gets an arriving outbound body whole.
#[tokio::test]
async fn a_python_worker_reads_an_arriving_outbound_body_whole() {
    let (rt, _gate, _traces) = runtime().await;
    let (addr, _release) = streaming_upstream().await;
    let code = WorkerCode::new("fetcher.py")
        .module(
            "fetcher.py",
            isolet::ModuleSource::Python(worker_source("py/fetcher.py")),
        )
        .compatibility_date("2025-06-01")
        .global_outbound(isolet::Outbound::Forward(isolet::ForwardConfig {
            allow_private: true,
            ..Default::default()
        }));
    let w = rt.load(code).await.unwrap();
    let target = format!("http://{addr}/chunks?n=10%26size=2500");
    let r = w
        .fetch(Request::get(format!("https://py.test/?target={target}")))
        .await
        .unwrap();
    assert_eq!(r.text(), "status 200 length 25000 first a");
}

// ------------------------------------------------------------- WebSockets

fn socket_worker(limits: Option<Limits>) -> WorkerCode {
    let code = WorkerCode::new("websocket.js")
        .module(
            "websocket.js",
            isolet::ModuleSource::Esm(worker_source("js/websocket.js")),
        )
        .compatibility_date("2025-06-01");
    match limits {
        Some(l) => code.limits(l),
        None => code,
    }
}

/// Opens a WebSocket to the worker: the 101 answer and the socket.
async fn connect(w: &isolet::Worker) -> (isolet::StreamingResponse, isolet::WebSocket) {
    let mut resp = w
        .entrypoint(None)
        .fetch_streaming(get("/chat").header("upgrade", "websocket"))
        .await
        .unwrap();
    let socket = resp
        .web_socket
        .take()
        .expect("the worker accepted a WebSocket");
    (resp, socket)
}

/// A socket to worker `id` (loaded with `limits`), past the worker's greeting.
async fn greeted(rt: &Runtime, id: &str, limits: Option<Limits>) -> isolet::WebSocket {
    let w = rt.get(id, || socket_worker(limits)).await.unwrap();
    let (_resp, mut ws) = connect(&w).await;
    assert_eq!(next(&mut ws).await, Some(text("hello")));
    ws
}

/// The worker's next message, within a few seconds.
async fn next(ws: &mut isolet::WebSocket) -> Option<isolet::WebSocketMessage> {
    tokio::time::timeout(Duration::from_secs(10), ws.recv())
        .await
        .expect("the worker answers")
}

/// The trace of worker `id`'s ended session: it went well and logged `line`.
async fn session_ended(traces: &Traces, id: &str, line: &str) -> TraceEvent {
    let trace = traces_of(traces, id).await.pop().unwrap();
    assert!(matches!(trace.outcome, Outcome::Ok), "{:?}", trace.outcome);
    assert!(
        trace.logs.iter().any(|l| l.message == line),
        "{:?}",
        trace.logs
    );
    trace
}

fn text(s: &str) -> isolet::WebSocketMessage {
    isolet::WebSocketMessage::Text(s.into())
}

#[tokio::test]
async fn a_worker_accepts_a_websocket_and_messages_flow_both_ways() {
    use isolet::WebSocketMessage::{Binary, Close};
    let (rt, _gate, traces) = runtime().await;
    let w = rt.get("chat", || socket_worker(None)).await.unwrap();
    let (resp, mut ws) = connect(&w).await;
    assert_eq!(resp.status, 101);
    assert_eq!(resp.header("x-chat"), Some("1"));
    // Sent before the answer, delivered first.
    assert_eq!(next(&mut ws).await, Some(text("hello")));
    ws.send(text("abc")).await.unwrap();
    assert_eq!(next(&mut ws).await, Some(text("ABC")));
    ws.send(Binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(next(&mut ws).await, Some(Binary(vec![3, 2, 1])));
    // A listener that throws is reported; the socket stays open.
    ws.send(text("throw")).await.unwrap();
    ws.send(text("count")).await.unwrap();
    assert_eq!(next(&mut ws).await, Some(text("4")));
    // Timers run in real time while the session waits for the client.
    let asked = Instant::now();
    ws.send(text("later")).await.unwrap();
    assert_eq!(next(&mut ws).await, Some(text("timer fired")));
    assert!(asked.elapsed() >= Duration::from_millis(50));
    // The worker closes; the client answers; the session ends.
    ws.send(text("bye")).await.unwrap();
    assert_eq!(
        next(&mut ws).await,
        Some(Close {
            code: 1000,
            reason: "bye after 6".into()
        })
    );
    ws.send(Close {
        code: 1000,
        reason: "ok".into(),
    })
    .await
    .unwrap();
    assert_eq!(next(&mut ws).await, None);

    let trace = session_ended(&traces, "chat", "closed 1000 \"ok\" clean=true state=3").await;
    assert!(trace.logs.iter().any(|l| l.message == "waitUntil done"));
    assert!(
        trace
            .exceptions
            .iter()
            .any(|e| e.message == "listener failed"),
        "{:?}",
        trace.exceptions
    );
    // The instance serves the next request.
    let r = w.fetch(get("/errors")).await.unwrap();
    assert_eq!(r.status, 200);
    // A sender used after the session ended is told so.
    assert!(matches!(
        ws.send(text("late")).await,
        Err(Error::WebSocketClosed)
    ));
}

#[tokio::test]
async fn a_client_that_goes_away_is_a_1006_close_and_a_limit_ends_the_session_with_1011() {
    let (rt, _gate, traces) = runtime().await;
    let ws = greeted(&rt, "gone", None).await;
    drop(ws);
    session_ended(&traces, "gone", "closed 1006 \"\" clean=false state=3").await;

    let limits = Limits {
        cpu_time: Some(Duration::from_millis(50)),
        ..Limits::default()
    };
    let mut ws = greeted(&rt, "spin", Some(limits)).await;
    // Each event has the CPU limit of its own: many cheap ones pass.
    for _ in 0..20 {
        ws.send(text("x")).await.unwrap();
        assert_eq!(next(&mut ws).await, Some(text("X")));
    }
    ws.send(text("spin")).await.unwrap();
    match next(&mut ws).await {
        Some(isolet::WebSocketMessage::Close { code: 1011, reason }) => {
            assert!(reason.contains("CPU limit"), "{reason}")
        }
        other => panic!("expected a 1011 close, got {other:?}"),
    }
    assert_eq!(next(&mut ws).await, None);
    let trace = traces_of(&traces, "spin").await.pop().unwrap();
    assert!(
        matches!(trace.outcome, Outcome::ExceededCpu),
        "{:?}",
        trace.outcome
    );
    // The limit retired that worker; its id loads afresh and answers.
    let _greeted = greeted(&rt, "spin", Some(limits)).await;
}

#[tokio::test]
async fn websocket_pairs_inside_a_worker_and_their_errors() {
    let (rt, _gate, _traces) = runtime().await;
    let w = rt.load(socket_worker(None)).await.unwrap();
    let local = w.fetch(get("/local")).await.unwrap().json().unwrap();
    assert_eq!(
        local,
        serde_json::json!({
            "log": [
                "b got early",
                "a got re:early",
                "b got [object ArrayBuffer]",
                "a close 4000 done here true state=3",
                "b close 4000 done here state=3"
            ],
            "afterClose": 2,
            "sendAfterClose": "TypeError: Can't call WebSocket send() after close().",
            "keys": ["0", "1"],
            "constants": [0, 1, 2, 3]
        })
    );
    let errors = w.fetch(get("/errors")).await.unwrap().json().unwrap();
    assert_eq!(
        errors,
        serde_json::json!({
            "sendBeforeAccept": "TypeError: You must call accept() on this WebSocket before sending messages.",
            "badCode": "TypeError: Invalid WebSocket close code: 999.",
            "longReason": "TypeError: A WebSocket close reason may be at most 123 bytes of UTF-8.",
            "sendBlob": "TypeError: WebSocket send() takes a string, an ArrayBuffer or an ArrayBufferView.",
            "status101NoSocket": "RangeError: Responses may only be constructed with status codes in the range 200 to 599, inclusive. Received: 101",
            "socketNot101": "RangeError: A Response with a webSocket must have status 101.",
            "notASocket": "TypeError: The webSocket of a Response must be a WebSocket.",
            "outboundSocket": "TypeError: new WebSocket(url) (a WebSocket to another server) is not available in isolet; a worker accepts WebSockets with new WebSocketPair()",
            "webSocketOfPlainResponse": null,
            "webSocketKept": true
        })
    );
    // Buffered fetch() of a WebSocket answer: the 101 head; the worker
    // sees its client go away.
    let r = w
        .fetch(get("/chat").header("upgrade", "websocket"))
        .await
        .unwrap();
    assert_eq!(r.status, 101);
}
