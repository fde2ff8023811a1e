//! The `isolet` command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
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
    /// Load a worker from files, send it one request and print the response.
    ///
    /// Examples:
    ///   isolet run examples/hello.js
    ///   isolet run app.js util.js --path /api/items --method POST --data '{"a":1}'
    ///   isolet run worker.js --header 'x-token: abc' --include
    Run {
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
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            files,
            path,
            method,
            headers,
            data,
            include,
            compatibility_date,
        } => match run(
            files,
            path,
            method,
            headers,
            data,
            include,
            compatibility_date,
        )
        .await
        {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

async fn run(
    files: Vec<PathBuf>,
    path: String,
    method: String,
    headers: Vec<String>,
    data: Option<String>,
    include: bool,
    compatibility_date: Option<String>,
) -> Result<ExitCode, Box<dyn std::error::Error>> {
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
