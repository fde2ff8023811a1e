//! # isolet
//!
//! Run untrusted JavaScript "dynamic workers" in WebAssembly isolates on
//! Wasmtime: the parent hands isolet a worker's code at run time and gets back
//! a sandboxed worker it can call at once, like Cloudflare's Worker Loader
//! (`env.LOADER.load(code)`, `env.LOADER.get(id, () => code)`), on Wasm
//! instead of V8.
//!
//! Every worker is an instance of one precompiled engine component (QuickJS),
//! so no per-worker Wasm compile ever happens; instances come from Wasmtime's
//! pooling allocator with copy-on-write memory images. Each runs under a
//! memory limit, a CPU budget (fuel) and a wall-clock deadline (epoch
//! interruption), and can reach nothing it was not given.
//!
//! ```
//! # #[tokio::main] async fn main() -> isolet::Result<()> {
//! use isolet::{Request, Runtime, WorkerCode};
//!
//! let runtime = Runtime::builder().build().await?;
//! let code = WorkerCode::js(r#"
//!     export default {
//!         async fetch(request, env) {
//!             const url = new URL(request.url);
//!             return Response.json({ path: url.pathname, greeting: env.GREETING });
//!         }
//!     }
//! "#).env_var("GREETING", "hello");
//!
//! // One-shot: a fresh instance.
//! let worker = runtime.load(code.clone()).await?;
//! let resp = worker.fetch(Request::get("https://example.com/hi")).await?;
//! assert_eq!(resp.json().unwrap()["path"], "/hi");
//!
//! // Warm: kept by id; the callback runs only on a miss.
//! let warm = runtime.get("greeter", || code).await?;
//! warm.fetch(Request::get("https://example.com/")).await?;
//! # Ok(()) }
//! ```
//!
//! What a worker is ([`WorkerCode`], [`Limits`], [`Outbound`],
//! [`BindingSpec`]) is plain data in the `isolet-code` crate (serde only),
//! re-exported here. Modules, one concept each:
//! `runtime` (engine and pools), `loader` (`load` / `get`), `worker`
//! (invocations), [`limits`](Limits), [`tail`](TailSink) (traces), and the
//! `component_cache` (the engine components, compiled once per machine).
//!
//! ## Features
//!
//! Off by default (an embedder who only runs JavaScript compiles none of
//! their dependencies); the `isolet` CLI and `isolet-server` turn all on:
//!
//! - `typescript`: TypeScript, TSX and JSX modules, transpiled by oxc
//!   (without it such a module is refused with a clear error);
//! - `python`: the Python engine (guest-py, built by componentize-py);
//! - `storage`: per-object storage (`ctx.storage`, SQL, `isolet:fs`) on
//!   SQLite, under [`RuntimeBuilder::storage_dir`];
//! - `full`: all three.
//!
//! The other parts are their own crates: `isolet-server` (the HTTP host),
//! `isolet-codemode` (Code Mode and its MCP server), `isolet-bundle` (npm
//! packages) and `isolet-cli` (the `isolet` command).

// The server's request-handling future nests deeply (routing, invocation,
// streaming, panic catching): its layout needs more than the default 128.
#![recursion_limit = "256"]

pub mod auth;
mod bindings;
mod budget;
mod bytecode;
mod cache;
mod child;
mod component_cache;
pub mod deep;
mod error;
/// The fuzz targets' entry points, for isolet's own tests (`tests/all/fuzz.rs`):
/// only with the `fuzz` feature, which nothing but those tests turns on.
#[cfg(feature = "fuzz")]
#[doc(hidden)]
pub mod fuzz;
mod host_loader;
mod http;
mod instance;
mod invocation;
mod limits;
mod loader;
pub mod outbound;
pub mod quarantine;
mod runtime;
mod shared;
mod state;
mod storage;
mod stubs;
mod tail;
mod typescript;
mod warm;
mod websocket;
mod wire;
mod wit;
mod worker;

pub use bindings::{Binding, BindingSpec, MAX_CALL_DEPTH, WorkerSource};
pub use error::{Error, Result, ScriptError};
pub use http::{BodyStream, Request, Response, StreamingResponse};
pub use isolet_code::{
    COMPATIBILITY_FLAGS, Expose, ID_RULE, Jsx, JsxMode, ModuleSource, TailConsumer, WorkerCode,
    normalize_path, today, valid_id,
};
pub use limits::DEFAULT_HOST_MEMORY_BYTES;
pub use limits::{
    DEFAULT_CPU_TIME, DEFAULT_FUEL, DEFAULT_MEMORY_BYTES, DEFAULT_RESPONSE_BYTES, DEFAULT_TIMEOUT,
    Limits, MAX_RESPONSE_HEADER_BYTES,
};
pub use outbound::{BoxFuture, ForwardConfig, Outbound, OutboundContext, OutboundPolicy};
pub use runtime::{
    DEFAULT_KEEP_RESIDENT, MAPS_PER_INSTANCE, Runtime, RuntimeBuilder, RuntimeStats, WeakRuntime,
};
pub use storage::{MAX_OBJECT_NAME_BYTES, ObjectInfo, StorageLimits};
pub use tail::{
    EventInfo, LogEntry, LogLevel, MAX_LOG_BYTES_PER_INVOCATION, MAX_LOGS_PER_INVOCATION, Outcome,
    TailSink, TraceEvent,
};
pub use tail::{MAX_OUTBOUND_RECORDS_PER_INVOCATION, MAX_TAILS, shorten};
pub use websocket::{WebSocket, WebSocketMessage, WebSocketReceiver, WebSocketSender};
pub use wire::Value;
pub use worker::{Entrypoint, Worker};
