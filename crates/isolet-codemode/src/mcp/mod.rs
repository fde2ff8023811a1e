//! Code Mode as a Model Context Protocol server (`isolet mcp`), for agent
//! frameworks: three MCP tools instead of one per API operation. `search`
//! finds tools by words and returns their TypeScript declaration, `describe`
//! returns the declaration of named tools (or all), and `execute` runs the
//! model's TypeScript against them in a sandbox ([`CodeMode`]), answering
//! with the result, the logs and any error. Served over stdio or streamable
//! HTTP (rmcp); the tools come from a [`McpConfig`] (HTTP endpoints, OpenAPI
//! operations, other MCP servers' tools) or from the embedder's own
//! [`CodeMode`].
//!
//! ```no_run
//! # async fn demo(tools: isolet_codemode::CodeMode) -> isolet::Result<()> {
//! let server = isolet_codemode::mcp::McpServer::new(tools);
//! server.serve_stdio().await?;
//! # Ok(()) }
//! ```

mod config;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ClientConfig, ContentBlock,
    Implementation, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::{RequestContext, RoleClient, RunningService};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use serde_json::{Map, Value as Json, json};

#[cfg(feature = "fuzz")]
pub(crate) use config::openapi_tools_for_fuzz;
pub use config::{ExecLimits, HttpTool, McpConfig, OpenApi, Upstream};

use crate::{CodeMode, CodeModeBuilder, Tool};
use isolet::Limits;
use isolet::Runtime;
use isolet::outbound::Forwarder;
use isolet::{Error, Result};

type Upstreams = Vec<RunningService<RoleClient, ClientConfig>>;

/// The MCP server: a [`CodeMode`] tool set behind `search`, `describe` and
/// `execute`. Cheap to clone.
#[derive(Clone)]
pub struct McpServer {
    codemode: CodeMode,
    /// Connections to the MCP servers whose tools are proxied; kept open
    /// while the server lives.
    _upstreams: Arc<Upstreams>,
    /// The bearer token streamable HTTP requires, if any.
    token: Option<Arc<str>>,
}

impl McpServer {
    /// Serves `codemode`'s tools.
    pub fn new(codemode: CodeMode) -> Self {
        McpServer {
            codemode,
            _upstreams: Arc::new(Vec::new()),
            token: None,
        }
    }

    /// Requires `Authorization: Bearer <token>` on every streamable HTTP
    /// request (the tools act with the operator's credentials: anyone who
    /// can reach `/mcp` can use them).
    ///
    /// ```no_run
    /// # fn demo(server: isolet_codemode::mcp::McpServer) {
    /// let server = server.bearer_token("a long random secret");
    /// # drop(server); }
    /// ```
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Arc::from(token.into()));
        self
    }

    /// Builds the tool set a config file describes (paths in it are
    /// relative to `base_dir`), connecting to the MCP servers it names.
    ///
    /// ```no_run
    /// # async fn demo(runtime: isolet::Runtime) -> isolet::Result<()> {
    /// let config = isolet_codemode::mcp::McpConfig::load("tools.toml".as_ref()).map_err(isolet::Error::Config)?;
    /// let server = isolet_codemode::mcp::McpServer::from_config(runtime, &config, ".".as_ref()).await?;
    /// # drop(server); Ok(()) }
    /// ```
    pub async fn from_config(
        runtime: Runtime,
        config: &McpConfig,
        base_dir: &Path,
    ) -> Result<McpServer> {
        let bad = |e: String| Error::InvalidCode(vec![e]);
        let forwarder = Arc::new(Forwarder::with_system_roots());
        let mut builder = CodeMode::builder(runtime);
        if let Some(l) = config.limits {
            let mut limits = Limits::new()
                .timeout(std::time::Duration::from_millis(
                    l.timeout_ms.unwrap_or(30_000),
                ))
                .cpu_time(std::time::Duration::from_millis(l.cpu_ms.unwrap_or(1_000)));
            if let Some(m) = l.memory_bytes {
                limits = limits.memory_bytes(m);
            }
            builder = builder.limits(limits);
        }
        if let Some(n) = config.max_tool_calls {
            builder = builder.max_tool_calls(n);
        }
        builder = config::add_http_tools(builder, &config.tools, &forwarder).map_err(bad)?;
        builder =
            config::add_openapi(builder, &config.openapi, base_dir, &forwarder).map_err(bad)?;
        let (builder, upstreams) = add_upstreams(builder, &config.mcp).await.map_err(bad)?;
        Ok(McpServer {
            codemode: builder.build()?,
            _upstreams: Arc::new(upstreams),
            token: None,
        })
    }

    /// The tool set served.
    pub fn codemode(&self) -> &CodeMode {
        &self.codemode
    }

    /// Serves one client on stdin/stdout until it disconnects.
    pub async fn serve_stdio(self) -> Result<()> {
        let running = self
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| Error::Io(format!("MCP on stdio: {e}")))?;
        running
            .waiting()
            .await
            .map_err(|e| Error::Io(format!("MCP on stdio: {e}")))?;
        Ok(())
    }

    /// Serves streamable HTTP at `/mcp` on `listener` until `shutdown`
    /// resolves.
    ///
    /// ```no_run
    /// # async fn demo(server: isolet_codemode::mcp::McpServer) -> Result<(), Box<dyn std::error::Error>> {
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:8788").await?;
    /// server.serve_http(listener, std::future::pending()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn serve_http(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<()> {
        let cancel = tokio_util::sync::CancellationToken::new();
        let server = self.clone();
        let service: StreamableHttpService<McpServer, LocalSessionManager> =
            StreamableHttpService::new(
                move || Ok(server.clone()),
                Arc::default(),
                StreamableHttpServerConfig::default().with_cancellation_token(cancel.child_token()),
            );
        tokio::pin!(shutdown);
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!("mcp: accept failed: {e}");
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let service = service.clone();
            let token = self.token.clone();
            tokio::spawn(async move {
                let handler =
                    hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let mut service = service.clone();
                        let authorized = token
                            .as_deref()
                            .is_none_or(|t| isolet::auth::bearer_ok(&req, t));
                        async move {
                            if !authorized {
                                return Ok::<_, std::convert::Infallible>(plain(
                                    401,
                                    "unauthorized: this MCP server needs its bearer token\n",
                                ));
                            }
                            if req.uri().path() != "/mcp" {
                                return Ok(plain(404, "not found: the MCP endpoint is /mcp\n"));
                            }
                            let resp = tower_service::Service::call(&mut service, req).await?;
                            let (parts, body) = resp.into_parts();
                            Ok(http::Response::from_parts(
                                parts,
                                http_body_util::BodyExt::boxed(body),
                            ))
                        }
                    });
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), handler);
                if let Err(e) = conn.await {
                    tracing::debug!("mcp: connection ended: {e}");
                }
            });
        }
        cancel.cancel();
        Ok(())
    }

    fn search(&self, query: &str) -> CallToolResult {
        let words: Vec<String> = query
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        let mut scored: Vec<(usize, &str)> = self
            .codemode
            .tools()
            .filter_map(|(name, description)| {
                let hay = format!("{} {}", split_camel(name), description).to_lowercase();
                let score = words.iter().filter(|w| hay.contains(w.as_str())).count();
                (words.is_empty() || score > 0).then_some((score, name))
            })
            .collect();
        scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
        scored.truncate(MAX_SEARCH_RESULTS);
        let names: Vec<&str> = scored.iter().map(|(_, n)| *n).collect();
        if names.is_empty() {
            let all: Vec<&str> = self.codemode.tools().map(|(n, _)| n).collect();
            return text(format!(
                "No tool matches {query:?}. The tools are: {}",
                all.join(", ")
            ));
        }
        text(format!(
            "{} of {} tools match. Their TypeScript API (call them as `await codemode.<name>(input)` in `execute`):\n\n{}",
            names.len(),
            self.codemode.tools().count(),
            self.codemode.types_for(&names)
        ))
    }

    async fn execute(&self, code: &str) -> CallToolResult {
        let run = self.codemode.execute(code).await;
        let data = serde_json::to_value(&run).unwrap_or(Json::Null);
        let mut out = if run.error.is_some() {
            CallToolResult::error(vec![ContentBlock::text(pretty(&data))])
        } else {
            CallToolResult::success(vec![ContentBlock::text(pretty(&data))])
        };
        out.structured_content = Some(data);
        out
    }
}

/// A short plain-text answer from the HTTP endpoint itself (a 401 asks
/// for a bearer token).
fn plain(
    status: u16,
    text: &'static str,
) -> http::Response<http_body_util::combinators::BoxBody<bytes::Bytes, std::convert::Infallible>> {
    use http_body_util::BodyExt;
    let mut builder = http::Response::builder().status(status);
    if status == 401 {
        builder = builder.header("www-authenticate", "Bearer");
    }
    builder
        .body(http_body_util::Full::new(bytes::Bytes::from_static(text.as_bytes())).boxed())
        .unwrap_or_default()
}

/// Most tools one `search` returns.
const MAX_SEARCH_RESULTS: usize = 20;

/// `listOpenIssues` → `list open issues` (so words of a query find it).
fn split_camel(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push(' ');
        }
        out.push(if c == '_' { ' ' } else { c });
    }
    out
}

fn pretty(v: &Json) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn text(s: String) -> CallToolResult {
    CallToolResult::success(vec![ContentBlock::text(s)])
}

fn schema(v: Json) -> Arc<Map<String, Json>> {
    Arc::new(match v {
        Json::Object(o) => o,
        _ => Map::new(),
    })
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("isolet", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Code Mode: the API's tools are TypeScript functions on a `codemode` object. \
                 Use `search` (by words) or `describe` to read their declarations, then `execute` \
                 a TypeScript `async () => { ... }` that calls them (`await codemode.name(input)`), \
                 combines their results and returns what you need. It runs in a sandbox without \
                 network access: only the tools reach the outside. console.log output is returned.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ListToolsResult, ErrorData> {
        let names: Vec<&str> = self.codemode.tools().map(|(n, _)| n).collect();
        let tools = vec![
            rmcp::model::Tool::new(
                "search",
                format!(
                    "Finds tools of the API by words (e.g. \"issue comment\") and returns their TypeScript declarations. {} tools: {}",
                    names.len(),
                    names.join(", ")
                ),
                schema(json!({
                    "type": "object",
                    "properties": {"query": {"type": "string", "description": "Words to look for in tool names and descriptions"}},
                    "required": ["query"]
                })),
            ),
            rmcp::model::Tool::new(
                "describe",
                "Returns the TypeScript declaration of the named tools, or of the whole API when no names are given.",
                schema(json!({
                    "type": "object",
                    "properties": {"tools": {"type": "array", "items": {"type": "string"}, "description": "Tool names"}}
                })),
            ),
            rmcp::model::Tool::new(
                "execute",
                "Runs TypeScript in a sandbox where the API is `codemode`: an `async () => { ... }` arrow \
                 (or a function body with `return`). Returns {result, logs, error, toolCalls}. No network access \
                 except through the tools; 30 s wall clock.",
                schema(json!({
                    "type": "object",
                    "properties": {"code": {"type": "string", "description": "The TypeScript to run"}},
                    "required": ["code"]
                })),
            ),
        ];
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<CallToolResponse, ErrorData> {
        let args = request.arguments.unwrap_or_default();
        let result = match request.name.as_ref() {
            "search" => match args.get("query").and_then(Json::as_str) {
                Some(q) => self.search(q),
                None => CallToolResult::error(vec![ContentBlock::text(
                    "`query` (a string) is required",
                )]),
            },
            "describe" => {
                let names: Vec<&str> = args
                    .get("tools")
                    .and_then(Json::as_array)
                    .map(|a| a.iter().filter_map(Json::as_str).collect())
                    .unwrap_or_default();
                if names.is_empty() {
                    text(self.codemode.types().to_string())
                } else {
                    let known: Vec<&str> = self.codemode.tools().map(|(n, _)| n).collect();
                    let missing: Vec<&str> = names
                        .iter()
                        .copied()
                        .filter(|n| !known.contains(n))
                        .collect();
                    let mut out = self.codemode.types_for(&names);
                    if !missing.is_empty() {
                        out.push_str(&format!(
                            "\n// Not tools of this API: {}\n",
                            missing.join(", ")
                        ));
                    }
                    text(out)
                }
            }
            "execute" => match args.get("code").and_then(Json::as_str) {
                Some(code) => self.execute(code).await,
                None => {
                    CallToolResult::error(vec![ContentBlock::text("`code` (a string) is required")])
                }
            },
            other => {
                return Err(ErrorData::invalid_params(
                    format!("no tool {other:?}: the tools are search, describe and execute"),
                    None,
                ));
            }
        };
        Ok(result.into())
    }
}

/// Connects to each `[[mcp]]` server and adds its tools, named
/// `<name>_<tool>`, each call proxied to it.
async fn add_upstreams(
    mut builder: CodeModeBuilder,
    upstreams: &[Upstream],
) -> std::result::Result<(CodeModeBuilder, Upstreams), String> {
    let mut running = Vec::new();
    if !upstreams.is_empty() {
        // reqwest's TLS uses the process's rustls provider: ring, as the
        // rest of isolet (an error means one is installed already).
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    for up in upstreams {
        let client = match (&up.url, up.command.split_first()) {
            (Some(url), None) => {
                let mut transport =
                    rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig::with_uri(url.as_str());
                if let Some(t) = &up.token {
                    transport = transport.auth_header(config::expand_env(t)?);
                }
                ClientConfig::default()
                    .serve(StreamableHttpClientTransport::from_config(transport))
                    .await
                    .map_err(|e| format!("mcp {:?}: connecting to {url}: {e}", up.name))?
            }
            (None, Some((program, args))) => {
                let mut cmd = tokio::process::Command::new(program);
                cmd.args(args);
                let transport = TokioChildProcess::new(cmd)
                    .map_err(|e| format!("mcp {:?}: starting {program}: {e}", up.name))?;
                ClientConfig::default()
                    .serve(transport)
                    .await
                    .map_err(|e| format!("mcp {:?}: {e}", up.name))?
            }
            _ => {
                return Err(format!(
                    "mcp {:?}: give exactly one of `url` and `command`",
                    up.name
                ));
            }
        };
        let tools = client
            .list_all_tools()
            .await
            .map_err(|e| format!("mcp {:?}: listing its tools: {e}", up.name))?;
        for t in tools {
            let remote = t.name.to_string();
            let peer = client.peer().clone();
            let mut tool = Tool::new(
                format!("{}_{}", up.name, remote),
                t.description.as_deref().unwrap_or_default(),
            )
            .input(Json::Object((*t.input_schema).clone()));
            if let Some(out) = &t.output_schema {
                tool = tool.output(Json::Object((**out).clone()));
            }
            builder = builder.tool(tool.handler(move |input| {
                let peer = peer.clone();
                let remote = remote.clone();
                async move {
                    let mut params = CallToolRequestParams::new(remote);
                    if let Json::Object(map) = input {
                        params = params.with_arguments(map);
                    }
                    let result = peer.call_tool(params).await.map_err(|e| e.to_string())?;
                    tool_result_json(result)
                }
            }));
        }
        running.push(client);
    }
    Ok((builder, running))
}

/// A proxied tool's result as the value the model's code gets: its
/// structured content, else its text (parsed when it is JSON); an error
/// result is thrown with its text.
fn tool_result_json(result: CallToolResult) -> std::result::Result<Json, String> {
    let texts: Vec<String> = result
        .content
        .iter()
        .filter_map(|c| match c {
            ContentBlock::Text(t) => Some(t.text.clone()),
            _ => None,
        })
        .collect();
    let joined = texts.join("\n");
    if result.is_error == Some(true) {
        return Err(if joined.is_empty() {
            "the tool failed".into()
        } else {
            joined
        });
    }
    if let Some(s) = result.structured_content {
        return Ok(s);
    }
    Ok(serde_json::from_str(&joined).unwrap_or(Json::String(joined)))
}
