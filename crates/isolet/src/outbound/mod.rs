//! Outbound HTTP: every `fetch()` a worker makes goes through its
//! `globalOutbound` policy — deny, forward (with host lists and SSRF
//! protection), or a gateway (another worker, or an embedder's
//! [`OutboundPolicy`]).

pub mod address;
mod forward;

use std::future::Future;
use std::pin::Pin;

pub use forward::Forwarder;
pub use isolet_code::outbound::{ForwardConfig, Outbound};

use crate::http::{Request, Response};

/// A boxed future, as the policy traits return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What an outbound policy knows about the request's origin.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OutboundContext {
    /// The id of the worker making the request (`None` for one-shot workers).
    pub worker_id: Option<String>,
}

/// An embedder's outbound gateway: sees every request a worker makes and
/// decides — pass it on (e.g. with credentials the worker never sees),
/// rewrite it, answer it itself, or refuse (`Err` becomes an `Error` thrown
/// inside the worker).
///
/// ```
/// use isolet::{BoxFuture, OutboundContext, OutboundPolicy, Request, Response};
/// struct OnlyStatus;
/// impl OutboundPolicy for OnlyStatus {
///     fn fetch<'a>(&'a self, req: Request, _cx: &'a OutboundContext) -> BoxFuture<'a, Result<Response, String>> {
///         Box::pin(async move {
///             if req.url.ends_with("/status") {
///                 Ok(Response { status: 200, headers: vec![], body: b"up".to_vec() })
///             } else {
///                 Err(format!("{} is not allowed", req.url))
///             }
///         })
///     }
/// }
/// ```
pub trait OutboundPolicy: Send + Sync + 'static {
    /// Handles one request.
    fn fetch<'a>(
        &'a self,
        request: Request,
        cx: &'a OutboundContext,
    ) -> BoxFuture<'a, Result<Response, String>>;
}

/// How redirects are handled (the `redirect` option of `fetch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirect {
    Follow,
    Manual,
    Error,
}
