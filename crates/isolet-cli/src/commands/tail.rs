//! `isolet tail`: a running server's live traces of one worker.

use std::process::ExitCode;

use super::{ServerArgs, client};

pub async fn tail(id: String, server: ServerArgs) -> Result<ExitCode, String> {
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
