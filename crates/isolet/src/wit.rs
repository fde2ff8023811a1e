//! The WIT contract (`wit/worker.wit`) as Rust: wasmtime's `bindgen!`
//! output, kept private to the crate, and the conversions between its
//! records and the crate's public types.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "worker",
    imports: {
        // Ends the guest: a trap, not a return.
        "isolet:worker/context.abort-isolate": async | trappable,
        default: async,
    },
    exports: { default: async },
});

// Conversions between the WIT records and the crate's public types.
impl From<isolet::worker::types::Request> for crate::http::Request {
    fn from(r: isolet::worker::types::Request) -> Self {
        crate::http::Request {
            method: r.method,
            url: r.url,
            headers: r.headers,
            body: r.body,
        }
    }
}

impl From<isolet::worker::types::Response> for crate::http::Response {
    fn from(r: isolet::worker::types::Response) -> Self {
        crate::http::Response {
            status: r.status,
            headers: r.headers,
            body: r.body,
        }
    }
}

impl From<crate::http::Response> for isolet::worker::types::Response {
    fn from(r: crate::http::Response) -> Self {
        isolet::worker::types::Response {
            status: r.status,
            headers: r.headers,
            body: r.body,
        }
    }
}

impl From<isolet::worker::types::ScriptError> for crate::error::ScriptError {
    fn from(e: isolet::worker::types::ScriptError) -> Self {
        crate::error::ScriptError {
            name: e.name,
            message: e.message,
            stack: e.stack,
        }
    }
}
