//! # isolet-code
//!
//! What a parent hands isolet to make a worker, as plain data: the worker's
//! modules and configuration ([`WorkerCode`], shaped like the Worker
//! Loader's `{ mainModule, modules, compatibilityDate, env, limits }`), its
//! [`Limits`], where its `fetch()` goes ([`Outbound`]) and what its `env`
//! holds besides values ([`BindingSpec`]), with their JSON form and
//! validation; and RPC values ([`Value`]) with their tagged-JSON wire form. Serde only: no runtime, no Wasmtime. A control plane, a
//! client or a build tool that writes or checks workers' code depends on
//! this crate alone; the `isolet` runtime re-exports every item.
//!
//! ```
//! use isolet_code::WorkerCode;
//! let json = r#"{
//!     "mainModule": "main.js",
//!     "modules": {"main.js": "export default { fetch() { return new Response('hi') } }"},
//!     "compatibilityDate": "2025-06-01",
//!     "limits": {"cpuMs": 50},
//!     "globalOutbound": {"forward": {"allowHosts": ["api.example.com"]}}
//! }"#;
//! let code: WorkerCode = serde_json::from_str(json).unwrap();
//! assert!(code.validate().is_ok());
//! let bad: WorkerCode = serde_json::from_str(r#"{"mainModule": "x.js", "modules": {}, "compatibilityDate": "2025-06-01"}"#).unwrap();
//! assert!(bad.validate().unwrap_err().iter().any(|p| p.contains("\"x.js\" is not one of the modules")));
//! ```

pub mod binding;
pub mod jsx;
pub mod limits;
pub mod outbound;
pub mod tail;
pub mod wire;
mod worker_code;

pub use binding::BindingSpec;
pub use jsx::{Jsx, JsxMode};
pub use limits::Limits;
pub use outbound::{ForwardConfig, Outbound};
pub use tail::TailConsumer;
pub use wire::Value;
pub use worker_code::{
    COMPATIBILITY_FLAGS, Expose, ID_RULE, MAX_TAILS, ModuleSource, WorkerCode, normalize_path,
    today, valid_id,
};
