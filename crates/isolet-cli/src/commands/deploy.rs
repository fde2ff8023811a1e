//! `isolet deploy`: PUT a worker's files to a running server.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{ServerArgs, client, code_from_files};

pub async fn deploy(
    id: String,
    files: Vec<PathBuf>,
    server: ServerArgs,
) -> Result<ExitCode, String> {
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
