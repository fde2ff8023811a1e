//! An npm registry on 127.0.0.1, in the registry's format (GET /<name> the
//! packument, GET /<name>/-/<file>.tgz a tarball), for the bundler's tests:
//! packages made in the test, or real ones vendored as npm published them
//! (tests/workers/npm/*.tgz).

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use base64::Engine as _;
use serde_json::{Value as Json, json};
use sha2::Digest as _;

/// A package version as the registry serves it.
pub struct Published {
    pub name: String,
    pub version: String,
    /// Its `dependencies`, if any.
    pub dependencies: Option<Json>,
    /// Whether it builds native code (npm's `gypfile`).
    pub gypfile: bool,
    pub tarball: Vec<u8>,
}

/// The real packages vendored under tests/workers/npm, each described by
/// the package.json in its tarball.
pub fn vendored() -> Vec<Published> {
    let dir = format!("{}/../../tests/workers/npm", env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}")) {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("tgz") {
            continue;
        }
        let tarball = std::fs::read(&path).unwrap();
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&tarball[..]));
        let manifest = archive
            .entries()
            .unwrap()
            .map(Result::unwrap)
            .find_map(|mut e| {
                // `package/package.json` (DefinitelyTyped's use their own
                // top directory, as npm allows).
                let path = e.path().unwrap().into_owned();
                (path.components().count() == 2 && path.ends_with("package.json")).then(|| {
                    let mut text = String::new();
                    e.read_to_string(&mut text).unwrap();
                    serde_json::from_str::<Json>(&text).unwrap()
                })
            })
            .unwrap_or_else(|| panic!("{}: no package.json", path.display()));
        out.push(Published {
            name: manifest["name"].as_str().unwrap().to_string(),
            version: manifest["version"].as_str().unwrap().to_string(),
            dependencies: manifest.get("dependencies").cloned(),
            gypfile: false,
            tarball,
        });
    }
    out
}

/// Serves `packages` on 127.0.0.1 and returns the registry's URL. `corrupt`
/// names a package whose advertised integrity is wrong.
pub async fn serve(packages: Vec<Published>, corrupt: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut docs: BTreeMap<String, Json> = BTreeMap::new();
    let mut blobs: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for p in packages {
        let mut digest = sha2::Sha512::digest(&p.tarball).to_vec();
        if p.name == corrupt {
            digest[0] ^= 1;
        }
        let file = p.name.rsplit('/').next().unwrap_or(&p.name);
        let path = format!("/{}/-/{file}-{}.tgz", p.name, p.version);
        let mut meta = json!({
            "name": p.name, "version": p.version,
            "dist": {"tarball": format!("{base}{path}"), "integrity": format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode(digest))}
        });
        if let Some(deps) = &p.dependencies {
            meta["dependencies"] = deps.clone();
        }
        if p.gypfile {
            meta["gypfile"] = json!(true);
        }
        let doc = docs
            .entry(p.name.replace('/', "%2f"))
            .or_insert_with(|| json!({"name": p.name, "dist-tags": {}, "versions": {}}));
        doc["versions"][&p.version] = meta;
        if !p.version.contains('-') {
            doc["dist-tags"]["latest"] = json!(p.version);
        }
        blobs.insert(path, p.tarball);
    }
    let docs = Arc::new(docs);
    let blobs = Arc::new(blobs);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (docs, blobs) = (docs.clone(), blobs.clone());
            tokio::spawn(async move {
                let svc =
                    hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let path = req.uri().path().to_string();
                        let body = match blobs.get(&path) {
                            Some(b) => Some(b.clone()),
                            None => docs
                                .get(&path.trim_start_matches('/').to_lowercase())
                                .map(|d| d.to_string().into_bytes()),
                        };
                        async move {
                            let resp = match body {
                                Some(b) => http::Response::builder()
                                    .status(200)
                                    .body(http_body_util::Full::new(bytes::Bytes::from(b))),
                                None => http::Response::builder().status(404).body(
                                    http_body_util::Full::new(bytes::Bytes::from_static(b"{}")),
                                ),
                            };
                            Ok::<_, std::convert::Infallible>(resp.unwrap())
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    base
}

/// `isolet bundle --registry REGISTRY DIR` (the CLI, with its package cache
/// under `cache`): the WorkerCode JSON it prints, or a panic with its
/// stderr.
pub async fn bundle_with_cli(
    registry: &str,
    dir: &std::path::Path,
    cache: &std::path::Path,
) -> Vec<u8> {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_isolet"))
        .args(["bundle", "--registry", registry])
        .arg(dir)
        .env("XDG_CACHE_HOME", cache)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
