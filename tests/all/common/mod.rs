//! What the end-to-end test files share.

use std::sync::Mutex;

use isolet::TraceEvent;

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
    #[allow(dead_code)] // not every test file asks by worker
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
