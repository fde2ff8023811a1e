//! Live tails: trace events fanned out to subscribers per worker id
//! (`GET /workers/{id}/tail`, Server-Sent Events).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use isolet::{TailSink, TraceEvent};

#[derive(Default)]
pub(crate) struct TailHub {
    channels: Mutex<HashMap<String, broadcast::Sender<Arc<TraceEvent>>>>,
}

impl TailHub {
    pub fn subscribe(&self, id: &str) -> broadcast::Receiver<Arc<TraceEvent>> {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels
            .entry(id.to_string())
            .or_insert_with(|| broadcast::channel(256).0)
            .subscribe()
    }
}

/// One Server-Sent Events frame: a trace event, or how many events a slow
/// subscriber missed.
pub(crate) fn sse_frame(item: Result<&TraceEvent, u64>) -> String {
    match item {
        Ok(event) => format!(
            "event: trace\ndata: {}\n\n",
            serde_json::to_string(event).unwrap_or_default()
        ),
        Err(dropped) => format!("event: lagged\ndata: {{\"dropped\":{dropped}}}\n\n"),
    }
}

impl TailSink for TailHub {
    fn on_event(&self, event: &TraceEvent) {
        let Some(id) = &event.worker_id else { return };
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        // No subscribers left: forget the channel.
        if let Some(tx) = channels.get(id)
            && tx.send(Arc::new(event.clone())).is_err()
        {
            channels.remove(id);
        }
    }
}
