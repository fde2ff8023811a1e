//! Code Mode end to end: tools registered in Rust (and one worker), the
//! TypeScript declaration, and model-written code from tests/workers/codemode/
//! run in real sandboxes, with every failure coming back as data.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use isolet::{Limits, LogLevel, Runtime, WorkerCode};
use isolet_codemode::{CodeMode, Tool};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

fn read(name: &str) -> String {
    crate::common::read(&format!("workers/codemode/{name}"))
}

async fn runtime() -> &'static Runtime {
    static RT: OnceCell<Runtime> = OnceCell::const_new();
    RT.get_or_init(|| async {
        let rt = Runtime::builder().build().await.unwrap();
        rt.define(
            "inventory",
            WorkerCode::new("inventory.js")
                .module(
                    "inventory.js",
                    isolet::ModuleSource::Esm(read("inventory.js")),
                )
                .compatibility_date("2025-06-01"),
        );
        rt
    })
    .await
}

fn weather() -> Tool {
    Tool::new(
        "getWeather",
        "Current weather for a city.\nTemperatures are in Celsius.",
    )
    .input(json!({
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "City name, e.g. \"Oslo\""},
            "units": {"enum": ["metric", "imperial"], "default": "metric"}
        },
        "required": ["city"],
        "additionalProperties": false
    }))
    .output(json!({
        "type": "object",
        "properties": {"tempC": {"type": "number"}, "city": {"type": "string"}},
        "required": ["tempC", "city"]
    }))
    .handler(|input: Value| async move {
        let city = input["city"].as_str().unwrap_or_default().to_string();
        let t = match city.as_str() {
            "Oslo" => -3,
            "Lisbon" => 19,
            "Cairo" => 27,
            _ => return Err(format!("no station in {city}")),
        };
        Ok(json!({"tempC": t, "city": city}))
    })
}

/// The tool set most tests use; `booked` counts the flights the handler ran for.
async fn tools(limits: Option<Limits>, booked: Arc<AtomicU32>) -> CodeMode {
    let mut b = CodeMode::builder(runtime().await.clone())
        .tool(weather())
        .tool(
            Tool::new("book-flight", "Books a flight.")
                .input(json!({
                    "type": "object",
                    "properties": {"to": {"type": "string"}, "passengers": {"type": "integer", "minimum": 1, "maximum": 9}},
                    "required": ["to", "passengers"]
                }))
                .output(json!({"type": "object", "properties": {"confirmation": {"type": "string"}}}))
                .handler(move |input: Value| {
                    let booked = booked.clone();
                    async move {
                        booked.fetch_add(1, Ordering::SeqCst);
                        Ok(json!({"confirmation": format!("{}-{}", input["to"].as_str().unwrap_or("?"), input["passengers"])}))
                    }
                }),
        )
        .tool(
            Tool::new("lookupStock", "Stock of an item.")
                .input(json!({"type": "object", "properties": {"item": {"type": "string"}}, "required": ["item"]}))
                .worker("inventory", None, "lookup"),
        )
        .tool(Tool::new("slow", "Takes a while.").handler(|_| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(json!(null))
        }));
    if let Some(l) = limits {
        b = b.limits(l);
    }
    b.build().unwrap()
}

#[tokio::test]
async fn the_declaration_types_each_tool_for_the_prompt() {
    let cm = tools(None, Arc::default()).await;
    let d = cm.types();
    for expected in [
        "type GetWeatherInput = {\n  /** City name, e.g. \"Oslo\" */\n  city: string;\n  /** default: \"metric\" */\n  units?: \"metric\" | \"imperial\";\n};",
        "type GetWeatherOutput = {\n  city: string;\n  tempC: number;\n};",
        "type BookFlightInput = {\n  /** min 1, max 9 */\n  passengers: number;\n  to: string;\n};",
        "declare const codemode: {\n  /**\n   * Current weather for a city.\n   * Temperatures are in Celsius.\n   */\n  getWeather(input: GetWeatherInput): Promise<GetWeatherOutput>;",
        "  book_flight(input: BookFlightInput): Promise<BookFlightOutput>;",
        "  lookupStock(input: LookupStockInput): Promise<unknown>;",
    ] {
        assert!(d.contains(expected), "missing:\n{expected}\nin:\n{d}");
    }
}

#[tokio::test]
async fn model_code_calls_tools_logs_and_returns_json() {
    let booked = Arc::new(AtomicU32::new(0));
    let cm = tools(None, booked.clone()).await;
    let code = read("trip.ts").replace("bookFlight", "book_flight");
    let run = cm.execute(&code).await;
    assert_eq!(run.error, None, "{run:?}");
    assert_eq!(
        run.result,
        Some(
            json!({"warmest": "Cairo", "confirmation": "Cairo-2", "when": "1970-01-01T00:00:00.000Z"})
        )
    );
    let logs: Vec<&str> = run.logs.iter().map(|l| l.message.as_str()).collect();
    assert_eq!(logs, ["Oslo: -3°C", "Lisbon: 19°C", "Cairo: 27°C"]);
    assert_eq!(run.tool_calls, 4);
    assert_eq!(booked.load(Ordering::SeqCst), 1);
    // As data, for an agent's tool result.
    let as_json = serde_json::to_value(&run).unwrap();
    assert_eq!(as_json["toolCalls"], 4);
    assert!(as_json.get("error").is_none());
}

#[tokio::test]
async fn a_function_body_and_a_module_are_code_too() {
    let cm = tools(None, Arc::default()).await;
    let run = cm.execute(&read("body.ts")).await;
    assert_eq!(run.result, Some(json!("cold")), "{run:?}");
    let run = cm.execute(&read("module.ts")).await;
    assert_eq!(
        run.result,
        Some(json!({"tempC": 27, "hasEnv": "object"})),
        "{run:?}"
    );
    assert_eq!(run.logs[0].message, "module top level runs inside the call");
    assert_eq!(
        cm.execute("return undefined").await.result,
        Some(Value::Null)
    );
}

#[tokio::test]
async fn errors_are_results_with_the_code_s_own_line() {
    let cm = tools(None, Arc::default()).await;
    let run = cm.execute(&read("throws.ts")).await;
    let e = run.error.as_ref().expect("an error");
    assert_eq!(e.name, "TypeError");
    assert!(e.message.contains("URL"), "{e:?}");
    assert_eq!(e.line, Some(5), "{e:?}");
    assert_eq!(run.result, None);
    assert_eq!(run.logs[0].level, LogLevel::Warn);
    assert_eq!(run.logs[0].message, "about to fail");

    let run = cm.execute("async () => {\n  const x = ;\n}").await;
    let e = run.error.unwrap();
    assert_eq!((e.name.as_str(), e.line), ("SyntaxError", Some(2)), "{e:?}");

    let run = cm
        .execute("async () => await codemode.deleteEverything({})")
        .await;
    let e = run.error.unwrap();
    assert_eq!(e.name, "TypeError");
    assert!(
        e.message.contains(
            "codemode.deleteEverything is not a tool (the tools are: book_flight, getWeather"
        ),
        "{e:?}"
    );
    assert_eq!(e.line, Some(1));
}

#[tokio::test]
async fn inputs_are_checked_against_the_schema_before_the_handler_runs() {
    let booked = Arc::new(AtomicU32::new(0));
    let cm = tools(None, booked.clone()).await;
    let run = cm
        .execute("async () => codemode.book_flight({ to: 'Oslo', passengers: 40 })")
        .await;
    let e = run.error.expect("refused");
    assert!(
        e.message.contains("/passengers") && e.message.contains("maximum"),
        "{e:?}"
    );
    assert_eq!(booked.load(Ordering::SeqCst), 0, "the handler must not run");

    // A refusal is an exception the code can catch and recover from.
    let run = cm
        .execute(
            "async () => {\n\
               try { await codemode.getWeather({ town: 'Oslo' }); } catch (e) { console.log(e.message); }\n\
               try { await codemode.getWeather({ city: 'Atlantis' }); } catch (e) { return e.message; }\n\
             }",
        )
        .await;
    assert_eq!(
        run.result,
        Some(json!("codemode.getWeather: no station in Atlantis")),
        "{run:?}"
    );
    assert!(
        run.logs[0]
            .message
            .contains("\"city\" is a required property"),
        "{:?}",
        run.logs
    );
    assert!(run.logs[0].message.contains("town"), "{:?}", run.logs);
}

#[tokio::test]
async fn a_worker_can_be_a_tool() {
    let cm = tools(None, Arc::default()).await;
    let run = cm
        .execute(
            "async () => {\n\
               const a = await codemode.lookupStock({ item: 'apple' });\n\
               let err; try { await codemode.lookupStock({ item: 'kiwi' }) } catch (e) { err = e.message }\n\
               return { a, err };\n\
             }",
        )
        .await;
    assert_eq!(run.error, None, "{run:?}");
    let r = run.result.unwrap();
    assert_eq!(r["a"], json!({"item": "apple", "count": 3}));
    assert!(
        r["err"].as_str().unwrap().contains("unknown item kiwi"),
        "{r}"
    );
}

#[tokio::test]
async fn the_sandbox_has_no_network_and_limits_end_runaway_code() {
    let limits = Limits::new()
        .cpu_time(Duration::from_millis(100))
        .timeout(Duration::from_millis(600));
    let cm = tools(Some(limits), Arc::default()).await;

    let run = cm
        .execute("async () => (await fetch('https://example.com/')).status")
        .await;
    let e = run.error.expect("no network");
    assert!(
        e.message.to_lowercase().contains("outbound") || e.message.contains("denied"),
        "{e:?}"
    );

    let run = cm.execute("async () => { while (true) {} }").await;
    assert_eq!(run.error.unwrap().name, "CpuLimitExceeded");

    let run = cm.execute("async () => codemode.slow({})").await;
    assert_eq!(run.error.unwrap().name, "Timeout");

    let run = cm
        .execute("async () => { const a = []; while (true) a.push(new Array(1e6).fill(1)); }")
        .await;
    let name = run.error.unwrap().name;
    assert!(
        name == "MemoryLimitExceeded" || name == "CpuLimitExceeded",
        "{name}"
    );

    // The same tool set goes on working after each.
    assert_eq!(cm.execute("return 1 + 1").await.result, Some(json!(2)));
}

#[tokio::test]
async fn tool_calls_are_bounded() {
    let cm = CodeMode::builder(runtime().await.clone())
        .tool(weather())
        .max_tool_calls(3)
        .build()
        .unwrap();
    let run = cm
        .execute("async () => { for (let i = 0; i < 10; i++) await codemode.getWeather({ city: 'Oslo' }); }")
        .await;
    assert!(run.error.unwrap().message.contains("ToolCallLimitExceeded"));
    assert_eq!(run.tool_calls, 4);
}

#[tokio::test]
async fn bad_tool_sets_are_refused_when_built() {
    let rt = runtime().await.clone();
    let err = CodeMode::builder(rt.clone())
        .tool(weather())
        .tool(weather())
        .tool(
            Tool::new("bad", "x")
                .input(json!({"type": 12}))
                .handler(|_| async { Ok(json!(1)) }),
        )
        .tool(Tool::new("nohandler", "x"))
        .build()
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("\"getWeather\" is defined twice"), "{err}");
    assert!(
        err.contains("\"bad\": its input schema is not valid"),
        "{err}"
    );
    assert!(err.contains("\"nohandler\" has no handler"), "{err}");
}

// ---- `isolet mcp`: a real MCP client over stdio and streamable HTTP ----

use std::path::PathBuf;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use isolet_codemode::mcp::{McpConfig, McpServer};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult, ClientConfig, ContentBlock};

/// A local API for the config's tools: GET /weather/{city}, POST and GET /issues.
async fn api() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(
                    |req: http::Request<hyper::body::Incoming>| async move {
                        let (parts, body) = req.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let auth = parts
                            .headers
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string);
                        let path = parts.uri.path().to_string();
                        let query = parts.uri.query().unwrap_or_default().to_string();
                        let (status, value) = match (parts.method.as_str(), path.as_str()) {
                            ("GET", p) if p.starts_with("/weather/") => {
                                let city = p.trim_start_matches("/weather/").replace("%20", " ");
                                let t = if city == "Oslo" { -3 } else { 20 };
                                (200, json!({"city": city, "tempC": t, "query": query}))
                            }
                            ("POST", "/issues") => {
                                let issue: Value =
                                    serde_json::from_slice(&body).unwrap_or(Value::Null);
                                (
                                    201,
                                    json!({"number": 7, "title": issue["title"], "state": "open", "auth": auth}),
                                )
                            }
                            ("GET", "/issues") => (
                                200,
                                json!([{"number": 1, "title": "first", "state": query}]),
                            ),
                            _ => (404, json!({"error": "no route"})),
                        };
                        Ok::<_, std::convert::Infallible>(
                            http::Response::builder()
                                .status(status)
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from(value.to_string())))
                                .unwrap(),
                        )
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    port
}

/// tests/workers/codemode/mcp/ in a temporary directory, pointed at `port`.
fn config_dir(port: u16) -> tempfile::TempDir {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/workers/codemode/mcp");
    let dir = tempfile::tempdir().unwrap();
    for f in ["tools.toml", "api.json"] {
        let text = std::fs::read_to_string(src.join(f))
            .unwrap()
            .replace("{PORT}", &port.to_string());
        std::fs::write(dir.path().join(f), text).unwrap();
    }
    dir
}

fn text_of(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| match c {
            ContentBlock::Text(t) => Some(t.text.clone()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn call(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ClientConfig>,
    tool: &str,
    args: Value,
) -> CallToolResult {
    let Value::Object(map) = args else {
        panic!("arguments are an object")
    };
    client
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(map))
        .await
        .unwrap()
}

/// The exchange both transports must carry: tools/list, search, describe,
/// execute against the HTTP and OpenAPI tools, and errors as results.
async fn exchange(client: &rmcp::service::RunningService<rmcp::RoleClient, ClientConfig>) {
    let info = client.peer_info().expect("initialized");
    assert_eq!(
        info.server_info.as_ref().map(|i| i.name.as_str()),
        Some("isolet")
    );
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(names, ["search", "describe", "execute"]);
    assert!(
        tools[0]
            .description
            .as_deref()
            .unwrap()
            .contains("createIssue"),
        "{tools:?}"
    );

    let found = text_of(&call(client, "search", json!({"query": "weather city"})).await);
    assert!(
        found.contains("getWeather(input: GetWeatherInput): Promise<GetWeatherOutput>;"),
        "{found}"
    );
    assert!(!found.contains("createIssue"), "{found}");
    let described = text_of(
        &call(
            client,
            "describe",
            json!({"tools": ["createIssue", "nope"]}),
        )
        .await,
    );
    assert!(
        described.contains("type CreateIssueInput = {\n  /** Open an issue. */")
            || described.contains("body: {"),
        "{described}"
    );
    assert!(described.contains("title: string;"), "{described}");
    assert!(
        described.contains("// Not tools of this API: nope"),
        "{described}"
    );

    let code = "async () => {\n\
        const w = await codemode.getWeather({ city: 'Oslo', units: 'metric' });\n\
        console.log('weather', w.tempC);\n\
        const issue = await codemode.createIssue({ body: { title: `Cold in ${w.city}` } });\n\
        const open = await codemode.listIssues({ state: 'open' });\n\
        return { issue, open, query: w.query };\n\
    }";
    let r = call(client, "execute", json!({"code": code})).await;
    assert_ne!(r.is_error, Some(true), "{}", text_of(&r));
    let data = r.structured_content.clone().expect("structured result");
    assert_eq!(
        data["result"]["issue"],
        json!({"number": 7, "title": "Cold in Oslo", "state": "open", "auth": "Bearer t0ken"})
    );
    assert_eq!(data["result"]["open"][0]["state"], "state=open");
    assert_eq!(data["result"]["query"], "units=metric");
    assert_eq!(data["logs"][0]["message"], "weather -3");
    assert_eq!(data["toolCalls"], 3);

    // Failures are tool results with isError, the sandbox's verdict inside.
    let r = call(
        client,
        "execute",
        json!({"code": "async () => codemode.createIssue({ body: { title: '' } })"}),
    )
    .await;
    assert_eq!(r.is_error, Some(true));
    assert!(
        text_of(&r).contains("does not match the tool's schema"),
        "{}",
        text_of(&r)
    );
    let r = call(
        client,
        "execute",
        json!({"code": "async () => { while (true) {} }"}),
    )
    .await;
    assert_eq!(
        r.structured_content.unwrap()["error"]["name"],
        "CpuLimitExceeded"
    );
    let r = call(client, "execute", json!({})).await;
    assert_eq!(r.is_error, Some(true));
}

#[tokio::test]
async fn mcp_over_stdio_with_the_cli() {
    let port = api().await;
    let dir = config_dir(port);
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_isolet"));
    cmd.arg("mcp")
        .arg("--config")
        .arg(dir.path().join("tools.toml"))
        .env("ISOLET_TEST_API_TOKEN", "t0ken")
        .env("RUST_LOG", "warn");
    let transport = rmcp::transport::TokioChildProcess::new(cmd).unwrap();
    let client = ClientConfig::default().serve(transport).await.unwrap();
    exchange(&client).await;
    client.cancel().await.unwrap();

    // A server proxying one that runs as its child process on stdio.
    let inner = dir.path().join("inner.toml");
    std::fs::write(
        &inner,
        format!(
            "[[tool]]\nname = \"getWeather\"\nurl = \"http://127.0.0.1:{port}/weather/{{city}}\"\nmethod = \"GET\"\nallowPrivate = true\n"
        ),
    )
    .unwrap();
    let config: McpConfig = toml::from_str(&format!(
        "[[mcp]]\nname = \"child\"\ncommand = [{:?}, \"mcp\", \"--config\", {:?}]\n",
        env!("CARGO_BIN_EXE_isolet"),
        inner.display().to_string()
    ))
    .unwrap();
    let proxy = McpServer::from_config(runtime().await.clone(), &config, dir.path())
        .await
        .unwrap();
    let run = proxy
        .codemode()
        .execute(
            "async () => {\n\
               const r = await codemode.child_execute({ code: \"return (await codemode.getWeather({ city: 'Oslo' })).tempC\" });\n\
               return r.result;\n\
             }",
        )
        .await;
    assert_eq!(run.result, Some(json!(-3)), "{run:?}");
}

#[tokio::test]
async fn mcp_over_streamable_http_proxying_another_mcp_server() {
    let port = api().await;
    let dir = config_dir(port);
    let mut config = McpConfig::load(&dir.path().join("tools.toml")).unwrap();
    config.openapi[0]
        .headers
        .insert("authorization".into(), "Bearer t0ken".into());
    let rt = runtime().await.clone();
    let server = McpServer::from_config(rt.clone(), &config, dir.path())
        .await
        .unwrap()
        .bearer_token("s3cret");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve_http(listener, async {
        let _ = stopped.await;
    }));
    let url = format!("http://{addr}/mcp");
    // rmcp's HTTP client (reqwest) takes the process's rustls provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // Without the token: refused before MCP sees the request.
    let mut raw = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
    tokio::io::AsyncWriteExt::write_all(&mut raw, req.as_bytes())
        .await
        .unwrap();
    let mut answer = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut raw, &mut answer)
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let refused = ClientConfig::default()
        .serve(rmcp::transport::StreamableHttpClientTransport::from_uri(
            url.as_str(),
        ))
        .await;
    if let Ok(c) = refused {
        assert!(
            c.list_all_tools().await.is_err(),
            "a client without the token must not get in"
        );
    }
    let transport = rmcp::transport::StreamableHttpClientTransport::from_config(
        rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig::with_uri(
            url.as_str(),
        )
        .auth_header("s3cret"),
    );
    let client = ClientConfig::default().serve(transport).await.unwrap();
    exchange(&client).await;

    // A second server proxies the first one's tools: `inner_execute` runs
    // code in the first server's sandbox, called from the second's.
    let no_token: McpConfig =
        toml::from_str(&format!("[[mcp]]\nname = \"inner\"\nurl = \"{url}\"\n")).unwrap();
    let e = McpServer::from_config(rt.clone(), &no_token, dir.path())
        .await
        .err()
        .expect("the inner server wants its token")
        .to_string();
    assert!(
        e.contains("mcp \"inner\"") && e.contains("Auth required"),
        "{e}"
    );
    let proxy_config: McpConfig = toml::from_str(&format!(
        "[[mcp]]\nname = \"inner\"\nurl = \"{url}\"\ntoken = \"s3cret\"\n"
    ))
    .unwrap();
    let proxy = McpServer::from_config(rt, &proxy_config, dir.path())
        .await
        .unwrap();
    let names: Vec<&str> = proxy.codemode().tools().map(|(n, _)| n).collect();
    assert_eq!(names, ["inner_search", "inner_describe", "inner_execute"]);
    let run = proxy
        .codemode()
        .execute("async () => { const r = await codemode.inner_execute({ code: 'return 6 * 7' }); return r.result; }")
        .await;
    assert_eq!(run.result, Some(json!(42)), "{run:?}");

    client.cancel().await.unwrap();
    stop.send(()).unwrap();
    serving.await.unwrap().unwrap();
}
