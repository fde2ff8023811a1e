//! The `isolet` command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

mod supervise;
use isolet::{LogLevel, ModuleSource, Request, Runtime, TraceEvent, WorkerCode};

#[derive(Parser)]
#[command(
    name = "isolet",
    version,
    about = "Run untrusted JavaScript dynamic workers in WebAssembly isolates"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    #[command(verbatim_doc_comment)]
    /// Run the HTTP host server (admin API, worker invocation, tails, metrics).
    ///
    /// With no options it listens on 127.0.0.1:8787 and keeps data in
    /// ~/.local/share/isolet (the admin token is in its `admin-token` file).
    ///
    /// Examples:
    ///   isolet serve
    ///   isolet serve --listen 0.0.0.0:8080 --config isolet.toml
    ///   ISOLET_ADMIN_TOKEN=... isolet serve --data-dir /var/lib/isolet
    ///   isolet serve --workers 1      (a single process)
    Serve {
        /// A TOML configuration file (see ServerConfig in the docs).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Listen address (overrides the config file and ISOLET_LISTEN).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Data directory (overrides the config file and ISOLET_DATA_DIR).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Server processes sharing the port (0: one per CPU, the default;
        /// overrides the config file and ISOLET_WORKERS).
        #[arg(long)]
        workers: Option<usize>,
    },
    #[command(verbatim_doc_comment)]
    /// Serve Code Mode over the Model Context Protocol: the tools of a config
    /// file (HTTP endpoints, OpenAPI operations, other MCP servers) as a
    /// TypeScript API, with `search`, `describe` and `execute` tools for an
    /// agent. On stdio by default (for an agent that starts it), or
    /// streamable HTTP at http://ADDR/mcp with --http.
    ///
    /// Examples:
    ///   isolet mcp --config tools.toml
    ///   isolet mcp --config tools.toml --http 127.0.0.1:8788
    Mcp {
        /// The tools (see isolet_codemode::mcp::McpConfig in the docs).
        #[arg(long)]
        config: PathBuf,
        /// Serve streamable HTTP on this address instead of stdio.
        #[arg(long)]
        http: Option<std::net::SocketAddr>,
        /// The bearer token HTTP clients must send (the tools act with the
        /// config's credentials). Required to listen beyond loopback.
        #[arg(long, env = "ISOLET_MCP_TOKEN", hide_env_values = true)]
        token: Option<String>,
    },
    #[command(verbatim_doc_comment)]
    /// Bundle a directory (package.json with npm dependencies + sources) into
    /// WorkerCode JSON, dependencies resolved and fetched from the registry.
    ///
    /// Examples:
    ///   isolet bundle my-worker > code.json
    ///   isolet bundle my-worker --registry http://127.0.0.1:4873
    Bundle {
        /// The directory holding package.json.
        dir: PathBuf,
        /// The npm registry.
        #[arg(long, default_value = isolet_bundle::NPM_REGISTRY, env = "ISOLET_NPM_REGISTRY")]
        registry: String,
    },
    #[command(verbatim_doc_comment)]
    /// Upload a worker's files to a running server under an id.
    ///
    /// Examples:
    ///   isolet deploy hello examples/hello.js
    ///   isolet deploy app main.js lib.js --server http://127.0.0.1:8787 --token $TOKEN
    Deploy {
        /// The worker id.
        id: String,
        /// The main module, then the other modules.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        server: ServerArgs,
    },
    #[command(verbatim_doc_comment)]
    /// Stream a worker's trace events (console output, exceptions, outcomes).
    ///
    /// Example:
    ///   isolet tail hello
    Tail {
        /// The worker id.
        id: String,
        #[command(flatten)]
        server: ServerArgs,
    },
    #[command(verbatim_doc_comment)]
    /// Load a worker from files, send it one request and print the response.
    ///
    /// Examples:
    ///   isolet run examples/hello.js
    ///   isolet run app.js util.js --path /api/items --method POST --data '{"a":1}'
    ///   isolet run worker.js --header 'x-token: abc' --include
    ///   isolet run worker.py            (or --py for Python files with other names)
    Run(RunArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// The main module, then any other modules it imports (by file name).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The request path (and query).
    #[arg(long, default_value = "/")]
    path: String,
    /// The request method.
    #[arg(long, short = 'X', default_value = "GET")]
    method: String,
    /// A request header, `name: value` (repeatable).
    #[arg(long = "header", short = 'H')]
    headers: Vec<String>,
    /// The request body.
    #[arg(long, short = 'd')]
    data: Option<String>,
    /// Print the status line and headers before the body.
    #[arg(long, short = 'i')]
    include: bool,
    /// The compatibility date (default: today).
    #[arg(long)]
    compatibility_date: Option<String>,
    /// Treat the files as Python modules whatever their extension.
    #[arg(long)]
    py: bool,
}

#[derive(clap::Args)]
struct ServerArgs {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8787", env = "ISOLET_SERVER")]
    server: String,
    /// The admin token (default: ISOLET_ADMIN_TOKEN, else the local server's token file).
    #[arg(long, env = "ISOLET_ADMIN_TOKEN", hide_env_values = true)]
    token: Option<String>,
}

impl ServerArgs {
    fn token(&self) -> Result<String, String> {
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

fn init_logging(format: isolet_server::LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colour only for a person at a terminal: a file, journald or a
    // container log gets plain lines (and NO_COLOR is honoured).
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    match format {
        isolet_server::LogFormat::Json => builder.json().init(),
        isolet_server::LogFormat::Text => builder.init(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A process of a `--workers` group serves on one thread: the group is
    // how it uses more cores.
    let mut builder = if std::env::var_os(supervise::GROUP_ENV).is_some() {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(1);
        b
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    match builder.enable_all().build() {
        Ok(rt) => rt.block_on(cli_main(cli)),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn cli_main(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Serve {
            config,
            listen,
            data_dir,
            workers,
        } => serve(config, listen, data_dir, workers).await,
        Command::Deploy { id, files, server } => deploy(id, files, server).await,
        Command::Bundle { dir, registry } => {
            init_logging(isolet_server::LogFormat::Text);
            bundle(dir, registry).await
        }
        Command::Mcp {
            config,
            http,
            token,
        } => {
            init_logging(isolet_server::LogFormat::Text);
            mcp(config, http, token).await
        }
        Command::Tail { id, server } => tail(id, server).await,
        Command::Run(args) => {
            init_logging(isolet_server::LogFormat::Text);
            run(args).await.map_err(|e| e.to_string())
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn bundle(dir: PathBuf, registry: String) -> Result<ExitCode, String> {
    let mut bundler = isolet_bundle::Bundler::new().registry(registry);
    if let Some(cache) = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
    {
        bundler = bundler.cache_dir(cache.join("isolet"));
    }
    let code = bundler.bundle_dir(&dir).await.map_err(|e| e.to_string())?;
    println!(
        "{}",
        serde_json::to_string(&code).map_err(|e| e.to_string())?
    );
    Ok(ExitCode::SUCCESS)
}

async fn mcp(
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

async fn serve(
    config: Option<PathBuf>,
    listen: Option<std::net::SocketAddr>,
    data_dir: Option<PathBuf>,
    workers: Option<usize>,
) -> Result<ExitCode, String> {
    let mut cfg = match config {
        Some(path) => isolet_server::ServerConfig::from_file(&path)?,
        None => isolet_server::ServerConfig::default(),
    }
    .with_env()?;
    if let Some(l) = listen {
        cfg.listen = l;
    }
    if let Some(d) = data_dir {
        cfg.data_dir = d;
    }
    if let Some(w) = workers {
        cfg.workers = w;
    }
    init_logging(cfg.log_format);
    match std::env::var(supervise::GROUP_ENV) {
        Ok(spec) => cfg.process_group = Some(spec),
        Err(_) if cfg.processes() > 1 => {
            if !cfg!(target_os = "linux") {
                return Err("several server processes need Linux; use --workers 1".into());
            }
            let count = cfg.processes();
            return supervise::run(cfg, count).await;
        }
        Err(_) => {}
    }
    let in_group = cfg.process_group.is_some();
    let data_dir = cfg.data_dir.clone();
    if !in_group {
        // Loads the previous single process died in count toward quarantine.
        isolet::quarantine::record_dead(&data_dir);
    }
    let playground = cfg.playground;
    let server = isolet_server::Server::new(cfg)
        .await
        .map_err(|e| e.to_string())?;
    let bound = server.bind().await.map_err(|e| e.to_string())?;
    if !in_group {
        eprintln!(
            "isolet serving on http://{}\n  admin token: {} (from {}/admin-token unless configured)",
            bound.local_addr(),
            bound.admin_token(),
            data_dir.display()
        );
        if playground {
            eprintln!("  playground: http://{}/playground/", bound.local_addr());
        }
    }
    bound
        .run(shutdown_signal())
        .await
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Reads files into a WorkerCode: the first is the main module.
fn code_from_files(files: &[PathBuf]) -> Result<WorkerCode, String> {
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

type Client = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    http_body_util::Full<bytes::Bytes>,
>;

fn client() -> Client {
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http()
}

async fn deploy(id: String, files: Vec<PathBuf>, server: ServerArgs) -> Result<ExitCode, String> {
    use http_body_util::BodyExt;
    let code = code_from_files(&files)?;
    let body = serde_json::to_vec(&code).map_err(|e| e.to_string())?;
    let req = http::Request::put(format!(
        "{}/workers/{id}",
        server.server.trim_end_matches('/')
    ))
    .header("authorization", format!("Bearer {}", server.token()?))
    .header("content-type", "application/json")
    .body(http_body_util::Full::new(bytes::Bytes::from(body)))
    .map_err(|e| e.to_string())?;
    let resp = client()
        .request(req)
        .await
        .map_err(|e| format!("{}: {e}", server.server))?;
    let status = resp.status();
    let text = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    println!("{}", String::from_utf8_lossy(&text));
    if status.is_success() {
        eprintln!(
            "deployed {id}: try {}/w/{id}/",
            server.server.trim_end_matches('/')
        );
        Ok(ExitCode::SUCCESS)
    } else {
        Err(format!("the server answered {status}"))
    }
}

async fn tail(id: String, server: ServerArgs) -> Result<ExitCode, String> {
    use http_body_util::BodyExt;
    let req = http::Request::get(format!(
        "{}/workers/{id}/tail",
        server.server.trim_end_matches('/')
    ))
    .header("authorization", format!("Bearer {}", server.token()?))
    .body(http_body_util::Full::new(bytes::Bytes::new()))
    .map_err(|e| e.to_string())?;
    let resp = client()
        .request(req)
        .await
        .map_err(|e| format!("{}: {e}", server.server))?;
    if !resp.status().is_success() {
        return Err(format!("the server answered {}", resp.status()));
    }
    eprintln!("tailing {id} (Ctrl-C to stop)");
    let mut body = resp.into_body();
    let mut buf = String::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| e.to_string())?;
        if let Some(data) = frame.data_ref() {
            buf.push_str(&String::from_utf8_lossy(data));
            while let Some(end) = buf.find("\n\n") {
                let event: String = buf.drain(..end + 2).collect();
                if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                    print_trace(data);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_trace(data: &str) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(data) else {
        println!("{data}");
        return;
    };
    let what = match v["event"]["type"].as_str() {
        Some("fetch") => format!(
            "{} {}",
            v["event"]["method"].as_str().unwrap_or(""),
            v["event"]["url"].as_str().unwrap_or("")
        ),
        Some("rpc") => format!("rpc {}", v["event"]["method"].as_str().unwrap_or("")),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    println!("{what} -> {}", v["outcome"].as_str().unwrap_or("?"));
    for log in v["logs"].as_array().into_iter().flatten() {
        println!(
            "  [{}] {}",
            log["level"].as_str().unwrap_or(""),
            log["message"].as_str().unwrap_or("")
        );
    }
    for ex in v["exceptions"].as_array().into_iter().flatten() {
        println!(
            "  [exception] {}: {}",
            ex["name"].as_str().unwrap_or(""),
            ex["message"].as_str().unwrap_or("")
        );
    }
}

async fn run(
    RunArgs {
        files,
        path,
        method,
        headers,
        data,
        include,
        compatibility_date,
        py,
    }: RunArgs,
) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let mut code = code_from_files(&files)?;
    if py {
        for (_, module) in code.modules.iter_mut() {
            if let ModuleSource::Esm(src) | ModuleSource::CommonJs(src) | ModuleSource::Text(src) =
                module
            {
                *module = ModuleSource::Python(std::mem::take(src));
            }
        }
    }
    if let Some(date) = compatibility_date {
        code.compatibility_date = date;
    }
    let print_logs = |e: &TraceEvent| {
        for log in &e.logs {
            let level = match log.level {
                LogLevel::Debug => "debug",
                LogLevel::Log => "log",
                LogLevel::Info => "info",
                LogLevel::Warn => "warn",
                LogLevel::Error => "error",
            };
            eprintln!("[{level}] {}", log.message);
        }
        for ex in &e.exceptions {
            eprintln!("[exception] {}: {}\n{}", ex.name, ex.message, ex.stack);
        }
    };
    let runtime = Runtime::builder()
        .tail_sink(Arc::new(print_logs))
        .build()
        .await?;
    let worker = runtime.load(code).await?;
    let url = format!(
        "http://localhost{}{}",
        if path.starts_with('/') { "" } else { "/" },
        path
    );
    let mut req = Request::new(method, url);
    for h in headers {
        let (k, v) = h
            .split_once(':')
            .ok_or_else(|| format!("header {h:?} is not `name: value`"))?;
        req = req.header(k.trim(), v.trim());
    }
    if let Some(d) = data {
        req = req.body(d);
    }
    let resp = worker.fetch(req).await?;
    if include {
        println!("HTTP {}", resp.status);
        for (k, v) in &resp.headers {
            println!("{k}: {v}");
        }
        println!();
    }
    use std::io::Write;
    std::io::stdout().write_all(&resp.body)?;
    if !resp.body.ends_with(b"\n") {
        println!();
    }
    Ok(if resp.status < 400 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
