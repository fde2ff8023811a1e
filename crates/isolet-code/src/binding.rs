//! What a worker finds in its `env` besides plain values: capabilities the
//! embedder registered by name, and other workers (service bindings).

use serde::{Deserialize, Serialize};

/// A binding in `WorkerCode::bindings`.
///
/// ```
/// use isolet_code::BindingSpec;
/// let b: BindingSpec = serde_json::from_str(r#"{"service": {"worker": "auth"}}"#).unwrap();
/// assert_eq!(b, BindingSpec::Service { worker: "auth".into(), entrypoint: None });
/// let c: BindingSpec = serde_json::from_str(r#"{"capability": "chat"}"#).unwrap();
/// assert_eq!(c, BindingSpec::Capability("chat".into()));
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
    },
}
