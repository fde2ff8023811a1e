//! The subcommands, one file each, and what several share.

pub mod bundle;
pub mod deploy;
pub mod mcp;
pub mod run;
pub mod serve;
pub mod tail;

use std::path::PathBuf;

use isolet::{ModuleSource, WorkerCode};

#[derive(clap::Args)]
pub struct ServerArgs {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8787", env = "ISOLET_SERVER")]
    server: String,
    /// The admin token (default: ISOLET_ADMIN_TOKEN, else the local server's token file).
    #[arg(long, env = "ISOLET_ADMIN_TOKEN", hide_env_values = true)]
    token: Option<String>,
}

impl ServerArgs {
    pub fn token(&self) -> Result<String, String> {
        if let Some(t) = &self.token {
            return Ok(t.clone());
        }
        let path = isolet_server::ServerConfig::default()
            .data_dir
            .join("admin-token");
        std::fs::read_to_string(&path)
            .map(|t| t.trim().to_string())
            .map_err(|e| format!("no --token given and {} is unreadable: {e}", path.display()))
    }
}

/// Reads files into a WorkerCode: the first is the main module.
pub fn code_from_files(files: &[PathBuf]) -> Result<WorkerCode, String> {
    let mut code = WorkerCode::js("");
    code.modules.clear();
    for (i, file) in files.iter().enumerate() {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("{}: not a file name", file.display()))?
            .to_string();
        let source = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let module = match ModuleSource::infer(&name, String::from_utf8_lossy(&source)) {
            ModuleSource::Text(_) if !name.ends_with(".txt") => ModuleSource::Data(source),
            m => m,
        };
        if i == 0 {
            code.main_module = name.clone();
        }
        code.modules.insert(name, module);
    }
    Ok(code)
}

pub type Client = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    http_body_util::Full<bytes::Bytes>,
>;

pub fn client() -> Client {
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http()
}
