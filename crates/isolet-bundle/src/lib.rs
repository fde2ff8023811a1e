//! Runtime bundling (as `@cloudflare/worker-bundler`): a `package.json` with
//! dependencies plus source modules become a [`WorkerCode`] whose modules
//! map holds every file the code needs, so `import { Hono } from "hono"`
//! works with no build step.
//!
//! Versions are resolved from semver ranges against an npm registry
//! (configurable; abbreviated metadata), tarballs fetched from it, checked
//! against their `sha512` integrity and cached by it, and unpacked on a
//! blocking thread, every byte counted as it is inflated against
//! [`BundleLimits`] (never the sizes the tar headers state); packages
//! are laid out as npm does (hoisted to `node_modules/<name>`, nested under
//! the dependent when versions conflict). Each module's specifiers are then
//! rewritten to the exact module they resolve to, following Node's
//! resolution with the `exports` conditions `workerd`, `worker`, `browser`,
//! `import`/`require`, `default` (then `module`/`main`): the engine's loader
//! finds every import by name. ES modules and CommonJS stay as they are.
//!
//! ```no_run
//! # async fn demo() -> isolet::Result<()> {
//! let code = isolet_bundle::Bundler::new()
//!     .bundle_dir("my-worker".as_ref())
//!     .await?;
//! let runtime = isolet::Runtime::builder().build().await?;
//! let worker = runtime.load(code).await?;
//! # drop(worker); Ok(()) }
//! ```

/// The fuzz targets' entry points, for isolet's own tests (`tests/all/fuzz.rs`):
/// only with the `fuzz` feature, which nothing but those tests turns on.
#[cfg(feature = "fuzz")]
#[doc(hidden)]
pub mod fuzz;
mod resolve;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use nodejs_semver::{Range, Version};
use serde_json::Value as Json;
use sha2::{Digest, Sha512};

use isolet::Request;
use isolet::outbound::{ForwardConfig, Forwarder, Redirect};
use isolet::{Error, Result};
use isolet::{ModuleSource, WorkerCode};

/// The public npm registry.
pub const NPM_REGISTRY: &str = "https://registry.npmjs.org";

/// Bounds on what a bundle may hold.
#[derive(Debug, Clone, Copy)]
pub struct BundleLimits {
    /// Total bytes of the modules (default 32 MiB).
    pub max_bytes: u64,
    /// Number of modules (default 5,000).
    pub max_files: usize,
    /// Number of packages (default 500).
    pub max_packages: usize,
    /// Bytes one package's tarball may unpack to (default 64 MiB): every
    /// entry, bundled or not, with its tar headers, counted as the
    /// decompressor produces them. The sizes a tarball's headers state
    /// (ustar, PAX, GNU) are never trusted: a package whose headers say
    /// 0 bytes and whose data goes on is stopped here all the same.
    pub max_unpacked_bytes: u64,
}

impl Default for BundleLimits {
    fn default() -> Self {
        BundleLimits {
            max_bytes: 32 << 20,
            max_files: 5_000,
            max_packages: 500,
            max_unpacked_bytes: 64 << 20,
        }
    }
}

/// Most entries (files, directories, links, headers) in one package's
/// tarball.
pub const MAX_TARBALL_ENTRIES: usize = 50_000;

/// Longest path of an entry in a package's tarball, in bytes.
pub const MAX_TARBALL_PATH_BYTES: usize = 1_024;

/// Builds bundles (see the [module docs](self)).
pub struct Bundler {
    registry: String,
    cache_dir: Option<PathBuf>,
    limits: BundleLimits,
    /// Made on first use: loading the machine's CA store takes time a
    /// server should not spend at startup for a route it may never serve.
    forwarder: std::sync::OnceLock<Forwarder>,
}

impl Default for Bundler {
    fn default() -> Self {
        Self::new()
    }
}

/// A package placed in the bundle.
struct Placed {
    name: String,
    version: Version,
    dir: String,
}

impl Bundler {
    /// A bundler using the public npm registry and no disk cache.
    pub fn new() -> Self {
        Bundler {
            registry: NPM_REGISTRY.to_string(),
            cache_dir: None,
            limits: BundleLimits::default(),
            forwarder: std::sync::OnceLock::new(),
        }
    }

    /// Uses another registry (same protocol: `GET <registry>/<name>`).
    /// Tarballs must come from the same origin.
    pub fn registry(mut self, url: impl Into<String>) -> Self {
        self.registry = url.into().trim_end_matches('/').to_string();
        self
    }

    /// Keeps tarballs in `dir`, by integrity hash.
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Sets the limits.
    pub fn limits(mut self, limits: BundleLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Bundles a directory: its `package.json` (dependencies; `main` names
    /// the main module, default `index.js`/`src/index.js`...) and its source
    /// files (`.js`, `.mjs`, `.cjs`, `.ts`, `.mts`, `.tsx`, `.jsx`, `.json`,
    /// outside `node_modules`).
    pub async fn bundle_dir(&self, dir: &Path) -> Result<WorkerCode> {
        let bad = |e: String| Error::InvalidCode(vec![e]);
        let pkg_text = std::fs::read_to_string(dir.join("package.json"))
            .map_err(|e| bad(format!("{}: {e}", dir.join("package.json").display())))?;
        let package: Json = serde_json::from_str(&pkg_text)
            .map_err(|e| bad(format!("package.json is not JSON: {e}")))?;
        let mut sources = BTreeMap::new();
        collect_sources(dir, dir, &mut sources, &self.limits).map_err(bad)?;
        self.bundle(&package, sources, None).await
    }

    /// Bundles `sources` (module name → text) with the dependencies of
    /// `package` (a package.json value). The main module is `main` if
    /// given, else package.json's `main`, else the first of `index.ts`,
    /// `index.js`, `src/index.ts`, `src/index.js`, `worker.js`... that exists.
    pub async fn bundle(
        &self,
        package: &Json,
        sources: BTreeMap<String, String>,
        main: Option<&str>,
    ) -> Result<WorkerCode> {
        let bad = |e: String| Error::InvalidCode(vec![e]);
        let main = match main.map(str::to_string).or_else(|| {
            package
                .get("main")
                .and_then(Json::as_str)
                .map(|m| m.trim_start_matches("./").to_string())
        }) {
            Some(m) => m,
            None => [
                "index.ts",
                "index.js",
                "src/index.ts",
                "src/index.js",
                "worker.ts",
                "worker.js",
                "main.ts",
                "main.js",
            ]
            .iter()
            .find(|m| sources.contains_key(**m))
            .map(|m| m.to_string())
            .ok_or_else(|| bad("no main module: set package.json `main`".into()))?,
        };
        if !sources.contains_key(&main) {
            return Err(bad(format!(
                "the main module {main:?} is not among the sources"
            )));
        }
        let mut files: BTreeMap<String, Vec<u8>> = sources
            .into_iter()
            .map(|(k, v)| (k, v.into_bytes()))
            .collect();
        // Boxed: resolving, fetching and unpacking make a deep future, and
        // every caller's (the server's request handler) would carry it.
        Box::pin(self.install(package, &mut files))
            .await
            .map_err(bad)?;
        // Parsing every module for its specifiers is CPU work too: on a
        // blocking thread, not the thread serving requests.
        let limits = self.limits;
        let code = tokio::task::spawn_blocking(move || assemble(files, &main, &limits))
            .await
            .map_err(|e| bad(format!("bundling failed: {e}")))?
            .map_err(bad)?;
        Ok(code)
    }

    /// Resolves, fetches and unpacks the dependency tree into `files`.
    async fn install(
        &self,
        package: &Json,
        files: &mut BTreeMap<String, Vec<u8>>,
    ) -> std::result::Result<(), String> {
        let mut placed: Vec<Placed> = Vec::new();
        let mut packuments: HashMap<String, Json> = HashMap::new();
        let mut queue: VecDeque<(String, String, String, bool)> = VecDeque::new();
        for (field, optional) in [("dependencies", false), ("optionalDependencies", true)] {
            if let Some(deps) = package.get(field).and_then(Json::as_object) {
                for (name, range) in deps {
                    let range = range.as_str().unwrap_or("*").to_string();
                    queue.push_back((String::new(), name.clone(), range, optional));
                }
            }
        }
        while let Some((requester, name, spec, optional)) = queue.pop_front() {
            let (name, range_text) = match spec.strip_prefix("npm:") {
                Some(alias) => match alias.rfind('@').filter(|i| *i > 0) {
                    Some(i) => (alias[..i].to_string(), alias[i + 1..].to_string()),
                    None => (alias.to_string(), "*".to_string()),
                },
                None => (name, spec),
            };
            let range_text = if range_text.is_empty() || range_text == "latest" {
                "*".to_string()
            } else {
                range_text
            };
            if range_text.contains("://")
                || range_text.starts_with("file:")
                || range_text.starts_with("git")
                || range_text.starts_with("workspace:")
                || range_text.starts_with("link:")
                || range_text.contains('/')
            {
                if optional {
                    continue;
                }
                return Err(format!(
                    "dependency {name}@{range_text}: only registry versions and ranges are supported"
                ));
            }
            // Visible from the requester already, in a version that fits?
            let visible = visible_from(&placed, &requester, &name);
            let packument = match packuments.get(&name) {
                Some(p) => p.clone(),
                None => {
                    let p = match self.packument(&name).await {
                        Ok(p) => p,
                        Err(_) if optional => continue,
                        Err(e) => return Err(e),
                    };
                    packuments.insert(name.clone(), p.clone());
                    p
                }
            };
            let range = match packument
                .pointer(&format!("/dist-tags/{range_text}"))
                .and_then(Json::as_str)
            {
                Some(tagged) => Range::parse(tagged),
                None => Range::parse(&range_text),
            }
            .map_err(|e| {
                format!("dependency {name}: {range_text:?} is not a valid semver range: {e}")
            })?;
            if let Some(i) = visible
                && range.satisfies(&placed[i].version)
            {
                continue;
            }
            let versions: Vec<Version> = packument
                .get("versions")
                .and_then(Json::as_object)
                .map(|v| v.keys().filter_map(|k| Version::parse(k).ok()).collect())
                .unwrap_or_default();
            let Some(version) = range.max_satisfying(&versions).cloned() else {
                if optional {
                    continue;
                }
                return Err(format!(
                    "dependency {name}: no version matches {range_text:?}"
                ));
            };
            let meta = packument
                .pointer(&format!(
                    "/versions/{}",
                    json_pointer_escape(&version.to_string())
                ))
                .cloned()
                .unwrap_or(Json::Null);
            if placed.len() >= self.limits.max_packages {
                return Err(format!("more than {} packages", self.limits.max_packages));
            }
            let top = format!("node_modules/{name}");
            let dir = if placed.iter().any(|p| p.dir == top) {
                format!(
                    "{}{}node_modules/{name}",
                    requester,
                    if requester.is_empty() { "" } else { "/" }
                )
            } else {
                top
            };
            if meta.get("gypfile").and_then(Json::as_bool) == Some(true) {
                return Err(format!(
                    "{name}@{version} is a native addon (node-gyp): it cannot run in a worker"
                ));
            }
            let tarball = self.tarball(&name, &version, &meta).await?;
            // Inflating is CPU work (up to `max_unpacked_bytes`): on a
            // blocking thread, not the thread serving requests.
            let who = format!("{name}@{version}");
            let (taken, limits, at) = (std::mem::take(files), self.limits, dir.clone());
            let (back, unpacked) = tokio::task::spawn_blocking(move || {
                let mut files = taken;
                let unpacked = unpack(&who, &tarball, &at, &mut files, &limits);
                (files, unpacked)
            })
            .await
            .map_err(|e| format!("{name}@{version}: unpacking failed: {e}"))?;
            *files = back;
            unpacked?;
            for (field, opt) in [
                ("dependencies", false),
                ("optionalDependencies", true),
                ("peerDependencies", false),
            ] {
                if let Some(deps) = meta.get(field).and_then(Json::as_object) {
                    for (dep, range) in deps {
                        let peer_optional = field == "peerDependencies"
                            && meta
                                .pointer(&format!(
                                    "/peerDependenciesMeta/{}/optional",
                                    json_pointer_escape(dep)
                                ))
                                .and_then(Json::as_bool)
                                == Some(true);
                        if peer_optional {
                            continue;
                        }
                        let range = range.as_str().unwrap_or("*").to_string();
                        queue.push_back((dir.clone(), dep.clone(), range, opt));
                    }
                }
            }
            placed.push(Placed { name, version, dir });
        }
        Ok(())
    }

    async fn get(&self, url: &str, accept: &str) -> std::result::Result<Vec<u8>, String> {
        let mut config = ForwardConfig {
            allow_private: true,
            max_response_bytes: 64 << 20,
            ..ForwardConfig::default()
        };
        // One deadline for every hop and the body: a registry that answers
        // with redirects cannot restart the clock.
        let total = Duration::from_millis(config.timeout_ms);
        let started = std::time::Instant::now();
        // Redirects are followed here, each only to the registry's own
        // origin: the origin check of a tarball URL would mean nothing if
        // the registry (or whoever answers there) could send the fetch on
        // to another host, private ones included.
        let forwarder = self.forwarder.get_or_init(Forwarder::with_system_roots);
        let mut url = url.to_string();
        let mut hops = 0;
        let response = loop {
            let left = total.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(format!("timed out after {} ms", total.as_millis()));
            }
            config.timeout_ms = left.as_millis().max(1) as u64;
            let request = Request::get(&url).header("accept", accept);
            let response = forwarder.fetch(&config, request, Redirect::Manual).await?;
            let location = response
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("location"))
                .map(|(_, v)| v.clone());
            let Some(location) =
                location.filter(|_| matches!(response.status, 301 | 302 | 303 | 307 | 308))
            else {
                break response;
            };
            hops += 1;
            if hops > config.max_redirects {
                return Err(format!("more than {} redirects", config.max_redirects));
            }
            let next = url::Url::parse(&url)
                .and_then(|u| u.join(&location))
                .map_err(|e| format!("a bad redirect location {location:?}: {e}"))?;
            if origin(next.as_str()) != origin(&self.registry) {
                return Err(format!(
                    "redirected to {next}, which is not on the registry's origin"
                ));
            }
            url = next.into();
        };
        let status = response.status;
        let body = response.body.collect().await.map_err(|e| e.to_string())?;
        if status == 404 {
            return Err("404 not found".into());
        }
        if !(200..300).contains(&status) {
            return Err(format!("HTTP {status}"));
        }
        Ok(body)
    }

    async fn packument(&self, name: &str) -> std::result::Result<Json, String> {
        let url = format!("{}/{}", self.registry, name.replace('/', "%2f"));
        let body = self
            .get(
                &url,
                "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8",
            )
            .await
            .map_err(|e| format!("package {name:?} from {}: {e}", self.registry))?;
        serde_json::from_slice(&body)
            .map_err(|e| format!("package {name:?}: the registry's answer is not JSON: {e}"))
    }

    /// The package's tarball, from the cache or the registry, checked
    /// against its integrity.
    async fn tarball(
        &self,
        name: &str,
        version: &Version,
        meta: &Json,
    ) -> std::result::Result<Vec<u8>, String> {
        let who = format!("{name}@{version}");
        let integrity = meta
            .pointer("/dist/integrity")
            .and_then(Json::as_str)
            .ok_or_else(|| format!("{who}: the registry gives no sha512 integrity"))?;
        let expected = integrity
            .split_whitespace()
            .find_map(|i| i.strip_prefix("sha512-"))
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .ok_or_else(|| format!("{who}: integrity {integrity:?} has no sha512 hash"))?;
        let cached = self.cache_dir.as_ref().map(|d| {
            d.join("npm")
                .join(format!("{}.tgz", hex::encode(&expected)))
        });
        if let Some(path) = &cached
            && let Ok(bytes) = std::fs::read(path)
        {
            let (matches, bytes) = matches_digest(bytes, &expected).await;
            if matches {
                return Ok(bytes);
            }
        }
        let url = meta
            .pointer("/dist/tarball")
            .and_then(Json::as_str)
            .ok_or_else(|| format!("{who}: no tarball URL"))?;
        if origin(url) != origin(&self.registry) {
            return Err(format!(
                "{who}: the tarball {url} is not on the registry's origin"
            ));
        }
        let bytes = self
            .get(url, "application/octet-stream")
            .await
            .map_err(|e| format!("{who}: {url}: {e}"))?;
        let (matches, bytes) = matches_digest(bytes, &expected).await;
        if !matches {
            return Err(format!(
                "{who}: the tarball does not match its integrity hash"
            ));
        }
        if let Some(path) = &cached {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let tmp = path.with_extension("tmp");
            if std::fs::write(&tmp, &bytes).is_ok() {
                let _ = std::fs::rename(&tmp, path);
            }
        }
        Ok(bytes)
    }
}

/// Whether `bytes` (a tarball, up to 64 MiB) have the SHA-512 `expected`,
/// hashed on a blocking thread; and the bytes back.
async fn matches_digest(bytes: Vec<u8>, expected: &[u8]) -> (bool, Vec<u8>) {
    let expected = expected.to_vec();
    tokio::task::spawn_blocking(move || {
        (
            Sha512::digest(&bytes).as_slice() == expected.as_slice(),
            bytes,
        )
    })
    .await
    .unwrap_or_else(|_| (false, Vec::new()))
}

fn origin(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    Some(u.origin().ascii_serialization())
}

fn json_pointer_escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// The package named `name` the requester at `dir` sees (its own nested
/// copy first, then up the tree).
fn visible_from(placed: &[Placed], requester: &str, name: &str) -> Option<usize> {
    let mut dir = requester.to_string();
    loop {
        let candidate = if dir.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{dir}/node_modules/{name}")
        };
        if let Some(i) = placed
            .iter()
            .position(|p| p.dir == candidate && p.name == name)
        {
            return Some(i);
        }
        if dir.is_empty() {
            return None;
        }
        dir = match dir.rfind("/node_modules/") {
            Some(i) => dir[..i].to_string(),
            None => String::new(),
        };
    }
}

/// Whether a file of a package goes into the bundle.
fn wanted(path: &str) -> bool {
    let ext = path.rsplit_once('.').map(|(_, e)| e);
    matches!(ext, Some("js" | "mjs" | "cjs" | "json")) && !path.ends_with(".d.ts")
}

/// A reader that stops with an error once more than `limit` bytes went
/// through it (the count is kept in `read`, for after the error).
struct Capped<'a, R> {
    inner: R,
    read: &'a std::cell::Cell<u64>,
    limit: u64,
}

impl<R: Read> Read for Capped<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.read.get();
        if read > self.limit {
            return Err(std::io::Error::other("over the unpacked size limit"));
        }
        // At most one byte past the limit: enough to tell "more" from "exactly".
        let room = (self.limit - read).saturating_add(1);
        let take = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..take])?;
        self.read.set(read.saturating_add(n as u64));
        if self.read.get() > self.limit {
            return Err(std::io::Error::other("over the unpacked size limit"));
        }
        Ok(n)
    }
}

/// Unpacks the tarball of the package `who` into `files` under `dir`: its
/// code files (see [`wanted`]), within `limits`. Every byte is counted as
/// it is read, the decompressed stream against `max_unpacked_bytes` and
/// each file against what is left of `max_bytes`; the sizes the tar
/// headers state only decide how soon a package is refused, never how much
/// is read.
fn unpack(
    who: &str,
    tarball: &[u8],
    dir: &str,
    files: &mut BTreeMap<String, Vec<u8>>,
    limits: &BundleLimits,
) -> std::result::Result<(), String> {
    let read = std::cell::Cell::new(0u64);
    let too_big = || {
        format!(
            "the package {who} unpacks to more than {} bytes (the limit of one package's tarball)",
            limits.max_unpacked_bytes
        )
    };
    // Any read error past the cap is the cap's (the tar crate wraps it).
    let failed = |e: std::io::Error, what: &str| {
        if read.get() > limits.max_unpacked_bytes {
            too_big()
        } else {
            format!("{who}: {what}: {e}")
        }
    };
    let over_bundle = |room: u64| {
        format!(
            "the package {who} unpacks to more than {room} bytes of code: the bundle is over its {}-byte limit",
            limits.max_bytes
        )
    };
    let mut archive = tar::Archive::new(Capped {
        inner: flate2::read::GzDecoder::new(tarball),
        read: &read,
        limit: limits.max_unpacked_bytes,
    });
    let entries = archive.entries().map_err(|e| failed(e, "not a .tgz"))?;
    let mut total: u64 = files.values().map(|f| f.len() as u64).sum();
    for (n, entry) in entries.enumerate() {
        if n >= MAX_TARBALL_ENTRIES {
            return Err(format!(
                "the package {who} has more than {MAX_TARBALL_ENTRIES} entries in its tarball"
            ));
        }
        let mut entry = entry.map_err(|e| failed(e, "a damaged tarball"))?;
        if entry.path_bytes().len() > MAX_TARBALL_PATH_BYTES {
            return Err(format!(
                "the package {who} has a path of more than {MAX_TARBALL_PATH_BYTES} bytes in its tarball"
            ));
        }
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry
            .path()
            .map_err(|e| format!("{who}: {e}"))?
            .to_string_lossy()
            .into_owned();
        // Entries sit under one top directory (`package/`, sometimes another).
        let Some((_, rel)) = path.split_once('/') else {
            continue;
        };
        if rel.split('/').any(|s| s == ".." || s.is_empty()) {
            return Err(format!(
                "{who}: the tarball has a path leaving its package: {path:?}"
            ));
        }
        if rel.ends_with(".node") || rel == "binding.gyp" {
            return Err(format!(
                "{who} is a native addon ({rel}): it cannot run in a worker"
            ));
        }
        if !wanted(rel) || rel.split('/').any(|s| s == "node_modules") {
            continue;
        }
        if files.len() >= limits.max_files {
            return Err(format!(
                "the bundle has more than {} files (at {who})",
                limits.max_files
            ));
        }
        let room = limits.max_bytes.saturating_sub(total);
        // The size the tar crate will read (PAX's when there is one): a
        // file stated larger than what is left is refused unread.
        if entry.size() > room {
            return Err(over_bundle(room));
        }
        let mut bytes = Vec::new();
        // And what is actually read is counted, whatever was stated.
        (&mut entry)
            .take(room.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| failed(e, rel))?;
        if bytes.len() as u64 > room {
            return Err(over_bundle(room));
        }
        total = total.saturating_add(bytes.len() as u64);
        files.insert(format!("{dir}/{rel}"), bytes);
    }
    if !files.contains_key(&format!("{dir}/package.json")) {
        return Err(format!("{who}: the tarball has no package.json"));
    }
    Ok(())
}

fn collect_sources(
    root: &Path,
    dir: &Path,
    out: &mut BTreeMap<String, String>,
    limits: &BundleLimits,
) -> std::result::Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "node_modules" {
            continue;
        }
        if path.is_dir() {
            collect_sources(root, &path, out, limits)?;
            continue;
        }
        let ext = name.rsplit_once('.').map(|(_, e)| e);
        if !matches!(
            ext,
            Some("js" | "mjs" | "cjs" | "ts" | "mts" | "tsx" | "jsx" | "json")
        ) || name == "package-lock.json"
        {
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .replace('\\', "/");
        if out.len() >= limits.max_files {
            return Err(format!("more than {} source files", limits.max_files));
        }
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        out.insert(rel, text);
    }
    Ok(())
}

/// The modules map: every file with its kind, each JavaScript/TypeScript
/// module's specifiers rewritten to the module they resolve to.
fn assemble(
    files: BTreeMap<String, Vec<u8>>,
    main: &str,
    limits: &BundleLimits,
) -> std::result::Result<WorkerCode, String> {
    let total: u64 = files.values().map(|f| f.len() as u64).sum();
    if total > limits.max_bytes {
        return Err(format!(
            "the bundle is over its {} MiB limit",
            limits.max_bytes >> 20
        ));
    }
    let index = resolve::Files { names: &files };
    let mut code = WorkerCode::new(main).compatibility_date(isolet::today());
    for (name, bytes) in &files {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        let module = match ext.as_deref() {
            Some("json") => match serde_json::from_slice(bytes) {
                Ok(v) => ModuleSource::Json(v),
                Err(_) => ModuleSource::Text(String::from_utf8_lossy(bytes).into_owned()),
            },
            Some("js" | "mjs" | "cjs" | "ts" | "mts" | "tsx" | "jsx") => {
                let source = String::from_utf8_lossy(bytes).into_owned();
                let (rewritten, esm) = rewrite(name, &source, &index);
                match ext.as_deref() {
                    Some("ts" | "mts" | "tsx" | "jsx") => ModuleSource::TypeScript(rewritten),
                    Some("mjs") => ModuleSource::Esm(rewritten),
                    Some("cjs") => ModuleSource::CommonJs(rewritten),
                    // `.js`: by its syntax (packages ship ES modules as
                    // `.js` under `module`/`exports` without `"type"`).
                    _ if esm => ModuleSource::Esm(rewritten),
                    _ => ModuleSource::CommonJs(rewritten),
                }
            }
            _ => continue,
        };
        code.modules.insert(name.clone(), module);
    }
    if code.modules.len() > limits.max_files {
        return Err(format!(
            "the bundle has more than {} modules",
            limits.max_files
        ));
    }
    Ok(code)
}

/// `source` with each specifier that resolves inside the bundle replaced by
/// the relative path of what it resolves to, and whether it is an ES module.
fn rewrite(name: &str, source: &str, index: &resolve::Files<'_>) -> (String, bool) {
    let Some((specs, esm)) = resolve::specifiers(name, source) else {
        return (source.to_string(), false);
    };
    let mut edits = Vec::new();
    for s in specs {
        if resolve::is_builtin(&s.text) {
            continue;
        }
        let conditions = if s.require {
            resolve::REQUIRE_CONDITIONS
        } else {
            resolve::IMPORT_CONDITIONS
        };
        if let Some(target) = index.resolve(name, &s.text, conditions) {
            let rel = resolve::relative(name, &target);
            if rel != s.text {
                edits.push((s.start, s.end, Json::String(rel).to_string()));
            }
        }
    }
    (resolve::splice(source, edits), esm)
}

/// [`unpack`] for the fuzz target (crates/isolet/src/fuzz.rs): a package's
/// tarball under small limits (64 KiB of code, 256 KiB unpacked, 64
/// files); the files it kept, or its error.
#[cfg(feature = "fuzz")]
pub(crate) fn unpack_for_fuzz(
    tgz: &[u8],
) -> std::result::Result<BTreeMap<String, Vec<u8>>, String> {
    let limits = BundleLimits {
        max_bytes: 64 << 10,
        max_files: 64,
        max_packages: 1,
        max_unpacked_bytes: 256 << 10,
    };
    let mut files = BTreeMap::new();
    unpack("fuzz@1.0.0", tgz, "node_modules/fuzz", &mut files, &limits)?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A .tgz of `entries` (path, stated size, actual bytes).
    fn tgz(entries: &[(&str, u64, Vec<u8>)]) -> Vec<u8> {
        let mut tar = tar::Builder::new(Vec::new());
        for (path, size, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(*size);
            h.set_mode(0o644);
            if path.contains("..") {
                // What the builder refuses to write, written by hand.
                h.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
                h.set_cksum();
                tar.append(&h, &data[..]).unwrap();
            } else {
                // Long paths as GNU long-name entries.
                tar.append_data(&mut h, path, &data[..]).unwrap();
            }
        }
        let raw = tar.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &raw).unwrap();
        gz.finish().unwrap()
    }

    fn run(tarball: &[u8], limits: BundleLimits) -> std::result::Result<Vec<String>, String> {
        let mut files = BTreeMap::new();
        unpack("p@1.0.0", tarball, "node_modules/p", &mut files, &limits)?;
        Ok(files.into_keys().collect())
    }

    #[test]
    fn unpacking_counts_what_is_read() {
        let pkg = br#"{"name":"p"}"#.to_vec();
        let ok = tgz(&[
            ("package/package.json", pkg.len() as u64, pkg.clone()),
            ("package/index.js", 3, b"1;\n".to_vec()),
            ("package/README.md", 4096, vec![b'x'; 4096]),
        ]);
        let files = run(&ok, BundleLimits::default()).unwrap();
        assert_eq!(
            files,
            ["node_modules/p/index.js", "node_modules/p/package.json"]
        );
        // The whole inflated stream (headers, README, end blocks) is capped.
        let small = BundleLimits {
            max_unpacked_bytes: 4096,
            ..BundleLimits::default()
        };
        let e = run(&ok, small).unwrap_err();
        assert!(
            e.contains("the package p@1.0.0 unpacks to more than 4096 bytes"),
            "{e}"
        );
        // Code files are counted against what the bundle has left.
        let tight = BundleLimits {
            max_bytes: pkg.len() as u64 + 2,
            ..BundleLimits::default()
        };
        let e = run(&ok, tight).unwrap_err();
        assert!(e.contains("unpacks to more than 2 bytes of code"), "{e}");
    }

    #[test]
    fn unpacking_refuses_long_paths_and_escapes() {
        let long = format!("package/{}.js", "a/".repeat(600));
        let e = run(&tgz(&[(&long, 1, b"1".to_vec())]), BundleLimits::default()).unwrap_err();
        assert!(e.contains("a path of more than 1024 bytes"), "{e}");
        let e = run(
            &tgz(&[("package/../../x.js", 1, b"1".to_vec())]),
            BundleLimits::default(),
        )
        .unwrap_err();
        assert!(e.contains("leaving its package"), "{e}");
    }
}
