//! Supply chain and credentials: what the server unpacks from npm
//! (finding 8), where Code Mode tools send their credentials (13), the ids
//! a worker's code names (they become file names in the code store), who
//! may read the code store and the admin token, and which worker's
//! instance the bytecode cache may hand to another.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use serde_json::json;

use super::http::{Reply, code, put_worker, send};
use crate::common::server::TestServer;

/// What a test HTTP server saw: each request's path and headers.
type Seen = Arc<Mutex<Vec<(String, http::HeaderMap)>>>;

/// An HTTP server on 127.0.0.1 answering with `answer(path)` (status,
/// headers, body) and recording every request; its base URL.
async fn serve(
    answer: impl Fn(&str) -> (u16, Vec<(&'static str, String)>, Vec<u8>) + Send + Sync + 'static,
) -> (String, Seen) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let answer = Arc::new(answer);
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (answer, record) = (answer.clone(), record.clone());
            tokio::spawn(async move {
                let svc =
                    hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let path = req
                            .uri()
                            .path_and_query()
                            .map(|p| p.as_str().to_string())
                            .unwrap_or_default();
                        record
                            .lock()
                            .unwrap()
                            .push((path.clone(), req.headers().clone()));
                        let (status, headers, body) = answer(&path);
                        async move {
                            let mut resp = http::Response::builder().status(status);
                            for (k, v) in headers {
                                resp = resp.header(k, v);
                            }
                            Ok::<_, std::convert::Infallible>(
                                resp.body(Full::new(Bytes::from(body))).unwrap(),
                            )
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (base, seen)
}

// ---- Finding 8: npm tarballs are counted as read, never by their headers ----

/// One tar header block for `path` of type `kind` stating `size`.
fn header(path: &str, kind: tar::EntryType, size: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_path(path).unwrap();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    h
}

/// A package tarball: a valid `package.json`, then what `extra` appends.
fn tarball(name: &str, extra: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let pkg = json!({"name": name, "version": "1.0.0", "main": "index.js"}).to_string();
    tar.append(
        &header(
            "package/package.json",
            tar::EntryType::Regular,
            pkg.len() as u64,
        ),
        pkg.as_bytes(),
    )
    .unwrap();
    extra(&mut tar);
    let raw = tar.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &raw).unwrap();
    gz.finish().unwrap()
}

/// A registry on 127.0.0.1 holding the packages `(name, tarball)`, each as
/// version 1.0.0.
async fn registry(packages: Vec<(&'static str, Vec<u8>)>) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    // Filled once the server's address (part of each tarball URL) is known.
    let files: Arc<Mutex<BTreeMap<String, Vec<u8>>>> = Arc::default();
    let served = files.clone();
    let (base, _) = serve(move |path| match served.lock().unwrap().get(path) {
        Some(body) => (200, Vec::new(), body.clone()),
        None => (404, Vec::new(), b"{}".to_vec()),
    })
    .await;
    for (name, tgz) in packages {
        let path = format!("/{name}/-/{name}-1.0.0.tgz");
        let integrity = format!(
            "sha512-{}",
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(&tgz))
        );
        let doc = json!({
            "name": name,
            "dist-tags": {"latest": "1.0.0"},
            "versions": {"1.0.0": {"name": name, "version": "1.0.0",
                "dist": {"tarball": format!("{base}{path}"), "integrity": integrity}}}
        });
        let mut files = files.lock().unwrap();
        files.insert(format!("/{name}"), doc.to_string().into_bytes());
        files.insert(path, tgz);
    }
    base
}

async fn bundle(s: &TestServer, dependency: &str) -> Reply {
    let body = json!({
        "package": {"dependencies": {dependency: "1"}},
        "modules": {"index.js": "export default {}"}
    });
    send("POST", &s.url("/bundle"), Some(&s.token), body.to_string()).await
}

/// Finding 8: a ustar header saying 0 bytes and a PAX header saying
/// 200 MiB. The bundle limit counted the ustar size while the tar crate read
/// the PAX one: 200 MiB in host memory before the 32 MiB check. Now the
/// size the reader will read is checked before a byte of it is, and what
/// is read is counted whatever any header says.
#[tokio::test]
async fn npm_tarball_whose_pax_size_disagrees_is_refused_unread() {
    let lying = tarball("paxbomb", |tar| {
        let record = "18 size=209715200\n";
        tar.append(
            &header(
                "package/PaxHeader/index.js",
                tar::EntryType::XHeader,
                record.len() as u64,
            ),
            record.as_bytes(),
        )
        .unwrap();
        // The ustar header says 0; 1 MiB of data follows anyway (as much
        // as the test needs: the 200 MiB are never read now).
        let zeros = vec![b' '; 1 << 20];
        tar.append(
            &header("package/index.js", tar::EntryType::Regular, 0),
            &zeros[..],
        )
        .unwrap();
    });
    let base = registry(vec![("paxbomb", lying)]).await;
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| c.npm_registry = base.clone()).await;
    let r = bundle(&s, "paxbomb").await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        r.text()
            .contains("the package paxbomb@1.0.0 unpacks to more than")
            && r.text().contains("33554432-byte limit"),
        "{}",
        r.text()
    );
    s.shutdown().await;
}

/// Finding 8, the rest of the class: a file the bundle skips (a README)
/// that inflates to 70 MiB. Skipped files were read through with no limit
/// (a 64 MiB .tgz: tens of GiB of inflating); now the decompressed stream
/// itself stops at the package limit (64 MiB).
#[tokio::test]
async fn npm_tarball_inflating_past_the_package_limit_is_stopped_while_read() {
    let bomb = tarball("gzbomb", |tar| {
        let zeros = vec![0u8; 70 << 20];
        tar.append(
            &header(
                "package/README.md",
                tar::EntryType::Regular,
                zeros.len() as u64,
            ),
            &zeros[..],
        )
        .unwrap();
    });
    assert!(bomb.len() < 1 << 20, "compressed: {} bytes", bomb.len());
    let base = registry(vec![("gzbomb", bomb)]).await;
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| c.npm_registry = base.clone()).await;
    let r = bundle(&s, "gzbomb").await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        r.text()
            .contains("the package gzbomb@1.0.0 unpacks to more than 67108864 bytes"),
        "{}",
        r.text()
    );
    s.shutdown().await;
}

// ---- Issue 37: the bundler's registry origin and its caps ----

/// The `sha512-...` integrity npm gives `tgz`.
fn integrity(tgz: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(tgz))
    )
}

/// The packument of `name` 1.0.0 whose tarball is at `url`, with `tgz`'s
/// integrity.
fn packument(name: &str, url: &str, tgz: &[u8]) -> Vec<u8> {
    json!({
        "name": name,
        "dist-tags": {"latest": "1.0.0"},
        "versions": {"1.0.0": {"name": name, "version": "1.0.0",
            "dist": {"tarball": url, "integrity": integrity(tgz)}}}
    })
    .to_string()
    .into_bytes()
}

/// `POST /bundle` of an `index.js` with `dependencies`.
async fn bundle_with(s: &TestServer, dependencies: serde_json::Value) -> Reply {
    let body = json!({
        "package": {"dependencies": dependencies},
        "modules": {"index.js": "export default {}"}
    });
    send("POST", &s.url("/bundle"), Some(&s.token), body.to_string()).await
}

/// The problems a refused bundle names.
fn problems(r: &Reply) -> String {
    r.json()["problems"].to_string()
}

/// `Bundler::registry`: "Tarballs must come from the same origin". A
/// packument whose tarball URL is on another port, another host name for
/// the same address, or another scheme is refused before anything is
/// fetched from it; one on the registry's own origin is fetched.
#[tokio::test]
async fn npm_tarballs_are_fetched_from_the_registrys_origin_only() {
    // What any other origin would serve, and whether it was asked.
    let (other, seen_other) = serve(|_| (200, Vec::new(), b"not a tarball".to_vec())).await;
    // name -> (tarball URL, tarball), filled once the registry's address
    // is known: the registry serves `/{name}` (the packument) and
    // `/tgz/{name}` (the tarball).
    type Table = BTreeMap<String, (String, Vec<u8>)>;
    let table: Arc<Mutex<Table>> = Arc::default();
    let served = table.clone();
    let (base, seen) = serve(move |path| {
        let table = served.lock().unwrap();
        if let Some(name) = path.strip_prefix("/tgz/") {
            return match table.get(name) {
                Some((_, tgz)) => (200, Vec::new(), tgz.clone()),
                None => (404, Vec::new(), Vec::new()),
            };
        }
        let name = path.trim_start_matches('/');
        match table.get(name) {
            Some((url, tgz)) => (200, Vec::new(), packument(name, url, tgz)),
            None => (404, Vec::new(), b"{}".to_vec()),
        }
    })
    .await;
    let port = base.rsplit(':').next().unwrap().to_string();
    let elsewhere = [
        ("on-another-port", format!("{other}/tgz/on-another-port")),
        (
            "on-another-host-name",
            format!("http://localhost:{port}/tgz/on-another-host-name"),
        ),
        (
            "on-another-scheme",
            format!("https://127.0.0.1:{port}/tgz/on-another-scheme"),
        ),
    ];
    {
        let mut table = table.lock().unwrap();
        for (name, url) in &elsewhere {
            table.insert(name.to_string(), (url.clone(), tarball(name, |_| {})));
        }
        table.insert(
            "on-the-registry".into(),
            (
                format!("{base}/tgz/on-the-registry"),
                tarball("on-the-registry", |_| {}),
            ),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| c.npm_registry = base.clone()).await;
    for (name, url) in &elsewhere {
        let r = bundle(&s, name).await;
        assert_eq!(r.status, 400, "{name}: {}", r.text());
        assert!(
            problems(&r).contains(&format!(
                "{name}@1.0.0: the tarball {url} is not on the registry's origin"
            )),
            "{name}: {}",
            r.text()
        );
    }
    assert!(
        seen_other.lock().unwrap().is_empty(),
        "a tarball was fetched from another origin"
    );
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .all(|(path, _)| !path.starts_with("/tgz/")),
        "a refused tarball was fetched"
    );
    // The tarball on the registry's origin is fetched and unpacked.
    let r = bundle(&s, "on-the-registry").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.json()["modules"]
            .get("node_modules/on-the-registry/package.json")
            .is_some(),
        "{}",
        r.text()
    );
    s.shutdown().await;
}

/// A tarball URL on the registry's origin that redirects to another
/// origin is refused, not fetched from there (the origin check holds for
/// every hop, not only for the URL in the packument).
#[tokio::test]
async fn npm_tarball_redirected_off_the_registrys_origin_is_refused() {
    let tgz = tarball("hop", |_| {});
    let there = tgz.clone();
    let (other, seen_other) = serve(move |_| (200, Vec::new(), there.clone())).await;
    let target = format!("{other}/hop.tgz");
    let doc: Arc<Mutex<Vec<u8>>> = Arc::default();
    let served = doc.clone();
    let (base, _) = serve(move |path| match path {
        "/hop" => (200, Vec::new(), served.lock().unwrap().clone()),
        "/hop.tgz" => (302, vec![("location", target.clone())], Vec::new()),
        _ => (404, Vec::new(), Vec::new()),
    })
    .await;
    *doc.lock().unwrap() = packument("hop", &format!("{base}/hop.tgz"), &tgz);
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| c.npm_registry = base.clone()).await;
    let r = bundle(&s, "hop").await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(problems(&r).contains("registry's origin"), "{}", r.text());
    assert!(
        seen_other.lock().unwrap().is_empty(),
        "the tarball was fetched from another origin"
    );
    s.shutdown().await;
}

/// `BundleLimits::max_packages` (default 500): a bundle of 500 packages is
/// made, one of 501 refused, naming the cap.
#[tokio::test]
async fn a_bundle_holds_at_most_500_packages() {
    let names: Vec<&'static str> = (0..=500)
        .map(|i| -> &'static str { Box::leak(format!("pkg{i}").into_boxed_str()) })
        .collect();
    let base = registry(
        names
            .iter()
            .map(|name| (*name, tarball(name, |_| {})))
            .collect(),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| c.npm_registry = base.clone()).await;
    let deps = |n: usize| -> serde_json::Value {
        names[..n]
            .iter()
            .map(|name| (name.to_string(), json!("1")))
            .collect::<serde_json::Map<String, serde_json::Value>>()
            .into()
    };
    let r = bundle_with(&s, deps(500)).await;
    assert_eq!(r.status, 200, "{}", problems(&r));
    // Each package's package.json, and index.js.
    assert_eq!(r.json()["modules"].as_object().unwrap().len(), 501);
    let r = bundle_with(&s, deps(501)).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        problems(&r).contains("more than 500 packages"),
        "{}",
        r.text()
    );
    s.shutdown().await;
}

/// `BundleLimits::max_files` (default 5,000): a package that brings the
/// bundle to 5,000 files is bundled, one that brings it to 5,001 is
/// refused, naming the cap and the package.
#[tokio::test]
async fn a_bundle_holds_at_most_5000_files() {
    // index.js, the package's package.json and `n` code files.
    let wide = |name: &'static str, n: usize| {
        let tgz = tarball(name, move |tar| {
            let body = b"module.exports = 1;\n";
            for i in 0..n {
                tar.append(
                    &header(
                        &format!("package/f{i}.js"),
                        tar::EntryType::Regular,
                        body.len() as u64,
                    ),
                    &body[..],
                )
                .unwrap();
            }
        });
        (name, tgz)
    };
    let base = registry(vec![wide("wide", 4_998), wide("wider", 4_999)]).await;
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| c.npm_registry = base.clone()).await;
    let r = bundle(&s, "wide").await;
    assert_eq!(r.status, 200, "{}", problems(&r));
    assert_eq!(r.json()["modules"].as_object().unwrap().len(), 5_000);
    let r = bundle(&s, "wider").await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        problems(&r).contains("the bundle has more than 5000 files (at wider@1.0.0)"),
        "{}",
        r.text()
    );
    s.shutdown().await;
}

/// `MAX_TARBALL_ENTRIES` (50,000): a package's tarball of 50,000 entries
/// (files, directories: everything the tar reader yields) is unpacked, one
/// of 50,001 refused.
#[tokio::test]
async fn a_package_tarball_holds_at_most_50000_entries() {
    // package.json and `n` directories.
    let dirs = |name: &'static str, n: usize| {
        let tgz = tarball(name, move |tar| {
            for i in 0..n {
                tar.append(
                    &header(&format!("package/d{i}/"), tar::EntryType::Directory, 0),
                    std::io::empty(),
                )
                .unwrap();
            }
        });
        (name, tgz)
    };
    let base = registry(vec![dirs("many", 49_999), dirs("toomany", 50_000)]).await;
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |c| c.npm_registry = base.clone()).await;
    let r = bundle(&s, "many").await;
    assert_eq!(r.status, 200, "{}", problems(&r));
    let r = bundle(&s, "toomany").await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        problems(&r)
            .contains("the package toomany@1.0.0 has more than 50000 entries in its tarball"),
        "{}",
        r.text()
    );
    s.shutdown().await;
}

// ---- Finding 13: Code Mode tool credentials stay with their API ----

async fn codemode_with_tool(url: &str) -> isolet_codemode::mcp::McpServer {
    let config: isolet_codemode::mcp::McpConfig = toml::from_str(&format!(
        "[[tool]]\nname = \"getItem\"\nurl = \"{url}\"\nmethod = \"GET\"\nallowPrivate = true\n\
         headers = {{ authorization = \"Bearer tool-secret\", x-api-key = \"key-secret\" }}\n"
    ))
    .unwrap();
    let rt = isolet::Runtime::builder().build().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    isolet_codemode::mcp::McpServer::from_config(rt, &config, dir.path())
        .await
        .unwrap()
}

/// Finding 13: the tool's API answered with a redirect to another host, and
/// its configured `Authorization` went there. Now headers configured for
/// the tool (and the input's) stop at the first origin change.
#[tokio::test]
async fn mcp_tool_credentials_do_not_follow_a_redirect_to_another_origin() {
    let (elsewhere, seen_elsewhere) = serve(|_| {
        (
            200,
            vec![("content-type", "application/json".into())],
            b"{\"ok\":1}".to_vec(),
        )
    })
    .await;
    let target = format!("{elsewhere}/collect");
    let (api, seen_api) = serve(move |path| {
        if path.starts_with("/api/") {
            (302, vec![("location", target.clone())], Vec::new())
        } else {
            (404, Vec::new(), Vec::new())
        }
    })
    .await;
    let server = codemode_with_tool(&format!("{api}/api/items/{{id}}")).await;
    let run = server
        .codemode()
        .execute("async () => codemode.getItem({ id: '7' })")
        .await;
    assert_eq!(run.result, Some(json!({"ok": 1})), "{run:?}");
    let api_saw = seen_api.lock().unwrap().clone();
    assert_eq!(api_saw.len(), 1);
    assert_eq!(api_saw[0].1["authorization"], "Bearer tool-secret");
    let other_saw = seen_elsewhere.lock().unwrap().clone();
    assert_eq!(other_saw.len(), 1, "the redirect is still followed");
    assert_eq!(other_saw[0].0, "/collect");
    let headers = &other_saw[0].1;
    assert!(
        headers.get("authorization").is_none() && headers.get("x-api-key").is_none(),
        "credentials crossed to another origin: {headers:?}"
    );
}

/// Finding 13: a path parameter `..` was sent unencoded, so
/// `/api/items/{id}` reached `/api/`. Now `.`, `..` and empty are refused
/// and everything else is one percent-encoded segment.
#[tokio::test]
async fn mcp_tool_path_parameters_cannot_leave_their_segment() {
    let (api, seen) = serve(|_| {
        (
            200,
            vec![("content-type", "application/json".into())],
            b"1".to_vec(),
        )
    })
    .await;
    let server = codemode_with_tool(&format!("{api}/api/items/{{id}}")).await;
    for bad in ["..", "."] {
        let run = server
            .codemode()
            .execute(&format!("async () => codemode.getItem({{ id: '{bad}' }})"))
            .await;
        let error = format!("{:?}", run.error);
        assert!(
            run.result.is_none() && error.contains("path parameter"),
            "{bad}: {run:?}"
        );
    }
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent");
    let run = server
        .codemode()
        .execute("async () => codemode.getItem({ id: 'a/../../b?c#d' })")
        .await;
    assert_eq!(run.result, Some(json!(1)), "{run:?}");
    assert_eq!(
        seen.lock().unwrap()[0].0,
        "/api/items/a%2F..%2F..%2Fb%3Fc%23d"
    );
}

// ---- Ids a worker's code names are worker ids ----

/// Suspected, confirmed: ids in `bindings`, `tails` and a gateway were
/// accepted as any string, and the server's code store made them file
/// names (`<data>/workers/{id}.json`: `../x` or `/tmp/x` read any `.json`
/// file as code). Now each is checked with the rule deployed ids follow.
#[tokio::test]
async fn ids_in_bindings_tails_and_gateways_must_be_worker_ids() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start(dir.path(), |_| {}).await;
    let base = code(
        "main.js",
        "export default { fetch() { return new Response('x') } }",
        json!({}),
    );
    let cases = [
        (
            "bindings",
            json!({"A": {"service": {"worker": "../workers/other"}}}),
        ),
        ("tails", json!(["/etc/passwd"])),
        (
            "globalOutbound",
            json!({"gateway": {"worker": "a/../../b"}}),
        ),
    ];
    for (field, value) in cases {
        let mut code = base.clone();
        code[field] = value;
        let r = put_worker(&s, "w", &code).await;
        assert_eq!(r.status, 400, "{field}: {}", r.text());
        assert!(
            r.text().contains("is not a worker id"),
            "{field}: {}",
            r.text()
        );
    }
    let mut fine = base.clone();
    fine["bindings"] = json!({"A": {"service": {"worker": "auth-2_x"}}});
    fine["tails"] = json!(["tailer"]);
    let r = put_worker(&s, "w", &fine).await;
    assert!(r.status < 300, "{}", r.text());
    s.shutdown().await;
}

// ---- The code store and the admin token are this user's only ----

/// Suspected, confirmed: the code store (with workers' `env` secrets) was
/// written 0644 and the admin token chmod'ed only after it was written.
/// Now the data directory is created 0700 and each file 0600 from its
/// first byte.
#[cfg(unix)]
#[tokio::test]
async fn code_store_and_admin_token_are_private_files() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("data");
    let s = TestServer::start(&data, |_| {}).await;
    let code = code(
        "main.js",
        "export default { fetch() { return new Response('x') } }",
        json!({"env": {"SECRET": "hunter2"}}),
    );
    let r = put_worker(&s, "w", &code).await;
    assert!(r.status < 300, "{}", r.text());
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the data directory");
    assert_eq!(mode(&data.join("workers")), 0o700, "the code store");
    assert_eq!(mode(&data.join("workers/w.json")), 0o600, "stored code");
    assert_eq!(mode(&data.join("admin-token")), 0o600, "the admin token");
    s.shutdown().await;

    // Files an earlier version left 0644 are made private on start.
    std::fs::set_permissions(
        data.join("workers/w.json"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    std::fs::set_permissions(
        data.join("admin-token"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let s = TestServer::start(&data, |_| {}).await;
    assert_eq!(mode(&data.join("workers/w.json")), 0o600);
    assert_eq!(mode(&data.join("admin-token")), 0o600);
    s.shutdown().await;
}

// ---- Bytecode is reused only by the code that produced it ----

/// Suspected, confirmed: bytecode was cached by (module name, source) and
/// handed to every worker with the same file, though it comes back from
/// an instance that then runs its worker's own code (and compiles modules
/// it `import()`s after that); the host loads bytecode unchecked. A tenant
/// who broke the engine's memory safety in its own instance could so have
/// planted code in every other tenant's copy of a popular package. Now
/// bytecode is reused only by instances of exactly the same code and
/// configuration.
#[tokio::test]
async fn bytecode_is_not_shared_between_workers_with_the_same_module() {
    use isolet::{ModuleSource, Request, WorkerCode};
    let rt = isolet::Runtime::builder().build().await.unwrap();
    let lib = "export const greet = (n) => `hello ${n}`;";
    let worker = |main: &str, body: &str| {
        WorkerCode::new(main)
            .module(main, ModuleSource::Esm(body.to_string()))
            .module("node_modules/lib/index.js", ModuleSource::Esm(lib.into()))
            .compatibility_date("2025-06-01")
    };
    let tenant_a = worker(
        "a.js",
        "import { greet } from './node_modules/lib/index.js';\nexport default { fetch: () => new Response(greet('a')) };",
    );
    let tenant_b = worker(
        "b.js",
        "import { greet } from './node_modules/lib/index.js';\nexport default { fetch: () => new Response(greet('b')) };",
    );
    rt.load(tenant_a.clone()).await.unwrap();
    let before = rt.stats();
    let b = rt.load(tenant_b).await.unwrap();
    let after_b = rt.stats();
    assert_eq!(
        after_b.bytecode_hits, before.bytecode_hits,
        "tenant b's instance got bytecode tenant a's instance produced"
    );
    assert_eq!(after_b.bytecode_misses - before.bytecode_misses, 2);
    let r = b.fetch(Request::get("https://b.test/")).await.unwrap();
    assert_eq!(r.text(), "hello b");
    // The same code again still skips parsing.
    rt.load(tenant_a.clone()).await.unwrap();
    assert_eq!(rt.stats().bytecode_hits - after_b.bytecode_hits, 2);
    // As does the same code with other env: no.
    rt.load(tenant_a.env_var("X", 1)).await.unwrap();
    let last = rt.stats();
    assert_eq!(last.bytecode_misses - after_b.bytecode_misses, 2);
}

/// Noticed with finding 13: a worker's own `fetch()` kept `Authorization`
/// (and cookies) when the API it called redirected to another origin, so
/// that origin received the worker's token. Now credentials stop at the
/// origin change (the redirect is still followed), and stay on a
/// same-origin one.
#[tokio::test]
async fn worker_fetch_credentials_do_not_follow_a_redirect_to_another_origin() {
    let (elsewhere, seen_elsewhere) = serve(|_| (200, Vec::new(), b"landed".to_vec())).await;
    let target = format!("{elsewhere}/collect");
    let (api, seen_api) = serve(move |path| {
        if path.starts_with("/away") {
            (302, vec![("location", target.clone())], Vec::new())
        } else if path.starts_with("/here") {
            (302, vec![("location", "/final".to_string())], Vec::new())
        } else {
            (200, Vec::new(), b"same origin".to_vec())
        }
    })
    .await;
    let src = std::fs::read_to_string(format!(
        "{}/../../tests/hostile/security/supply/token_fetch.js",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let rt = isolet::Runtime::builder().build().await.unwrap();
    let code = isolet::WorkerCode::js(src).global_outbound(isolet::Outbound::Forward(
        isolet::ForwardConfig {
            allow_private: true,
            ..Default::default()
        },
    ));
    let w = rt.load(code).await.unwrap();
    let ask = |path: &str| {
        isolet::Request::get(format!(
            "https://caller.test/?target={}",
            url::form_urlencoded::byte_serialize(format!("{api}{path}").as_bytes())
                .collect::<String>()
        ))
    };
    let r = w.fetch(ask("/away")).await.unwrap();
    assert_eq!(r.text(), "200 landed");
    let other = seen_elsewhere.lock().unwrap().clone();
    assert_eq!(other.len(), 1, "the redirect is still followed");
    let h = &other[0].1;
    assert!(
        h.get("authorization").is_none() && h.get("cookie").is_none(),
        "credentials crossed to another origin: {h:?}"
    );
    assert_eq!(h["x-keep"], "yes", "other headers go on");
    // A redirect within the origin keeps them.
    let r = w.fetch(ask("/here")).await.unwrap();
    assert_eq!(r.text(), "200 same origin");
    let api_saw = seen_api.lock().unwrap().clone();
    let last = &api_saw.last().unwrap();
    assert_eq!(last.0, "/final");
    assert_eq!(last.1["authorization"], "Bearer api-token");
}
