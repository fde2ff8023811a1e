//! Bindings: capabilities the parent grants a worker in its `env`.
//!
//! - A **capability** binding is a Rust object ([`Binding`]) the embedder
//!   registers on the runtime by name; `await env.CHAT_ROOM.post("hi")` calls
//!   its `call("post", ["hi"])`.
//! - A **service** binding is another isolet worker, by id: `env.AUTH.fetch(req)`
//!   calls its `fetch`, `env.AUTH.check(token)` its RPC method. Cycles and
//!   runaway recursion stop at [`MAX_CALL_DEPTH`].
//!
//! A worker reaches only the bindings named in its own `WorkerCode`.

pub use isolet_code::BindingSpec;
use isolet_code::WorkerCode;

use crate::outbound::BoxFuture;
use crate::wire::Value;

/// A service binding's `props` as the callee's `ctx.props` (wire JSON).
pub(crate) fn service_props(
    props: &Option<serde_json::Map<String, serde_json::Value>>,
) -> Option<std::sync::Arc<str>> {
    let props = props.as_ref()?;
    let wire = Value::from(serde_json::Value::Object(props.clone())).to_wire();
    Some(std::sync::Arc::from(wire.to_string()))
}

/// How deep worker → worker calls (service bindings, gateway workers) may nest.
pub const MAX_CALL_DEPTH: usize = 8;

/// A capability backed by Rust.
///
/// ```
/// use isolet::{Binding, BoxFuture, Value};
/// struct Counter(std::sync::atomic::AtomicU64);
/// impl Binding for Counter {
///     fn call<'a>(&'a self, method: &'a str, _args: Vec<Value>) -> BoxFuture<'a, Result<Value, String>> {
///         Box::pin(async move {
///             match method {
///                 "next" => Ok(Value::from(self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed))),
///                 other => Err(format!("no method {other}")),
///             }
///         })
///     }
/// }
/// ```
pub trait Binding: Send + Sync + 'static {
    /// Handles `env.NAME.method(...args)`. `Err` is thrown in the worker as an `Error`.
    fn call<'a>(
        &'a self,
        method: &'a str,
        args: Vec<Value>,
    ) -> BoxFuture<'a, Result<Value, String>>;
}

/// Where the runtime finds a worker's code by id, for service bindings,
/// gateway workers and tail workers. The runtime's own registry
/// ([`Runtime::define`](crate::Runtime::define)) is used when none is set.
pub trait WorkerSource: Send + Sync + 'static {
    /// The code of worker `id`, if it exists.
    fn code<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Option<WorkerCode>>;
}
