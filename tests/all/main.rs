//! isolet's end-to-end tests: one binary (linking wasmtime once), a module
//! per topic. Workers under test live in files under `tests/workers/`
//! (and the attacks under `tests/hostile/`); what the modules share is in
//! `common/`.

mod common;

mod codemode;
mod fuzz;
mod hostile;
mod js_api;
mod js_workers;
mod loader;
mod outbound;
mod playground;
mod py_workers;
mod security;
mod server;
mod storage;
mod streaming;
