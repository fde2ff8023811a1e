//! The web playground of `isolet serve`, in a real browser: headless
//! Chromium (Debian's `chromium` and `chromium-driver`, which `scripts/test`
//! installs) driven over WebDriver. The test types workers from
//! `tests/workers/playground/` into the editor, runs them, deploys one,
//! tails it, opens it again, hits a CPU limit, follows a stack frame to its
//! line, renders an HTML answer and a binary one, adds, renames and deletes
//! modules, shares a link, deletes the worker and logs out. Screenshots go
//! to `target/tmp/playground/`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt as _;
use serde_json::{Value as Json, json};

const CTRL: char = '\u{E009}';
const RELEASE: char = '\u{E000}';
const ENTER: char = '\u{E007}';

use crate::common::server::TestServer;

/// chromedriver on a free 127.0.0.1 port; killed on drop.
struct Driver(Child, u16);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn which(env: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| default.into());
    assert!(
        path.is_file(),
        "{} not found: the playground test needs Debian's chromium and chromium-driver \
         (scripts/test installs them; or set {env})",
        path.display()
    );
    path
}

async fn start_driver() -> Driver {
    let chromedriver = which("CHROMEDRIVER", "/usr/bin/chromedriver");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child, port);
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on {port}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    driver
}

async fn browser(driver: &Driver, profile: &Path) -> Client {
    let chromium = which("CHROMIUM", "/usr/bin/chromium");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1440,900", "--no-first-run", "--disable-extensions",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.1))
        .await
        .expect("a Chromium session")
}

fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("playground");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(c: &Client, name: &str) -> PathBuf {
    let path = screenshot_dir().join(format!("{name}.png"));
    std::fs::write(&path, c.screenshot().await.unwrap()).unwrap();
    path
}

fn worker(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../tests/workers/playground/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .trim_end()
    .to_string()
}

async fn text(c: &Client, css: &str) -> String {
    match c.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Waits (20 s at most) until the text of `css` satisfies `ok`; on a
/// timeout saves a screenshot and fails with the text last seen.
async fn wait_text(c: &Client, css: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let t = text(c, css).await;
        if ok(&t) {
            return t;
        }
        if Instant::now() > deadline {
            let shot = screenshot(c, "failure").await;
            panic!(
                "{css}: expected {what}, saw {t:?} (screenshot {})",
                shot.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn js(c: &Client, script: &str) -> Json {
    c.execute(script, vec![]).await.unwrap()
}

/// Replaces the open file's text by typing `code` into the editor, as a user would.
async fn type_code(c: &Client, code: &str) {
    let content = c.find(Locator::Css("#editor .cm-content")).await.unwrap();
    content.click().await.unwrap();
    content
        .send_keys(&format!("{CTRL}a{RELEASE}"))
        .await
        .unwrap();
    content.send_keys("\u{E017}").await.unwrap(); // Delete
    content.send_keys(code).await.unwrap();
    assert_eq!(
        editor_text(c).await,
        code,
        "the editor holds what was typed"
    );
}

/// `#code=...` as the page's Share makes it: the project's JSON,
/// deflated (raw) and base64url-encoded.
fn share_fragment(project: &Json) -> String {
    use base64::Engine as _;
    use std::io::Write as _;
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(project.to_string().as_bytes()).unwrap();
    let bytes = z.finish().unwrap();
    format!(
        "#code={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The open file's text, as the editor shows it (line by line).
async fn editor_text(c: &Client) -> String {
    let lines = js(c, "return [...document.querySelectorAll('#editor .cm-line')].map(l => l.textContent).join('\\n')").await;
    lines.as_str().unwrap_or_default().to_string()
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn set_value(c: &Client, css: &str, value: &str) {
    let e = c.find(Locator::Css(css)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

async fn http_get(url: &str, token: &str) -> (u16, String) {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let req = http::Request::get(url)
        .header("authorization", format!("Bearer {token}"))
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .unwrap();
    let resp = client.request(req).await.unwrap();
    let status = resp.status().as_u16();
    use http_body_util::BodyExt;
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// `PUT url` with the admin token and a JSON body: the status and the body.
async fn http_put(url: &str, token: &str, body: String) -> (u16, String) {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let req = http::Request::put(url)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
        .unwrap();
    let resp = client.request(req).await.unwrap();
    let status = resp.status().as_u16();
    use http_body_util::BodyExt;
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// A server (its config changed by `tweak`), chromedriver and a Chromium
/// session on it.
struct Session {
    _dir: tempfile::TempDir,
    server: TestServer,
    driver: Driver,
    client: Client,
}

impl Session {
    async fn start(tweak: impl FnOnce(&mut isolet_server::ServerConfig)) -> Session {
        let dir = tempfile::tempdir().unwrap();
        let server = TestServer::start(&dir.path().join("data"), tweak).await;
        let driver = start_driver().await;
        let client = browser(&driver, &dir.path().join("chromium-profile")).await;
        Session {
            _dir: dir,
            server,
            driver,
            client,
        }
    }

    /// Runs `steps`, then closes the browser even when a step failed
    /// (chromedriver's end alone would leave Chromium running), then
    /// fails as the steps did or stops the server.
    async fn run(self, steps: impl std::future::Future<Output = ()>) {
        let result = std::panic::AssertUnwindSafe(steps).catch_unwind().await;
        let _ = self.client.close().await;
        drop(self.driver);
        if let Err(panic) = result {
            std::panic::resume_unwind(panic);
        }
        self.server.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn playground_in_a_real_browser() {
    let s = Session::start(|_| {}).await;
    let steps = walk_through(s.client.clone(), s.server.url(""), s.server.token.clone());
    s.run(steps).await;
}

async fn walk_through(c: Client, base: String, token: String) {
    // `/` leads to the page, which asks for the token; a wrong one is refused.
    c.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/playground/");
    c.wait()
        .for_element(Locator::Css("body[data-ready=true]"))
        .await
        .unwrap();
    assert_eq!(
        js(&c, "return document.getElementById('login').open").await,
        json!(true)
    );
    set_value(&c, "#token-input", "not-the-token-at-all").await;
    click(&c, "#token-save").await;
    wait_text(&c, "#login-error", "a refusal", |t| t.contains("refused")).await;
    assert_eq!(
        js(&c, "return localStorage.getItem('isolet.adminToken')").await,
        Json::Null
    );
    set_value(&c, "#token-input", &token).await;
    click(&c, "#token-save").await;
    wait_text(&c, "#workers-list", "the (empty) list", |t| {
        t.contains("none yet")
    })
    .await;
    assert_eq!(
        js(&c, "return document.getElementById('login').open").await,
        json!(false)
    );

    // The CSP let both stylesheets apply: the page's (header colour) and
    // CodeMirror's, injected with the page's nonce (.cm-editor is a flex box).
    let header_bg = c
        .find(Locator::Css("header"))
        .await
        .unwrap()
        .css_value("background-color")
        .await
        .unwrap();
    assert_eq!(header_bg, "rgba(29, 31, 35, 1)");
    let cm_display = c
        .find(Locator::Css(".cm-editor"))
        .await
        .unwrap()
        .css_value("display")
        .await
        .unwrap();
    assert_eq!(cm_display, "flex", "CodeMirror's styles were blocked");
    assert!(
        c.find(Locator::Css(".cm-lineNumbers")).await.is_ok(),
        "line numbers"
    );

    // Type a worker and run it: status, pretty JSON body, the console line.
    type_code(&c, &worker("hello.js")).await;
    c.find(Locator::Css("#path"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    c.find(Locator::Css("#path"))
        .await
        .unwrap()
        .send_keys("/typed")
        .await
        .unwrap();
    click(&c, "#run").await;
    wait_text(&c, "#status", "200", |t| t == "200").await;
    let body = text(&c, "#resp-body").await;
    let parsed: Json = serde_json::from_str(&body).unwrap();
    assert_eq!(parsed, json!({"greeting": "hi isolet", "path": "/typed"}));
    assert!(
        body.contains("\n  \"greeting\""),
        "JSON is pretty-printed: {body}"
    );
    let log = wait_text(&c, "#logs .log-line", "the console line", |t| {
        t.contains("hello log from /typed")
    })
    .await;
    assert!(log.contains("log"), "{log}");
    assert!(text(&c, "#metrics").await.contains("CPU"), "CPU time shown");
    // Syntax highlighting: the typed keywords are styled spans.
    assert!(
        !c.find_all(Locator::Css(".cm-content span"))
            .await
            .unwrap()
            .is_empty()
    );
    screenshot(&c, "run").await;

    // Deploy it; it shows in the list and the server has the typed code.
    set_value(&c, "#deploy-id", "typed-hello").await;
    click(&c, "#deploy").await;
    c.wait()
        .for_element(Locator::Css("#workers-list li[data-id='typed-hello']"))
        .await
        .unwrap();
    let (status, stored) = http_get(&format!("{base}/workers/typed-hello"), &token).await;
    assert_eq!(status, 200);
    let stored: Json = serde_json::from_str(&stored).unwrap();
    let module = &stored["modules"]["main.js"];
    let source = module.as_str().or(module["js"].as_str()).unwrap();
    assert_eq!(source, worker("hello.js"));
    let (status, answer) = http_get(&format!("{base}/w/typed-hello/direct"), "").await;
    assert_eq!(
        (status, answer.contains("/direct")),
        (200, true),
        "{answer}"
    );

    // Tail it, send it a request from the page, see the event live.
    click(
        &c,
        "#workers-list li[data-id='typed-hello'] button[title^='follow']",
    )
    .await;
    // (The heading is shown in capitals: compare without case.)
    wait_text(&c, "#tail-state", "live", |t| {
        t.eq_ignore_ascii_case("live")
    })
    .await;
    c.find(Locator::Css("#target"))
        .await
        .unwrap()
        .select_by_value("typed-hello")
        .await
        .unwrap();
    click(&c, "#run").await;
    wait_text(&c, "#tail-log", "the tailed request", |t| {
        t.contains("ok") && t.contains("/typed") && t.contains("hello log from /typed")
    })
    .await;
    screenshot(&c, "tail").await;
    c.find(Locator::Css("#target"))
        .await
        .unwrap()
        .select_by_value("")
        .await
        .unwrap();

    // A CPU limit set in the settings, a busy loop: reported as the limit.
    click(&c, "#settings summary").await;
    set_value(&c, "#limit-cpu", "30").await;
    type_code(&c, &worker("busy.js")).await;
    click(&c, "#run").await;
    wait_text(&c, "#limit", "the CPU limit", |t| t == "CPU limit exceeded").await;
    assert!(text(&c, "#status").await.starts_with("503"));
    assert!(text(&c, "#metrics").await.contains("exceededCpu"));
    screenshot(&c, "cpu-limit").await;

    // Open the deployed worker: its code and settings (no CPU limit) replace the editor's.
    click(
        &c,
        "#workers-list li[data-id='typed-hello'] button[title^='load']",
    )
    .await;
    wait_text(&c, "#notice", "the opened notice", |t| {
        t.contains("Opened typed-hello")
    })
    .await;
    assert_eq!(editor_text(&c).await, worker("hello.js"));
    let cpu = c
        .find(Locator::Css("#limit-cpu"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        cpu.as_deref(),
        Some(""),
        "the deployed worker has no CPU limit"
    );

    // An exception: its stack frame links to the line that threw.
    type_code(&c, &worker("throws.js")).await;
    click(&c, "#run").await;
    wait_text(&c, "#exceptions", "the exception", |t| {
        t.contains("RangeError: n is too big: 2")
    })
    .await;
    wait_text(&c, "#logs", "the warning", |t| {
        t.contains("warn") && t.contains("about to validate")
    })
    .await;
    let frame = c
        .find(Locator::Css("#exceptions a.frame[data-file='main.js']"))
        .await
        .unwrap();
    assert_eq!(
        frame.attr("data-line").await.unwrap().as_deref(),
        Some("1"),
        "the throwing frame first"
    );
    // The cursor is on line 2 (where typing ended); following the frame moves it to line 1.
    let line2 = worker("throws.js").lines().nth(1).unwrap().to_string();
    assert_eq!(text(&c, "#editor .cm-activeLine").await, line2);
    frame.click().await.unwrap();
    let line1 = worker("throws.js").lines().next().unwrap().to_string();
    wait_text(&c, "#editor .cm-activeLine", "the throwing line", |t| {
        t == line1
    })
    .await;

    // An HTML answer renders in a sandboxed frame, its script not run.
    type_code(&c, &worker("page.js")).await;
    click(&c, "#run").await;
    c.wait()
        .for_element(Locator::Css(
            "#resp-body[data-kind=html] iframe.html-preview",
        ))
        .await
        .unwrap();
    let frame = c.find(Locator::Css("iframe.html-preview")).await.unwrap();
    assert_eq!(frame.attr("sandbox").await.unwrap().as_deref(), Some(""));
    frame.enter_frame().await.unwrap();
    let heading = c
        .wait()
        .for_element(Locator::Css("#title"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "Rendered heading");
    assert_eq!(
        js(&c, "return document.title").await,
        json!(""),
        "the page's script ran"
    );
    c.enter_parent_frame().await.unwrap();

    // Bytes that are not UTF-8 show as a hex dump.
    type_code(&c, &worker("bytes.js")).await;
    click(&c, "#run").await;
    let dump = wait_text(&c, "#resp-body[data-kind=binary]", "a hex dump", |t| {
        !t.is_empty()
    })
    .await;
    assert!(dump.starts_with("00000000  00 41 42 ff 0a"), "{dump}");
    assert!(dump.ends_with(".AB.."), "{dump}");

    // Several modules: add one, import it, run; rename it (the import now
    // fails, named); delete it.
    click(&c, "#add-file").await;
    let name_field = c.find(Locator::Css("#new-file-name")).await.unwrap();
    name_field
        .send_keys(&format!("lib/greet.js{ENTER}"))
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css(".tab.active[data-file='lib/greet.js']"))
        .await
        .unwrap();
    type_code(&c, &worker("greet.js")).await;
    click(&c, ".tab[data-file='main.js'] .name").await;
    type_code(&c, &worker("multi_main.js")).await;
    click(&c, "#run").await;
    wait_text(&c, "#resp-body", "the imported module's answer", |t| {
        t == "hi modules from another module"
    })
    .await;
    click(&c, ".tab[data-file='lib/greet.js'] .name").await;
    click(&c, ".tab[data-file='lib/greet.js'] .rename-file").await;
    let rename = c.find(Locator::Css(".tab input.rename")).await.unwrap();
    // (Not clear(): WebDriver's clear blurs the field, which ends the rename.)
    rename
        .send_keys(&format!("{CTRL}a{RELEASE}lib/renamed.js{ENTER}"))
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css(".tab.active[data-file='lib/renamed.js']"))
        .await
        .unwrap();
    assert_eq!(
        editor_text(&c).await,
        worker("greet.js"),
        "the text moved with the name"
    );
    click(&c, "#run").await;
    wait_text(&c, "#status", "an error", |t| {
        t.starts_with("400") || t.starts_with("500")
    })
    .await;
    let problem = text(&c, "#resp-body").await;
    assert!(
        problem.contains("lib/greet.js"),
        "the missing module is named: {problem}"
    );
    click(&c, ".tab[data-file='lib/renamed.js'] .close").await;
    c.accept_alert().await.unwrap();
    wait_text(&c, "#tabs", "one module left", |t| !t.contains("renamed")).await;
    assert_eq!(c.find_all(Locator::Css(".tab")).await.unwrap().len(), 1);

    // Share: the link holds the code; opened afresh it restores it.
    type_code(&c, &worker("hello.js")).await;
    click(&c, "#share").await;
    let link = c
        .wait()
        .for_element(Locator::Css("#share-url"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert!(link.contains("/playground/#code="), "{link}");
    js(&c, "localStorage.removeItem('isolet.draft')").await;
    c.goto("about:blank").await.unwrap();
    c.goto(&link).await.unwrap();
    c.wait()
        .for_element(Locator::Css("body[data-ready=true]"))
        .await
        .unwrap();
    assert_eq!(editor_text(&c).await, worker("hello.js"));

    // A link made outside the page (a Python worker that raises): the
    // page opens it, runs it, and the traceback's frame leads to the line.
    let project = json!({
        "main": "main.py",
        "files": {"main.py": worker("raises.py")},
        "kinds": {},
        "settings": {"compatibilityDate": "2025-06-01", "nodejsCompat": false, "env": "{}",
            "outbound": "deny", "allowHosts": "", "cpuMs": "", "memoryMb": "", "timeoutMs": ""},
        "request": {"method": "POST", "path": "/py", "headers": "", "body": "x"},
    });
    c.goto("about:blank").await.unwrap();
    c.goto(&format!("{base}/playground/{}", share_fragment(&project)))
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("body[data-ready=true]"))
        .await
        .unwrap();
    assert_eq!(editor_text(&c).await, worker("raises.py"));
    click(&c, "#run").await;
    wait_text(&c, "#exceptions", "the Python exception", |t| {
        t.contains("ValueError") && t.contains("n is too big: 2")
    })
    .await;
    wait_text(&c, "#logs", "the print", |t| t.contains("checking POST")).await;
    let raise_line = 1 + worker("raises.py")
        .lines()
        .position(|l| l.contains("raise ValueError"))
        .unwrap();
    let frame = c
        .find(Locator::Css(&format!(
            "#exceptions a.frame[data-file='main.py'][data-line='{raise_line}']"
        )))
        .await
        .unwrap();
    frame.click().await.unwrap();
    wait_text(&c, "#editor .cm-activeLine", "the raising line", |t| {
        t.trim() == "raise ValueError(f\"n is too big: {n}\")"
    })
    .await;
    screenshot(&c, "python-exception").await;

    // A template, run: the overview screenshot (the README's).
    c.find(Locator::Css("#template"))
        .await
        .unwrap()
        .select_by_value("js")
        .await
        .unwrap();
    c.accept_alert().await.unwrap();
    wait_text(&c, "#tabs", "the template's module", |t| {
        t.contains("main.js")
    })
    .await;
    assert!(
        editor_text(&c).await.contains("Response.json"),
        "the template loaded"
    );
    click(&c, "#run").await;
    wait_text(&c, "#logs", "the template's console line", |t| {
        t.contains("request POST /py")
    })
    .await;
    screenshot(&c, "overview").await;

    // Delete from the list; then log out: the token leaves the browser.
    click(&c, "#workers-list li[data-id='typed-hello'] button.danger").await;
    c.accept_alert().await.unwrap();
    wait_text(&c, "#workers-list", "an empty list", |t| {
        t.contains("none yet")
    })
    .await;
    assert_eq!(
        http_get(&format!("{base}/workers/typed-hello"), &token)
            .await
            .0,
        404
    );
    click(&c, "#logout").await;
    assert_eq!(
        js(&c, "return document.getElementById('login').open").await,
        json!(true)
    );
    assert_eq!(
        js(&c, "return localStorage.getItem('isolet.adminToken')").await,
        Json::Null
    );
}

/// With `playground_host`, the page lives on an origin of its own: other
/// host names send the browser there, and workers by path do not answer on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn playground_on_a_host_of_its_own() {
    let s = Session::start(|c| c.playground_host = Some("playground.localhost".into())).await;
    let (c, port, token) = (
        s.client.clone(),
        s.server.addr.port(),
        s.server.token.clone(),
    );
    s.run(async move {
        c.goto(&format!("http://127.0.0.1:{port}/")).await.unwrap();
        let url = c.current_url().await.unwrap();
        assert_eq!(
            (url.host_str(), url.path()),
            (Some("playground.localhost"), "/playground/")
        );
        c.wait()
            .for_element(Locator::Css("body[data-ready=true]"))
            .await
            .unwrap();
        set_value(&c, "#token-input", &token).await;
        click(&c, "#token-save").await;
        wait_text(&c, "#workers-list", "the (empty) list", |t| t.contains("none yet")).await;
        click(&c, "#run").await;
        wait_text(&c, "#status", "200", |t| t == "200").await;
        // A worker that is deployed and answers by path on any other host...
        let code = json!({
            "mainModule": "main.js",
            "modules": {"main.js": "export default { fetch() { return new Response('any answered') } }"},
            "compatibilityDate": "2025-06-01",
        });
        let base = format!("http://127.0.0.1:{port}");
        let (status, body) = http_put(&format!("{base}/workers/any"), &token, code.to_string()).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(
            http_get(&format!("{base}/w/any/"), "").await,
            (200, "any answered".to_string())
        );
        // ... is not served by path on the playground's origin: the
        // router's refusal, not the worker's answer nor a missing worker.
        let answer = js(
            &c,
            "const x = new XMLHttpRequest(); x.open('GET', '/w/any/', false); x.send(); return [x.status, x.responseText]",
        )
        .await;
        assert_eq!(answer[0], json!(404), "{answer}");
        let text = answer[1].as_str().unwrap_or_default();
        assert!(
            text.contains("workers do not answer on the playground's host"),
            "{answer}"
        );
    })
    .await;
}
