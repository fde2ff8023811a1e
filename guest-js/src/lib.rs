//! isolet's JavaScript engine component.
//!
//! One precompiled component serves every JS worker: QuickJS (through `javy`)
//! is set up and the Workers globals (js/, one file per API: the prelude in
//! js/prelude/ and the others) are evaluated once, at build time, by
//! `wizer-initialize`; the host snapshots that state. Each instance
//! then receives its worker's code at run time through `init`.

// The WIT bindings pass records field by field.
#![allow(clippy::too_many_arguments)]

mod compression;
mod convert;
mod encoding;
mod engine;
mod handles;
mod htmlrewriter;
mod modules;
mod native;
mod urlpattern;
mod webcrypto;

wit_bindgen::generate!({
    path: "../wit",
    world: "worker",
});

struct Engine;

impl Guest for Engine {
    fn init(spec: WorkerSpec) -> Result<Vec<CompiledModule>, ScriptError> {
        engine::init(spec)
    }

    fn fetch(entrypoint: Option<String>, req: Request) -> Result<FetchAnswer, ScriptError> {
        engine::fetch(entrypoint, req)
    }

    fn read_body() -> Result<BodyChunk, ScriptError> {
        engine::read_body()
    }

    fn socket_event(event: SocketEvent) -> Result<SocketStep, ScriptError> {
        engine::socket_event(event)
    }

    fn call(
        entrypoint: Option<String>,
        method: String,
        args: String,
    ) -> Result<String, ScriptError> {
        engine::call(entrypoint, method, args)
    }

    fn wizer_initialize() {
        engine::pre_initialize();
    }
}

export!(Engine);
