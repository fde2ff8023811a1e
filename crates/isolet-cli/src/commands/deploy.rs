//! `isolet deploy`: PUT a worker's files to a running server.

use std::path::PathBuf;
use std::process::ExitCode;

use isolet::BindingSpec;

use super::{ServerArgs, client, code_from_files};

pub async fn deploy(
    id: String,
    files: Vec<PathBuf>,
    bindings: Vec<String>,
    vars: Vec<String>,
    server: ServerArgs,
) -> Result<ExitCode, String> {
    use http_body_util::BodyExt;
    let mut code = code_from_files(&files)?;
    for b in &bindings {
        let (name, spec) = binding(b)?;
        code.bindings.insert(name, spec);
    }
    for v in &vars {
        let Some((name, value)) = v.split_once('=') else {
            return Err(format!("--var {v}: expected NAME=VALUE"));
        };
        code.env.insert(name.to_string(), value.into());
    }
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

/// `NAME=JSON` (`--binding`): the binding's name and spec.
fn binding(arg: &str) -> Result<(String, BindingSpec), String> {
    let Some((name, json)) = arg.split_once('=') else {
        return Err(format!(
            "--binding {arg}: expected NAME=JSON, e.g. LOADER={{\"loader\":{{}}}}"
        ));
    };
    let spec = serde_json::from_str(json).map_err(|e| format!("--binding {name}: {e}"))?;
    Ok((name.to_string(), spec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_name_equals_json() {
        let (name, spec) = binding(r#"LOADER={"loader":{}}"#).unwrap();
        assert_eq!(name, "LOADER");
        assert!(matches!(spec, BindingSpec::Loader { id: None }));
        assert!(binding("LOADER").unwrap_err().contains("NAME=JSON"));
        assert!(
            binding("X={\"nope\":1}")
                .unwrap_err()
                .starts_with("--binding X:")
        );
    }
}
