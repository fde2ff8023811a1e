//! The host side of the `loader` and `context` interfaces: the children a
//! worker loads through its loader bindings (`env.LOADER`), and `ctx.props`.
//!
//! A child is a worker of its own, made from the WorkerCode JSON its parent
//! hands over (Cloudflare's field names), and it gets nothing its parent
//! does not have: its limits are the parent's at most; its `fetch()` goes
//! where the parent's goes unless the code says `globalOutbound: null` (no
//! network) or names a service binding of the parent (that worker then sees
//! every request); its `env` holds plain values and the parent's own
//! bindings the code passes by reference (`env: { AUTH: env.AUTH }`; never a
//! Worker Loader, so children load no workers), never bindings or outbound
//! policies named in the code itself (its `tails` are the parent's service
//! bindings or own entrypoints, by reference); its modules are JavaScript
//! or Python, no TypeScript; its bytecode stays out of the runtime's shared
//! cache. `get`'s children are kept in the runtime's warm cache as objects
//! of the parent's id (one parent's flood of names evicts only its own
//! children; a parent without an id keeps none); `load`'s live as long as
//! the invocation that made them, at most `MAX_LOADED_PER_INVOCATION`.
//! Making a child and each call to one take a subrequest of the parent's
//! invocation.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use isolet_code::{BindingSpec, Limits, ModuleSource, Outbound, WorkerCode};
use serde_json::Value as Json;

use crate::bindings::Binding;
use crate::child::{
    Child, MAX_CHILD_BINDINGS, MAX_CHILD_CODE_BYTES, MAX_CHILD_NAME_BYTES,
    MAX_LOADED_PER_INVOCATION,
};
use crate::http::Request;
use crate::invocation::Caller;
use crate::limits::Effective;
use crate::state::{HostState, WorkerEnv, request_headers_problem};
use crate::stubs::{
    MAX_PENDING_CALLS, MAX_STUB_CALLS, MAX_STUB_METHOD_BYTES, Next, PendingCall, STUB_GONE,
    StubLink,
};
use crate::wire::Value;
use crate::wit::isolet::worker::{context, loader, types};

/// Where the code's JSON names the parent's bindings passed by reference
/// (guest-js/js/loader.js writes it): `{"env": {"KEY": "BINDING"},
/// "globalOutbound": "BINDING"}`. Values in `env` are data, whatever their
/// shape: only this field grants.
const REFS: &str = "$refs";

/// Longest message of an error an object passed by reference throws that a
/// child gets (the rest is cut).
const MAX_STUB_ERROR_BYTES: usize = 4096;

/// The message for a `load` child used after its invocation (or a number
/// that never was one).
const LOADED_ELSEWHERE: &str = "this worker was loaded by another request: a worker from LOADER.load() lives as long as the request that loaded it (load it again, or keep it by name with LOADER.get(name, getCode))";

impl loader::Host for HostState {
    async fn create(
        &mut self,
        binding: String,
        name: Option<String>,
        code: String,
    ) -> Result<u32, String> {
        let env = self.env()?;
        let key = match &name {
            Some(name) => Some(kept_key(&env, &binding, name)?),
            None => {
                loader_id(&env, &binding)?;
                if self.invocation.children.len() >= MAX_LOADED_PER_INVOCATION {
                    return Err(format!(
                        "too many workers loaded: one request may load at most {MAX_LOADED_PER_INVOCATION} with LOADER.load()"
                    ));
                }
                None
            }
        };
        if code.len() > MAX_CHILD_CODE_BYTES {
            return Err(format!(
                "a loaded worker's code is at most {MAX_CHILD_CODE_BYTES} bytes of JSON (this one is {})",
                code.len()
            ));
        }
        let what = format!("the code given to env.{binding}");
        let cost = crate::wire::parse_cost(&code);
        self.invocation
            .budget
            .charge(cost, &what)
            .map_err(|e| e.to_string())?;
        let made = match child_code(&env, &code) {
            Ok((code, granted)) => match self.take_sub_request(&env) {
                Ok(()) => {
                    // The parent waits for the child's creation: not its CPU time.
                    self.invocation.cpu.pause();
                    let made = env.surroundings.child(key.clone(), code, granted).await;
                    self.invocation.cpu.resume();
                    made
                }
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        self.invocation.budget.release(cost);
        let child = made?;
        if key.is_some() {
            return Ok(0);
        }
        self.last_child = self.last_child.wrapping_add(1).max(1);
        self.invocation.children.insert(self.last_child, child);
        Ok(self.last_child)
    }

    async fn fetch(
        &mut self,
        child: loader::Child,
        entrypoint: Option<String>,
        props: String,
        req: types::Request,
    ) -> Result<Option<types::Fetched>, String> {
        let env = self.env()?;
        let Some(target) = self.child(&env, &child)? else {
            return Ok(None);
        };
        request_headers_problem(&req.headers)?;
        let props = self.props_for_call(props)?;
        let held = props.len();
        // A fetch has no link for objects passed by reference.
        match self.props_passing(props.clone(), &mut Vec::new()) {
            Ok((PropsText::Plain(_), _)) => {}
            Ok((PropsText::Passing, cost)) => {
                self.invocation.budget.release(held.saturating_add(cost));
                return Err("fetch() on an entrypoint whose props pass objects by reference is not supported: call an RPC method of it".to_string());
            }
            Err(e) => {
                self.invocation.budget.release(held);
                return Err(e);
            }
        }
        let result = match self.before_child_call(&env).await {
            Ok(chain) => {
                let caller = Caller::nested(chain, Some(props));
                self.invocation.cpu.pause();
                let result = target.fetch(entrypoint, Request::from(req), caller).await;
                self.invocation.cpu.resume();
                result
            }
            Err(e) => Err(e),
        };
        self.invocation.budget.release(held);
        self.fetched(&env, result?).map(Some)
    }

    async fn call(
        &mut self,
        child: loader::Child,
        entrypoint: Option<String>,
        props: String,
        method: String,
        args: String,
    ) -> Result<Option<loader::Step>, String> {
        let env = self.env()?;
        let Some(target) = self.child(&env, &child)? else {
            return Ok(None);
        };
        let what = format!("{}()", crate::tail::clip(&method, 64));
        let (mut args, args_cost) = self.parse_call_args_passing(&args, &what)?;
        let props = match self.props_for_call(props) {
            Ok(p) => p,
            Err(e) => {
                self.invocation.budget.release(args_cost);
                return Err(e);
            }
        };
        // The arguments and props are held (and handed on) until the call ends.
        let mut held = args_cost.saturating_add(props.len());
        // Objects in the props go by reference too (`getEntrypoint(name, {
        // props: { greeter: ctx.exports.Greeter() } })`), numbered with the
        // arguments' in one link.
        let props = match self.props_passing(props, &mut args) {
            Ok((p, cost)) => {
                held = held.saturating_add(cost);
                p
            }
            Err(e) => {
                self.invocation.budget.release(held);
                return Err(e);
            }
        };
        let made = match StubLink::make(&mut args) {
            Ok(Some(_)) if self.invocation.pending.len() >= MAX_PENDING_CALLS => Err(format!(
                "too many calls passing objects by reference at once: at most {MAX_PENDING_CALLS} may wait for this worker to answer their objects"
            )),
            Ok(linked) => self
                .before_child_call(&env)
                .await
                .map(|chain| (chain, linked)),
            Err(e) => Err(e),
        };
        let (chain, linked) = match made {
            Ok(made) => made,
            Err(e) => {
                self.invocation.budget.release(held);
                return Err(e);
            }
        };
        let props = match props {
            PropsText::Plain(text) => text,
            PropsText::Passing => match args.pop().map(|p| serde_json::to_string(&p.to_wire())) {
                Some(Ok(text)) => Arc::from(text),
                _ => {
                    self.invocation.budget.release(held);
                    return Err("props: not JSON".to_string());
                }
            },
        };
        let Some((link, stub_calls)) = linked else {
            let caller = Caller::nested(chain, Some(props));
            // Waiting for the child is not the parent's CPU time.
            self.invocation.cpu.pause();
            let result = target.call(entrypoint, method, args, caller).await;
            self.invocation.cpu.resume();
            self.invocation.budget.release(held);
            let out = self.result_for_guest(result?, &what)?;
            return Ok(Some(loader::Step::Done(out)));
        };
        let caller = Caller {
            stubs: Some(link),
            ..Caller::nested(chain, Some(props))
        };
        let call = Box::pin(async move { target.call(entrypoint, method, args, caller).await });
        let pending = PendingCall {
            call,
            stub_calls,
            reply: None,
            held,
            what,
        };
        self.next_step(pending).await.map(Some)
    }

    async fn resume(
        &mut self,
        call: u32,
        answer: Result<String, String>,
    ) -> Result<loader::Step, String> {
        let Some(mut pending) = self.invocation.pending.remove(&call) else {
            return Err(format!("no call {call} is waiting for an answer"));
        };
        let mut held = 0;
        let mut answer = match answer {
            // `[result]`: an object's method gives back values, not objects.
            Ok(json) => match self.parse_guest_args(&json, &pending.what) {
                Ok((mut values, cost)) => {
                    held = cost;
                    match values.pop() {
                        Some(v) if values.is_empty() => Ok(v),
                        _ => Err("bad answer".to_string()),
                    }
                }
                Err(e) => Err(e),
            },
            Err(message) => Err(crate::tail::clip(&message, MAX_STUB_ERROR_BYTES)),
        };
        // What the parent wrote is committed before the child (and through
        // it, anyone) sees the answer: the output gate, as for any call
        // that leaves the worker.
        if let Err(e) = self.output_gate().await {
            answer = Err(e);
        }
        if let Some(reply) = pending.reply.take() {
            // The child may have gone (its deadline): then nobody waits.
            let _ = reply.send(answer);
        }
        self.invocation.budget.release(held);
        self.next_step(pending).await
    }
}

/// What a worker's `abortIsolate(reason)` traps its guest with: the
/// invocation ends as a crash does (the worker's instances are discarded),
/// with the reason in its error.
#[derive(Debug)]
pub(crate) struct IsolateAborted(pub String);

impl std::fmt::Display for IsolateAborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the worker called abortIsolate({:?}): its instances were discarded, and its next call starts from scratch",
            self.0
        )
    }
}

impl std::error::Error for IsolateAborted {}

/// Longest reason of an `abortIsolate` kept (the rest is cut).
const MAX_ABORT_REASON_BYTES: usize = 1024;

impl context::Host for HostState {
    async fn abort_isolate(&mut self, reason: String) -> wasmtime::Result<()> {
        Err(wasmtime::Error::new(IsolateAborted(
            crate::tail::clip(&reason, MAX_ABORT_REASON_BYTES).to_string(),
        )))
    }

    async fn props(&mut self) -> String {
        match &self.invocation.props {
            Some(props) => props.to_string(),
            None => "{}".to_string(),
        }
    }

    async fn call_stub(
        &mut self,
        token: u64,
        method: String,
        args: String,
    ) -> Result<String, String> {
        let Some(link) = self.invocation.stubs.clone() else {
            return Err(STUB_GONE.to_string());
        };
        if method.len() > MAX_STUB_METHOD_BYTES {
            return Err(format!(
                "a method name is at most {MAX_STUB_METHOD_BYTES} bytes"
            ));
        }
        self.invocation.stub_calls += 1;
        if self.invocation.stub_calls > MAX_STUB_CALLS {
            return Err(format!(
                "too many calls on objects passed by reference: one invocation may make at most {MAX_STUB_CALLS}"
            ));
        }
        let what = if method.is_empty() {
            "a function passed by reference".to_string()
        } else {
            format!("stub.{}()", crate::tail::clip(&method, 64))
        };
        let (args, cost) = self.parse_guest_args(&args, &what)?;
        // Waiting for the parent is not this worker's CPU time; its
        // storage writes are committed first (the output gate), as for
        // any call that leaves the worker.
        self.invocation.cpu.pause();
        let result = match self.storage_gate(true).await {
            Ok(()) => link.call(token, method, args).await,
            Err(e) => Err(e),
        };
        self.invocation.cpu.resume();
        self.invocation.budget.release(cost);
        self.result_for_guest(result?, &what)
    }
}

impl HostState {
    /// What comes before a call to a child: it takes a subrequest of this
    /// invocation, and the parent's storage writes are committed (the
    /// output gate; waiting for them is not its CPU time). The call chain
    /// the call carries.
    async fn before_child_call(&mut self, env: &WorkerEnv) -> Result<Vec<String>, String> {
        self.take_sub_request(env)?;
        let chain = self.nested_chain(env)?;
        self.output_gate().await.map(|()| chain)
    }

    /// Runs a call that passed objects by reference until it ends or the
    /// child calls one of them; then the call waits (as `pending`, under a
    /// number) for the guest to run the object's method and `resume` it.
    async fn next_step(&mut self, mut pending: PendingCall) -> Result<loader::Step, String> {
        loop {
            // Waiting for the child is not the parent's CPU time.
            self.invocation.cpu.pause();
            let next = pending.next().await;
            let stub_call = match next {
                Next::Done(result) => {
                    self.invocation.cpu.resume();
                    self.invocation.budget.release(pending.held);
                    let out = self.result_for_guest(result?, &pending.what)?;
                    return Ok(loader::Step::Done(out));
                }
                Next::Stub(call) => call,
            };
            // Nor is encoding what the child sends (its size is the child's).
            let args = self.result_for_guest(Value::Array(stub_call.args), &pending.what);
            self.invocation.cpu.resume();
            let args = match args {
                Ok(args) => args,
                Err(e) => {
                    let _ = stub_call.reply.send(Err(e));
                    continue;
                }
            };
            pending.reply = Some(stub_call.reply);
            self.last_call = self.last_call.wrapping_add(1).max(1);
            let call = self.last_call;
            self.invocation.pending.insert(call, pending);
            return Ok(loader::Step::Callback(loader::Callback {
                call,
                object: stub_call.object,
                method: stub_call.method,
                args,
            }));
        }
    }

    /// The child a call names: `Ok(None)` for a name its loader does not
    /// keep (the guest then makes it and calls again).
    fn child(
        &self,
        env: &WorkerEnv,
        child: &loader::Child,
    ) -> Result<Option<Arc<dyn Child>>, String> {
        match child {
            loader::Child::Loaded(n) => match self.invocation.children.get(n) {
                Some(c) => Ok(Some(c.clone())),
                None => Err(LOADED_ELSEWHERE.to_string()),
            },
            loader::Child::Named(c) => {
                let key = kept_key(env, &c.binding, &c.name)?;
                Ok(env.surroundings.kept_child(&key))
            }
        }
    }

    /// Props that pass objects by reference (the parent's numbers, as in
    /// the arguments) join `args`, last, so one link gives all their stubs
    /// tokens; others stay as they are. The parsed props are charged (the
    /// cost is returned: it is held until the call ends).
    fn props_passing(
        &mut self,
        props: Arc<str>,
        args: &mut Vec<Value>,
    ) -> Result<(PropsText, usize), String> {
        if !may_pass_stubs(&props) {
            return Ok((PropsText::Plain(props), 0));
        }
        let cost = crate::wire::parse_cost(&props);
        self.invocation
            .budget
            .charge(cost, "the props of a call to a loaded worker")
            .map_err(|e| e.to_string())?;
        let parsed = serde_json::from_str(&props)
            .map_err(|e| e.to_string())
            .and_then(Value::from_wire_with_stubs);
        let mut value = match parsed {
            Ok(v) => v,
            Err(e) => {
                self.invocation.budget.release(cost);
                return Err(format!("props: {e}"));
            }
        };
        let mut passes = false;
        value.map_stubs(&mut |n| {
            passes = true;
            n
        });
        if !passes {
            self.invocation.budget.release(cost);
            return Ok((PropsText::Plain(props), 0));
        }
        args.push(value);
        Ok((PropsText::Passing, cost))
    }

    /// `props` (wire JSON from the guest) as the callee's `ctx.props`,
    /// charged to the budget until the call ends (the caller releases
    /// `props.len()`).
    fn props_for_call(&mut self, props: String) -> Result<Arc<str>, String> {
        self.invocation
            .budget
            .charge(props.len(), "the props of a call to a loaded worker")
            .map_err(|e| e.to_string())?;
        match serde_json::from_str::<serde::de::IgnoredAny>(&props) {
            Ok(_) if props.trim_start().starts_with('{') => Ok(Arc::from(props)),
            _ => {
                self.invocation.budget.release(props.len());
                Err("props must be an object".to_string())
            }
        }
    }
}

/// A call's props as they go to the child.
enum PropsText {
    /// As the parent gave them (they pass nothing by reference).
    Plain(Arc<str>),
    /// Passing objects by reference: the last of the call's arguments until
    /// their stubs have tokens.
    Passing,
}

/// Whether wire JSON text may hold a stub (`{"$t":"stub",...}`): its tag
/// written plainly, or anything written with an escape.
fn may_pass_stubs(text: &str) -> bool {
    text.contains('\\') || text.contains("\"stub\"")
}

/// The loader binding `binding` of `env`: its id (`None`: the binding's own
/// cache), or why `binding` is not a loader.
fn loader_id<'e>(env: &'e WorkerEnv, binding: &str) -> Result<Option<&'e str>, String> {
    match env.bindings.get(binding) {
        Some(BindingSpec::Loader { id }) => Ok(id.as_deref()),
        _ => Err(format!(
            "env.{binding} is not a Worker Loader binding this worker was given"
        )),
    }
}

/// The warm-cache key of the child loader binding `binding` keeps under
/// `name`: an object of the parent (see `warm::object_key`), named by the
/// loader's id when it has one (bindings with the same id share children)
/// and by the binding's name otherwise.
fn kept_key(env: &WorkerEnv, binding: &str, name: &str) -> Result<String, String> {
    let loader = match loader_id(env, binding)? {
        Some(id) => format!("id:{id}"),
        None => format!("binding:{binding}"),
    };
    if name.len() > MAX_CHILD_NAME_BYTES {
        return Err(format!(
            "a worker's name in LOADER.get() is at most {MAX_CHILD_NAME_BYTES} bytes (this one is {})",
            name.len()
        ));
    }
    // Kept children are objects of their parent's id: a worker without
    // one (a one-shot worker, a worker another loaded) would make a new
    // owner each time it runs, out of reach of the per-worker bound.
    let Some(owner) = env.id.as_deref() else {
        return Err(format!(
            "env.{binding}.get(name, ...) keeps workers by name for a worker with an id (deployed, or Runtime::get); this one has none: use env.{binding}.load(code), or get(null, getCode)"
        ));
    };
    Ok(crate::warm::object_key(
        owner,
        &format!("\u{0}loader\u{0}{loader}\u{0}{name}"),
    ))
}

/// A child's `WorkerCode` from the JSON its parent gave, and the
/// capabilities it is granted: see the module's docs for what a child may
/// have.
fn child_code(env: &WorkerEnv, json: &str) -> Result<(WorkerCode, Grants), String> {
    let mut raw: Json = serde_json::from_str(json)
        .map_err(|e| format!("the worker's code is not valid JSON: {e}"))?;
    let Some(obj) = raw.as_object_mut() else {
        return Err("the worker's code must be an object".to_string());
    };
    for field in ["bindings", "expose"] {
        if obj.contains_key(field) {
            return Err(format!(
                "a loaded worker's code cannot set `{field}`: pass it the parent's bindings in `env` instead (env: {{ AUTH: env.AUTH }})"
            ));
        }
    }
    if obj.contains_key("tails") {
        return Err(TAILS_ARE_SERVICES.to_string());
    }
    // Cloudflare's switch for experimental compatibility flags: isolet
    // gates nothing behind it.
    obj.remove("allowExperimental");
    let refs = match obj.remove(REFS) {
        None => Refs::default(),
        Some(v) => serde_json::from_value::<Refs>(v)
            .map_err(|e| format!("the worker's code: bad references ({e})"))?,
    };
    if refs.env.len() > MAX_CHILD_BINDINGS {
        return Err(format!(
            "a loaded worker's `env` passes at most {MAX_CHILD_BINDINGS} bindings by reference (this code passes {})",
            refs.env.len()
        ));
    }
    if refs.tails.len() > isolet_code::MAX_TAILS {
        return Err(format!(
            "a loaded worker's `tails` name at most {} consumers (this code names {})",
            isolet_code::MAX_TAILS,
            refs.tails.len()
        ));
    }
    let outbound = match (obj.remove("globalOutbound"), refs.global_outbound) {
        (_, Some(RefTarget::Binding(name))) => ChildOutbound::Through(name),
        (_, Some(RefTarget::Exports(exports))) => {
            ChildOutbound::Own(loopback(env, &exports, "globalOutbound")?.gateway())
        }
        (None, None) => ChildOutbound::Parent,
        (Some(Json::Null), None) => ChildOutbound::Deny,
        (Some(_), None) => {
            return Err("a loaded worker's `globalOutbound` is null (no network), left out (the parent's own) or a service binding of the parent (globalOutbound: env.GATEWAY)".to_string());
        }
    };
    let mut bindings = BTreeMap::new();
    let mut granted = Grants::new();
    if let Some(Json::Object(values)) = obj.get(ENV_FIELD)
        && let Some(key) = refs.env.keys().find(|k| values.contains_key(*k))
    {
        return Err(format!(
            "env.{key} is given twice: as a value and as a binding"
        ));
    }
    for (key, target) in refs.env {
        let name = match target {
            RefTarget::Binding(name) => name,
            RefTarget::Exports(exports) => {
                let service = loopback(env, &exports, &format!("env.{key}"))?;
                bindings.insert(key, service.binding());
                continue;
            }
        };
        let Some(spec) = env.bindings.get(&name) else {
            return Err(format!(
                "env.{key}: env.{name} is not a binding of the parent worker"
            ));
        };
        match spec {
            BindingSpec::Loader { .. } => {
                return Err(format!(
                    "env.{key}: a Worker Loader cannot be passed to a loaded worker (its workers would load workers of their own)"
                ));
            }
            BindingSpec::Capability(cap) => {
                if let Some(b) = env.granted.get(cap) {
                    granted.insert(cap.clone(), b.clone());
                }
            }
            BindingSpec::Service { .. } => {}
        }
        bindings.insert(key, spec.clone());
    }
    let mut code: WorkerCode =
        serde_json::from_value(raw).map_err(|e| format!("the worker's code is not valid: {e}"))?;
    // As on Cloudflare: a loaded worker's modules are JavaScript (or
    // Python), bundled beforehand; the host transpiles no tenant's
    // TypeScript on another tenant's time or into the shared caches.
    if let Some((name, _)) = code
        .modules
        .iter()
        .find(|(_, m)| matches!(m, ModuleSource::TypeScript(_)))
    {
        return Err(format!(
            "module \"{name}\" is TypeScript or JSX: a loaded worker's modules are JavaScript or Python (bundle it first, e.g. with `isolet bundle`)"
        ));
    }
    code.bindings = bindings;
    code.tails = refs
        .tails
        .iter()
        .map(|target| {
            let service = match target {
                RefTarget::Exports(exports) => loopback(env, exports, "tails")?,
                RefTarget::Binding(name) => service_of(env, name)
                    .ok_or_else(|| format!("tails: env.{name} {NOT_A_SERVICE}"))?,
            };
            Ok(service.tail())
        })
        .collect::<Result<_, String>>()?;
    code.global_outbound = match outbound {
        ChildOutbound::Parent => env.outbound.clone(),
        ChildOutbound::Deny => Outbound::Deny,
        ChildOutbound::Own(outbound) => outbound,
        ChildOutbound::Through(name) => match service_of(env, &name) {
            Some(service) => service.gateway(),
            None => return Err(format!("globalOutbound: env.{name} {NOT_A_SERVICE}")),
        },
    };
    code.limits = Some(within(code.limits.unwrap_or_default(), &env.limits));
    Ok((code, granted))
}

/// What a parent's binding passed where a worker is wanted (a child's
/// `globalOutbound` or `tails`) must be.
const NOT_A_SERVICE: &str = "is not a service binding of the parent worker";

/// The refusal of `tails` that are not what the parent holds.
const TAILS_ARE_SERVICES: &str = "a loaded worker's `tails` are the parent's service bindings (env.NAME) or its own entrypoints (ctx.exports.NAME({ props })), in an array";

/// The parent's binding `name`, if it is a service binding.
fn service_of(env: &WorkerEnv, name: &str) -> Option<Service> {
    match env.bindings.get(name)? {
        BindingSpec::Service {
            worker,
            entrypoint,
            props,
        } => Some(Service {
            worker: worker.clone(),
            entrypoint: entrypoint.clone(),
            props: props.clone(),
        }),
        BindingSpec::Capability(_) | BindingSpec::Loader { .. } => None,
    }
}

/// Capabilities granted to one worker alone, by name (see
/// `Runtime::load_granting`).
type Grants = HashMap<String, Arc<dyn Binding>>;

/// The `env` field of the code's JSON.
const ENV_FIELD: &str = "env";

/// What of the parent the code passes by reference (see [`REFS`]).
#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Refs {
    /// `env` keys of the child, each to what of the parent it is.
    #[serde(default)]
    env: BTreeMap<String, RefTarget>,
    /// What of the parent the child's `fetch()` goes through.
    #[serde(default)]
    global_outbound: Option<RefTarget>,
    /// What of the parent receives the child's traces.
    #[serde(default)]
    tails: Vec<RefTarget>,
}

/// A part of the parent passed by reference.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum RefTarget {
    /// Its binding of this name.
    Binding(String),
    /// One of its own entrypoints (`ctx.exports.NAME({ props })`).
    Exports(Exports),
}

/// A worker's id, entrypoint and props: what a child may be given of its
/// parent where a worker is wanted (a binding in its env, its gateway, a
/// tail consumer).
struct Service {
    worker: String,
    entrypoint: Option<String>,
    props: Option<serde_json::Map<String, Json>>,
}

impl Service {
    fn binding(self) -> BindingSpec {
        BindingSpec::Service {
            worker: self.worker,
            entrypoint: self.entrypoint,
            props: self.props,
        }
    }

    fn gateway(self) -> Outbound {
        Outbound::GatewayWorker {
            worker: self.worker,
            entrypoint: self.entrypoint,
            props: self.props,
        }
    }

    fn tail(self) -> isolet_code::TailConsumer {
        isolet_code::TailConsumer {
            worker: self.worker,
            entrypoint: self.entrypoint,
            props: self.props,
        }
    }
}

/// `ctx.exports.NAME({ props })` of the parent.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Exports {
    exports: String,
    #[serde(default)]
    props: serde_json::Map<String, Json>,
}

/// The parent's entrypoint `exports` as a service a child calls (the
/// parent's id, the entrypoint, its props). Each call is a new invocation
/// of the parent (its instance is busy with the call to the child), as a
/// service binding to itself would be; `what` names the place in the code.
fn loopback(env: &WorkerEnv, exports: &Exports, what: &str) -> Result<Service, String> {
    let Some(id) = env.id.clone() else {
        return Err(format!(
            "{what}: ctx.exports.{} can be passed to a loaded worker by a worker with an id (deployed, or Runtime::get) only: this one has none",
            crate::tail::clip(&exports.exports, 64)
        ));
    };
    Ok(Service {
        worker: id,
        entrypoint: (exports.exports != "default").then(|| exports.exports.clone()),
        props: Some(exports.props.clone()),
    })
}

/// Where a child's `fetch()` goes, as its code says.
enum ChildOutbound {
    /// Through the parent's own entrypoint (`ctx.exports.X`).
    Own(Outbound),
    /// Left out: where the parent's goes.
    Parent,
    /// `null`: nowhere.
    Deny,
    /// Through the parent's service binding of this name.
    Through(String),
}

/// A child's `limits`, none above its parent's.
fn within(child: Limits, parent: &Effective) -> Limits {
    fn at_most<T: Ord + Copy>(c: Option<T>, p: T) -> Option<T> {
        Some(c.map_or(p, |c| c.min(p)))
    }
    Limits {
        memory_bytes: at_most(child.memory_bytes, parent.memory_bytes),
        cpu_time: at_most(child.cpu_time, parent.cpu_time),
        fuel: at_most(child.fuel, parent.fuel),
        sub_requests: at_most(child.sub_requests, parent.sub_requests),
        outbound_bytes: at_most(child.outbound_bytes, parent.outbound_bytes),
        response_bytes: at_most(child.response_bytes, parent.response_bytes),
        host_memory_bytes: at_most(child.host_memory_bytes, parent.host_memory_bytes),
        timeout: at_most(child.timeout, parent.timeout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_child_gets_no_more_than_its_parent() {
        let parent = Effective::resolve(
            Limits::new()
                .cpu_time(Duration::from_millis(50))
                .memory_bytes(64 << 20),
            Limits::new(),
        );
        let asked = Limits::new()
            .cpu_time(Duration::from_secs(30))
            .memory_bytes(16 << 20);
        let got = within(asked, &parent);
        assert_eq!(got.cpu_time, Some(Duration::from_millis(50)));
        assert_eq!(got.memory_bytes, Some(16 << 20));
        assert_eq!(got.timeout, Some(parent.timeout));
        assert_eq!(within(Limits::new(), &parent).memory_bytes, Some(64 << 20));
    }

    #[test]
    fn a_stub_tag_is_found_however_it_is_written() {
        assert!(may_pass_stubs(r#"{"g":{"$t":"stub","v":1}}"#));
        assert!(may_pass_stubs(r#"{"g":{"$t":"\u0073tub","v":1}}"#));
        assert!(!may_pass_stubs(r#"{"greeting":"hi","n":[1,2]}"#));
    }

    #[test]
    fn references_are_a_field_of_their_own() {
        let refs: Refs = serde_json::from_value(serde_json::json!({
            "env": {"A": "AUTH", "B": {"exports": "Greeter", "props": {"x": 1}}},
            "globalOutbound": "GW"
        }))
        .unwrap();
        assert!(matches!(&refs.env["A"], RefTarget::Binding(b) if b == "AUTH"));
        assert!(
            matches!(&refs.env["B"], RefTarget::Exports(e) if e.exports == "Greeter" && e.props["x"] == 1)
        );
        assert!(matches!(&refs.global_outbound, Some(RefTarget::Binding(b)) if b == "GW"));
        assert!(serde_json::from_value::<Refs>(serde_json::json!({"other": 1})).is_err());
    }
}
