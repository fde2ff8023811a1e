//! The isolet HTTP host server (`isolet serve`): an admin API to store worker
//! code durably, invocation routes that run stored workers warm, one-shot
//! runs, live tails over Server-Sent Events, health and Prometheus metrics.
//! The API is described in `crates/isolet-server/openapi.yaml`.

// The request-handling future nests deeply (routing, invocation,
// streaming, panic catching): its layout needs more than the default 128.
#![recursion_limit = "256"]

mod access;
mod answer;
mod body;
mod config;
/// The fuzz targets' entry points, for isolet's own tests (`tests/all/fuzz.rs`):
/// only with the `fuzz` feature, which nothing but those tests turns on.
#[cfg(feature = "fuzz")]
#[doc(hidden)]
pub mod fuzz;
mod group;
mod metrics;
mod respond;
mod routes;
mod run;

#[cfg(feature = "postgres")]
mod pg;
mod playground;
mod store;
mod tail_hub;
mod websocket;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

pub use config::{LogFormat, ServerConfig};
#[doc(hidden)]
pub use group::shared_port_socket;

use isolet::Runtime;
use isolet::{Error, Result};
use metrics::Metrics;
use store::CodeStore;
use tail_hub::TailHub;

/// The HTTP host server.
///
/// ```no_run
/// # async fn demo() -> isolet::Result<()> {
/// let config = isolet_server::ServerConfig { listen: "127.0.0.1:0".parse().unwrap(), ..Default::default() };
/// let server = isolet_server::Server::new(config).await?.bind().await?;
/// println!("listening on {}", server.local_addr());
/// server.run(async { let _ = tokio::signal::ctrl_c().await; }).await?;
/// # Ok(()) }
/// ```
pub struct Server {
    state: Arc<State>,
}

pub(crate) struct State {
    pub runtime: Runtime,
    pub store: Arc<CodeStore>,
    pub hub: Arc<TailHub>,
    pub metrics: Arc<Metrics>,
    pub config: ServerConfig,
    pub admin_token: String,
    pub concurrency: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// Recent `POST /run` code, parsed and checked, by the BLAKE3 hash of
    /// its JSON text (each run loads a worker of its own from it).
    pub run_workers: Mutex<lru::LruCache<[u8; 32], Arc<isolet::WorkerCode>>>,
    /// WebSockets open now, by worker (and object): see `websocket::reserve`.
    pub sockets: Arc<Mutex<HashMap<String, usize>>>,
    /// The other server processes on this port (`isolet serve --workers`).
    pub group: Option<Arc<group::Group>>,
    /// `POST /bundle`'s npm client.
    pub bundler: isolet_bundle::Bundler,
}

/// How many distinct `POST /run` codes are kept parsed and checked.
const RUN_WORKERS: usize = 32;

/// A server bound to its listening socket, ready to run.
pub struct BoundServer {
    state: Arc<State>,
    listener: TcpListener,
}

impl Server {
    /// Opens the data directory, loads (or creates) the admin token and
    /// builds the runtime.
    pub async fn new(mut config: ServerConfig) -> Result<Server> {
        let group = match &config.process_group {
            Some(spec) => {
                let g = group::Group::parse(spec).map_err(Error::Config)?;
                // One of `count` processes: its share of the instance budget.
                config.listen = g.listen;
                config.max_instances = config.max_instances.div_ceil(g.count as u32).max(1);
                Some(Arc::new(g))
            }
            None => None,
        };
        let admin_token = config.prepare().map_err(Error::Config)?;
        let store = Arc::new(match &config.postgres {
            #[cfg(feature = "postgres")]
            Some(url) => CodeStore::Postgres(
                pg::PgStore::open(url)
                    .await
                    .map_err(|e| Error::Io(format!("code store: {e}")))?,
            ),
            #[cfg(not(feature = "postgres"))]
            Some(_) => {
                return Err(Error::Config(
                    "code store: postgres needs isolet-server's `postgres` feature, off in this build"
                        .into(),
                ));
            }
            None => CodeStore::Dir(
                store::DirStore::open(config.data_dir.join("workers"))
                    .map_err(|e| Error::Io(format!("code store: {e}")))?,
            ),
        });
        let hub = Arc::new(TailHub::default());
        let metrics = Arc::new(Metrics::default());
        let mut builder = Runtime::builder();
        if config.instances_per_worker > 0 {
            builder = builder.instances_per_worker(config.instances_per_worker);
        }
        // An instance slot is as large as the most memory a worker may ask
        // for (the operator's ceiling), or the default limit if larger.
        let max_memory = config
            .max_limits
            .memory_bytes
            .into_iter()
            .chain(config.limits.memory_bytes)
            .fold(isolet::DEFAULT_MEMORY_BYTES, u64::max);
        let runtime = builder
            .max_memory_bytes(max_memory)
            .max_instances(config.max_instances)
            .max_warm_workers(config.max_warm_workers)
            .max_warm_objects_per_worker(config.max_warm_objects_per_worker)
            .keep_resident_bytes(config.keep_resident_bytes)
            .default_limits(config.limits)
            .tail_sink(hub.clone())
            .tail_sink(metrics.clone())
            .worker_source(Arc::new(StoreSource {
                store: store.clone(),
                config: config.clone(),
            }))
            .storage_dir(config.data_dir.join("objects"))
            .build()
            .await?;
        #[cfg(feature = "postgres")]
        if let Some(url) = &config.postgres {
            // Deploys on any replica retire this one's stale instances.
            let rt = runtime.clone();
            pg::listen(url.clone(), move |change| match change {
                pg::Change::Worker(id) => {
                    rt.evict(&id);
                }
                pg::Change::Resync => {
                    rt.evict_all();
                }
            });
        }
        Ok(Server {
            state: Arc::new(State {
                runtime,
                store,
                hub,
                metrics,
                admin_token,
                concurrency: Mutex::new(HashMap::new()),
                sockets: Arc::new(Mutex::new(HashMap::new())),
                run_workers: Mutex::new(lru::LruCache::new(
                    std::num::NonZeroUsize::new(RUN_WORKERS).unwrap_or(std::num::NonZeroUsize::MIN),
                )),
                bundler: isolet_bundle::Bundler::new()
                    .registry(config.npm_registry.clone())
                    .cache_dir(config.data_dir.join("npm-cache")),
                config,
                group,
            }),
        })
    }

    /// The bearer token admin routes require.
    pub fn admin_token(&self) -> &str {
        &self.state.admin_token
    }

    /// The runtime the server runs workers on.
    pub fn runtime(&self) -> &Runtime {
        &self.state.runtime
    }

    /// Binds the listening socket.
    pub async fn bind(self) -> Result<BoundServer> {
        let addr = self.state.config.listen;
        let listener = if self.state.group.is_some() {
            // Every process of the group listens on the same port.
            group::shared_port_socket(addr).and_then(|s| s.listen(1024))
        } else {
            TcpListener::bind(addr).await
        }
        .map_err(|e| Error::Io(format!("cannot listen on {addr}: {e}")))?;
        Ok(BoundServer {
            state: self.state,
            listener,
        })
    }
}

impl BoundServer {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(self.state.config.listen)
    }

    /// The bearer token admin routes require.
    pub fn admin_token(&self) -> &str {
        &self.state.admin_token
    }

    /// Serves until `shutdown` completes, then stops accepting and lets
    /// in-flight requests finish within `shutdown_grace_ms`.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) -> Result<()> {
        // Shutdown is signalled to every connection through `stopping`;
        // each connection's task holds a clone of `open`, so `closed`
        // ends once all of them have. (hyper-util's GracefulShutdown does
        // not take connections that may upgrade to WebSockets.)
        let (stopping_tx, stopping) = tokio::sync::watch::channel(false);
        let (open, mut closed) = tokio::sync::mpsc::channel::<()>(1);
        let mut shutdown = std::pin::pin!(shutdown);
        tracing::info!(addr = %self.local_addr(), "isolet server listening");
        let control = match &self.state.group {
            Some(g) => {
                let listener = g.bind().map_err(|e| {
                    Error::Io(format!("control socket of server process {}: {e}", g.index))
                })?;
                Some(tokio::spawn(group::Group::serve(
                    listener,
                    self.state.clone(),
                )))
            }
            None => None,
        };
        loop {
            let (stream, peer) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!("accept failed: {e}");
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let _ = stream.set_nodelay(true);
            let state = self.state.clone();
            let service = hyper::service::service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, std::convert::Infallible>(routes::handle(state, req, peer).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .max_buf_size(self.state.config.max_header_bytes.max(8192))
                // The exact bound: the buffer alone grows by doubling and
                // let a head of up to ~1.75x max_header_bytes through.
                .max_header_size(self.state.config.max_header_bytes)
                .header_read_timeout(std::time::Duration::from_millis(
                    self.state.config.header_read_timeout_ms.max(1),
                ))
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let mut stopping = stopping.clone();
            let open = open.clone();
            tokio::spawn(async move {
                let mut conn = std::pin::pin!(conn);
                let result = tokio::select! {
                    r = conn.as_mut() => r,
                    () = async { let _ = stopping.wait_for(|s| *s).await; } => {
                        // In-flight requests finish; an upgraded WebSocket
                        // lives on its own task and is not waited for.
                        conn.as_mut().graceful_shutdown();
                        conn.await
                    }
                };
                if let Err(e) = result {
                    tracing::debug!("connection from {peer}: {e}");
                }
                drop(open);
            });
        }
        tracing::info!("shutting down: waiting for in-flight requests");
        drop(self.listener);
        if let Some(control) = control {
            control.abort();
        }
        let _ = stopping_tx.send(true);
        drop(open);
        if tokio::time::timeout(self.state.config.shutdown_grace(), closed.recv())
            .await
            .is_err()
        {
            tracing::warn!("shutdown grace period elapsed with requests still in flight");
        }
        Ok(())
    }
}

/// Service bindings, gateway workers and tail workers resolve ids to the
/// stored code. Code over the server's ceilings (stored before an operator
/// lowered them) is not handed out: a caller sees no such worker, and the
/// server's log says why.
struct StoreSource {
    store: Arc<CodeStore>,
    /// Whose ceilings stored code is held to.
    config: ServerConfig,
}

impl isolet::WorkerSource for StoreSource {
    fn code<'a>(
        &'a self,
        id: &'a str,
    ) -> isolet::outbound::BoxFuture<'a, Option<isolet::WorkerCode>> {
        Box::pin(async move {
            let code = self.store.get(id).await.ok().flatten()?;
            let over = self.config.stored_code_problems(&code);
            if over.is_empty() {
                Some(code)
            } else {
                tracing::warn!(
                    worker = id,
                    "not loading worker {id:?} for a binding, tail or gateway: its stored code is over this server's ceilings ({}); upload it again within them",
                    over.join("; ")
                );
                None
            }
        })
    }
}
