//! Where a worker's `fetch()` goes (`globalOutbound`), as the parent states
//! it: deny, forward (with host lists and SSRF protection), or a gateway
//! (another worker, or a policy the embedder registered by name). The
//! runtime (`isolet::outbound`) carries it out.

use serde::{Deserialize, Serialize};

/// How a worker's `fetch()` leaves the sandbox (`globalOutbound`).
///
/// In JSON: `null` (deny), `"inherit"` (forward with defaults),
/// `{"forward": {...}}`, `{"gateway": {"worker": "id", "entrypoint": "X"}}` or
/// `{"gateway": {"policy": "name"}}` (a policy registered with
/// `isolet::RuntimeBuilder::outbound_policy`).
///
/// ```
/// use isolet_code::{ForwardConfig, Outbound};
/// let o: Outbound = serde_json::from_str(r#"{"forward": {"allowHosts": ["*.example.com"]}}"#).unwrap();
/// assert_eq!(o, Outbound::Forward(ForwardConfig { allow_hosts: vec!["*.example.com".into()], ..Default::default() }));
/// assert_eq!(serde_json::from_str::<Outbound>("null").unwrap(), Outbound::Deny);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Outbound {
    /// `fetch()` rejects inside the worker; nothing leaves the host.
    #[default]
    Deny,
    /// The host performs the request, subject to the config's checks.
    Forward(ForwardConfig),
    /// Another worker's `fetch` handler receives the request.
    GatewayWorker {
        /// The gateway worker's id.
        worker: String,
        /// Its entrypoint (`None`: default).
        entrypoint: Option<String>,
        /// What the gateway's entrypoint sees as `ctx.props` (a JSON
        /// object; `None`: `{}`): how a parent that hands a child
        /// `globalOutbound: ctx.exports.Gateway({ props })` tells its
        /// gateway whose requests these are.
        props: Option<serde_json::Map<String, serde_json::Value>>,
    },
    /// A policy the embedder registered under this name.
    GatewayPolicy(String),
}

/// Settings of the forward policy.
///
/// ```
/// use isolet_code::ForwardConfig;
/// let cfg = ForwardConfig::default();
/// assert!(cfg.allow_hosts.is_empty() && cfg.deny_hosts.is_empty() && !cfg.allow_private);
/// assert_eq!((cfg.timeout_ms, cfg.max_response_bytes, cfg.max_redirects), (30_000, 10 << 20, 10));
/// let json = r#"{"denyHosts": ["*.internal"], "timeoutMs": 5000}"#; // unset fields: defaults
/// let parsed: ForwardConfig = serde_json::from_str(json).unwrap();
/// assert_eq!(parsed, ForwardConfig { deny_hosts: vec!["*.internal".into()], timeout_ms: 5000, ..cfg });
/// assert!(serde_json::from_str::<ForwardConfig>(r#"{"allowHost": []}"#).is_err()); // unknown field
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ForwardConfig {
    /// Host patterns allowed (`example.com`, `*.example.com`); empty: any.
    pub allow_hosts: Vec<String>,
    /// Host patterns refused (checked first).
    pub deny_hosts: Vec<String>,
    /// Allow loopback / private / link-local addresses (after DNS). Default false.
    pub allow_private: bool,
    /// Time for the whole fetch in milliseconds: every redirect, the
    /// response head and its body. Default 30,000.
    pub timeout_ms: u64,
    /// Largest response body, in bytes. Default 10 MiB.
    pub max_response_bytes: u64,
    /// Most redirects followed. Default 10.
    pub max_redirects: u32,
}

impl Default for ForwardConfig {
    fn default() -> Self {
        ForwardConfig {
            allow_hosts: Vec::new(),
            deny_hosts: Vec::new(),
            allow_private: false,
            timeout_ms: 30_000,
            max_response_bytes: 10 << 20,
            max_redirects: 10,
        }
    }
}

impl Serialize for Outbound {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde_json::json;
        let v = match self {
            Outbound::Deny => serde_json::Value::Null,
            Outbound::Forward(c) => json!({ "forward": c }),
            Outbound::GatewayWorker {
                worker,
                entrypoint,
                props,
            } => {
                let mut g = json!({ "worker": worker, "entrypoint": entrypoint });
                if let Some(props) = props {
                    g["props"] = serde_json::Value::Object(props.clone());
                }
                json!({ "gateway": g })
            }
            Outbound::GatewayPolicy(name) => json!({ "gateway": { "policy": name } }),
        };
        v.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Outbound {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let v = serde_json::Value::deserialize(d)?;
        let bad = || {
            D::Error::custom(
                "globalOutbound must be null, \"inherit\", {\"forward\": {...}}, {\"gateway\": {\"worker\": id}} or {\"gateway\": {\"policy\": name}}",
            )
        };
        match v {
            serde_json::Value::Null => Ok(Outbound::Deny),
            serde_json::Value::String(s) if s == "inherit" => {
                Ok(Outbound::Forward(ForwardConfig::default()))
            }
            serde_json::Value::Object(mut o) if o.len() == 1 => {
                if let Some(f) = o.remove("forward") {
                    return serde_json::from_value(f)
                        .map(Outbound::Forward)
                        .map_err(D::Error::custom);
                }
                let Some(serde_json::Value::Object(mut g)) = o.remove("gateway") else {
                    return Err(bad());
                };
                let str_of = |v: serde_json::Value| v.as_str().map(str::to_string);
                let props = match g.remove("props") {
                    None => None,
                    Some(serde_json::Value::Object(p)) => Some(p),
                    Some(_) => return Err(D::Error::custom("gateway props must be an object")),
                };
                match (
                    g.remove("worker"),
                    g.remove("policy"),
                    g.remove("entrypoint"),
                ) {
                    (Some(w), None, ep) if g.is_empty() => Ok(Outbound::GatewayWorker {
                        worker: str_of(w).ok_or_else(bad)?,
                        entrypoint: ep.and_then(str_of),
                        props,
                    }),
                    (None, Some(_), None) if props.is_some() => Err(bad()),
                    (None, Some(p), None) if g.is_empty() => {
                        Ok(Outbound::GatewayPolicy(str_of(p).ok_or_else(bad)?))
                    }
                    _ => Err(bad()),
                }
            }
            _ => Err(bad()),
        }
    }
}
