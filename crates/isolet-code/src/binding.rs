//! What a worker finds in its `env` besides plain values: capabilities the
//! embedder registered by name, other workers (service bindings) and Worker
//! Loaders (the children it loads at run time).

use serde::{Deserialize, Serialize};

/// A binding in `WorkerCode::bindings`.
///
/// ```
/// use isolet_code::BindingSpec;
/// let b: BindingSpec = serde_json::from_str(r#"{"service": {"worker": "auth"}}"#).unwrap();
/// assert_eq!(b, BindingSpec::Service { worker: "auth".into(), entrypoint: None, props: None });
/// let p: BindingSpec = serde_json::from_str(r#"{"service": {"worker": "auth", "props": {"tenant": "a"}}}"#).unwrap();
/// assert!(matches!(p, BindingSpec::Service { props: Some(ref p), .. } if p["tenant"] == "a"));
/// let c: BindingSpec = serde_json::from_str(r#"{"capability": "chat"}"#).unwrap();
/// assert_eq!(c, BindingSpec::Capability("chat".into()));
/// let l: BindingSpec = serde_json::from_str(r#"{"loader": {}}"#).unwrap();
/// assert_eq!(l, BindingSpec::Loader { id: None });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum BindingSpec {
    /// A capability registered on the runtime under this name.
    Capability(String),
    /// Another worker.
    Service {
        /// Its id (resolved through the runtime's `isolet::WorkerSource`).
        worker: String,
        /// Its entrypoint (`None`: the default export).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        entrypoint: Option<String>,
        /// What the worker's entrypoint sees as `ctx.props` on every call
        /// through this binding (a JSON object; `None`: `{}`), as the
        /// `props` of a Cloudflare service binding. A worker that passes
        /// `ctx.exports.NAME({ props })` to a child it loads hands the child
        /// such a binding to itself.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        props: Option<serde_json::Map<String, serde_json::Value>>,
    },
    /// A Worker Loader, as Cloudflare's `worker_loaders` binding:
    /// `env.LOADER.get(name, getCode)` and `env.LOADER.load(code)` make
    /// children, workers of their own that the worker calls through
    /// `getEntrypoint(name, { props })`. A loader keeps the children `get`
    /// made by name; two loader bindings of one worker with the same `id`
    /// share them, and without an `id` each binding keeps its own.
    ///
    /// ```
    /// use isolet_code::BindingSpec;
    /// let shared: BindingSpec = serde_json::from_str(r#"{"loader": {"id": "sandboxes"}}"#).unwrap();
    /// assert_eq!(shared, BindingSpec::Loader { id: Some("sandboxes".into()) });
    /// assert_eq!(serde_json::to_string(&BindingSpec::Loader { id: None }).unwrap(), r#"{"loader":{}}"#);
    /// ```
    Loader {
        /// The loader's id (`None`: the binding's own).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
}
