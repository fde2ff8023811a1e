//! Code Mode: run code an LLM wrote against a typed API of tools, instead of
//! calling the tools one at a time (Cloudflare's `@cloudflare/codemode`).
//!
//! The embedder registers [`Tool`]s (a name, a description, JSON Schemas for
//! input and output, and a handler: async Rust or another worker's RPC
//! method). [`CodeMode::types`] prints a TypeScript declaration of them to
//! put in the model's prompt; [`CodeMode::execute`] runs the code the model
//! wrote, an `async () => { ... }` arrow (or a function body, or a module
//! whose default export is the result), in a one-shot worker whose only
//! capability is `codemode.<tool>(input)`: no network, console captured, CPU,
//! memory and wall-clock limits. What happened comes back as data
//! ([`Execution`]): code that throws, loops or calls a missing tool is an
//! execution with an error, never a host failure. Every tool call is checked
//! against the tool's input schema before its handler runs.
//!
//! ```
//! # #[tokio::main] async fn main() -> isolet::Result<()> {
//! use isolet_codemode::{CodeMode, Tool};
//! use serde_json::json;
//!
//! let runtime = isolet::Runtime::builder().build().await?;
//! let tools = CodeMode::builder(runtime)
//!     .tool(
//!         Tool::new("getWeather", "Current weather for a city.")
//!             .input(json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}))
//!             .output(json!({"type": "object", "properties": {"tempC": {"type": "number"}}, "required": ["tempC"]}))
//!             .handler(|input| async move {
//!                 let city = input["city"].as_str().unwrap_or_default().to_string();
//!                 Ok(json!({"tempC": if city == "Oslo" { -3 } else { 21 }}))
//!             }),
//!     )
//!     .build()?;
//! println!("{}", tools.types()); // for the prompt
//! let run = tools
//!     .execute("async () => { const w = await codemode.getWeather({ city: 'Oslo' }); console.log(w); return w.tempC < 0 }")
//!     .await;
//! assert_eq!(run.result, Some(json!(true)));
//! assert_eq!(run.logs.len(), 1);
//! # Ok(()) }
//! ```

/// The fuzz targets' entry points, for isolet's own tests (`tests/all/fuzz.rs`):
/// only with the `fuzz` feature, which nothing but those tests turns on.
#[cfg(feature = "fuzz")]
#[doc(hidden)]
pub mod fuzz;
pub mod mcp;
mod types;

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value as Json;

use isolet::Error;
use isolet::Limits;
use isolet::LogEntry;
use isolet::Value;
use isolet::outbound::BoxFuture;
use isolet::{Binding, BindingSpec};
use isolet::{ModuleSource, WorkerCode};
use isolet::{Runtime, WeakRuntime};

type Handler = Arc<dyn Fn(Json) -> BoxFuture<'static, Result<Json, String>> + Send + Sync>;

/// What runs a tool call.
#[derive(Clone)]
enum ToolHandler {
    Rust(Handler),
    Worker {
        id: String,
        entrypoint: Option<String>,
        method: String,
    },
}

/// One tool of a [`CodeMode`] API: `codemode.<name>(input)` in the model's
/// code.
///
/// ```
/// use isolet_codemode::Tool;
/// let t = Tool::new("searchIssues", "Search issues by text.")
///     .input(serde_json::json!({"type": "object", "properties": {"q": {"type": "string"}}}))
///     .worker("issues", None, "search");
/// assert_eq!(t.name(), "searchIssues");
/// ```
#[derive(Clone)]
pub struct Tool {
    name: String,
    description: String,
    input: Json,
    output: Option<Json>,
    handler: Option<ToolHandler>,
}

impl std::fmt::Debug for Tool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tool")
            .field("name", &self.name)
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

impl Tool {
    /// A tool named `name` (a JavaScript identifier; other characters are
    /// replaced by `_`, as Cloudflare's codemode does) with a description
    /// the model reads. Its input is any object until [`input`](Self::input).
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        Tool {
            name: sanitize(&name.into()),
            description: description.into(),
            input: serde_json::json!({"type": "object"}),
            output: None,
            handler: None,
        }
    }

    /// The name the model's code calls it by.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The JSON Schema of its input (checked before the handler runs).
    pub fn input(mut self, schema: Json) -> Self {
        self.input = schema;
        self
    }

    /// The JSON Schema of its output (for the declaration; the handler is
    /// trusted to keep to it).
    pub fn output(mut self, schema: Json) -> Self {
        self.output = Some(schema);
        self
    }

    /// Handles calls with an async Rust function; `Err(message)` is thrown
    /// in the model's code as an `Error`.
    ///
    /// ```
    /// let t = isolet_codemode::Tool::new("add", "Adds a and b.")
    ///     .handler(|input| async move {
    ///         Ok(serde_json::json!(input["a"].as_f64().unwrap_or(0.0) + input["b"].as_f64().unwrap_or(0.0)))
    ///     });
    /// # drop(t);
    /// ```
    pub fn handler<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(Json) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Json, String>> + Send + 'static,
    {
        self.handler = Some(ToolHandler::Rust(Arc::new(move |input| Box::pin(f(input)))));
        self
    }

    /// Handles calls with an RPC method of another isolet worker (by id, as
    /// service bindings find it): `method(input)` on `entrypoint` (`None`:
    /// the default export).
    pub fn worker(
        mut self,
        id: impl Into<String>,
        entrypoint: Option<&str>,
        method: impl Into<String>,
    ) -> Self {
        self.handler = Some(ToolHandler::Worker {
            id: id.into(),
            entrypoint: entrypoint.map(str::to_string),
            method: method.into(),
        });
        self
    }
}

/// A tool name as a JavaScript identifier.
fn sanitize(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '$' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// What [`CodeMode::execute`] came to.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    /// The code's result as JSON (`JSON.stringify` semantics: `undefined`
    /// is `null`, a `Date` its ISO string); `None` when it failed.
    pub result: Option<Json>,
    /// What it logged (`console.*`), in order.
    pub logs: Vec<LogEntry>,
    /// Why it failed, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ExecutionError>,
    /// How many tool calls it made.
    pub tool_calls: u32,
    /// Its CPU time.
    #[serde(serialize_with = "millis")]
    pub cpu_time: Duration,
    /// Its wall time.
    #[serde(serialize_with = "millis")]
    pub wall_time: Duration,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1000.0)
}

/// Why an execution failed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionError {
    /// `SyntaxError`, `TypeError`, ... for the code's own errors;
    /// `CpuLimitExceeded`, `MemoryLimitExceeded`, `Timeout`,
    /// `ToolCallLimitExceeded` or `Failed` otherwise.
    pub name: String,
    /// What went wrong.
    pub message: String,
    /// Line and column in the submitted code, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// See `line`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

/// Builds a [`CodeMode`].
pub struct CodeModeBuilder {
    runtime: Runtime,
    tools: Vec<Tool>,
    limits: Limits,
    max_tool_calls: u32,
}

impl CodeModeBuilder {
    /// Adds a tool.
    pub fn tool(mut self, tool: Tool) -> Self {
        self.tools.push(tool);
        self
    }

    /// The limits of each execution. Default: 30 s wall clock, 1 s CPU,
    /// the runtime's memory limit. The runtime's maximums still apply.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The most tool calls one execution may make (default 1,000, as
    /// Cloudflare's subrequest limit).
    pub fn max_tool_calls(mut self, n: u32) -> Self {
        self.max_tool_calls = n;
        self
    }

    /// Checks the tools (unique names, handlers, schemas that compile).
    ///
    /// ```
    /// # #[tokio::main] async fn main() -> isolet::Result<()> {
    /// # let runtime = isolet::Runtime::builder().build().await?;
    /// use isolet_codemode::{CodeMode, Tool};
    /// let err = CodeMode::builder(runtime)
    ///     .tool(Tool::new("a", "no handler"))
    ///     .build()
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("has no handler"));
    /// # Ok(()) }
    /// ```
    pub fn build(self) -> isolet::Result<CodeMode> {
        let mut problems = Vec::new();
        let mut seen = BTreeSet::new();
        let mut compiled = HashMap::new();
        for tool in &self.tools {
            if !seen.insert(tool.name.clone()) {
                problems.push(format!("tool {:?} is defined twice", tool.name));
            }
            if tool.handler.is_none() {
                problems.push(format!("tool {:?} has no handler", tool.name));
            }
            match jsonschema::validator_for(&tool.input) {
                Ok(v) => {
                    compiled.insert(tool.name.clone(), v);
                }
                Err(e) => problems.push(format!(
                    "tool {:?}: its input schema is not valid: {e}",
                    tool.name
                )),
            }
            if let Some(Err(e)) = tool.output.as_ref().map(jsonschema::validator_for) {
                problems.push(format!(
                    "tool {:?}: its output schema is not valid: {e}",
                    tool.name
                ));
            }
        }
        if let Some(problems) = self
            .limits
            .problems()
            .into_iter()
            .reduce(|a, b| format!("{a}; {b}"))
        {
            return Err(Error::InvalidCode(vec![problems]));
        }
        if !problems.is_empty() {
            return Err(Error::InvalidCode(problems));
        }
        let declared: Vec<Declared> = self.tools.iter().map(declare).collect();
        let declaration = render(declared.iter());
        let tools = self
            .tools
            .into_iter()
            .filter_map(|t| {
                let validator = compiled.remove(&t.name)?;
                let handler = t.handler.clone()?;
                Some((t.name.clone(), Registered { validator, handler }))
            })
            .collect();
        Ok(CodeMode {
            inner: Arc::new(Inner {
                runtime: self.runtime,
                tools,
                declared,
                declaration,
                limits: self.limits,
                max_tool_calls: self.max_tool_calls,
            }),
        })
    }
}

struct Registered {
    validator: jsonschema::Validator,
    handler: ToolHandler,
}

struct Inner {
    runtime: Runtime,
    tools: HashMap<String, Registered>,
    declared: Vec<Declared>,
    declaration: String,
    limits: Limits,
    max_tool_calls: u32,
}

/// A tool set and the sandbox that runs code against it (see the
/// [module docs](self)). Cheap to clone; executions may run concurrently.
#[derive(Clone)]
pub struct CodeMode {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for CodeMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.inner.tools.keys().collect();
        names.sort();
        f.debug_struct("CodeMode")
            .field("tools", &names)
            .finish_non_exhaustive()
    }
}

/// The module holding the model's code, named in its errors' positions.
const CODE_MODULE: &str = "code.ts";

impl CodeMode {
    /// A builder for a tool set run on `runtime`.
    pub fn builder(runtime: Runtime) -> CodeModeBuilder {
        CodeModeBuilder {
            runtime,
            tools: Vec::new(),
            limits: Limits::new()
                .timeout(Duration::from_secs(30))
                .cpu_time(Duration::from_secs(1)),
            max_tool_calls: 1000,
        }
    }

    /// The TypeScript declaration of the tools, for the model's prompt:
    /// an input and output type per tool and `declare const codemode`.
    ///
    /// ```
    /// # #[tokio::main] async fn main() -> isolet::Result<()> {
    /// # let runtime = isolet::Runtime::builder().build().await?;
    /// use isolet_codemode::{CodeMode, Tool};
    /// let cm = CodeMode::builder(runtime)
    ///     .tool(Tool::new("ping", "Checks the service.").handler(|_| async { Ok(serde_json::json!("pong")) }))
    ///     .build()?;
    /// assert!(cm.types().contains("ping(input: PingInput): Promise<unknown>;"));
    /// # Ok(()) }
    /// ```
    pub fn types(&self) -> &str {
        &self.inner.declaration
    }

    /// The declaration of only the named tools (unknown names are left
    /// out), for a prompt that shows what a search found.
    ///
    /// ```no_run
    /// # fn demo(cm: isolet_codemode::CodeMode) {
    /// let some = cm.types_for(&["getWeather"]);
    /// # drop(some); }
    /// ```
    pub fn types_for(&self, names: &[&str]) -> String {
        render(
            self.inner
                .declared
                .iter()
                .filter(|d| names.contains(&d.name.as_str())),
        )
    }

    /// Each tool's name and description, in the order they were added.
    pub fn tools(&self) -> impl Iterator<Item = (&str, &str)> {
        self.inner
            .declared
            .iter()
            .map(|d| (d.name.as_str(), d.description.as_str()))
    }

    /// Runs `code` (TypeScript or JavaScript): an async arrow or function
    /// expression (called with no arguments), a function body (`await`
    /// and `return` allowed at its top level), or a module (with `import`
    /// or `export`) whose default export is the result, or a function
    /// returning it. The result, logs and any error come back as data.
    pub async fn execute(&self, code: &str) -> Execution {
        let started = std::time::Instant::now();
        let calls = Arc::new(AtomicU32::new(0));
        let toolbox: Arc<dyn Binding> = Arc::new(ToolBox {
            inner: self.inner.clone(),
            runtime: self.inner.runtime.downgrade(),
            calls: calls.clone(),
        });
        let failed = |e: ExecutionError, logs: Vec<LogEntry>, cpu: Duration| Execution {
            result: None,
            logs,
            error: Some(e),
            tool_calls: calls.load(Ordering::Relaxed),
            cpu_time: cpu,
            wall_time: started.elapsed(),
        };
        let worker_code = self.worker_code(code);
        let worker = match self
            .inner
            .runtime
            .load_granting(worker_code, [("codemode".to_string(), toolbox)])
            .await
        {
            Ok(w) => w,
            Err(e) => return failed(execution_error(&e), Vec::new(), Duration::ZERO),
        };
        let (result, trace) = worker
            .entrypoint(None)
            .call_traced("execute", Vec::new())
            .await;
        match result {
            Ok(value) => Execution {
                result: Some(to_json(&value)),
                logs: trace.logs,
                error: None,
                tool_calls: calls.load(Ordering::Relaxed),
                cpu_time: trace.cpu_time,
                wall_time: started.elapsed(),
            },
            Err(e) => failed(execution_error(&e), trace.logs, trace.cpu_time),
        }
    }

    /// The one-shot worker running `code`: `main.js` defines `codemode`
    /// and calls the code's module, imported only during the call so that
    /// everything it does (even at its top level) runs under the call's
    /// limits and trace.
    fn worker_code(&self, code: &str) -> WorkerCode {
        let mut names: Vec<&String> = self.inner.tools.keys().collect();
        names.sort();
        let methods: String = names
            .iter()
            .map(|n| {
                format!(
                    "  {n}: (input) => call({}, input),\n",
                    Json::String(n.to_string())
                )
            })
            .collect();
        let main = format!(
            "import {{ WorkerEntrypoint, env }} from \"cloudflare:workers\";\n\
             const tools = env.CODEMODE;\n\
             const call = (name, input) => tools.call(name, input === undefined ? {{}} : input);\n\
             const api = Object.freeze({{\n{methods}}});\n\
             const plain = new Set([\"then\", \"toJSON\", \"constructor\", \"valueOf\", \"toString\"]);\n\
             const codemode = new Proxy(api, {{ get(target, key) {{\n\
               if (typeof key !== \"string\" || key in target || plain.has(key)) return Reflect.get(target, key);\n\
               throw new TypeError(`codemode.${{key}} is not a tool (the tools are: ${{Object.keys(target).join(\", \")}})`);\n\
             }} }});\n\
             Object.defineProperty(globalThis, \"codemode\", {{ value: codemode, enumerable: false }});\n\
             export default class extends WorkerEntrypoint {{\n\
               async execute() {{\n\
                 const mod = await import(\"./{CODE_MODULE}\");\n\
                 let value = mod.default;\n\
                 if (typeof value === \"function\") value = await value();\n\
                 else value = await value;\n\
                 const text = JSON.stringify(value);\n\
                 return text === undefined ? null : JSON.parse(text);\n\
               }}\n\
             }}\n"
        );
        WorkerCode::new("main.js")
            .module("main.js", ModuleSource::Esm(main))
            .module(CODE_MODULE, ModuleSource::TypeScript(wrap_code(code)))
            .compatibility_date(isolet::today())
            .binding("CODEMODE", BindingSpec::Capability("codemode".into()))
            .limits(self.inner.limits)
    }
}

/// How the model's code becomes a module whose default export is the
/// result (or a function returning it). Lines are kept: the code starts on
/// the module's first line, so positions in errors are the code's own.
fn wrap_code(code: &str) -> String {
    match classify(code) {
        Form::Module => code.to_string(),
        Form::Function => format!("export default ({code}\n);\n"),
        Form::Body => format!("export default async function () {{{code}\n}}\n"),
    }
}

#[derive(Debug, PartialEq)]
enum Form {
    /// Has `import`/`export`: a module as written.
    Module,
    /// One function or arrow expression.
    Function,
    /// Statements: a function's body.
    Body,
}

/// Parsed on a thread with a large stack behind the nesting check
/// (`deep`); code that fails either is a body, and the transpiler then
/// reports its error.
fn classify(code: &str) -> Form {
    if isolet::deep::check(CODE_MODULE, code, isolet::deep::Dialect::TS).is_err() {
        return Form::Body;
    }
    let Ok(stack) = isolet::deep::stack_for([(CODE_MODULE, code)]) else {
        return Form::Body;
    };
    // Marked while it parses: a crash then is no worker's (isolet::quarantine).
    let _busy = isolet::quarantine::busy(None, isolet::quarantine::CODEMODE);
    isolet::deep::run(CODE_MODULE, stack, || classify_parsed(code)).unwrap_or(Form::Body)
}

fn classify_parsed(code: &str) -> Form {
    use oxc::allocator::Allocator;
    use oxc::ast::ast::{Expression, Statement};
    use oxc::parser::{ParseOptions, Parser};
    use oxc::span::SourceType;
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, code, SourceType::ts())
        .with_options(ParseOptions {
            allow_return_outside_function: true,
            ..ParseOptions::default()
        })
        .parse();
    let body = &parsed.program.body;
    if body.iter().any(|s| s.is_module_declaration()) {
        return Form::Module;
    }
    if let [Statement::ExpressionStatement(e)] = body.as_slice() {
        let mut expr = &e.expression;
        while let Expression::ParenthesizedExpression(p) = expr {
            expr = &p.expression;
        }
        if matches!(
            expr,
            Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_)
        ) {
            return Form::Function;
        }
    }
    Form::Body
}

/// One tool's part of the declaration.
struct Declared {
    name: String,
    description: String,
    /// `type XInput = ...;` (and `XOutput`).
    types: String,
    /// Its JSDoc and signature inside `declare const codemode`.
    member: String,
}

fn declare(tool: &Tool) -> Declared {
    let base = pascal(&tool.name);
    let input = types::ts_type(&tool.input, &tool.input, 0);
    let mut decl = format!("type {base}Input = {input};\n");
    let output = match &tool.output {
        Some(schema) => {
            decl.push_str(&format!(
                "type {base}Output = {};\n",
                types::ts_type(schema, schema, 0)
            ));
            format!("{base}Output")
        }
        None => "unknown".to_string(),
    };
    let doc = serde_json::json!({"description": tool.description});
    let member = format!(
        "{}  {}(input: {base}Input): Promise<{output}>;\n",
        types::js_doc(&doc, 1),
        tool.name
    );
    Declared {
        name: tool.name.clone(),
        description: tool.description.clone(),
        types: decl,
        member,
    }
}

/// The declaration of `tools`: their types, then `declare const codemode`.
fn render<'a>(tools: impl Iterator<Item = &'a Declared>) -> String {
    let mut types = String::new();
    let mut api = String::from("declare const codemode: {\n");
    for t in tools {
        types.push_str(&t.types);
        api.push_str(&t.member);
    }
    api.push_str("};\n");
    types + &api
}

/// The TypeScript declaration [`CodeMode::types`] gives for `tools`,
/// without a runtime (to measure or print an API).
///
/// ```
/// use isolet_codemode::{Tool, typescript_api};
/// let api = typescript_api(&[Tool::new("ping", "Checks the service.")]);
/// assert!(api.contains("declare const codemode: {\n  /** Checks the service. */\n  ping(input: PingInput): Promise<unknown>;"));
/// ```
pub fn typescript_api(tools: &[Tool]) -> String {
    let declared: Vec<Declared> = tools.iter().map(declare).collect();
    render(declared.iter())
}

/// `getWeather` → `GetWeather`, `list_repos` → `ListRepos`.
fn pascal(name: &str) -> String {
    let joined: String = name
        .split('_')
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    if types::is_identifier(&joined) {
        joined
    } else {
        format!("Tool_{}", sanitize(name))
    }
}

/// The capability behind `codemode.<tool>(input)`.
struct ToolBox {
    inner: Arc<Inner>,
    runtime: WeakRuntime,
    calls: Arc<AtomicU32>,
}

impl Binding for ToolBox {
    fn call<'a>(
        &'a self,
        method: &'a str,
        args: Vec<Value>,
    ) -> BoxFuture<'a, Result<Value, String>> {
        Box::pin(async move {
            if method != "call" {
                return Err(format!("the tool box has no method {method:?}"));
            }
            let mut args = args.into_iter();
            let name = match args.next() {
                Some(Value::String(s)) => s,
                _ => return Err("a tool call names its tool".into()),
            };
            let input = to_json(&args.next().unwrap_or(Value::Undefined));
            let Some(tool) = self.inner.tools.get(&name) else {
                return Err(format!("codemode.{name}: no such tool"));
            };
            let n = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
            if n > self.inner.max_tool_calls {
                return Err(format!(
                    "codemode.{name}: ToolCallLimitExceeded: this execution made more than {} tool calls",
                    self.inner.max_tool_calls
                ));
            }
            let problems: Vec<String> = tool
                .validator
                .iter_errors(&input)
                .take(8)
                .map(|e| {
                    let at = e.instance_path().to_string();
                    if at.is_empty() {
                        e.to_string()
                    } else {
                        format!("{at}: {e}")
                    }
                })
                .collect();
            if !problems.is_empty() {
                return Err(format!(
                    "codemode.{name}: the input does not match the tool's schema: {}",
                    problems.join("; ")
                ));
            }
            let output = match &tool.handler {
                ToolHandler::Rust(f) => f(input).await,
                ToolHandler::Worker {
                    id,
                    entrypoint,
                    method,
                } => {
                    let rt = self
                        .runtime
                        .upgrade()
                        .ok_or_else(|| "the runtime is shutting down".to_string())?;
                    rt.call_worker(id, entrypoint.as_deref(), method, vec![Value::from(input)])
                        .await
                        .map(|v| to_json(&v))
                }
            };
            output
                .map(Value::from)
                .map_err(|e| format!("codemode.{name}: {e}"))
        })
    }
}

/// A wire value as JSON, whole numbers as integers (as `JSON.stringify`
/// prints them); what JSON cannot hold becomes `null`, as there.
fn to_json(v: &Value) -> Json {
    match v {
        Value::Undefined | Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 => {
            Json::from(*n as i64)
        }
        Value::Number(n) => serde_json::Number::from_f64(*n).map_or(Json::Null, Json::Number),
        Value::String(s) | Value::BigInt(s) => Json::String(s.clone()),
        Value::Array(a) => Json::Array(a.iter().map(to_json).collect()),
        Value::Object(o) => Json::Object(o.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
        other => other.as_json().unwrap_or(Json::Null),
    }
}

/// An isolet error as the execution's error, positions in the model's code.
fn execution_error(e: &Error) -> ExecutionError {
    let (name, message, position) = match e {
        Error::Script(s) => {
            let position = s.location_in(CODE_MODULE);
            (s.name.clone(), s.message.clone(), position)
        }
        Error::CpuLimitExceeded { .. } => ("CpuLimitExceeded".into(), e.to_string(), None),
        Error::MemoryLimitExceeded { .. } => ("MemoryLimitExceeded".into(), e.to_string(), None),
        Error::Timeout(_) => ("Timeout".into(), e.to_string(), None),
        other => ("Failed".into(), other.to_string(), None),
    };
    ExecutionError {
        name,
        message,
        line: position.map(|p| p.0),
        column: position.map(|p| p.1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_forms() {
        assert_eq!(classify("async () => { return 1 }"), Form::Function);
        assert_eq!(classify("(async () => 1)"), Form::Function);
        assert_eq!(classify("async function main() { return 1 }"), Form::Body);
        assert_eq!(
            classify("const x = await codemode.a({});\nreturn x;"),
            Form::Body
        );
        assert_eq!(classify("export default 5"), Form::Module);
        assert_eq!(classify("import x from './y'; x"), Form::Module);
        assert_eq!(classify("this is not code"), Form::Body);
        assert_eq!(
            wrap_code("return 1"),
            "export default async function () {return 1\n}\n"
        );
    }

    #[test]
    fn names() {
        assert_eq!(sanitize("get-weather"), "get_weather");
        assert_eq!(sanitize("1st"), "_1st");
        assert_eq!(pascal("getWeather"), "GetWeather");
        assert_eq!(pascal("list_repos"), "ListRepos");
        assert_eq!(pascal("_"), "Tool__");
    }

    #[test]
    fn json_of_wire_values() {
        assert_eq!(to_json(&Value::Number(3.0)), serde_json::json!(3));
        assert_eq!(to_json(&Value::Number(0.5)), serde_json::json!(0.5));
        assert_eq!(to_json(&Value::Number(f64::NAN)), Json::Null);
        assert_eq!(to_json(&Value::Undefined), Json::Null);
    }
}
