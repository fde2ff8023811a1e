//! Per-instance host state (the `Store`'s data) and the host side of the
//! worker's imports: tail log, outbound fetch, bindings.

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::engine::wit::isolet::worker::{bindings, outbound, tail, types};
use crate::limits::MemoryLimiter;
use crate::tail::{LogBuffer, LogLevel};

pub(crate) struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub limiter: MemoryLimiter,
    pub logs: LogBuffer,
}

impl HostState {
    pub fn new(memory_limit: u64) -> Self {
        HostState {
            // Nothing inherited: no args, no environment, no preopened
            // directories, no stdin; sockets are denied (no address is
            // allowed and name lookup is off by default).
            wasi: WasiCtx::builder().allow_ip_name_lookup(false).build(),
            table: ResourceTable::new(),
            limiter: MemoryLimiter::new(memory_limit),
            logs: LogBuffer::default(),
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl types::Host for HostState {}

impl tail::Host for HostState {
    async fn log(&mut self, level: types::LogLevel, message: String) {
        let level = match level {
            types::LogLevel::Debug => LogLevel::Debug,
            types::LogLevel::Log => LogLevel::Log,
            types::LogLevel::Info => LogLevel::Info,
            types::LogLevel::Warn => LogLevel::Warn,
            types::LogLevel::Error => LogLevel::Error,
        };
        self.logs.push(level, message);
    }
}

impl outbound::Host for HostState {
    async fn fetch(&mut self, req: types::Request) -> Result<types::Response, String> {
        Err(format!(
            "fetch({}) was refused: this worker has no outbound network access (globalOutbound: null)",
            req.url
        ))
    }
}

impl bindings::Host for HostState {
    async fn call(
        &mut self,
        binding: String,
        _method: String,
        _args: String,
    ) -> Result<String, String> {
        Err(format!(
            "env.{binding} is not a binding this worker was given"
        ))
    }
}
