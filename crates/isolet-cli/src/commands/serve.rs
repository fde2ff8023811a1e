//! `isolet serve`: the HTTP host, one process or a supervised group.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::{init_logging, supervise};

pub async fn serve(
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
        .run(crate::shutdown::signal())
        .await
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}
