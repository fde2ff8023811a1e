//! Server configuration: embedded defaults, an optional TOML file, and
//! `ISOLET_*` environment overrides (in that order).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use isolet::Limits;

/// How the server logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Configuration of `isolet serve`.
///
/// ```
/// let config = isolet_server::ServerConfig::from_toml(r#"
///     listen = "127.0.0.1:9000"
///     max_warm_workers = 100
///     [limits]
///     timeoutMs = 5000
/// "#).unwrap();
/// assert_eq!(config.listen.port(), 9000);
/// assert_eq!(config.limits.timeout, Some(std::time::Duration::from_secs(5)));
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on. Default `127.0.0.1:8787`.
    pub listen: SocketAddr,
    /// Where worker code and the admin token live. Default
    /// `$XDG_DATA_HOME/isolet` or `~/.local/share/isolet`.
    pub data_dir: PathBuf,
    /// Bearer token for admin routes. Default: read from
    /// `<data_dir>/admin-token`, created with a random token on first start.
    pub admin_token: Option<String>,
    /// Bearer token for invocation routes (`/w/...`). Default: none (open).
    pub invoke_token: Option<String>,
    /// Warm workers kept by id. Default 1,000.
    pub max_warm_workers: usize,
    /// Most places of the warm cache the live Durable Objects of one worker
    /// take (object names are the caller's: with `expose.objects`,
    /// anyone's); past it that worker's least recently used object is
    /// evicted, never another worker. All objects together take at most
    /// half of `max_warm_workers`. 0: an eighth of `max_warm_workers` (at
    /// least 1). Default 0.
    pub max_warm_objects_per_worker: usize,
    /// Live instances at once. Default 2,000.
    pub max_instances: u32,
    /// Most instances one worker id runs at once when its requests overlap
    /// (0: the number of CPUs). Default 0.
    pub instances_per_worker: usize,
    /// Most bytes of a freed instance's memory slot kept resident for the
    /// next instance (see `RuntimeBuilder::keep_resident_bytes`). Default
    /// 4 MiB; 0 returns freed memory to the kernel at once.
    pub keep_resident_bytes: usize,
    /// Default limits for workers that set none.
    pub limits: Limits,
    /// Operator ceilings: the most uploaded code (`PUT /workers/{id}`,
    /// `POST /run`) may ask for in its `limits`, with the same keys as
    /// `[limits]` (`cpuMs`, `timeoutMs`, `memoryBytes`, `responseBytes`,
    /// `subRequests`, `outboundBytes`, `hostMemoryBytes`, `fuel`). Code
    /// asking for more is
    /// refused with a 400 naming the ceiling, never silently clamped; keys
    /// left out of `[max_limits]` keep their defaults. Defaults: `cpuMs` 30,000,
    /// `timeoutMs` 120,000, `memoryBytes` 128 MiB (the runtime reserves
    /// this much per instance slot: raising it raises the reservation),
    /// `responseBytes` 1 GiB, `subRequests` 1,000, `outboundBytes`
    /// 256 MiB, `hostMemoryBytes` 256 MiB, `fuel` 60,000,000,000.
    /// `[limits]` must lie within them.
    #[serde(deserialize_with = "max_limits_over_defaults")]
    pub max_limits: Limits,
    /// Whether uploaded code may forward `fetch()` to loopback, private
    /// and link-local addresses (`"globalOutbound": {"forward":
    /// {"allowPrivate": true}}`), i.e. reach this server's own `/metrics`,
    /// admin API and the rest of its network. Default false: such code is
    /// refused at upload.
    pub allow_private_outbound: bool,
    /// Host patterns (`api.example.com`, `*.example.com`) uploaded code may
    /// forward `fetch()` to. When set, a `forward` policy must list its own
    /// `allowHosts`, each within these (`"inherit"`, which allows any host,
    /// is refused). Default: empty, any public host.
    pub outbound_hosts: Vec<String>,
    /// The longest per-request timeout (ms) uploaded code may give its
    /// forwarded `fetch()`es (`"globalOutbound": {"forward": {"timeoutMs":
    /// …}}`). Default 30,000 (the forward policy's own default).
    pub max_forward_timeout_ms: u64,
    /// The most redirects uploaded code may let one forwarded `fetch()`
    /// follow (`forward.maxRedirects`). Default 20.
    pub max_forward_redirects: u32,
    /// Most `bindings` uploaded code may have. Default 32.
    pub max_bindings: usize,
    /// Most `tails` uploaded code may have. Default 8.
    pub max_tails: usize,
    /// Worker ids uploaded code may name in service `bindings`, `tails`
    /// and a `gateway` worker: exact ids, or prefixes ending in `*`
    /// (`"shop-*"`). Default: empty, any id.
    pub reachable_ids: Vec<String>,
    /// A WebSocket with no message either way for this long (ms) is closed
    /// (code 1001), freeing the worker instance it holds; pings do not
    /// count. A client that does not read what is sent to it for this long
    /// is dropped too. Default 60,000.
    pub websocket_idle_timeout_ms: u64,
    /// Most WebSockets open at once to one worker, its objects' included
    /// (0: one less than `instances_per_worker`, at least 1), and to one
    /// object (always 1: an object runs on one instance); more upgrades get
    /// 503. A place is taken only once the worker exists, the caller may
    /// reach it and the upgrade request's body has arrived. A socket
    /// holds one of its worker's instances for as long as it is open, so
    /// the default always leaves an instance to HTTP requests where there
    /// is more than one; a request that finds every instance busy waits at
    /// most the worker's `timeoutMs` for one, then gets 503. Each server
    /// process counts its own sockets; all of a process's sockets together
    /// hold at most half of its instances. Default 0.
    pub max_websockets_per_worker: usize,
    /// How long a client may take to send a request's head (request line
    /// and headers), and how long an idle keep-alive connection stays open,
    /// in ms; then the connection is closed. Default 30,000.
    pub header_read_timeout_ms: u64,
    /// How long the server waits for the next piece of a request's body,
    /// in ms: a client that sends nothing for this long gets 408 (or, for a
    /// body the worker already reads, a failed read) and the connection is
    /// closed. Default 30,000.
    pub body_read_timeout_ms: u64,
    /// The slowest a request body may arrive on average, in bytes per
    /// second of the server waiting for it, after a grace of
    /// `body_rate_grace_ms`: a body of `n` bytes must be complete within
    /// `body_rate_grace_ms + n / min_body_bytes_per_sec` of waiting, or it
    /// gets 408 (or, for a body the worker already reads, a failed read)
    /// and the connection is closed. This bounds how long a trickling
    /// client (a byte every few seconds, never idle for
    /// `body_read_timeout_ms`) holds a worker's instance. 0: no minimum.
    /// Default 16,384.
    pub min_body_bytes_per_sec: u64,
    /// The wait (ms) before `min_body_bytes_per_sec` applies. Default 10,000.
    pub body_rate_grace_ms: u64,
    /// `globalOutbound` for uploaded code that does not set it (JSON form as
    /// in WorkerCode, e.g. `"inherit"`). Default: deny.
    pub default_outbound: isolet::outbound::Outbound,
    /// Largest request body accepted, in bytes. Default 10 MiB.
    pub max_body_bytes: usize,
    /// Largest body of an RPC call from outside (`POST
    /// /w/{id}/rpc/{entrypoint}/{method}`, its JSON arguments), in bytes;
    /// larger ones get 413 (the smaller of this and `max_body_bytes`
    /// applies). The arguments are held as two value trees while they are
    /// decoded, each many times the text's size. Default 1 MiB.
    pub max_rpc_body_bytes: usize,
    /// Most JSON values (array elements and object members, counted before
    /// anything is built) in an RPC call's arguments from outside; more get
    /// 413. Default 100,000.
    pub max_rpc_values: usize,
    /// Largest request head (request line + headers), in bytes. Default 64 KiB.
    pub max_header_bytes: usize,
    /// Requests per worker in flight at once. One more waits up to 5 s for
    /// a slot to come free, then gets 503 with `Retry-After: 1`. Default 64.
    pub worker_concurrency: usize,
    /// Route `Host: {id}.{domain}` to worker `{id}`. Default: off.
    pub domain: Option<String>,
    /// Include script stack traces in 500 responses. Default false.
    pub debug: bool,
    /// Serve the web playground at `/playground/` (and redirect `/` to
    /// it): a page to write, run, deploy and tail workers in a browser,
    /// which calls the admin API with the token its user enters. Default
    /// true; `false` answers 404 there.
    pub playground: bool,
    /// Serve the playground only on this host name (`playground.localhost`,
    /// or with a port: `play.example.com:8443`), and workers by path
    /// (`/w/...`) only on other host names, so that no worker page shares
    /// the playground's origin (and its token). Other hosts redirect `/`
    /// and `/playground/` there. Browsers resolve `*.localhost` to this
    /// machine, so `playground.localhost` needs no DNS. Default: none (the
    /// playground on loopback host names only, `localhost`, `*.localhost`,
    /// `127.0.0.1`, `[::1]`, sharing the origin with workers by path, whose
    /// answers there carry a sandboxing CSP; other hosts get 404).
    pub playground_host: Option<String>,
    /// The npm registry `POST /bundle` resolves packages from. Default
    /// `https://registry.npmjs.org`; tarballs are cached under
    /// `<data_dir>/npm-cache` by integrity.
    pub npm_registry: String,
    /// Keep deployed code in PostgreSQL (`postgres://user@host/db`) instead
    /// of `<data_dir>/workers`, so that replicas behind a load balancer
    /// share it: every replica serves every worker id, and a deploy to any
    /// of them retires the others' stale instances (LISTEN/NOTIFY). Objects'
    /// storage stays on each replica's data directory. Default: off.
    pub postgres: Option<String>,
    /// Log format. Default text.
    pub log_format: LogFormat,
    /// How long shutdown waits for in-flight requests, in ms. Default 10,000.
    pub shutdown_grace_ms: u64,
    /// Server processes `isolet serve` runs on the one listening port
    /// (`SO_REUSEPORT`), each with one request thread and its own warm
    /// instances; 0 (the default) runs one per CPU, 1 a single process.
    /// They share the code store and the admin token; a deploy reaches all
    /// of them before it answers; `/metrics` sums theirs and a tail sees
    /// every process's events. [`max_instances`](Self::max_instances) is
    /// split between them, and `worker_concurrency` holds per process.
    /// A [`Server`](crate::Server) embedded in another program is always
    /// one process.
    pub workers: usize,
    /// Set by `isolet serve` in the processes it starts (see `workers`).
    #[doc(hidden)]
    #[serde(skip)]
    pub process_group: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            data_dir: default_data_dir(),
            admin_token: None,
            invoke_token: None,
            max_warm_workers: 1_000,
            max_warm_objects_per_worker: 0,
            max_instances: 2_000,
            instances_per_worker: 0,
            keep_resident_bytes: isolet::DEFAULT_KEEP_RESIDENT,
            limits: Limits::new(),
            max_limits: default_max_limits(),
            allow_private_outbound: false,
            outbound_hosts: Vec::new(),
            max_forward_timeout_ms: 30_000,
            max_forward_redirects: 20,
            max_bindings: 32,
            max_tails: 8,
            reachable_ids: Vec::new(),
            websocket_idle_timeout_ms: 60_000,
            max_websockets_per_worker: 0,
            header_read_timeout_ms: 30_000,
            body_read_timeout_ms: 30_000,
            min_body_bytes_per_sec: 16 << 10,
            body_rate_grace_ms: 10_000,
            default_outbound: isolet::outbound::Outbound::Deny,
            max_body_bytes: 10 << 20,
            max_rpc_body_bytes: 1 << 20,
            max_rpc_values: 100_000,
            max_header_bytes: 64 << 10,
            worker_concurrency: 64,
            domain: None,
            debug: false,
            playground: true,
            playground_host: None,
            npm_registry: isolet_bundle::NPM_REGISTRY.to_string(),
            postgres: None,
            log_format: LogFormat::Text,
            shutdown_grace_ms: 10_000,
            workers: 0,
            process_group: None,
        }
    }
}

/// How fast a request body must arrive (see
/// [`ServerConfig::body_read_timeout_ms`] and
/// [`ServerConfig::min_body_bytes_per_sec`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyPace {
    /// The longest wait for the next piece.
    pub idle: Duration,
    /// The slowest average after `grace` (0: none).
    pub min_bytes_per_sec: u64,
    pub grace: Duration,
}

/// The default operator ceilings (see [`ServerConfig::max_limits`]).
fn default_max_limits() -> Limits {
    Limits::new()
        .memory_bytes(isolet::DEFAULT_MEMORY_BYTES)
        .cpu_time(Duration::from_secs(30))
        .fuel(60_000_000_000)
        .timeout(Duration::from_secs(120))
        .sub_requests(1_000)
        .outbound_bytes(256 << 20)
        .response_bytes(isolet::DEFAULT_RESPONSE_BYTES)
        .host_memory_bytes(256 << 20)
}

/// `[max_limits]` as written, its missing keys taken from the defaults (so
/// that raising one ceiling does not lift the others).
fn max_limits_over_defaults<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Limits, D::Error> {
    Ok(Limits::deserialize(d)?.or(default_max_limits()))
}

fn default_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(d).join("isolet");
    }
    match std::env::var_os("HOME") {
        Some(h) => PathBuf::from(h).join(".local/share/isolet"),
        None => PathBuf::from("isolet-data"),
    }
}

impl ServerConfig {
    /// Parses a TOML configuration (unset keys keep their defaults).
    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| format!("invalid configuration: {e}"))
    }

    /// Reads a TOML file.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Applies `ISOLET_LISTEN`, `ISOLET_DATA_DIR`, `ISOLET_ADMIN_TOKEN`,
    /// `ISOLET_INVOKE_TOKEN`, `ISOLET_MAX_WARM_WORKERS`,
    /// `ISOLET_MAX_WARM_OBJECTS_PER_WORKER`,
    /// `ISOLET_INSTANCES_PER_WORKER`, `ISOLET_KEEP_RESIDENT_BYTES`, `ISOLET_DOMAIN`,
    /// `ISOLET_POSTGRES_URL`,
    /// `ISOLET_LOG_FORMAT`, `ISOLET_DEBUG`, `ISOLET_PLAYGROUND`, `ISOLET_PLAYGROUND_HOST`,
    /// `ISOLET_TIMEOUT_MS`, `ISOLET_WORKERS`, the ceilings
    /// `ISOLET_MAX_CPU_MS`, `ISOLET_MAX_TIMEOUT_MS`, `ISOLET_MAX_MEMORY_BYTES`,
    /// `ISOLET_MAX_RESPONSE_BYTES`, `ISOLET_MAX_FORWARD_TIMEOUT_MS`,
    /// `ISOLET_MAX_FORWARD_REDIRECTS`, `ISOLET_MAX_RPC_BODY_BYTES`,
    /// `ISOLET_MAX_RPC_VALUES`, `ISOLET_MAX_WEBSOCKETS_PER_WORKER`,
    /// `ISOLET_ALLOW_PRIVATE_OUTBOUND`,
    /// `ISOLET_OUTBOUND_HOSTS`, `ISOLET_REACHABLE_IDS` (both comma-separated),
    /// and the connection timeouts
    /// `ISOLET_WEBSOCKET_IDLE_TIMEOUT_MS`, `ISOLET_HEADER_READ_TIMEOUT_MS`,
    /// `ISOLET_BODY_READ_TIMEOUT_MS`, `ISOLET_MIN_BODY_BYTES_PER_SEC`,
    /// `ISOLET_BODY_RATE_GRACE_MS`.
    pub fn with_env(mut self) -> Result<Self, String> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let parse_err = |k: &str, v: &str| format!("{k}={v:?} is not valid");
        if let Some(v) = var("ISOLET_LISTEN") {
            self.listen = v.parse().map_err(|_| parse_err("ISOLET_LISTEN", &v))?;
        }
        if let Some(v) = var("ISOLET_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = var("ISOLET_ADMIN_TOKEN") {
            self.admin_token = Some(v);
        }
        if let Some(v) = var("ISOLET_INVOKE_TOKEN") {
            self.invoke_token = Some(v);
        }
        if let Some(v) = var("ISOLET_MAX_WARM_WORKERS") {
            self.max_warm_workers = v
                .parse()
                .map_err(|_| parse_err("ISOLET_MAX_WARM_WORKERS", &v))?;
        }
        if let Some(v) = var("ISOLET_MAX_WARM_OBJECTS_PER_WORKER") {
            self.max_warm_objects_per_worker = v
                .parse()
                .map_err(|_| parse_err("ISOLET_MAX_WARM_OBJECTS_PER_WORKER", &v))?;
        }
        if let Some(v) = var("ISOLET_INSTANCES_PER_WORKER") {
            self.instances_per_worker = v
                .parse()
                .map_err(|_| parse_err("ISOLET_INSTANCES_PER_WORKER", &v))?;
        }
        if let Some(v) = var("ISOLET_KEEP_RESIDENT_BYTES") {
            self.keep_resident_bytes = v
                .parse()
                .map_err(|_| parse_err("ISOLET_KEEP_RESIDENT_BYTES", &v))?;
        }
        if let Some(v) = var("ISOLET_POSTGRES_URL") {
            self.postgres = Some(v);
        }
        if let Some(v) = var("ISOLET_DOMAIN") {
            self.domain = Some(v);
        }
        if let Some(v) = var("ISOLET_LOG_FORMAT") {
            self.log_format = match v.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                _ => return Err(parse_err("ISOLET_LOG_FORMAT", &v)),
            };
        }
        if let Some(v) = var("ISOLET_DEBUG") {
            self.debug = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = var("ISOLET_PLAYGROUND") {
            self.playground = match v.as_str() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                _ => return Err(parse_err("ISOLET_PLAYGROUND", &v)),
            };
        }
        if let Some(v) = var("ISOLET_PLAYGROUND_HOST") {
            self.playground_host = Some(v);
        }
        if let Some(v) = var("ISOLET_WORKERS") {
            self.workers = v.parse().map_err(|_| parse_err("ISOLET_WORKERS", &v))?;
        }
        if let Some(v) = var("ISOLET_TIMEOUT_MS") {
            let ms: u64 = v.parse().map_err(|_| parse_err("ISOLET_TIMEOUT_MS", &v))?;
            self.limits.timeout = Some(Duration::from_millis(ms));
        }
        let number = |k: &str| -> Result<Option<u64>, String> {
            var(k)
                .map(|v| v.parse().map_err(|_| parse_err(k, &v)))
                .transpose()
        };
        if let Some(ms) = number("ISOLET_MAX_CPU_MS")? {
            self.max_limits.cpu_time = Some(Duration::from_millis(ms));
        }
        if let Some(ms) = number("ISOLET_MAX_TIMEOUT_MS")? {
            self.max_limits.timeout = Some(Duration::from_millis(ms));
        }
        if let Some(n) = number("ISOLET_MAX_MEMORY_BYTES")? {
            self.max_limits.memory_bytes = Some(n);
        }
        if let Some(n) = number("ISOLET_MAX_RESPONSE_BYTES")? {
            self.max_limits.response_bytes = Some(n);
        }
        if let Some(ms) = number("ISOLET_MAX_FORWARD_TIMEOUT_MS")? {
            self.max_forward_timeout_ms = ms;
        }
        if let Some(n) = number("ISOLET_MAX_FORWARD_REDIRECTS")? {
            self.max_forward_redirects = u32::try_from(n).unwrap_or(u32::MAX);
        }
        if let Some(n) = number("ISOLET_MAX_RPC_BODY_BYTES")? {
            self.max_rpc_body_bytes = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(n) = number("ISOLET_MAX_RPC_VALUES")? {
            self.max_rpc_values = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(n) = number("ISOLET_MAX_WEBSOCKETS_PER_WORKER")? {
            self.max_websockets_per_worker = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(v) = var("ISOLET_ALLOW_PRIVATE_OUTBOUND") {
            self.allow_private_outbound = match v.as_str() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                _ => return Err(parse_err("ISOLET_ALLOW_PRIVATE_OUTBOUND", &v)),
            };
        }
        if let Some(v) = var("ISOLET_OUTBOUND_HOSTS") {
            self.outbound_hosts = v
                .split(',')
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_string)
                .collect();
        }
        if let Some(v) = var("ISOLET_REACHABLE_IDS") {
            self.reachable_ids = v
                .split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_string)
                .collect();
        }
        if let Some(ms) = number("ISOLET_WEBSOCKET_IDLE_TIMEOUT_MS")? {
            self.websocket_idle_timeout_ms = ms;
        }
        if let Some(ms) = number("ISOLET_HEADER_READ_TIMEOUT_MS")? {
            self.header_read_timeout_ms = ms;
        }
        if let Some(ms) = number("ISOLET_BODY_READ_TIMEOUT_MS")? {
            self.body_read_timeout_ms = ms;
        }
        if let Some(n) = number("ISOLET_MIN_BODY_BYTES_PER_SEC")? {
            self.min_body_bytes_per_sec = n;
        }
        if let Some(ms) = number("ISOLET_BODY_RATE_GRACE_MS")? {
            self.body_rate_grace_ms = ms;
        }
        Ok(self)
    }

    /// How many server processes `isolet serve` runs: `workers`, or the
    /// number of CPUs when it is 0.
    ///
    /// ```
    /// let config = isolet_server::ServerConfig { workers: 3, ..Default::default() };
    /// assert_eq!(config.processes(), 3);
    /// assert!(isolet_server::ServerConfig::default().processes() >= 1);
    /// ```
    pub fn processes(&self) -> usize {
        match self.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    /// The `process_group` value for process `index` of `count` serving
    /// `listen` (used by `isolet serve`; `key` names the group's control
    /// sockets and is alphanumeric).
    #[doc(hidden)]
    pub fn process_group_spec(key: &str, index: usize, count: usize, listen: SocketAddr) -> String {
        super::group::Group::spec(key, index, count, listen)
    }

    /// Creates the data directory if needed and returns the admin token:
    /// the configured one, or the one in `<data_dir>/admin-token` (created
    /// with a random token on first use).
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let config = isolet_server::ServerConfig { data_dir: dir.path().into(), ..Default::default() };
    /// let token = config.prepare().unwrap();
    /// assert_eq!(config.prepare().unwrap(), token);
    /// ```
    pub fn prepare(&self) -> Result<String, String> {
        if let Some(host) = &self.playground_host {
            let (name, port) = host.split_once(':').unwrap_or((host, "0"));
            let name_ok = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            if !name_ok || port.parse::<u16>().is_err() {
                return Err(format!(
                    "playground_host {host:?} is not a host name with an optional :port (e.g. \"playground.localhost\")"
                ));
            }
            if let Some(domain) = &self.domain
                && name.to_ascii_lowercase().ends_with(&format!(".{domain}"))
            {
                return Err(format!(
                    "playground_host {host:?} is a worker's host under domain {domain:?}: pick a name outside it"
                ));
            }
        }
        let over = limits_over(&self.limits, &self.max_limits);
        if !over.is_empty() {
            return Err(format!(
                "the default [limits] must lie within [max_limits]: {}",
                over.join("; ")
            ));
        }
        super::store::create_private_dir(&self.data_dir)
            .map_err(|e| format!("data dir {}: {e}", self.data_dir.display()))?;
        match &self.admin_token {
            Some(t) if t.len() >= 16 => Ok(t.clone()),
            Some(_) => Err("admin_token must be at least 16 characters".into()),
            None => load_or_create_token(&self.data_dir.join("admin-token")),
        }
    }

    pub(crate) fn shutdown_grace(&self) -> Duration {
        Duration::from_millis(self.shutdown_grace_ms)
    }

    /// What `code` asks for beyond this server's ceilings
    /// ([`max_limits`](Self::max_limits), outbound policy, bindings, tails
    /// and the ids they name), one problem each; empty when it stays within them. Checked on
    /// uploaded code as the tenant wrote it (the server's own
    /// `default_outbound` and `[limits]` are the operator's).
    ///
    /// ```
    /// let config = isolet_server::ServerConfig::default();
    /// let code: isolet::WorkerCode = serde_json::from_str(r#"{
    ///     "mainModule": "a.js", "modules": {"a.js": "export default {}"},
    ///     "limits": {"cpuMs": 100000},
    ///     "globalOutbound": {"forward": {"allowPrivate": true}}
    /// }"#).unwrap();
    /// let problems = config.ceiling_problems(&code);
    /// assert!(problems[0].contains("`limits.cpuMs` 100000 is over this server's ceiling of 30000"));
    /// assert!(problems[1].contains("allowPrivate"));
    /// assert!(config.ceiling_problems(&isolet::WorkerCode::js("export default {}")).is_empty());
    /// ```
    pub fn ceiling_problems(&self, code: &isolet::WorkerCode) -> Vec<String> {
        self.problems_within_ceilings(code, true)
    }

    /// [`ceiling_problems`](Self::ceiling_problems) of code read back from
    /// the store when it is loaded: code stored before an operator lowered
    /// a ceiling (or before there were any) is held to today's. Its
    /// outbound policy is not checked when it is this server's
    /// `default_outbound` (put there at upload, for code that set none: the
    /// operator's, not the tenant's).
    pub(crate) fn stored_code_problems(&self, code: &isolet::WorkerCode) -> Vec<String> {
        self.problems_within_ceilings(code, code.global_outbound != self.default_outbound)
    }

    fn problems_within_ceilings(&self, code: &isolet::WorkerCode, outbound: bool) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(asked) = &code.limits {
            problems.extend(limits_over(asked, &self.max_limits));
        }
        if outbound && let isolet::outbound::Outbound::Forward(forward) = &code.global_outbound {
            if forward.allow_private && !self.allow_private_outbound {
                problems.push(
                    "`globalOutbound.forward.allowPrivate` is not allowed on this server: uploaded code may not reach loopback, private or link-local addresses (allow_private_outbound)".to_string(),
                );
            }
            if !self.outbound_hosts.is_empty() {
                if forward.allow_hosts.is_empty() {
                    problems.push(format!(
                        "`globalOutbound` forwards to any host, but this server allows only {:?} (outbound_hosts): list them in `allowHosts`",
                        self.outbound_hosts
                    ));
                }
                for host in &forward.allow_hosts {
                    if !self.outbound_hosts.iter().any(|p| pattern_covers(p, host)) {
                        problems.push(format!(
                            "`globalOutbound.forward.allowHosts` {host:?} is outside this server's outbound hosts {:?} (outbound_hosts)",
                            self.outbound_hosts
                        ));
                    }
                }
            }
            if let Some(max) = self.max_limits.outbound_bytes
                && forward.max_response_bytes > max
            {
                problems.push(format!(
                    "`globalOutbound.forward.maxResponseBytes` {} is over this server's ceiling of {max} (max_limits.outboundBytes)",
                    forward.max_response_bytes
                ));
            }
            if forward.timeout_ms > self.max_forward_timeout_ms {
                problems.push(format!(
                    "`globalOutbound.forward.timeoutMs` {} is over this server's ceiling of {} (max_forward_timeout_ms)",
                    forward.timeout_ms, self.max_forward_timeout_ms
                ));
            }
            if forward.max_redirects > self.max_forward_redirects {
                problems.push(format!(
                    "`globalOutbound.forward.maxRedirects` {} is over this server's ceiling of {} (max_forward_redirects)",
                    forward.max_redirects, self.max_forward_redirects
                ));
            }
        }
        if code.bindings.len() > self.max_bindings {
            problems.push(format!(
                "{} bindings are over this server's ceiling of {} (max_bindings)",
                code.bindings.len(),
                self.max_bindings
            ));
        }
        if code.tails.len() > self.max_tails {
            problems.push(format!(
                "{} tails are over this server's ceiling of {} (max_tails)",
                code.tails.len(),
                self.max_tails
            ));
        }
        if !self.reachable_ids.is_empty() {
            let services = code.bindings.values().filter_map(|b| match b {
                isolet::BindingSpec::Service { worker, .. } => Some(("a service binding", worker)),
                isolet::BindingSpec::Capability(_) | isolet::BindingSpec::Loader { .. } => None,
            });
            let gateway = match &code.global_outbound {
                isolet::outbound::Outbound::GatewayWorker { worker, .. } if outbound => {
                    Some(("`globalOutbound.gateway`", worker))
                }
                _ => None,
            };
            let tails = code.tails.iter().map(|t| ("`tails`", &t.worker));
            for (where_, id) in services.chain(gateway).chain(tails) {
                let reachable = self
                    .reachable_ids
                    .iter()
                    .any(|p| match p.strip_suffix('*') {
                        Some(prefix) => id.starts_with(prefix),
                        None => p == id,
                    });
                if !reachable {
                    problems.push(format!(
                        "{where_} names worker {id:?}, which this server does not let uploaded code reach (reachable_ids {:?})",
                        self.reachable_ids
                    ));
                }
            }
        }
        problems
    }

    /// How long the server waits for a request's next body chunk.
    pub(crate) fn body_read_timeout(&self) -> Duration {
        Duration::from_millis(self.body_read_timeout_ms.max(1))
    }

    /// How fast a request body must arrive: the idle timeout and the
    /// minimum average rate after its grace.
    pub(crate) fn body_pace(&self) -> BodyPace {
        BodyPace {
            idle: self.body_read_timeout(),
            min_bytes_per_sec: self.min_body_bytes_per_sec,
            grace: Duration::from_millis(self.body_rate_grace_ms),
        }
    }

    /// How long a WebSocket may go without a message either way.
    pub(crate) fn websocket_idle_timeout(&self) -> Duration {
        Duration::from_millis(self.websocket_idle_timeout_ms.max(1))
    }

    /// Most WebSockets open at once to one worker (`object`: to one of its
    /// objects).
    pub(crate) fn websockets_per_worker(&self, object: bool) -> usize {
        if object {
            return 1;
        }
        match self.max_websockets_per_worker {
            0 => {
                let instances = match self.instances_per_worker {
                    0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
                    n => n,
                };
                instances.saturating_sub(1).max(1)
            }
            n => n,
        }
    }
}

/// Each limit in `asked` over its ceiling in `max`, as a problem naming both.
fn limits_over(asked: &Limits, max: &Limits) -> Vec<String> {
    let ms = |d: Option<Duration>| d.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let pairs: [(&str, Option<u64>, Option<u64>); 8] = [
        ("cpuMs", ms(asked.cpu_time), ms(max.cpu_time)),
        ("timeoutMs", ms(asked.timeout), ms(max.timeout)),
        ("memoryBytes", asked.memory_bytes, max.memory_bytes),
        ("responseBytes", asked.response_bytes, max.response_bytes),
        (
            "subRequests",
            asked.sub_requests.map(u64::from),
            max.sub_requests.map(u64::from),
        ),
        ("outboundBytes", asked.outbound_bytes, max.outbound_bytes),
        ("fuel", asked.fuel, max.fuel),
        (
            "hostMemoryBytes",
            asked.host_memory_bytes,
            max.host_memory_bytes,
        ),
    ];
    pairs
        .into_iter()
        .filter_map(|(key, asked, max)| match (asked, max) {
            (Some(a), Some(m)) if a > m => Some(format!(
                "`limits.{key}` {a} is over this server's ceiling of {m} (max_limits.{key})"
            )),
            _ => None,
        })
        .collect()
}

/// Whether the operator's host pattern `outer` allows every host the
/// tenant's pattern `inner` does (`*.example.com` covers `api.example.com`
/// and `*.api.example.com`; only `*` covers `*`).
fn pattern_covers(outer: &str, inner: &str) -> bool {
    let outer = outer.trim_end_matches('.');
    let inner = inner.trim_end_matches('.');
    outer == "*"
        || outer.eq_ignore_ascii_case(inner)
        || isolet::outbound::address::host_matches(outer, inner.strip_prefix("*.").unwrap_or(inner))
}

fn load_or_create_token(path: &Path) -> Result<String, String> {
    if let Ok(t) = std::fs::read_to_string(path) {
        let t = t.trim().to_string();
        if t.len() >= 16 {
            // Written 0644 by an earlier version: this user's only now.
            let _ = super::store::make_private(path);
            return Ok(t);
        }
    }
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| format!("random token: {e}"))?;
    let token = hex::encode(bytes);
    // 0600 from its first byte (not chmod'ed after it is written).
    super::store::write_private(path, token.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_unknown_keys() {
        let c = ServerConfig::from_toml("").unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8787");
        assert!(
            ServerConfig::from_toml("bogus = 1")
                .unwrap_err()
                .contains("bogus")
        );
        assert!(ServerConfig::from_toml("log_format = \"xml\"").is_err());
    }

    #[test]
    fn max_limits_keep_their_defaults_for_unset_keys() {
        let c = ServerConfig::from_toml("[max_limits]\ncpuMs = 60000").unwrap();
        assert_eq!(c.max_limits.cpu_time, Some(Duration::from_secs(60)));
        assert_eq!(c.max_limits.timeout, Some(Duration::from_secs(120)));
        assert_eq!(c.max_limits.memory_bytes, Some(128 << 20));
        let dir = tempfile::tempdir().unwrap();
        let c = ServerConfig {
            data_dir: dir.path().into(),
            limits: Limits::new().timeout(Duration::from_secs(600)),
            ..Default::default()
        };
        assert!(c.prepare().unwrap_err().contains("timeoutMs` 600000"));
    }

    #[test]
    fn operator_host_patterns_cover_the_tenants() {
        assert!(pattern_covers("*", "*"));
        assert!(pattern_covers("*.example.com", "api.example.com"));
        assert!(pattern_covers("*.example.com", "*.a.example.com"));
        assert!(pattern_covers("*.example.com", "*.example.com"));
        assert!(pattern_covers("API.example.com", "api.example.com."));
        assert!(!pattern_covers("*.example.com", "*"));
        assert!(!pattern_covers("*.example.com", "example.com"));
        assert!(!pattern_covers("*.example.com", "evil.com"));
        assert!(!pattern_covers("api.example.com", "*.example.com"));
        assert!(!pattern_covers("example.com", "*"));
    }

    #[test]
    fn only_reachable_ids_may_be_named() {
        let c = ServerConfig {
            reachable_ids: vec!["shop-*".into(), "auth".into()],
            ..Default::default()
        };
        let code = |json: &str| -> isolet::WorkerCode {
            serde_json::from_str(&format!(
                r#"{{"mainModule": "a.js", "modules": {{"a.js": "export default {{}}"}}, {json}}}"#
            ))
            .unwrap()
        };
        let ok =
            code(r#""bindings": {"A": {"service": {"worker": "auth"}}}, "tails": ["shop-logs"]"#);
        assert!(c.ceiling_problems(&ok).is_empty());
        let bad = code(
            r#""bindings": {"A": {"service": {"worker": "admin"}}}, "tails": ["logs"], "globalOutbound": {"gateway": {"worker": "authx"}}"#,
        );
        let p = c.ceiling_problems(&bad);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p.iter().all(|p| p.contains("reachable_ids")), "{p:?}");
    }

    /// Review 2, item 11: a forward policy's per-request timeout and
    /// redirect count have ceilings too (u32::MAX redirects passed).
    #[test]
    fn forward_timeouts_and_redirects_have_ceilings() {
        let c = ServerConfig::default();
        let code = |forward: &str| -> isolet::WorkerCode {
            serde_json::from_str(&format!(
                r#"{{"mainModule": "a.js", "modules": {{"a.js": "export default {{}}"}}, "globalOutbound": {{"forward": {forward}}}}}"#
            ))
            .unwrap()
        };
        let p = c.ceiling_problems(&code(
            r#"{"timeoutMs": 3600000, "maxRedirects": 4294967295}"#,
        ));
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("`globalOutbound.forward.timeoutMs` 3600000 is over this server's ceiling of 30000 (max_forward_timeout_ms)"), "{p:?}");
        assert!(p[1].contains("`globalOutbound.forward.maxRedirects` 4294967295 is over this server's ceiling of 20 (max_forward_redirects)"), "{p:?}");
        assert!(
            c.ceiling_problems(&code(r#"{"timeoutMs": 30000, "maxRedirects": 20}"#))
                .is_empty()
        );
        assert!(
            c.ceiling_problems(&code("{}")).is_empty(),
            "the defaults are within"
        );
        let lenient = ServerConfig {
            max_forward_timeout_ms: 3_600_000,
            max_forward_redirects: u32::MAX,
            ..Default::default()
        };
        assert!(
            lenient
                .ceiling_problems(&code(
                    r#"{"timeoutMs": 3600000, "maxRedirects": 4294967295}"#
                ))
                .is_empty()
        );
    }

    /// Review 2, item 9: stored code is held to today's ceilings when it
    /// is loaded, except for the server's own default outbound policy
    /// (put into code that set none at upload).
    #[test]
    fn stored_code_is_held_to_the_ceilings_but_not_for_the_default_outbound() {
        let code = |extra: &str| -> isolet::WorkerCode {
            serde_json::from_str(&format!(
                r#"{{"mainModule": "a.js", "modules": {{"a.js": "export default {{}}"}}{extra}}}"#
            ))
            .unwrap()
        };
        let c = ServerConfig::default();
        let private = code(r#", "globalOutbound": {"forward": {"allowPrivate": true}}"#);
        assert!(c.stored_code_problems(&private)[0].contains("allowPrivate"));
        let greedy = code(r#", "limits": {"cpuMs": 100000}"#);
        assert!(c.stored_code_problems(&greedy)[0].contains("cpuMs"));
        assert!(c.stored_code_problems(&code("")).is_empty());
        let c = ServerConfig {
            default_outbound: private.global_outbound.clone(),
            ..Default::default()
        };
        assert!(c.stored_code_problems(&private).is_empty());
        assert!(
            !c.ceiling_problems(&private).is_empty(),
            "a tenant asking for it is refused"
        );
    }

    #[test]
    fn websockets_leave_an_instance_to_requests() {
        let c = |instances, max| ServerConfig {
            instances_per_worker: instances,
            max_websockets_per_worker: max,
            ..Default::default()
        };
        assert_eq!(c(4, 0).websockets_per_worker(false), 3);
        assert_eq!(c(1, 0).websockets_per_worker(false), 1);
        assert_eq!(c(4, 10).websockets_per_worker(false), 10);
        assert_eq!(c(4, 10).websockets_per_worker(true), 1);
    }

    #[test]
    fn playground_host_must_be_a_host_name() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["http://x", "a/b", "", "x:port", "x:99999"] {
            let c = ServerConfig {
                data_dir: dir.path().into(),
                playground_host: Some(bad.into()),
                ..Default::default()
            };
            assert!(
                c.prepare().unwrap_err().contains("playground_host"),
                "{bad}"
            );
        }
        let c = ServerConfig {
            data_dir: dir.path().into(),
            domain: Some("workers.test".into()),
            playground_host: Some("play.workers.test".into()),
            ..Default::default()
        };
        assert!(c.prepare().unwrap_err().contains("domain"));
        for good in ["playground.localhost", "play.example.com:8443"] {
            let c = ServerConfig {
                data_dir: dir.path().into(),
                playground_host: Some(good.into()),
                ..Default::default()
            };
            assert!(c.prepare().is_ok(), "{good}");
        }
    }
}
