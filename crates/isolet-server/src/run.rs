//! `POST /run`: one request to posted code, answered with its trace.

use std::sync::Arc;

use base64::Engine as _;
use http::StatusCode;
use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::State;
use super::body::read_json;
use super::respond::{HttpResponse, error_body, error_response, json_response};
use isolet::Error;
use isolet::Request;
use isolet::TraceEvent;
use isolet::WorkerCode;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunBody {
    /// Kept as text: its hash finds a worker made from the same code before.
    code: Box<serde_json::value::RawValue>,
    #[serde(default)]
    request: RunRequest,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunRequest {
    #[serde(default = "default_method")]
    method: String,
    #[serde(default = "default_url")]
    url: String,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    body: Option<String>,
}

impl Default for RunRequest {
    fn default() -> Self {
        RunRequest {
            method: default_method(),
            url: default_url(),
            headers: Vec::new(),
            body: None,
        }
    }
}

fn default_method() -> String {
    "GET".into()
}

fn default_url() -> String {
    "http://localhost/".into()
}

fn trace_json(trace: &TraceEvent) -> Json {
    json!({
        "outcome": trace.outcome,
        "logs": trace.logs,
        "exceptions": trace.exceptions,
        "fuelUsed": trace.fuel_used,
        "cpuTimeMs": trace.cpu_time.as_secs_f64() * 1000.0,
        "wallTimeMs": trace.wall_time.as_secs_f64() * 1000.0,
    })
}

/// `POST /run`: load the posted code once, send it one request, return the
/// response with its logs and outcome.
pub(super) async fn run_once(state: &State, req: http::Request<Incoming>) -> HttpResponse {
    let run: RunBody = match read_json(
        state,
        req,
        "invalid run request",
        "the body is not a run request",
    )
    .await
    {
        Ok(r) => r,
        Err(r) => return r,
    };
    let worker = match run_worker(state, run.code.get()).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let mut request = Request::new(run.request.method, run.request.url);
    request.headers = run.request.headers;
    request.body = run.request.body.unwrap_or_default().into_bytes();
    let (result, trace) = worker.entrypoint(None).fetch_traced(request).await;
    // The run's worker (and with it its Cache API entries) ends here.
    drop(worker);
    match result {
        Ok(resp) => {
            // The body (at most RUN_RESPONSE_BYTES) is moved, not copied,
            // into the answer.
            let mut response = json!({"status": resp.status, "headers": resp.headers});
            match String::from_utf8(resp.body) {
                Ok(t) => response["body"] = Json::String(t),
                Err(e) => {
                    response["bodyBase64"] =
                        Json::String(base64::engine::general_purpose::STANDARD.encode(e.as_bytes()))
                }
            }
            json_response(
                StatusCode::OK,
                &json!({"response": response, "trace": trace_json(&trace)}),
            )
        }
        Err(e) => {
            let (status, mut body) = error_body(state, &e);
            body["trace"] = trace_json(&trace);
            json_response(status, &body)
        }
    }
}

/// Most bytes of response body `POST /run` collects and answers with (its
/// worker's `limits.responseBytes` is lowered to this): the body is held
/// whole and encoded into the JSON answer.
const RUN_RESPONSE_BYTES: u64 = 32 << 20;

/// A new worker for one `POST /run` of `code` (JSON text): every run gets
/// a sandbox and Cache API of its own, which end with the run. The code is
/// parsed, checked against the server's ceilings and validated once per
/// distinct text (kept in a small LRU by its BLAKE3 hash); transpiling and
/// compiling are cached by the runtime.
async fn run_worker(state: &State, code: &str) -> Result<isolet::Worker, HttpResponse> {
    let key: [u8; 32] = blake3::hash(code.as_bytes()).into();
    let cached = state
        .run_workers
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&key)
        .cloned();
    let code = match cached {
        Some(code) => code,
        None => {
            let mut code: WorkerCode = serde_json::from_str(code).map_err(|e| {
                json_response(
                    StatusCode::BAD_REQUEST,
                    &json!({"error": "invalid run request", "problems": [format!("the body is not a run request: code: {e}")]}),
                )
            })?;
            let mut problems = code.validate().err().unwrap_or_default();
            problems.extend(state.config.ceiling_problems(&code));
            if !problems.is_empty() {
                return Err(error_response(state, &Error::InvalidCode(problems)));
            }
            code.fresh_instance_per_request = true;
            let mut limits = code.limits.unwrap_or_default();
            let asked = limits
                .response_bytes
                .or(state.config.limits.response_bytes)
                .unwrap_or(RUN_RESPONSE_BYTES);
            limits.response_bytes = Some(asked.min(RUN_RESPONSE_BYTES));
            code.limits = Some(limits);
            let code = Arc::new(code);
            state
                .run_workers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .put(key, code.clone());
            code
        }
    };
    // Its transpiling is marked as `/run`'s: a crash then is no
    // worker's (isolet::quarantine).
    isolet::quarantine::scope(async {
        isolet::quarantine::work(&state.config.data_dir, isolet::quarantine::RUN);
        state.runtime.load(WorkerCode::clone(&code)).await
    })
    .await
    .map_err(|e| error_response(state, &e))
}
