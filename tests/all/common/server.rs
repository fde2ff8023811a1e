//! A real `isolet serve` on an ephemeral 127.0.0.1 port, for the end-to-end
//! tests that talk HTTP to it (included with `#[path]` by the files that
//! need it, not through `common/mod.rs`, so the others do not compile it).

use std::net::SocketAddr;
use std::path::Path;

use tokio::sync::oneshot;

pub struct TestServer {
    pub addr: SocketAddr,
    pub token: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<isolet::Result<()>>,
}

impl TestServer {
    /// Starts a server keeping its data in `data_dir` (64 KiB bodies, 100
    /// instances, 5 s shutdown grace), after `tweak` changes its config.
    pub async fn start(
        data_dir: &Path,
        tweak: impl FnOnce(&mut isolet_server::ServerConfig),
    ) -> Self {
        let mut config = isolet_server::ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: data_dir.to_path_buf(),
            max_body_bytes: 64 * 1024,
            max_instances: 100,
            shutdown_grace_ms: 5_000,
            ..Default::default()
        };
        tweak(&mut config);
        let bound = isolet_server::Server::new(config)
            .await
            .unwrap()
            .bind()
            .await
            .unwrap();
        let (addr, token) = (bound.local_addr(), bound.admin_token().to_string());
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(bound.run(async {
            let _ = rx.await;
        }));
        TestServer {
            addr,
            token,
            stop: Some(tx),
            task,
        }
    }

    /// `http://{addr}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops it and waits until it has (it must end without an error).
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.unwrap().unwrap();
    }
}
