//! `WorkerCode`: what a parent hands isolet to make a worker, shaped like the
//! Worker Loader's `{ mainModule, modules, compatibilityDate, env, limits }`.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::binding::BindingSpec;
use crate::jsx::Jsx;
use crate::limits::Limits;
use crate::outbound::Outbound;
use crate::tail::TailConsumer;

/// The source of one module.
///
/// In JSON a module is either a string (its kind is inferred from the name:
/// `.js`/`.mjs` ES module, `.ts`/`.mts`/`.tsx`/`.jsx` TypeScript, `.cjs`
/// CommonJS, `.py` Python, `.json` JSON, other text) or an object with one
/// key: `js`, `ts`, `cjs`, `text`, `data` (base64), `json` (any JSON value)
/// or `py`.
///
/// ```
/// use isolet_code::ModuleSource;
/// let m = ModuleSource::Esm("export default {}".into());
/// assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"js":"export default {}"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ModuleSource {
    /// An ES module.
    #[serde(rename = "js")]
    Esm(String),
    /// A TypeScript (or JSX) ES module, transpiled by the host before it
    /// runs: types are stripped, not checked; JSX in `.tsx`/`.jsx` modules
    /// compiles as [`WorkerCode::jsx`] says. Stack traces name its lines.
    #[serde(rename = "ts")]
    TypeScript(String),
    /// A CommonJS module (`require`, `module.exports`).
    #[serde(rename = "cjs")]
    CommonJs(String),
    /// A text module; its default export is the string.
    Text(String),
    /// A data module; its default export is an `ArrayBuffer`.
    #[serde(with = "base64_bytes")]
    Data(Vec<u8>),
    /// A JSON module; its default export is the value.
    Json(Value),
    /// A Python module.
    #[serde(rename = "py")]
    Python(String),
}

impl ModuleSource {
    /// A module from source text, its kind inferred from the module's name.
    ///
    /// ```
    /// use isolet_code::ModuleSource;
    /// assert!(matches!(ModuleSource::infer("util.cjs", "module.exports = 1"), ModuleSource::CommonJs(_)));
    /// assert!(matches!(ModuleSource::infer("main.js", ""), ModuleSource::Esm(_)));
    /// ```
    pub fn infer(name: &str, source: impl Into<String>) -> Self {
        let source = source.into();
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("js" | "mjs") => ModuleSource::Esm(source),
            Some("ts" | "mts" | "tsx" | "jsx") => ModuleSource::TypeScript(source),
            Some("cjs") => ModuleSource::CommonJs(source),
            Some("py") => ModuleSource::Python(source),
            Some("json") => match serde_json::from_str(&source) {
                Ok(v) => ModuleSource::Json(v),
                Err(_) => ModuleSource::Text(source),
            },
            _ => ModuleSource::Text(source),
        }
    }

    fn is_python(&self) -> bool {
        matches!(self, ModuleSource::Python(_))
    }

    fn is_js_code(&self) -> bool {
        matches!(
            self,
            ModuleSource::Esm(_) | ModuleSource::CommonJs(_) | ModuleSource::TypeScript(_)
        )
    }
}

mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD
            .decode(s.as_bytes())
            .map_err(|e| serde::de::Error::custom(format!("data module is not valid base64: {e}")))
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawModule {
    Plain(String),
    Tagged(ModuleSource),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawWorkerCode {
    main_module: String,
    modules: BTreeMap<String, RawModule>,
    #[serde(default)]
    compatibility_date: String,
    #[serde(default)]
    compatibility_flags: Vec<String>,
    #[serde(default)]
    env: serde_json::Map<String, Value>,
    #[serde(default)]
    limits: Option<Limits>,
    #[serde(default)]
    global_outbound: Outbound,
    #[serde(default)]
    bindings: BTreeMap<String, BindingSpec>,
    #[serde(default)]
    tails: Vec<TailConsumer>,
    #[serde(default)]
    fresh_instance_per_request: bool,
    #[serde(default)]
    jsx: Option<Jsx>,
    #[serde(default)]
    expose: Expose,
}

impl From<RawWorkerCode> for WorkerCode {
    fn from(raw: RawWorkerCode) -> Self {
        WorkerCode {
            modules: raw
                .modules
                .into_iter()
                .map(|(name, m)| {
                    let src = match m {
                        RawModule::Plain(s) => ModuleSource::infer(&name, s),
                        RawModule::Tagged(t) => t,
                    };
                    (name, src)
                })
                .collect(),
            main_module: raw.main_module,
            compatibility_date: raw.compatibility_date,
            compatibility_flags: raw.compatibility_flags,
            env: raw.env,
            limits: raw.limits,
            global_outbound: raw.global_outbound,
            bindings: raw.bindings,
            tails: raw.tails,
            fresh_instance_per_request: raw.fresh_instance_per_request,
            jsx: raw.jsx,
            expose: raw.expose,
        }
    }
}

/// Most distinct tail workers a worker may name in
/// [`WorkerCode::tails`] (a name
/// listed twice counts, and is delivered to, once).
///
/// ```
/// let code = (0..9).fold(isolet_code::WorkerCode::js("export default {}"), |c, i| c.tail(format!("t{i}")));
/// assert!(code.validate().unwrap_err().iter().any(|p| p.contains("the most is 8")));
/// let same = (0..100).fold(isolet_code::WorkerCode::js("export default {}"), |c, _| c.tail("t"));
/// assert!(same.validate().is_ok());
/// assert_eq!(isolet_code::MAX_TAILS, 8);
/// ```
pub const MAX_TAILS: usize = 8;

/// A worker's code and configuration, as the parent hands it to isolet.
///
/// ```
/// use isolet_code::WorkerCode;
/// let code = WorkerCode::js("export default { fetch() { return new Response('hi') } }")
///     .compatibility_date("2025-06-01")
///     .env_var("GREETING", "hello");
/// assert_eq!(code.main_module, "main.js");
/// assert!(code.validate().is_ok());
///
/// // The Worker Loader's JSON shape works too.
/// let json = r#"{"mainModule":"a.js","modules":{"a.js":"export default {}"},"compatibilityDate":"2025-06-01"}"#;
/// let code: WorkerCode = serde_json::from_str(json).unwrap();
/// assert!(code.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "RawWorkerCode")]
pub struct WorkerCode {
    /// The module holding the entrypoints (a key of `modules`).
    pub main_module: String,
    /// Every module, by name. Names are paths: `main.js`, `lib/util.js`.
    pub modules: BTreeMap<String, ModuleSource>,
    /// `YYYY-MM-DD`, required, not in the future. Recorded with the worker;
    /// no behaviour depends on it yet.
    pub compatibility_date: String,
    /// Compatibility flags, as in Workers: each must be one isolet knows
    /// ([`COMPATIBILITY_FLAGS`]), at most once. `nodejs_compat` enables
    /// the Node.js built-in modules (`node:buffer`, ...) and the `Buffer`
    /// and `process` globals.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compatibility_flags: Vec<String>,
    /// Plain values the worker sees as `env` (JSON values).
    #[serde(default)]
    pub env: serde_json::Map<String, Value>,
    /// Per-worker limits; unset fields take the runtime's defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<Limits>,
    /// Where `fetch()` goes. Default: denied.
    #[serde(default)]
    pub global_outbound: Outbound,
    /// Capability and service bindings, visible as `env.NAME`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub bindings: BTreeMap<String, BindingSpec>,
    /// Tail workers whose `tail(events)` receives this worker's traces
    /// (at most [`MAX_TAILS`] distinct ones): ids in JSON (`"logger"`), or
    /// an entrypoint with props (see [`TailConsumer`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tails: Vec<TailConsumer>,
    /// Every invocation (fetch or RPC) of a warm worker (`Runtime::get`, a
    /// deployed worker of `isolet serve`) runs in a new instance that is
    /// dropped afterwards: no module state, timer or global survives from one
    /// request to the next, as with `POST /run`, while the code is parsed,
    /// validated and compiled once. JSON: `"freshInstancePerRequest": true`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fresh_instance_per_request: bool,
    /// How JSX in `.tsx`/`.jsx` modules compiles (default: React's automatic
    /// runtime). JSON: `"jsx": {"importSource": "hono/jsx"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jsx: Option<Jsx>,
    /// What of the worker clients of `isolet serve` reach over HTTP
    /// besides the default export's `fetch` (always public): RPC
    /// entrypoints and Durable Objects are private unless listed here (or
    /// the request carries the admin or invoke token). JSON:
    /// `"expose": {"rpc": ["Admin"], "objects": true}`.
    #[serde(default, skip_serializing_if = "Expose::is_private")]
    pub expose: Expose,
}

/// What of a worker `isolet serve` (`isolet_server::Server`) exposes to clients
/// without a token, besides the default export's `fetch` handler (always
/// public). As on Cloudflare, a worker's RPC methods and its Durable
/// Objects are otherwise reachable only from code (service bindings), or
/// over HTTP with the admin token or the `invoke_token`.
///
/// Exposing an entrypoint exposes its RPC methods, never its handlers: a
/// client without a token cannot call, over RPC, a method named as a
/// handler the Workers runtime calls (`fetch`, `scheduled`, `alarm`,
/// `tail`, `trace`, `tailStream`, `queue`, `test`, `email`,
/// `webSocketMessage`, `webSocketClose`, `webSocketError`, `connect`),
/// the `constructor`, or a name starting with `_`, whatever `rpc` lists
/// (403). A plain-object default export's `tail` would otherwise take
/// forged events with the worker's `env`.
///
/// ```
/// let code: isolet_code::WorkerCode = serde_json::from_str(r#"{
///     "mainModule": "a.js", "modules": {"a.js": "export default {}"}, "compatibilityDate": "2025-06-01",
///     "expose": {"rpc": ["default", "Admin"], "objects": true}
/// }"#).unwrap();
/// assert!(code.expose.rpc_allows("Admin") && code.expose.rpc_allows("default"));
/// assert!(!code.expose.rpc_allows("Billing"));
/// assert!(code.expose.objects);
/// assert!(code.validate().is_ok());
/// assert!(!isolet_code::WorkerCode::js("export default {}").expose.rpc_allows("default"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Expose {
    /// Entrypoints whose RPC methods answer at
    /// `POST /w/{id}/rpc/{entrypoint}/{method}`: export names, `"default"`
    /// for the default export's methods, `"*"` for every entrypoint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rpc: Vec<String>,
    /// Whether the worker's Durable Objects answer at `/w/{id}/o/{name}/...`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub objects: bool,
}

impl Expose {
    /// Whether nothing but `fetch` is exposed (the default).
    ///
    /// ```
    /// assert!(isolet_code::Expose::default().is_private());
    /// ```
    pub fn is_private(&self) -> bool {
        self.rpc.is_empty() && !self.objects
    }

    /// Whether entrypoint `name`'s RPC methods are exposed (`"default"`:
    /// the default export).
    ///
    /// ```
    /// let e = isolet_code::Expose { rpc: vec!["*".into()], objects: false };
    /// assert!(e.rpc_allows("Anything"));
    /// ```
    pub fn rpc_allows(&self, name: &str) -> bool {
        self.rpc.iter().any(|e| e == "*" || e == name)
    }

    fn problems(&self) -> Vec<String> {
        self.rpc
            .iter()
            .filter(|e| {
                e.as_str() != "*"
                    && (e.is_empty()
                        || e.starts_with(|c: char| c.is_ascii_digit())
                        || !e
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$'))
            })
            .map(|e| {
                format!(
                    "`expose.rpc` entry \"{e}\" is not an entrypoint name (an export name, \"default\" or \"*\")"
                )
            })
            .collect()
    }
}

impl WorkerCode {
    /// Code whose main module is `main_module`, with no modules yet.
    ///
    /// ```
    /// use isolet_code::{ModuleSource, WorkerCode};
    /// let code = WorkerCode::new("app.js")
    ///     .module("app.js", ModuleSource::Esm("import u from './u.js'; export default u".into()))
    ///     .module("u.js", ModuleSource::Esm("export default {}".into()))
    ///     .compatibility_date("2025-06-01");
    /// assert_eq!(code.modules.len(), 2);
    /// ```
    pub fn new(main_module: impl Into<String>) -> Self {
        WorkerCode {
            main_module: main_module.into(),
            modules: BTreeMap::new(),
            compatibility_date: String::new(),
            compatibility_flags: Vec::new(),
            env: serde_json::Map::new(),
            limits: None,
            global_outbound: Outbound::Deny,
            bindings: BTreeMap::new(),
            tails: Vec::new(),
            fresh_instance_per_request: false,
            jsx: None,
            expose: Expose::default(),
        }
    }

    /// Sets how JSX compiles (see [`Jsx`]).
    ///
    /// ```
    /// let code = isolet_code::WorkerCode::new("a.tsx")
    ///     .module("a.tsx", isolet_code::ModuleSource::TypeScript("export default {}".into()))
    ///     .compatibility_date("2025-06-01")
    ///     .jsx(isolet_code::Jsx::classic("h", "Fragment"));
    /// assert!(code.validate().is_ok());
    /// ```
    pub fn jsx(mut self, jsx: Jsx) -> Self {
        self.jsx = Some(jsx);
        self
    }

    /// Sets where `fetch()` goes.
    ///
    /// ```
    /// use isolet_code::{ForwardConfig, Outbound, WorkerCode};
    /// let code = WorkerCode::js("export default {}")
    ///     .global_outbound(Outbound::Forward(ForwardConfig { allow_hosts: vec!["api.example.com".into()], ..Default::default() }));
    /// assert!(code.validate().is_ok());
    /// ```
    pub fn global_outbound(mut self, outbound: Outbound) -> Self {
        self.global_outbound = outbound;
        self
    }

    /// Adds a binding, visible to the worker as `env.NAME`.
    ///
    /// ```
    /// use isolet_code::{BindingSpec, WorkerCode};
    /// let code = WorkerCode::js("export default {}").binding("CHAT", BindingSpec::Capability("chat".into()));
    /// assert!(code.validate().is_ok());
    /// ```
    pub fn binding(mut self, name: impl Into<String>, spec: BindingSpec) -> Self {
        self.bindings.insert(name.into(), spec);
        self
    }

    /// Runs every invocation in a new instance (see
    /// [`fresh_instance_per_request`](Self::fresh_instance_per_request)).
    ///
    /// ```
    /// let code = isolet_code::WorkerCode::js("export default {}").fresh_per_request(true);
    /// assert!(code.fresh_instance_per_request);
    /// ```
    pub fn fresh_per_request(mut self, fresh: bool) -> Self {
        self.fresh_instance_per_request = fresh;
        self
    }

    /// Sets what clients of `isolet serve` reach besides `fetch` (see [`Expose`]).
    ///
    /// ```
    /// let code = isolet_code::WorkerCode::js("export default {}")
    ///     .expose(isolet_code::Expose { rpc: vec!["default".into()], objects: true });
    /// assert!(code.expose.rpc_allows("default") && code.validate().is_ok());
    /// ```
    pub fn expose(mut self, expose: Expose) -> Self {
        self.expose = expose;
        self
    }

    /// Adds a tail worker (by id, or a [`TailConsumer`] naming an
    /// entrypoint and props).
    ///
    /// ```
    /// use isolet_code::{TailConsumer, WorkerCode};
    /// let code = WorkerCode::js("export default {}").tail("logger").tail("audit");
    /// assert_eq!(code.tails, [TailConsumer::from("logger"), TailConsumer::from("audit")]);
    /// assert!(code.validate().is_ok());
    /// ```
    pub fn tail(mut self, worker_id: impl Into<TailConsumer>) -> Self {
        self.tails.push(worker_id.into());
        self
    }

    /// A one-module JavaScript worker (`main.js`) dated today.
    ///
    /// ```
    /// let code = isolet_code::WorkerCode::js("export default {}");
    /// assert!(code.validate().is_ok());
    /// ```
    pub fn js(source: impl Into<String>) -> Self {
        WorkerCode::new("main.js")
            .module("main.js", ModuleSource::Esm(source.into()))
            .compatibility_date(today())
    }

    /// Adds (or replaces) a module.
    ///
    /// ```
    /// use isolet_code::{ModuleSource, WorkerCode};
    /// let code = WorkerCode::js("export default {}")
    ///     .module("data.json", ModuleSource::infer("data.json", r#"{"a": 1}"#))
    ///     .module("main.js", ModuleSource::Esm("export default { x: 1 }".into())); // replaces
    /// assert_eq!(code.modules.len(), 2);
    /// assert_eq!(code.modules["main.js"], ModuleSource::Esm("export default { x: 1 }".into()));
    /// assert!(code.validate().is_ok());
    /// ```
    pub fn module(mut self, name: impl Into<String>, source: ModuleSource) -> Self {
        self.modules.insert(name.into(), source);
        self
    }

    /// Sets the compatibility date (`YYYY-MM-DD`).
    ///
    /// ```
    /// use isolet_code::WorkerCode;
    /// let code = WorkerCode::js("export default {}").compatibility_date("2025-06-01");
    /// assert_eq!(code.compatibility_date, "2025-06-01");
    /// assert!(code.validate().is_ok());
    /// let later = WorkerCode::js("export default {}").compatibility_date("9999-01-01");
    /// assert!(later.validate().unwrap_err()[0].contains("is in the future"));
    /// ```
    pub fn compatibility_date(mut self, date: impl Into<String>) -> Self {
        self.compatibility_date = date.into();
        self
    }

    /// Adds a compatibility flag (see [`COMPATIBILITY_FLAGS`]).
    ///
    /// ```
    /// let code = isolet_code::WorkerCode::js("import { Buffer } from 'node:buffer'; export default {}")
    ///     .compatibility_date("2025-06-01")
    ///     .compatibility_flag("nodejs_compat");
    /// assert!(code.validate().is_ok());
    /// ```
    pub fn compatibility_flag(mut self, flag: impl Into<String>) -> Self {
        self.compatibility_flags.push(flag.into());
        self
    }

    /// Adds a plain `env` value.
    ///
    /// ```
    /// let code = isolet_code::WorkerCode::js("export default {}")
    ///     .env_var("GREETING", "hello")
    ///     .env_var("RETRIES", 3);
    /// assert_eq!(code.env["GREETING"], "hello");
    /// assert_eq!(code.env["RETRIES"], 3);
    /// ```
    pub fn env_var(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.env.insert(name.into(), value.into());
        self
    }

    /// Sets per-worker limits.
    ///
    /// ```
    /// use isolet_code::{Limits, WorkerCode};
    /// use std::time::Duration;
    /// let code = WorkerCode::js("export default {}").limits(Limits::new().cpu_time(Duration::from_millis(50)));
    /// assert_eq!(code.limits.unwrap().cpu_time, Some(Duration::from_millis(50)));
    /// let bad = WorkerCode::js("export default {}").limits(Limits::new().memory_bytes(0));
    /// assert_eq!(bad.validate().unwrap_err(), ["`limits.memoryBytes` must be greater than 0"]);
    /// ```
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// Checks the code; `Err` lists every problem found.
    ///
    /// ```
    /// let bad = isolet_code::WorkerCode::new("missing.js").compatibility_date("2025-13-01");
    /// let problems = bad.validate().unwrap_err();
    /// assert_eq!(problems.len(), 3, "{problems:?}"); // no modules, main missing, bad date
    /// ```
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        if self.modules.is_empty() {
            problems
                .push("`modules` is empty: a worker needs at least its main module".to_string());
        }
        if self.main_module.is_empty() {
            problems.push("`mainModule` is empty".to_string());
        } else if !self.modules.contains_key(&self.main_module) {
            problems.push(format!(
                "`mainModule` \"{}\" is not one of the modules",
                self.main_module
            ));
        }
        for name in self.modules.keys() {
            if let Some(why) = bad_module_name(name) {
                problems.push(format!("module name \"{name}\" {why}"));
            }
        }
        if let Some(main) = self.modules.get(&self.main_module) {
            if main.is_python() {
                if let Some(js) = self.modules.iter().find(|(_, m)| m.is_js_code()) {
                    problems.push(format!(
                        "the main module is Python but \"{}\" is JavaScript: a worker has one language",
                        js.0
                    ));
                }
            } else if !main.is_js_code() {
                problems.push(format!(
                    "the main module \"{}\" must be JavaScript (js/cjs), TypeScript (ts) or Python (py)",
                    self.main_module
                ));
            } else if let Some(py) = self.modules.iter().find(|(_, m)| m.is_python()) {
                problems.push(format!(
                    "the main module is JavaScript but \"{}\" is Python: a worker has one language",
                    py.0
                ));
            }
        }
        if let Err(why) = check_date(&self.compatibility_date) {
            problems.push(why);
        }
        problems.extend(flag_problems(&self.compatibility_flags, self.is_python()));
        if let Some(limits) = &self.limits {
            problems.extend(limits.problems());
        }
        if let Some(jsx) = &self.jsx {
            problems.extend(jsx.problems());
        }
        problems.extend(self.expose.problems());
        for name in self.bindings.keys() {
            let ident = !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
            if !ident {
                problems.push(format!(
                    "binding name \"{name}\" is not a JavaScript identifier"
                ));
            }
            if self.env.contains_key(name) {
                problems.push(format!("\"{name}\" is both an env value and a binding"));
            }
        }
        problems.extend(self.id_problems());
        for tail in &self.tails {
            if tail.worker.is_empty() {
                problems.push("a tail worker id is empty".to_string());
            }
        }
        // Counted up to one past the most (a long list costs a pass, not a
        // comparison of every pair).
        let mut distinct_tails: Vec<&TailConsumer> = Vec::new();
        for tail in &self.tails {
            if !distinct_tails.contains(&tail) {
                distinct_tails.push(tail);
                if distinct_tails.len() > MAX_TAILS {
                    break;
                }
            }
        }
        if distinct_tails.len() > MAX_TAILS {
            problems.push(format!(
                "`tails` names more than {MAX_TAILS} workers; the most is {MAX_TAILS} (each invocation's trace goes to each)"
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Whether the worker is Python (its main module is a `.py` module)
    /// and runs on the Python engine; otherwise JavaScript.
    ///
    /// ```
    /// use isolet_code::{ModuleSource, WorkerCode};
    /// assert!(!WorkerCode::js("export default {}").is_python());
    /// let py = WorkerCode::new("main.py").module("main.py", ModuleSource::Python("".into()));
    /// assert!(py.is_python());
    /// ```
    pub fn is_python(&self) -> bool {
        self.modules
            .get(&self.main_module)
            .is_some_and(ModuleSource::is_python)
    }

    /// A content hash identifying this exact code and configuration.
    ///
    /// ```
    /// let a = isolet_code::WorkerCode::js("export default {}").compatibility_date("2025-01-01");
    /// let b = a.clone().env_var("X", 1);
    /// assert_ne!(a.content_hash(), b.content_hash());
    /// assert_eq!(a.content_hash(), a.clone().content_hash());
    /// ```
    pub fn content_hash(&self) -> String {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(&bytes))
    }
}

/// The compatibility flags isolet knows, with what each does. A worker
/// naming any other flag is refused (as workerd refuses unknown flags).
///
/// ```
/// let names: Vec<&str> = isolet_code::COMPATIBILITY_FLAGS.iter().map(|(n, _)| *n).collect();
/// assert!(names.contains(&"nodejs_compat"));
/// let bad = isolet_code::WorkerCode::js("export default {}")
///     .compatibility_date("2025-06-01")
///     .compatibility_flag("no_such_flag");
/// assert!(bad.validate().unwrap_err()[0].contains("nodejs_compat"));
/// ```
pub const COMPATIBILITY_FLAGS: &[(&str, &str)] = &[
    (
        "nodejs_compat",
        "Node.js built-in modules (node:buffer, node:events, node:util, ...) and the Buffer and process globals (JavaScript workers)",
    ),
    ("nodejs_compat_v2", "the same as nodejs_compat"),
    (
        "nodejs_als",
        "only node:async_hooks (AsyncLocalStorage) (JavaScript workers)",
    ),
    (
        "python_workers",
        "accepted for Python workers, as Cloudflare requires it; isolet runs Python workers without it",
    ),
    (
        "python_no_global_handlers",
        "accepted: isolet's Python workers never take module-level handlers (on_fetch); their entrypoints are classes (Default, or a WorkerEntrypoint named as the entrypoint)",
    ),
    (
        "experimental",
        "accepted, as Cloudflare asks for it for experimental APIs (abortIsolate): isolet gates nothing behind it",
    ),
    (
        "enable_ctx_exports",
        "accepted, as Cloudflare asks for it: ctx.exports (the worker's own entrypoints) is always on in isolet",
    ),
];

/// Worker ids: 1-63 characters of `[A-Za-z0-9_-]`, starting alphanumeric.
/// The one rule for every id that names a worker: deployed ids, and the
/// ids a worker's code names in service bindings, tails and gateways (an
/// id becomes a file name in the server's code store, so `../x` or `/x`
/// must never get that far).
///
/// ```
/// use isolet_code::valid_id;
/// assert!(valid_id("my-worker_2") && valid_id(&"a".repeat(63)));
/// assert!(!valid_id("") && !valid_id(&"a".repeat(64)));
/// assert!(!valid_id("-dash-first") && !valid_id("../x") && !valid_id("a.b"));
/// ```
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 63
        && id.as_bytes()[0].is_ascii_alphanumeric()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What a worker id that [`valid_id`] refuses is told.
///
/// ```
/// let code = isolet_code::WorkerCode::js("export default {}").tail("../escape");
/// let problems = code.validate().unwrap_err();
/// assert_eq!(problems, [format!("tail worker \"../escape\" {}", isolet_code::ID_RULE)]);
/// ```
pub const ID_RULE: &str = "is not a worker id (1-63 characters of A-Z, a-z, 0-9, '-' and '_', starting with a letter or digit)";

impl WorkerCode {
    /// The worker ids this code names (service bindings, tails, a gateway
    /// worker) that are not valid ids.
    fn id_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (name, spec) in &self.bindings {
            if let BindingSpec::Service { worker, .. } = spec
                && !valid_id(worker)
            {
                problems.push(format!("binding \"{name}\": {worker:?} {ID_RULE}"));
            }
            if let BindingSpec::Loader { id: Some(id) } = spec
                && !valid_id(id)
            {
                problems.push(format!(
                    "binding \"{name}\": loader id {id:?} is not a valid id (1-63 characters of A-Z, a-z, 0-9, '-' and '_', starting with a letter or digit)"
                ));
            }
        }
        for tail in self
            .tails
            .iter()
            .map(|t| &t.worker)
            .filter(|t| !t.is_empty())
        {
            if !valid_id(tail) {
                problems.push(format!("tail worker {tail:?} {ID_RULE}"));
            }
        }
        if let Outbound::GatewayWorker { worker, .. } = &self.global_outbound
            && !valid_id(worker)
        {
            problems.push(format!(
                "globalOutbound gateway worker {worker:?} {ID_RULE}"
            ));
        }
        problems
    }
}

fn flag_problems(flags: &[String], python: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let known = || {
        COMPATIBILITY_FLAGS
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (i, flag) in flags.iter().enumerate() {
        if !COMPATIBILITY_FLAGS.iter().any(|(n, _)| n == flag) {
            problems.push(format!(
                "unknown compatibility flag \"{flag}\" (isolet knows: {})",
                known()
            ));
        } else if flags[..i].contains(flag) {
            problems.push(format!(
                "compatibility flag \"{flag}\" is given more than once"
            ));
        } else if python && flag.starts_with("nodejs_") {
            problems.push(format!(
                "compatibility flag \"{flag}\" applies to JavaScript workers; this one is Python"
            ));
        }
    }
    problems
}

fn bad_module_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("is empty");
    }
    if name.starts_with('/') {
        return Some("must be relative (no leading '/')");
    }
    if name
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Some("has an empty, '.' or '..' path segment");
    }
    if name.chars().any(|c| c.is_control()) {
        return Some("contains control characters");
    }
    None
}

/// A module path with `.` and empty segments removed and `..` resolved
/// (never above the root), as the engine's loader names modules.
///
/// ```
/// use isolet_code::normalize_path;
/// assert_eq!(normalize_path("./lib//util.js"), "lib/util.js");
/// assert_eq!(normalize_path("lib/../main.js"), "main.js");
/// assert_eq!(normalize_path("../../etc/passwd"), "etc/passwd"); // never above the root
/// ```
pub fn normalize_path(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    out.join("/")
}

/// Today's date (UTC) as `YYYY-MM-DD`.
///
/// ```
/// let d = isolet_code::today();
/// assert_eq!((d.len(), &d[4..5], &d[7..8]), (10, "-", "-"));
/// assert!(d.as_str() > "2025-01-01");
/// // A worker may be dated today (not later).
/// let code = isolet_code::WorkerCode::js("export default {}").compatibility_date(d);
/// assert!(code.validate().is_ok());
/// ```
pub fn today() -> String {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Howard Hinnant's days → civil date algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn check_date(date: &str) -> Result<(), String> {
    if date.is_empty() {
        return Err("`compatibilityDate` is required (YYYY-MM-DD)".into());
    }
    let parts: Vec<&str> = date.split('-').collect();
    let ok_shape = parts.len() == 3
        && parts[0].len() == 4
        && parts[1].len() == 2
        && parts[2].len() == 2
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()));
    if !ok_shape {
        return Err(format!(
            "`compatibilityDate` \"{date}\" is not of the form YYYY-MM-DD"
        ));
    }
    let (y, m, d): (i64, u32, u32) = (
        parts[0].parse().unwrap_or(0),
        parts[1].parse().unwrap_or(0),
        parts[2].parse().unwrap_or(0),
    );
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    if d == 0 || d > days_in_month {
        return Err(format!("`compatibilityDate` \"{date}\" is not a real date"));
    }
    // Lexicographic comparison works for zero-padded ISO dates.
    if date > today().as_str() {
        return Err(format!("`compatibilityDate` \"{date}\" is in the future"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn dates_are_checked() {
        assert!(check_date("2025-06-01").is_ok());
        assert!(check_date("2024-02-29").is_ok());
        assert!(check_date("2023-02-29").is_err());
        assert!(check_date("2025-6-01").is_err());
        assert!(check_date("").is_err());
        assert!(check_date("9999-01-01").unwrap_err().contains("future"));
    }

    #[test]
    fn json_modules_infer_kinds_and_report_every_problem() {
        let json = r#"{"mainModule":"main.js","modules":{"main.js":"x","u.cjs":"y","d.json":"{\"a\":1}","t.txt":"hi","b":{"data":"AAE="},"p.py":"print(1)"},"compatibilityDate":"2025-01-01"}"#;
        let code: WorkerCode = serde_json::from_str(json).unwrap();
        assert!(matches!(code.modules["u.cjs"], ModuleSource::CommonJs(_)));
        assert_eq!(
            code.modules["d.json"],
            ModuleSource::Json(serde_json::json!({"a": 1}))
        );
        assert_eq!(code.modules["b"], ModuleSource::Data(vec![0, 1]));
        let problems = code.validate().unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("p.py"));

        let bad_names = WorkerCode::js("").module("../x.js", ModuleSource::Esm(String::new()));
        assert!(bad_names.validate().unwrap_err()[0].contains("../x.js"));
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let json = r#"{"mainModule":"a.js","modules":{},"bogus":1}"#;
        assert!(serde_json::from_str::<WorkerCode>(json).is_err());
    }
}
