//! The PostgreSQL code store, for `isolet serve` replicas that share their
//! code: every replica serves every worker id from one table, and a deploy
//! (or delete) is announced with `NOTIFY isolet_workers, '<id>'` in the
//! same statement, so each replica's listener retires its stale warm
//! instances at once. A listener that loses its connection reconnects
//! (every second) and then retires every warm worker, as it may have missed
//! announcements: a deploy reaches every replica within the time it takes
//! to reconnect.

use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::{AsyncMessage, Client, NoTls};

use isolet::WorkerCode;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS isolet_workers (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
)";

/// The notification channel deploys are announced on.
pub const CHANNEL: &str = "isolet_workers";

pub(crate) struct PgStore {
    url: String,
    client: tokio::sync::RwLock<Arc<Client>>,
}

fn io(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("postgres: {e}"))
}

/// A connected client (its connection driven by a task of its own).
async fn connect(url: &str) -> std::io::Result<Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.map_err(io)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!("postgres code store connection: {e}");
        }
    });
    Ok(client)
}

impl PgStore {
    /// Connects and creates the table if needed.
    pub async fn open(url: &str) -> std::io::Result<PgStore> {
        let client = connect(url).await?;
        client.batch_execute(SCHEMA).await.map_err(io)?;
        Ok(PgStore {
            url: url.to_string(),
            client: tokio::sync::RwLock::new(Arc::new(client)),
        })
    }

    /// The client, reconnected if its connection was lost.
    async fn client(&self) -> std::io::Result<Arc<Client>> {
        let current = self.client.read().await.clone();
        if !current.is_closed() {
            return Ok(current);
        }
        let mut slot = self.client.write().await;
        if slot.is_closed() {
            *slot = Arc::new(connect(&self.url).await?);
        }
        Ok(slot.clone())
    }

    pub async fn put(&self, id: &str, code: &WorkerCode) -> std::io::Result<()> {
        let text = serde_json::to_string(code).map_err(io)?;
        self.client()
            .await?
            .execute(
                "WITH up AS (
                    INSERT INTO isolet_workers (id, code) VALUES ($1, $2)
                    ON CONFLICT (id) DO UPDATE SET code = EXCLUDED.code, updated_at = now()
                    RETURNING id)
                 SELECT pg_notify('isolet_workers', id) FROM up",
                &[&id, &text],
            )
            .await
            .map_err(io)?;
        Ok(())
    }

    pub async fn get(&self, id: &str) -> std::io::Result<Option<WorkerCode>> {
        let row = self
            .client()
            .await?
            .query_opt("SELECT code FROM isolet_workers WHERE id = $1", &[&id])
            .await
            .map_err(io)?;
        row.map(|r| {
            let text: String = r.get(0);
            serde_json::from_str(&text).map_err(|e| {
                std::io::Error::other(format!("stored code for {id} is unreadable: {e}"))
            })
        })
        .transpose()
    }

    pub async fn delete(&self, id: &str) -> std::io::Result<bool> {
        let rows = self
            .client()
            .await?
            .query(
                "WITH gone AS (DELETE FROM isolet_workers WHERE id = $1 RETURNING id)
                 SELECT pg_notify('isolet_workers', id) FROM gone",
                &[&id],
            )
            .await
            .map_err(io)?;
        Ok(!rows.is_empty())
    }

    pub async fn list(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> std::io::Result<(Vec<String>, bool)> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT id FROM isolet_workers WHERE id > $1 ORDER BY id LIMIT $2",
                &[&after.unwrap_or(""), &(limit as i64 + 1)],
            )
            .await
            .map_err(io)?;
        let mut ids: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        let more = ids.len() > limit;
        ids.truncate(limit);
        Ok((ids, more))
    }
}

/// What a replica's listener reports.
pub(crate) enum Change {
    /// Worker `id` was deployed or deleted on some replica.
    Worker(String),
    /// The listener (re)connected and may have missed announcements.
    Resync,
}

/// Listens for deploys until the process ends, calling `on_change` for
/// each (see the module docs).
pub(crate) fn listen(url: String, on_change: impl Fn(Change) + Send + Sync + 'static) {
    tokio::spawn(async move {
        let mut first = true;
        loop {
            match listen_once(&url, &on_change, first).await {
                Ok(()) => tracing::warn!("postgres listener: connection closed; reconnecting"),
                Err(e) => tracing::warn!("postgres listener: {e}; reconnecting"),
            }
            first = false;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

async fn listen_once(
    url: &str,
    on_change: &(impl Fn(Change) + Send + Sync),
    first: bool,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = tokio_postgres::connect(url, NoTls).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    let _ = tx.send(Ok(n.payload().to_string()));
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    let _ = tx.send(Err(e));
                    return;
                }
                None => return,
            }
        }
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    if !first {
        on_change(Change::Resync);
    }
    let result = loop {
        match rx.recv().await {
            Some(Ok(id)) => on_change(Change::Worker(id)),
            Some(Err(e)) => break Err(e),
            None => break Ok(()),
        }
    };
    driver.abort();
    drop(client);
    result
}
