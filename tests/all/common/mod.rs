//! What the end-to-end test modules share.

pub mod group;
pub mod registry;
pub mod server;

use std::sync::{Arc, Mutex};

use isolet::{Runtime, TraceEvent};

/// The file at `rel` under `tests/` (e.g. `workers/js/hello.js`), or a
/// panic naming it.
pub fn read(rel: &str) -> String {
    let path = format!("{}/../../tests/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A runtime with default settings whose traces are kept.
pub async fn traced_runtime() -> (Runtime, Arc<Traces>) {
    let traces = Arc::new(Traces::default());
    let rt = Runtime::builder()
        .tail_sink(traces.clone())
        .build()
        .await
        .unwrap();
    (rt, traces)
}

/// Every invocation's trace, for assertions on logs and outcomes.
#[derive(Default)]
pub struct Traces(pub Mutex<Vec<TraceEvent>>);

impl isolet::TailSink for Traces {
    fn on_event(&self, event: &TraceEvent) {
        self.0.lock().unwrap().push(event.clone());
    }
}

impl Traces {
    /// The traces of worker `id` so far.
    pub fn for_worker(&self, id: &str) -> Vec<TraceEvent> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.worker_id.as_deref() == Some(id))
            .cloned()
            .collect()
    }
}
