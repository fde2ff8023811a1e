//! The host side of the `loader` and `context` interfaces: the children a
//! worker loads through its loader bindings (`env.LOADER`), and `ctx.props`.
//!
//! A child is a worker of its own, made from the WorkerCode JSON its parent
//! hands over (Cloudflare's field names), and it gets nothing its parent
//! does not have: its limits are the parent's at most; its `fetch()` goes
//! where the parent's goes unless the code says `globalOutbound: null` (no
//! network) or names a service binding of the parent (that worker then sees
//! every request); its `env` holds plain values and the parent's own
//! bindings the code passes by reference (`env: { AUTH: env.AUTH }`), never
//! bindings, tails or outbound policies named in the code itself. `get`'s
//! children are kept in the runtime's warm cache as objects of the parent
//! (one parent's flood of names evicts only its own children); `load`'s
//! live as long as the invocation that made them. Making a child and each
//! call to one take a subrequest of the parent's invocation.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use isolet_code::{BindingSpec, Limits, Outbound, WorkerCode};
use serde_json::Value as Json;

use crate::bindings::Binding;
use crate::child::{Child, MAX_CHILD_CODE_BYTES, MAX_CHILD_NAME_BYTES, MAX_LOADED_PER_INVOCATION};
use crate::http::Request;
use crate::limits::Effective;
use crate::state::{HostState, WorkerEnv, request_headers_problem};
use crate::wit::isolet::worker::{context, loader, types};

/// What a parent's binding passed to a child by reference becomes in the
/// code's JSON: `{"$binding": "NAME"}` (guest-js/js/prelude/loader.js
/// writes it), in `env` or as `globalOutbound`.
const BINDING_REF: &str = "$binding";

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
        self.take_sub_request(&env)?;
        let chain = self.nested_chain(&env)?;
        // The parent waits for its child: not its CPU time.
        self.invocation.cpu.pause();
        let result = match self.storage_gate(true).await {
            Ok(()) => {
                target
                    .fetch(entrypoint, props.clone(), Request::from(req), chain)
                    .await
            }
            Err(e) => Err(e),
        };
        self.invocation.cpu.resume();
        self.invocation.budget.release(props.len());
        self.fetched(&env, result?).map(Some)
    }

    async fn call(
        &mut self,
        child: loader::Child,
        entrypoint: Option<String>,
        props: String,
        method: String,
        args: String,
    ) -> Result<Option<String>, String> {
        let env = self.env()?;
        let Some(target) = self.child(&env, &child)? else {
            return Ok(None);
        };
        let what = format!("{}()", crate::tail::clip(&method, 64));
        let (args, args_cost) = self.parse_guest_args(&args, &what)?;
        let props = match self.props_for_call(props) {
            Ok(p) => p,
            Err(e) => {
                self.invocation.budget.release(args_cost);
                return Err(e);
            }
        };
        let prepared = self
            .take_sub_request(&env)
            .and_then(|()| self.nested_chain(&env));
        let result = match prepared {
            Ok(chain) => {
                // The parent waits for its child: not its CPU time.
                self.invocation.cpu.pause();
                let result = match self.storage_gate(true).await {
                    Ok(()) => {
                        target
                            .call(entrypoint, props.clone(), method, args, chain)
                            .await
                    }
                    Err(e) => Err(e),
                };
                self.invocation.cpu.resume();
                result
            }
            Err(e) => Err(e),
        };
        // The arguments and props were held (and handed on) until the call ended.
        self.invocation.budget.release(args_cost);
        self.invocation.budget.release(props.len());
        self.result_for_guest(result?, &what).map(Some)
    }
}

impl context::Host for HostState {
    async fn props(&mut self) -> String {
        match &self.invocation.props {
            Some(props) => props.to_string(),
            None => "{}".to_string(),
        }
    }
}

impl HostState {
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
    let owner = env.id.as_deref().unwrap_or(&env.cache_key);
    Ok(crate::warm::object_key(
        owner,
        &format!("\u{0}loader\u{0}{loader}\u{0}{name}"),
    ))
}

/// The parent's binding that `v` refers to, if it is a reference
/// (`{"$binding": "NAME"}`).
fn binding_ref(v: &Json) -> Option<&str> {
    let o = v.as_object()?;
    if o.len() != 1 {
        return None;
    }
    o.get(BINDING_REF)?.as_str()
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
    for field in ["bindings", "tails", "expose"] {
        if obj.contains_key(field) {
            return Err(format!(
                "a loaded worker's code cannot set `{field}`: pass it the parent's bindings in `env` instead (env: {{ AUTH: env.AUTH }})"
            ));
        }
    }
    // Cloudflare's flag for experimental compatibility flags: isolet has none.
    obj.remove("allowExperimental");
    let outbound = match obj.remove("globalOutbound") {
        None => ChildOutbound::Parent,
        Some(Json::Null) => ChildOutbound::Deny,
        Some(v) => match binding_ref(&v) {
            Some(name) => ChildOutbound::Through(name.to_string()),
            None => {
                return Err("a loaded worker's `globalOutbound` is null (no network), left out (the parent's own) or a service binding of the parent (globalOutbound: env.GATEWAY)".to_string());
            }
        },
    };
    let mut bindings = BTreeMap::new();
    let mut granted = Grants::new();
    if let Some(Json::Object(values)) = obj.get_mut("env") {
        let refs: Vec<(String, String)> = values
            .iter()
            .filter_map(|(k, v)| binding_ref(v).map(|n| (k.clone(), n.to_string())))
            .collect();
        for (key, name) in refs {
            values.remove(&key);
            let Some(spec) = env.bindings.get(&name) else {
                return Err(format!(
                    "env.{key}: env.{name} is not a binding of the parent worker"
                ));
            };
            if let BindingSpec::Capability(cap) = spec
                && let Some(b) = env.granted.get(cap)
            {
                granted.insert(cap.clone(), b.clone());
            }
            bindings.insert(key, spec.clone());
        }
    }
    let mut code: WorkerCode =
        serde_json::from_value(raw).map_err(|e| format!("the worker's code is not valid: {e}"))?;
    code.bindings = bindings;
    code.global_outbound = match outbound {
        ChildOutbound::Parent => env.outbound.clone(),
        ChildOutbound::Deny => Outbound::Deny,
        ChildOutbound::Through(name) => match env.bindings.get(&name) {
            Some(BindingSpec::Service { worker, entrypoint }) => Outbound::GatewayWorker {
                worker: worker.clone(),
                entrypoint: entrypoint.clone(),
            },
            _ => {
                return Err(format!(
                    "globalOutbound: env.{name} is not a service binding of the parent worker"
                ));
            }
        },
    };
    code.limits = Some(within(code.limits.unwrap_or_default(), &env.limits));
    Ok((code, granted))
}

/// Capabilities granted to one worker alone, by name (see
/// `Runtime::load_granting`).
type Grants = HashMap<String, Arc<dyn Binding>>;

/// Where a child's `fetch()` goes, as its code says.
enum ChildOutbound {
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
    fn references_are_exactly_one_key() {
        assert_eq!(
            binding_ref(&serde_json::json!({"$binding": "AUTH"})),
            Some("AUTH")
        );
        assert_eq!(
            binding_ref(&serde_json::json!({"$binding": "AUTH", "x": 1})),
            None
        );
        assert_eq!(binding_ref(&serde_json::json!({"$binding": 1})), None);
        assert_eq!(binding_ref(&serde_json::json!("AUTH")), None);
    }
}
