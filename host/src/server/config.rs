//! Server configuration: embedded defaults, an optional TOML file, and
//! `ISOLET_*` environment overrides (in that order).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::limits::Limits;

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
/// let config = isolet::ServerConfig::from_toml(r#"
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
    /// `globalOutbound` for uploaded code that does not set it (JSON form as
    /// in WorkerCode, e.g. `"inherit"`). Default: deny.
    pub default_outbound: crate::outbound::Outbound,
    /// Largest request body accepted, in bytes. Default 10 MiB.
    pub max_body_bytes: usize,
    /// Largest request head (request line + headers), in bytes. Default 64 KiB.
    pub max_header_bytes: usize,
    /// Requests per worker in flight or queued; more get 503. Default 64.
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
    /// playground on every host, sharing the origin with workers by path).
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
            max_instances: 2_000,
            instances_per_worker: 0,
            keep_resident_bytes: crate::runtime::DEFAULT_KEEP_RESIDENT,
            limits: Limits::new(),
            default_outbound: crate::outbound::Outbound::Deny,
            max_body_bytes: 10 << 20,
            max_header_bytes: 64 << 10,
            worker_concurrency: 64,
            domain: None,
            debug: false,
            playground: true,
            playground_host: None,
            npm_registry: crate::bundle::NPM_REGISTRY.to_string(),
            postgres: None,
            log_format: LogFormat::Text,
            shutdown_grace_ms: 10_000,
            workers: 0,
            process_group: None,
        }
    }
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
    /// `ISOLET_INSTANCES_PER_WORKER`, `ISOLET_KEEP_RESIDENT_BYTES`, `ISOLET_DOMAIN`,
    /// `ISOLET_POSTGRES_URL`,
    /// `ISOLET_LOG_FORMAT`, `ISOLET_DEBUG`, `ISOLET_PLAYGROUND`, `ISOLET_PLAYGROUND_HOST`,
    /// `ISOLET_TIMEOUT_MS` and `ISOLET_WORKERS`.
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
        Ok(self)
    }

    /// How many server processes `isolet serve` runs: `workers`, or the
    /// number of CPUs when it is 0.
    ///
    /// ```
    /// let config = isolet::ServerConfig { workers: 3, ..Default::default() };
    /// assert_eq!(config.processes(), 3);
    /// assert!(isolet::ServerConfig::default().processes() >= 1);
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
    /// let config = isolet::ServerConfig { data_dir: dir.path().into(), ..Default::default() };
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
        std::fs::create_dir_all(&self.data_dir)
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
}

fn load_or_create_token(path: &Path) -> Result<String, String> {
    if let Ok(t) = std::fs::read_to_string(path) {
        let t = t.trim().to_string();
        if t.len() >= 16 {
            return Ok(t);
        }
    }
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| format!("random token: {e}"))?;
    let token = hex::encode(bytes);
    crate::engine::write_atomically(path, token.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
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
