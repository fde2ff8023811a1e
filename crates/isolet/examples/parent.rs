//! Embedding isolet in a hyper app: a "parent" service that takes worker
//! code in a request and runs it in a sandbox, Code Mode style.
//!
//! ```sh
//! cargo run -p isolet --example parent -- 127.0.0.1:3000
//! curl -s localhost:3000/ --data-binary \
//!   'export default { fetch(req) { return new Response("hi from " + req.url) } }'
//! ```
//!
//! Each POST body is loaded with `Runtime::load` (a fresh, one-shot
//! isolate), sent one request, and its response (or error) returned.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use isolet::{Error, Limits, Request, Runtime, WorkerCode};

async fn handle(
    runtime: Runtime,
    req: http::Request<hyper::body::Incoming>,
) -> http::Response<Full<Bytes>> {
    let reply = |status: u16, body: String| {
        let mut r = http::Response::new(Full::new(Bytes::from(body)));
        *r.status_mut() =
            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        r
    };
    let Ok(body) = Limited::new(req.into_body(), 1 << 20).collect().await else {
        return reply(413, "code too large\n".into());
    };
    let source = String::from_utf8_lossy(&body.to_bytes()).into_owned();
    // Untrusted code: a small CPU budget and a short deadline.
    let code = WorkerCode::js(source).limits(
        Limits::new()
            .cpu_time(std::time::Duration::from_millis(50))
            .timeout(std::time::Duration::from_secs(2)),
    );
    let result = async {
        let worker = runtime.load(code).await?;
        worker.fetch(Request::get("https://sandbox.local/")).await
    }
    .await;
    match result {
        Ok(resp) => reply(resp.status, resp.text()),
        Err(e @ Error::Script(_)) => reply(500, format!("{e}\n")),
        Err(e) if e.is_limit() => reply(503, format!("{e}\n")),
        Err(e) => reply(400, format!("{e}\n")),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".into())
        .parse()?;
    let runtime = Runtime::builder().build().await?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("parent listening on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let runtime = runtime.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let runtime = runtime.clone();
                async move { Ok::<_, Infallible>(handle(runtime, req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
