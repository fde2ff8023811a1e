//! `isolet run`: one request to a worker from files, in a fresh runtime.

use std::path::PathBuf;
use std::process::ExitCode;

use std::sync::Arc;

use isolet::{LogLevel, ModuleSource, Request, Runtime, TraceEvent};

use super::code_from_files;

#[derive(clap::Args)]
pub struct RunArgs {
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

pub async fn run(
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
