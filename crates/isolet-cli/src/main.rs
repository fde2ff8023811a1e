//! The `isolet` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod commands;
mod shutdown;
mod supervise;

use commands::ServerArgs;
use commands::run::RunArgs;

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
    ///   isolet deploy parent examples/loader-parent.js --binding 'LOADER={"loader":{}}' --var API_HOST=api.example.com
    ///   isolet deploy app main.js lib.js --server http://127.0.0.1:8787 --token $TOKEN
    Deploy {
        /// The worker id.
        id: String,
        /// The main module, then the other modules.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// A binding, NAME=JSON as in WorkerCode's `bindings` (repeatable):
        /// `LOADER={"loader":{}}`, `AUTH={"service":"auth"}`.
        #[arg(long = "binding", value_name = "NAME=JSON")]
        bindings: Vec<String>,
        /// An `env` variable, NAME=VALUE (a string; repeatable).
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
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

pub(crate) fn init_logging(format: isolet_server::LogFormat) {
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
        } => commands::serve::serve(config, listen, data_dir, workers).await,
        Command::Deploy {
            id,
            files,
            bindings,
            vars,
            server,
        } => commands::deploy::deploy(id, files, bindings, vars, server).await,
        Command::Bundle { dir, registry } => {
            init_logging(isolet_server::LogFormat::Text);
            commands::bundle::bundle(dir, registry).await
        }
        Command::Mcp {
            config,
            http,
            token,
        } => {
            init_logging(isolet_server::LogFormat::Text);
            commands::mcp::mcp(config, http, token).await
        }
        Command::Tail { id, server } => commands::tail::tail(id, server).await,
        Command::Run(args) => {
            init_logging(isolet_server::LogFormat::Text);
            commands::run::run(args).await.map_err(|e| e.to_string())
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
