//! The Workers JavaScript API: realistic workers from tests/workers/js/ and
//! one suite per group of globals (tests/workers/js/globals/).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use isolet::{Error, ModuleSource, Request, Runtime, Value, WorkerCode};
use serde_json::json;
use tokio::sync::OnceCell;

const WORKERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/workers/js");

fn read(rel: &str) -> String {
    let path = Path::new(WORKERS).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file under `dir` as a module named by its path relative to `dir`.
fn code_from_dir(dir: &str, main: &str) -> WorkerCode {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, ModuleSource>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(
                    name.clone(),
                    ModuleSource::infer(&name, std::fs::read_to_string(&path).unwrap()),
                );
            }
        }
    }
    let root = Path::new(WORKERS).join(dir);
    let mut code = WorkerCode::new(main).compatibility_date("2025-06-01");
    walk(&root, &root, &mut code.modules);
    code
}

fn single(file: &str) -> WorkerCode {
    WorkerCode::new(file)
        .module(file, ModuleSource::Esm(read(file)))
        .compatibility_date("2025-06-01")
}

use crate::common::Traces;
use crate::common::registry::Published;

async fn runtime() -> &'static (Runtime, Arc<Traces>) {
    static RT: OnceCell<(Runtime, Arc<Traces>)> = OnceCell::const_new();
    RT.get_or_init(|| async {
        let traces = Arc::new(Traces::default());
        (
            Runtime::builder()
                .tail_sink(traces.clone())
                .build()
                .await
                .unwrap(),
            traces,
        )
    })
    .await
}

/// Checks that are known to fail, each with its reason: (suite file, check
/// name, why). A suite's answer must list exactly these failures, and its
/// other checks must all pass; a known failure that starts passing fails
/// the test until it is removed from here.
const KNOWN_FAILING: &[(&str, &str, &str)] = &[];

/// Asserts a harness.js suite's answer: no failures but its known ones, and
/// exactly `checks` checks in all (the number of checks its file makes,
/// counted from the file: a suite that stops early or skips checks fails).
fn assert_suite(suite: &str, body: &serde_json::Value, checks: u64) {
    let failures: Vec<String> = serde_json::from_value(body["failures"].clone())
        .unwrap_or_else(|e| panic!("{suite}: {e}: {body}"));
    let known: Vec<&str> = KNOWN_FAILING
        .iter()
        .filter(|(file, _, _)| *file == suite)
        .map(|(_, name, _)| *name)
        .collect();
    let is_known = |f: &String| known.iter().any(|k| f.starts_with(&format!("{k}: ")));
    let unexpected: Vec<&str> = failures
        .iter()
        .filter(|f| !is_known(f))
        .map(String::as_str)
        .collect();
    assert!(
        unexpected.is_empty(),
        "{suite}: {} failures:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    let now_passing: Vec<&&str> = known
        .iter()
        .filter(|k| !failures.iter().any(|f| f.starts_with(&format!("{k}: "))))
        .collect();
    assert!(
        now_passing.is_empty(),
        "{suite}: known failures that now pass (remove them from KNOWN_FAILING): {now_passing:?}"
    );
    let passed = body["passed"]
        .as_u64()
        .unwrap_or_else(|| panic!("{suite}: {body}"));
    assert_eq!(
        passed + known.len() as u64,
        checks,
        "{suite}: {passed} checks passed and {} are known to fail, but the suite has {checks}",
        known.len()
    );
}

async fn run_suite(file: &str, checks: u64) {
    run_suite_with(file, checks, Request::get("https://suite.test/")).await
}

async fn run_suite_with(file: &str, checks: u64, request: Request) {
    let (rt, _) = runtime().await;
    let code = WorkerCode::new(format!("globals/{file}"))
        .module(
            format!("globals/{file}"),
            ModuleSource::Esm(read(&format!("globals/{file}"))),
        )
        .module(
            "globals/harness.js",
            ModuleSource::Esm(read("globals/harness.js")),
        )
        .compatibility_date("2025-06-01")
        // A suite is one invocation running hundreds of checks (the Web
        // Crypto one signs with RSA keys): the default 1 s of CPU is too
        // little on a loaded 2-core CI machine, and limits are tested
        // elsewhere.
        .limits(isolet::Limits::new().cpu_time(std::time::Duration::from_secs(30)));
    let w = rt
        .load(code)
        .await
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    let resp = w
        .fetch(request)
        .await
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    let body = resp.json().unwrap();
    assert_suite(file, &body, checks);
}

#[tokio::test]
async fn globals_headers() {
    run_suite("headers.js", 27).await;
}

#[tokio::test]
async fn globals_url_and_search_params() {
    run_suite("url.js", 86).await;
}

#[tokio::test]
async fn globals_url_pattern() {
    run_suite("urlpattern.js", 37).await;
}

#[tokio::test]
async fn globals_text_encoding_and_base64() {
    run_suite("encoding.js", 71).await;
}

#[tokio::test]
async fn globals_structured_clone() {
    run_suite("clone.js", 24).await;
}

#[tokio::test]
async fn globals_crypto() {
    run_suite("crypto.js", 22).await;
}

#[tokio::test]
async fn globals_timers_events_abort() {
    run_suite("timers_events.js", 41).await;
}

#[tokio::test]
async fn globals_request_response_streams() {
    run_suite_with(
        "request_response.js",
        62,
        Request::new("PUT", "https://suite.test/").body("payload"),
    )
    .await;
}

#[tokio::test]
async fn json_api_router() {
    let (rt, _) = runtime().await;
    let w = rt.get("router", || single("router.js")).await.unwrap();
    let call = |req: Request| {
        let w = w.clone();
        async move { w.fetch(req).await.unwrap() }
    };
    assert_eq!(
        call(Request::get("https://api.test/todos"))
            .await
            .json()
            .unwrap(),
        json!([])
    );
    let created = call(Request::post(
        "https://api.test/todos",
        r#"{"title":" write tests "}"#,
    ))
    .await;
    assert_eq!(created.status, 201);
    assert_eq!(
        created.json().unwrap(),
        json!({"id": 1, "title": "write tests", "done": false})
    );
    assert_eq!(
        call(Request::post("https://api.test/todos", "{}"))
            .await
            .status,
        400
    );
    let patched =
        call(Request::new("PATCH", "https://api.test/todos/1").body(r#"{"done":true}"#)).await;
    assert_eq!(patched.json().unwrap()["done"], true);
    assert_eq!(
        call(Request::get("https://api.test/todos/1"))
            .await
            .json()
            .unwrap()["done"],
        true
    );
    assert_eq!(
        call(Request::get("https://api.test/todos/9")).await.status,
        404
    );
    assert_eq!(
        call(Request::new("PUT", "https://api.test/todos/1"))
            .await
            .status,
        405
    );
    assert_eq!(
        call(Request::new("DELETE", "https://api.test/todos/1"))
            .await
            .status,
        204
    );
    assert_eq!(
        call(Request::get("https://api.test/nope")).await.status,
        404
    );
    assert_eq!(
        call(Request::get("https://api.test/todos"))
            .await
            .json()
            .unwrap(),
        json!([])
    );
}

#[tokio::test]
async fn url_shortener_keeps_links_in_a_map() {
    let (rt, _) = runtime().await;
    let code = || single("shortener.js").env_var("BASE_URL", "https://sho.rt");
    let w = rt.get("shortener", code).await.unwrap();
    let created = w
        .fetch(Request::post(
            "https://sho.rt/shorten",
            "url=https%3A%2F%2Fexample.com%2Flong%3Fa%3D1",
        ))
        .await
        .unwrap();
    assert_eq!(created.status, 201, "{}", created.text());
    let body = created.json().unwrap();
    let code_str = body["code"].as_str().unwrap().to_string();
    assert_eq!(body["short"], format!("https://sho.rt/{code_str}"));
    let again = rt.get("shortener", code).await.unwrap();
    let redirect = again
        .fetch(Request::get(format!("https://sho.rt/{code_str}")))
        .await
        .unwrap();
    assert_eq!(redirect.status, 302);
    assert_eq!(
        redirect.header("location"),
        Some("https://example.com/long?a=1")
    );
    let stats = again
        .fetch(Request::get(format!("https://sho.rt/stats/{code_str}")))
        .await
        .unwrap();
    assert_eq!(stats.json().unwrap()["hits"], 1);
    assert_eq!(
        w.fetch(Request::post("https://sho.rt/shorten", "url=nope"))
            .await
            .unwrap()
            .status,
        400
    );
    assert_eq!(
        w.fetch(Request::get("https://sho.rt/unknown"))
            .await
            .unwrap()
            .status,
        404
    );
}

#[tokio::test]
async fn html_rewriter_with_string_ops() {
    let (rt, _) = runtime().await;
    let w = rt
        .load(single("html_rewriter.js").env_var("ORIGIN", "https://site.test"))
        .await
        .unwrap();
    let r = w
        .fetch(Request::get(
            "https://site.test/preview/page?title=Fish%20%26%20Chips",
        ))
        .await
        .unwrap();
    let html = r.text();
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(html.contains("<title>Fish &amp; Chips</title>"), "{html}");
    assert!(
        html.contains(r#"<a href="https://site.test/about">"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<a href="https://other.example/" rel="noopener">"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<div class="banner">Preview of /preview/page</div>"#),
        "{html}"
    );
}

#[tokio::test]
async fn webhook_verifier_with_subtle_digest_and_hmac() {
    use sha2::{Digest, Sha256};
    let (rt, traces) = runtime().await;
    let w = rt
        .get("webhook", || {
            single("webhook.js").env_var("WEBHOOK_SECRET", "s3cret")
        })
        .await
        .unwrap();
    let body = r#"{"type":"push","ref":"main"}"#;
    let sig = hex::encode(Sha256::digest(format!("s3cret{body}")));
    let ok = w
        .fetch(Request::post("https://hook.test/", body).header("X-Signature", &sig))
        .await
        .unwrap();
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json().unwrap(), json!({"ok": true, "type": "push"}));
    // HMAC-SHA256 over the body with the secret, as GitHub signs.
    let hmac = {
        use hmac::{Hmac, Mac};
        let mut m = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
        m.update(body.as_bytes());
        hex::encode(m.finalize().into_bytes())
    };
    let ok2 = w
        .fetch(
            Request::post("https://hook.test/", body)
                .header("X-Hub-Signature-256", format!("sha256={hmac}")),
        )
        .await
        .unwrap();
    assert_eq!(ok2.status, 200);
    let bad = w
        .fetch(Request::post("https://hook.test/", body).header("X-Signature", "00"))
        .await
        .unwrap();
    assert_eq!(bad.status, 401);
    let logs: Vec<String> = traces
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.worker_id.as_deref() == Some("webhook"))
        .flat_map(|e| e.logs.iter().map(|l| l.message.clone()))
        .collect();
    assert_eq!(
        logs,
        [
            "accepted push",
            "accepted push",
            "rejected webhook with a bad signature"
        ]
    );
}

#[tokio::test]
async fn rpc_service_class_with_structured_values() {
    let (rt, traces) = runtime().await;
    let w = rt
        .get("inventory", || {
            single("rpc_service.js").env_var("STORE", "north")
        })
        .await
        .unwrap();
    let ep = w.entrypoint(None);
    assert_eq!(
        w.fetch(Request::get("https://x.test/"))
            .await
            .unwrap()
            .text(),
        "inventory for north"
    );
    assert_eq!(
        ep.call("add", vec![40.into(), 2.into()]).await.unwrap(),
        Value::Number(42.0)
    );
    let map = Value::Map(vec![(Value::from("apples"), Value::from(json!([1, 2, 3])))]);
    assert_eq!(
        ep.call("totals", vec![map.clone()]).await.unwrap(),
        Value::Map(vec![(Value::from("apples"), Value::Number(6.0))])
    );
    let described = ep.call("describe", vec![map]).await.unwrap();
    assert_eq!(
        described.as_json().unwrap(),
        json!({"type": "[object Map]", "isMap": true, "size": 1.0})
    );
    let specials = vec![
        Value::Undefined,
        Value::Null,
        Value::Number(f64::INFINITY),
        Value::Number(-0.0),
        Value::Set(vec![Value::from("a")]),
        Value::Date(Some(86_400_000.0)),
        Value::Bytes(vec![1, 2, 255]),
        Value::ArrayBuffer(vec![9]),
        Value::Error {
            name: "TypeError".into(),
            message: "m".into(),
        },
        Value::Object(
            [("$t".to_string(), Value::from("literal"))]
                .into_iter()
                .collect(),
        ),
    ];
    assert_eq!(
        ep.call("echo", specials.clone()).await.unwrap(),
        Value::Array(specials)
    );
    // Plain values skip the wire decode; a "__proto__" key stays data both
    // ways (an assignment would have set the prototype and lost it).
    let plain = vec![
        Value::from(json!({"a": [1, {"b": "x"}], "__proto__": {"polluted": true}})),
        Value::from(json!(["has \"$t\" in a string"])),
    ];
    assert_eq!(
        ep.call("echo", plain.clone()).await.unwrap(),
        Value::Array(plain)
    );
    let nan = ep
        .call("echo", vec![Value::Number(f64::NAN)])
        .await
        .unwrap();
    assert!(
        matches!(&nan, Value::Array(v) if matches!(v[0], Value::Number(n) if n.is_nan())),
        "{nan:?}"
    );
    assert_eq!(
        ep.call(
            "bigSum",
            vec![
                Value::BigInt("9007199254740993".into()),
                Value::BigInt("1".into())
            ]
        )
        .await
        .unwrap(),
        Value::BigInt("9007199254740994".into())
    );
    assert_eq!(
        ep.call("checksum", vec![Value::Bytes(vec![1, 2, 3])])
            .await
            .unwrap(),
        Value::Object(
            [
                ("sum".to_string(), Value::Number(6.0)),
                ("length".to_string(), Value::Number(3.0)),
                ("copy".to_string(), Value::Bytes(vec![1, 2])),
            ]
            .into_iter()
            .collect()
        )
    );
    assert_eq!(
        ep.call("later", vec![5.into()]).await.unwrap(),
        Value::Date(Some(1_735_776_000_000.0))
    );
    let waited = traces.0.lock().unwrap().iter().any(|e| {
        e.worker_id.as_deref() == Some("inventory")
            && e.logs.iter().any(|l| l.message == "background work done")
    });
    assert!(waited, "ctx.waitUntil work finished within the invocation");
    let Error::Script(e) = ep.call("fail", vec!["too big".into()]).await.unwrap_err() else {
        panic!()
    };
    assert_eq!(
        (e.name.as_str(), e.message.as_str()),
        ("RangeError", "too big")
    );
    assert!(
        e.location().is_some_and(|l| l.0 == "rpc_service.js"),
        "{e:?}"
    );
    for bad in ["_internal", "nope", "constructor", "hasOwnProperty"] {
        let err = ep.call(bad, vec![]).await.unwrap_err();
        assert!(err.to_string().contains(bad), "{bad}: {err}");
    }
    assert_eq!(
        w.entrypoint(Some("Admin"))
            .call("whoami", vec![])
            .await
            .unwrap(),
        Value::from("admin of north")
    );
}

#[tokio::test]
async fn multi_module_app_with_cjs_json_text_and_esm() {
    let (rt, _) = runtime().await;
    let code = code_from_dir("app", "main.js");
    assert!(matches!(
        code.modules["lib/format.cjs"],
        ModuleSource::CommonJs(_)
    ));
    let w = rt.load(code).await.unwrap();
    let r = w
        .fetch(Request::get("https://app.test/?v=10,20,60"))
        .await
        .unwrap();
    assert_eq!(
        r.text(),
        "== isolet app ==\naverage.= 30.00\nv1.2.3 (lib/format.cjs)"
    );
}

#[tokio::test]
async fn missing_modules_name_importer_and_specifier() {
    let (rt, _) = runtime().await;
    let esm = WorkerCode::new("main.js")
        .module(
            "main.js",
            ModuleSource::Esm("import './lib/a.js'; export default {}".into()),
        )
        .module(
            "lib/a.js",
            ModuleSource::Esm("import { x } from './missing.js'; export const y = x;".into()),
        )
        .compatibility_date("2025-06-01");
    let msg = rt.load(esm).await.err().unwrap().to_string();
    assert!(
        msg.contains("./missing.js") && msg.contains("lib/a.js"),
        "{msg}"
    );

    let cjs = WorkerCode::new("main.js")
        .module(
            "main.js",
            ModuleSource::Esm(
                "import m from './m.cjs'; export default { fetch() { return new Response(m) } }"
                    .into(),
            ),
        )
        .module(
            "m.cjs",
            ModuleSource::CommonJs("module.exports = require('./gone.cjs');".into()),
        )
        .compatibility_date("2025-06-01");
    let msg = rt.load(cjs).await.err().unwrap().to_string();
    assert!(msg.contains("./gone.cjs") && msg.contains("m.cjs"), "{msg}");
}

#[tokio::test]
async fn errors_carry_name_message_and_module_positions() {
    let (rt, _) = runtime().await;
    let code = WorkerCode::new("main.js")
        .module("main.js", ModuleSource::Esm("import { boom } from './lib/boom.js';\nexport default { fetch() { return boom(); } }".into()))
        .module("lib/boom.js", ModuleSource::Esm("export function boom() {\n  null.x;\n}".into()))
        .compatibility_date("2025-06-01");
    let w = rt.load(code).await.unwrap();
    let Error::Script(e) = w.fetch(Request::get("https://x.test/")).await.unwrap_err() else {
        panic!()
    };
    assert_eq!(e.name, "TypeError");
    assert_eq!(
        e.location(),
        Some(("lib/boom.js".to_string(), 2, 3)),
        "{}",
        e.stack
    );
    assert!(e.stack.contains("main.js:2"), "{}", e.stack);
}

#[tokio::test]
async fn second_load_of_the_same_code_uses_cached_bytecode() {
    let rt = Runtime::builder().build().await.unwrap();
    let code = code_from_dir("app", "main.js");
    let before = rt.stats();
    rt.load(code.clone()).await.unwrap();
    let first = rt.stats();
    assert_eq!(
        first.bytecode_misses - before.bytecode_misses,
        2,
        "main.js and lib/math.js parsed"
    );
    let w = rt.load(code).await.unwrap();
    let second = rt.stats();
    assert_eq!(
        second.bytecode_hits - first.bytecode_hits,
        2,
        "both loaded from bytecode"
    );
    assert_eq!(second.bytecode_misses, first.bytecode_misses);
    // And the bytecode-loaded worker behaves the same, with the same stack positions.
    let r = w
        .fetch(Request::get("https://app.test/?v=1"))
        .await
        .unwrap();
    assert!(r.text().contains("average.= 1.00"), "{}", r.text());
    let thrower = WorkerCode::js("export default {\n fetch() { throw new Error('x') } }");
    rt.load(thrower.clone()).await.unwrap();
    let Error::Script(e) = rt
        .load(thrower)
        .await
        .unwrap()
        .fetch(Request::get("https://x/"))
        .await
        .unwrap_err()
    else {
        panic!()
    };
    assert_eq!(
        e.location().map(|l| (l.0, l.1)),
        Some(("main.js".to_string(), 2))
    );
}

#[tokio::test]
async fn compatibility_date_is_validated() {
    let (rt, _) = runtime().await;
    for (date, needle) in [
        ("", "required"),
        ("2025/01/01", "YYYY-MM-DD"),
        ("2025-02-30", "real date"),
        ("2999-01-01", "future"),
    ] {
        let err = rt
            .load(WorkerCode::js("export default {}").compatibility_date(date))
            .await
            .err()
            .unwrap();
        assert!(
            matches!(&err, Error::InvalidCode(p) if p.iter().any(|p| p.contains(needle))),
            "{date}: {err}"
        );
    }
}

#[tokio::test]
async fn console_formats_values_like_node() {
    let (rt, traces) = runtime().await;
    let src = r#"export default { fetch() {
        const cyc = { a: 1 }; cyc.self = cyc;
        console.log("s", 1, -0, 10n, true, null, undefined, [1, "a"], { "k-y": { deep: { deeper: { deepest: 1 } } } });
        console.log(new Set([1]), new Uint8Array([1, 2]), cyc, function named() {}, Symbol("s"));
        console.log(new Error("bad").message, new Date(0));
        return new Response("ok");
    } }"#;
    let w = rt
        .get("console-format", || WorkerCode::js(src))
        .await
        .unwrap();
    w.fetch(Request::get("https://x.test/")).await.unwrap();
    let logs: Vec<String> = traces
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.worker_id.as_deref() == Some("console-format"))
        .flat_map(|e| e.logs.iter().map(|l| l.message.clone()))
        .collect();
    assert_eq!(
        logs,
        [
            r#"s 1 -0 10n true null undefined [ 1, "a" ] { "k-y": { deep: { deeper: [Object] } } }"#,
            "Set(1) { 1 } Uint8Array(2) [ 1, 2 ] { a: 1, self: [Circular *] } [Function: named] Symbol(s)",
            "bad 1970-01-01T00:00:00.000Z",
        ]
    );
}

#[tokio::test]
async fn globals_streams_readable_writable_transform_pipes_and_encoding() {
    run_suite("streams.js", 163).await;
}

#[tokio::test]
async fn globals_byte_streams_and_byob_readers() {
    run_suite_with(
        "byte_streams.js",
        95,
        Request::new("POST", "https://suite.test/upload").body("x".repeat(5000)),
    )
    .await;
}

#[tokio::test]
async fn globals_array_fill_keeps_the_spec_on_its_fast_path() {
    run_suite("array_fill.js", 14).await;
}

#[tokio::test]
async fn globals_html_rewriter() {
    run_suite("htmlrewriter.js", 29).await;
}

#[tokio::test]
async fn globals_web_crypto_signatures_against_node_made_keys() {
    run_suite("webcrypto.js", 282).await;
}

/// RSA key generation is Rust compiled into the engine and takes seconds of
/// CPU for 2048 bits: it runs with a larger CPU limit, and the pair must
/// work with both RSA signature schemes.
#[tokio::test]
async fn web_crypto_generates_rsa_key_pairs() {
    let (rt, _) = runtime().await;
    let code = single("rsa_generate.js").limits(
        isolet::Limits::new()
            .cpu_time(std::time::Duration::from_secs(60))
            .fuel(u64::MAX / 4),
    );
    let w = rt.load(code).await.unwrap();
    let r = w
        .fetch(Request::get("https://rsa.test/?bits=2048"))
        .await
        .unwrap();
    let scheme = json!({"modulusLength": 2048, "nBytes": 256, "verifies": true, "tampered": false});
    assert_eq!(
        r.json().unwrap(),
        json!({"RSASSA-PKCS1-v1_5": scheme, "RSA-PSS": scheme})
    );
}

#[tokio::test]
async fn globals_compression_streams_and_byte_transforms() {
    run_suite("compression.js", 53).await;
}

#[tokio::test]
async fn globals_blob_file_and_form_data_bodies() {
    let body = "--B0undary\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nisolet\r\n\
                --B0undary\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"doc.txt\"\r\n\
                Content-Type: text/plain\r\n\r\nfile body\r\n--B0undary--\r\n";
    run_suite_with(
        "blob_formdata.js",
        71,
        Request::new("POST", "https://suite.test/upload")
            .header("content-type", "multipart/form-data; boundary=B0undary")
            .body(body),
    )
    .await;
}

#[tokio::test]
async fn service_worker_syntax_fetch_listeners() {
    let (rt, traces) = runtime().await;
    let code = single("service_worker.js").env_var("GREETING", "hi");
    let w = rt.get("sw", || code).await.unwrap();
    let r = w.fetch(Request::get("https://sw.test/a")).await.unwrap();
    assert_eq!(
        r.json().unwrap(),
        json!({"greeting": "hi", "method": "GET", "count": 1, "isEvent": "function"})
    );
    let r = w
        .fetch(Request::get("https://sw.test/ignore"))
        .await
        .unwrap();
    assert_eq!(r.text(), "second listener");
    match w.fetch(Request::get("https://sw.test/throw")).await {
        Err(Error::Script(e)) => assert_eq!(
            (e.name.as_str(), e.message.as_str()),
            ("RangeError", "listener failed")
        ),
        other => panic!(
            "expected the listener's error, got {:?}",
            other.map(|r| r.status)
        ),
    }
    match w.fetch(Request::get("https://sw.test/none")).await {
        Err(Error::Script(e)) => assert!(e.message.contains("respondWith"), "{e:?}"),
        other => panic!(
            "expected a missing-response error, got {:?}",
            other.map(|r| r.status)
        ),
    }
    let logs: Vec<String> = traces
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|t| t.worker_id.as_deref() == Some("sw"))
        .flat_map(|t| t.logs.iter().map(|l| l.message.clone()))
        .collect();
    assert!(logs.iter().any(|m| m == "after response 1"), "{logs:?}");
    assert!(
        logs.iter()
            .any(|m| m == "second respondWith: InvalidStateError"),
        "{logs:?}"
    );
}

/// The snapshot's objects are immortal (never reference counted or freed):
/// changing them, objects sharing their shapes, strings they hold, and the
/// cycle collector running around them behave as in any engine.
#[tokio::test]
async fn snapshot_objects_behave_when_changed() {
    run_suite("snapshot.js", 110).await;
    // A second, fresh instance sees none of the first one's changes.
    run_suite("snapshot.js", 110).await;
}

/// Node.js compatibility: the node:* modules and globals under
/// `nodejs_compat` (tests/workers/js/node/suite.js), imported by ES modules
/// and required from CommonJS.
#[tokio::test]
async fn nodejs_compat_modules_and_globals() {
    let (rt, _) = runtime().await;
    let code = WorkerCode::new("node/suite.js")
        .module("node/suite.js", ModuleSource::Esm(read("node/suite.js")))
        .module(
            "globals/harness.js",
            ModuleSource::Esm(read("globals/harness.js")),
        )
        .module(
            "node/uses_require.cjs",
            ModuleSource::CommonJs(read("node/uses_require.cjs")),
        )
        .compatibility_date("2025-06-01")
        .compatibility_flag("nodejs_compat")
        .env_var("GREETING", "hello")
        .env_var("COUNT", 3)
        .limits(isolet::Limits::new().cpu_time(std::time::Duration::from_secs(30)));
    let w = rt.load(code).await.unwrap_or_else(|e| panic!("{e}"));
    let body = w
        .fetch(Request::get("https://node.test/"))
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_suite("node/suite.js", &body, 145);
}

/// Without the flag, Node.js modules are refused with the reason; unknown
/// flags are refused at load time, listing the known ones; `nodejs_als`
/// gives AsyncLocalStorage only.
#[tokio::test]
async fn compatibility_flags_gate_node_modules() {
    let (rt, _) = runtime().await;
    let js = |src: &str| WorkerCode::js(src).compatibility_date("2025-06-01");
    let err = rt
        .load(js(
            "import { Buffer } from 'node:buffer'; export default {}",
        ))
        .await
        .err()
        .expect("the load fails")
        .to_string();
    assert!(
        err.contains("need the \"nodejs_compat\" compatibility flag"),
        "{err}"
    );
    let w = rt
        .load(js(
            "export default { fetch() { return Response.json([typeof Buffer, typeof process]); } }",
        ))
        .await
        .unwrap();
    let r = w.fetch(Request::get("https://x.test/")).await.unwrap();
    assert_eq!(r.json().unwrap(), json!(["undefined", "undefined"]));
    // A bare name is a module of the worker's own, or not found.
    let err = rt
        .load(js("import x from 'buffer'; export default {}"))
        .await
        .err()
        .expect("the load fails")
        .to_string();
    assert!(err.contains("Module not found: \"buffer\""), "{err}");

    let err = rt
        .load(js("export default {}").compatibility_flag("nodejs_compatt"))
        .await
        .err()
        .expect("the load fails")
        .to_string();
    assert!(
        err.contains("unknown compatibility flag \"nodejs_compatt\" (isolet knows: nodejs_compat,"),
        "{err}"
    );
    let err = rt
        .load(
            js("export default {}")
                .compatibility_flag("nodejs_compat")
                .compatibility_flag("nodejs_compat"),
        )
        .await
        .err()
        .expect("the load fails")
        .to_string();
    assert!(err.contains("given more than once"), "{err}");

    let err = rt
        .load(js("import 'node:nope'; export default {}").compatibility_flag("nodejs_compat"))
        .await
        .err()
        .expect("the load fails")
        .to_string();
    assert!(err.contains("No such module \"node:nope\""), "{err}");

    let als = "import { AsyncLocalStorage } from 'node:async_hooks';\n\
               const als = new AsyncLocalStorage();\n\
               export default { async fetch() {\n\
                 const v = await als.run('store', async () => { await null; return als.getStore(); });\n\
                 return Response.json([v, typeof Buffer]);\n\
               } }";
    let w = rt
        .load(js(als).compatibility_flag("nodejs_als"))
        .await
        .unwrap();
    let r = w.fetch(Request::get("https://x.test/")).await.unwrap();
    assert_eq!(r.json().unwrap(), json!(["store", "undefined"]));
    let err = rt
        .load(js("import 'node:buffer'; export default {}").compatibility_flag("nodejs_als"))
        .await
        .err()
        .expect("the load fails")
        .to_string();
    assert!(err.contains("nodejs_compat"), "{err}");
}

#[tokio::test]
async fn typescript_worker_with_enums_classes_jsx_and_extensionless_imports() {
    let (rt, traces) = runtime().await;
    let code = code_from_dir("../ts/app", "main.ts")
        .env_var("NAME", "World")
        .jsx(isolet::Jsx::automatic("./jsx"));
    assert!(matches!(
        code.modules["view.tsx"],
        ModuleSource::TypeScript(_)
    ));
    let w = rt.get("ts-app", || code.clone()).await.unwrap();

    let r = w.fetch(Request::get("https://ts.test/a")).await.unwrap();
    assert_eq!(
        r.json().unwrap(),
        json!({"message": "Hello, World!", "tone": "warm", "count": 1})
    );
    let r = w
        .fetch(Request::get("https://ts.test/a?tone=cold"))
        .await
        .unwrap();
    assert_eq!(
        r.json().unwrap(),
        json!({"message": "World.", "tone": "cold", "count": 2})
    );

    let r = w.fetch(Request::get("https://ts.test/html")).await.unwrap();
    assert_eq!(
        r.text(),
        r#"<h1 class="title">Hello World</h1><ul><li>a</li><li>b &amp; c</li></ul>"#
    );

    // The stack names the TypeScript line of the throw, not the output's.
    let err = w
        .fetch(Request::get("https://ts.test/throw"))
        .await
        .unwrap_err();
    let Error::Script(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.message, "no route for /throw");
    let source = read("../ts/app/main.ts");
    let throw_line = source
        .lines()
        .position(|l| l.contains("throw new TypeError"))
        .unwrap() as u32
        + 1;
    assert_eq!(
        e.location().map(|l| (l.0, l.1)),
        Some(("main.ts".into(), throw_line)),
        "{}",
        e.stack
    );
    assert!(e.stack.contains("fail"), "{}", e.stack);
    // The trace's exception is mapped the same way.
    let last = traces.for_worker("ts-app").pop().unwrap();
    assert_eq!(last.exceptions[0].location(), e.location());

    // Without the JSX option the view imports react/jsx-runtime, which is
    // not among the modules: a clear error naming it.
    let err = rt
        .load(code_from_dir("../ts/app", "main.ts"))
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("react/jsx-runtime"), "{err}");
}

#[tokio::test]
async fn typescript_syntax_error_names_the_typescript_line_and_column() {
    let (rt, _) = runtime().await;
    let code = WorkerCode::new("bad.ts")
        .module(
            "bad.ts",
            ModuleSource::infer("bad.ts", read("../ts/syntax_error.ts")),
        )
        .compatibility_date("2025-06-01");
    let err = rt.load(code).await.err().unwrap();
    let Error::Script(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.name, "SyntaxError");
    assert_eq!(e.location(), Some(("bad.ts".into(), 7, 29)), "{e:?}");
    assert!(e.message.contains("line 7"), "{}", e.message);

    // The JSON shape: a `{"ts": ...}` module with a JSX option.
    let json = json!({
        "mainModule": "m.js",
        "modules": {"m.js": {"ts": "const n: number = 41; export default { fetch: () => new Response(String(n + 1)) }"}},
        "compatibilityDate": "2025-06-01",
        "jsx": {"runtime": "classic", "factory": "h"}
    });
    let code: WorkerCode = serde_json::from_value(json).unwrap();
    let w = rt.load(code).await.unwrap();
    assert_eq!(
        w.fetch(Request::get("https://t.test/"))
            .await
            .unwrap()
            .text(),
        "42"
    );
}

// ---- Runtime bundling from an npm registry (a local one, in the registry's format) ----

type Package = (
    &'static str,
    &'static str,
    serde_json::Value,
    Vec<(&'static str, &'static str)>,
);

/// The test registry's packages: (name, version, package.json extras, files).
fn packages() -> Vec<Package> {
    vec![
        (
            "lodashish",
            "1.2.0",
            json!({"main": "lib/index.js"}),
            vec![
                (
                    "lib/index.js",
                    "const u = require('./util'); module.exports = { version: '1.2.0', upper: u.upper };",
                ),
                ("lib/util.js", "exports.upper = (s) => s.toUpperCase();"),
                ("README.md", "# not bundled"),
            ],
        ),
        (
            "lodashish",
            "2.0.0",
            json!({"main": "lib/index.js"}),
            vec![(
                "lib/index.js",
                "module.exports = { version: '2.0.0', upper: (s) => s.toUpperCase() + '!' };",
            )],
        ),
        (
            "greet",
            "1.0.0",
            json!({"main": "old.js"}),
            vec![("old.js", "module.exports = () => 'old';")],
        ),
        (
            "greet",
            "2.1.0",
            json!({
                "dependencies": {"lodashish": "^1.0.0"},
                "exports": {
                    ".": {"import": "./esm/index.js", "require": "./cjs/index.js"},
                    "./shout": "./esm/shout.js",
                    "./package.json": "./package.json"
                }
            }),
            vec![
                (
                    "esm/index.js",
                    "import l from 'lodashish';\nexport function greet(n) { return `hello ${n} via lodashish ${l.version}`; }",
                ),
                (
                    "esm/shout.js",
                    "import l from 'lodashish';\nexport const shout = (s) => l.upper(s);",
                ),
                ("cjs/index.js", "module.exports = { greet: () => 'cjs' };"),
            ],
        ),
        (
            "greet",
            "3.0.0-beta.1",
            json!({}),
            vec![("index.js", "module.exports = 'beta';")],
        ),
        (
            "native-thing",
            "1.0.0",
            json!({"main": "index.js"}),
            vec![
                (
                    "index.js",
                    "module.exports = require('./build/Release/x.node');",
                ),
                ("binding.gyp", "{}"),
            ],
        ),
    ]
}

fn tarball(
    name: &str,
    version: &str,
    extra: &serde_json::Value,
    files: &[(&str, &str)],
) -> Vec<u8> {
    let mut pkg = json!({"name": name, "version": version});
    for (k, v) in extra.as_object().unwrap() {
        pkg[k] = v.clone();
    }
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let pkg_text = pkg.to_string();
    let mut all: Vec<(&str, &str)> = vec![("package.json", pkg_text.as_str())];
    all.extend_from_slice(files);
    for (path, body) in all {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, format!("package/{path}"), body.as_bytes())
            .unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap()
}

/// The test registry (`common::registry`) with `packages()`; `corrupt`
/// names a package whose advertised integrity is wrong.
async fn registry(corrupt: &'static str) -> String {
    let published = packages()
        .into_iter()
        .map(|(name, version, extra, files)| Published {
            tarball: tarball(name, version, &extra, &files),
            name: name.to_string(),
            version: version.to_string(),
            dependencies: extra.get("dependencies").cloned(),
            gypfile: files.iter().any(|(f, _)| *f == "binding.gyp"),
        })
        .collect();
    crate::common::registry::serve(published, corrupt).await
}

#[tokio::test]
async fn bundling_resolves_npm_dependencies_with_exports_conditions_and_nesting() {
    let (rt, _) = runtime().await;
    let base = registry("").await;
    let cache = tempfile::tempdir().unwrap();
    let package = json!({"name": "app", "main": "src/index.ts", "dependencies": {"greet": "^2.0.0", "lodashish": "2.x"}});
    let sources = BTreeMap::from([(
        "src/index.ts".to_string(),
        "import { greet } from 'greet';\n\
         import { shout } from 'greet/shout';\n\
         import lodash from 'lodashish';\n\
         const n: number = 1;\n\
         export default { fetch: () => Response.json({ greet: greet('x'), shout: shout('y'), root: lodash.upper('z'), n }) };\n"
            .to_string(),
    )]);
    let bundler = isolet_bundle::Bundler::new()
        .registry(&base)
        .cache_dir(cache.path());
    let code = bundler
        .bundle(&package, sources.clone(), None)
        .await
        .unwrap();
    let first = code.modules.clone();
    // Hoisted and nested copies, only code files, exact specifiers.
    assert!(
        code.modules
            .contains_key("node_modules/lodashish/lib/index.js")
    );
    assert!(
        code.modules
            .contains_key("node_modules/greet/node_modules/lodashish/lib/util.js")
    );
    assert!(!code.modules.keys().any(|k| k.ends_with("README.md")));
    let ModuleSource::TypeScript(main) = &code.modules["src/index.ts"] else {
        panic!()
    };
    assert!(
        main.contains("\"../node_modules/greet/esm/index.js\""),
        "{main}"
    );
    assert!(matches!(
        code.modules["node_modules/greet/esm/index.js"],
        ModuleSource::Esm(_)
    ));
    assert!(matches!(
        code.modules["node_modules/lodashish/lib/index.js"],
        ModuleSource::CommonJs(_)
    ));

    let w = rt.load(code).await.unwrap();
    let r = w.fetch(Request::get("https://app.test/")).await.unwrap();
    assert_eq!(
        r.json().unwrap(),
        json!({"greet": "hello x via lodashish 1.2.0", "shout": "Y", "root": "Z!", "n": 1})
    );

    // The tarballs are cached by integrity: a second bundle needs only the
    // metadata (and gives the same code).
    let cached = std::fs::read_dir(cache.path().join("npm")).unwrap().count();
    assert_eq!(cached, 3, "greet 2.1.0, lodashish 1.2.0 and 2.0.0");
    let again = bundler.bundle(&package, sources, None).await.unwrap();
    assert_eq!(again.modules, first);

    // `latest` is the dist-tag; ranges skip prereleases.
    for range in ["latest", "*", ">=2"] {
        let code = bundler
            .bundle(
                &json!({"dependencies": {"greet": range}}),
                BTreeMap::from([("index.js".into(), "export default {}".into())]),
                None,
            )
            .await
            .unwrap();
        assert!(
            code.modules.contains_key("node_modules/greet/esm/index.js"),
            "{range}"
        );
    }
}

#[tokio::test]
async fn bundling_errors_are_clear() {
    let base = registry("lodashish").await;
    let bundler = isolet_bundle::Bundler::new().registry(&base);
    let src = || BTreeMap::from([("index.js".to_string(), "export default {}".to_string())]);
    let err = |deps: serde_json::Value| {
        let bundler = &bundler;
        async move {
            bundler
                .bundle(&json!({"dependencies": deps}), src(), None)
                .await
                .expect_err("must fail")
                .to_string()
        }
    };
    let e = err(json!({"no-such-package": "^1"})).await;
    assert!(e.contains("no-such-package") && e.contains("404"), "{e}");
    let e = err(json!({"greet": "^9.0.0"})).await;
    assert!(e.contains("no version matches \"^9.0.0\""), "{e}");
    let e = err(json!({"greet": "not a range!"})).await;
    assert!(e.contains("not a valid semver range"), "{e}");
    let e = err(json!({"native-thing": "1"})).await;
    assert!(e.contains("native addon"), "{e}");
    let e = err(json!({"lodashish": "2"})).await;
    assert!(e.contains("does not match its integrity"), "{e}");
    let e = err(json!({"greet": "git+https://example.com/x.git"})).await;
    assert!(e.contains("only registry versions"), "{e}");
    let tiny = isolet_bundle::Bundler::new()
        .registry(&base)
        .limits(isolet_bundle::BundleLimits {
            max_bytes: 50,
            ..Default::default()
        });
    let e = tiny
        .bundle(&json!({"dependencies": {"greet": "1"}}), src(), None)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("limit"), "{e}");
}

#[tokio::test]
async fn isolet_bundle_cli_prints_worker_code_for_a_directory() {
    let (rt, _) = runtime().await;
    let base = registry("").await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::create_dir_all(dir.path().join("node_modules/ignored")).unwrap();
    std::fs::write(
        dir.path().join("package.json"),
        r#"{"main": "src/index.js", "dependencies": {"greet": "^2.1.0"}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("src/index.js"),
        "import { shout } from 'greet/shout';\nexport default { fetch: () => new Response(shout('cli')) };\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("node_modules/ignored/x.js"), "throw 1").unwrap();
    let out =
        crate::common::registry::bundle_with_cli(&base, dir.path(), &dir.path().join("cache"))
            .await;
    let code: WorkerCode = serde_json::from_slice(&out).unwrap();
    assert!(
        !code
            .modules
            .keys()
            .any(|k| k.starts_with("node_modules/ignored"))
    );
    let w = rt.load(code).await.unwrap();
    assert_eq!(
        w.fetch(Request::get("https://c.test/"))
            .await
            .unwrap()
            .text(),
        "CLI"
    );

    let missing = tokio::process::Command::new(env!("CARGO_BIN_EXE_isolet"))
        .args(["bundle", "--registry", &base, "/nonexistent/dir"])
        .output()
        .await
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("package.json"));
}
