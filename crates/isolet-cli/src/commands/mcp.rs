//! `isolet mcp`: Code Mode tools served over MCP (stdio or HTTP).

use std::path::PathBuf;
use std::process::ExitCode;

use isolet::Runtime;

pub async fn mcp(
    config: PathBuf,
    http: Option<std::net::SocketAddr>,
    token: Option<String>,
) -> Result<ExitCode, String> {
    let cfg = isolet_codemode::mcp::McpConfig::load(&config)?;
    let base = config
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let runtime = Runtime::builder()
        .build()
        .await
        .map_err(|e| e.to_string())?;
    let mut server = isolet_codemode::mcp::McpServer::from_config(runtime, &cfg, &base)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(t) = token {
        server = server.bearer_token(t);
    } else if http.is_some_and(|a| !a.ip().is_loopback()) {
        return Err("--http beyond loopback needs --token (or ISOLET_MCP_TOKEN)".into());
    }
    let names: Vec<&str> = server.codemode().tools().map(|(n, _)| n).collect();
    tracing::info!("{} tools: {}", names.len(), names.join(", "));
    match http {
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            let local = listener.local_addr().map_err(|e| e.to_string())?;
            tracing::info!("MCP (streamable HTTP) at http://{local}/mcp");
            let shutdown = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            server
                .serve_http(listener, shutdown)
                .await
                .map_err(|e| e.to_string())?;
        }
        None => server.serve_stdio().await.map_err(|e| e.to_string())?,
    }
    Ok(ExitCode::SUCCESS)
}
