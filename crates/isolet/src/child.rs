//! Children: the workers a worker loads at run time through its loader
//! bindings (`env.LOADER.get(name, getCode)`, `env.LOADER.load(code)`), as
//! the parent's invocations see them. The host side of the `loader`
//! interface is `host_loader.rs`; a child is a `Worker` (worker.rs
//! implements [`Child`]).

use crate::http::{Request, StreamingResponse};
use crate::invocation::Caller;
use crate::outbound::BoxFuture;
use crate::wire::Value;

/// Most children one invocation may `load` (each also takes a subrequest
/// and holds an instance until the invocation ends; children cannot load
/// workers of their own).
pub(crate) const MAX_LOADED_PER_INVOCATION: usize = 8;

/// Most bytes of code (its WorkerCode JSON) a worker may hand a child: as
/// much as `isolet serve` takes in one deploy by default.
pub(crate) const MAX_CHILD_CODE_BYTES: usize = 10 << 20;

/// Most bindings a child's `env` may hold (the parent's bindings and own
/// entrypoints it passes by reference): as many as `isolet serve` lets a
/// deployed worker have by default, twice over.
pub(crate) const MAX_CHILD_BINDINGS: usize = 64;

/// Longest name a loader keeps a child under (`LOADER.get(name, ...)`).
pub(crate) const MAX_CHILD_NAME_BYTES: usize = 256;

/// A child, as its parent calls it: `fetch` and RPC on one of its
/// entrypoints, for `caller` (the parent's call chain, the entrypoint's
/// `ctx.props`, what the call passes by reference).
pub(crate) trait Child: Send + Sync {
    fn fetch(
        &self,
        entrypoint: Option<String>,
        request: Request,
        caller: Caller,
    ) -> BoxFuture<'_, Result<StreamingResponse, String>>;

    fn call(
        &self,
        entrypoint: Option<String>,
        method: String,
        args: Vec<Value>,
        caller: Caller,
    ) -> BoxFuture<'_, Result<Value, String>>;
}
