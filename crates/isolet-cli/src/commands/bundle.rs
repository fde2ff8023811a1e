//! `isolet bundle`: a directory with a package.json, bundled into WorkerCode JSON.

use std::path::PathBuf;
use std::process::ExitCode;

pub async fn bundle(dir: PathBuf, registry: String) -> Result<ExitCode, String> {
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
