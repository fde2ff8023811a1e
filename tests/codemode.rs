//! Code Mode end to end: tools registered in Rust (and one worker), the
//! TypeScript declaration, and model-written code from tests/workers/codemode/
//! run in real sandboxes, with every failure coming back as data.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use isolet::codemode::{CodeMode, Tool};
use isolet::{Limits, LogLevel, Runtime, WorkerCode};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

fn read(name: &str) -> String {
    let path = format!("{}/../tests/workers/codemode/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn runtime() -> &'static Runtime {
    static RT: OnceCell<Runtime> = OnceCell::const_new();
    RT.get_or_init(|| async {
        let rt = Runtime::builder().build().await.unwrap();
        rt.define(
            "inventory",
            WorkerCode::new("inventory.js")
                .module("inventory.js", isolet::ModuleSource::Esm(read("inventory.js")))
                .compatibility_date("2025-06-01"),
        );
        rt
    })
    .await
}

fn weather() -> Tool {
    Tool::new("getWeather", "Current weather for a city.\nTemperatures are in Celsius.")
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
        "type GetWeatherInput = {\n  /** City name, e.g. \"Oslo\" */\n  city: string;\n  /** (default: \"metric\") */\n  units?: \"metric\" | \"imperial\";\n};",
        "type GetWeatherOutput = {\n  city: string;\n  tempC: number;\n};",
        "type BookFlightInput = {\n  /** (minimum: 1; maximum: 9) */\n  passengers: number;\n  to: string;\n};",
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
        Some(json!({"warmest": "Cairo", "confirmation": "Cairo-2", "when": "1970-01-01T00:00:00.000Z"}))
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
    assert_eq!(run.result, Some(json!({"tempC": 27, "hasEnv": "object"})), "{run:?}");
    assert_eq!(run.logs[0].message, "module top level runs inside the call");
    assert_eq!(cm.execute("return undefined").await.result, Some(Value::Null));
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

    let run = cm.execute("async () => await codemode.deleteEverything({})").await;
    let e = run.error.unwrap();
    assert_eq!(e.name, "TypeError");
    assert!(e.message.contains("codemode.deleteEverything is not a tool (the tools are: book_flight, getWeather"), "{e:?}");
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
    assert!(e.message.contains("/passengers") && e.message.contains("maximum"), "{e:?}");
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
    assert_eq!(run.result, Some(json!("codemode.getWeather: no station in Atlantis")), "{run:?}");
    assert!(run.logs[0].message.contains("\"city\" is a required property"), "{:?}", run.logs);
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
    assert!(r["err"].as_str().unwrap().contains("unknown item kiwi"), "{r}");
}

#[tokio::test]
async fn the_sandbox_has_no_network_and_limits_end_runaway_code() {
    let limits = Limits::new()
        .cpu_time(Duration::from_millis(100))
        .timeout(Duration::from_millis(600));
    let cm = tools(Some(limits), Arc::default()).await;

    let run = cm.execute("async () => (await fetch('https://example.com/')).status").await;
    let e = run.error.expect("no network");
    assert!(e.message.to_lowercase().contains("outbound") || e.message.contains("denied"), "{e:?}");

    let run = cm.execute("async () => { while (true) {} }").await;
    assert_eq!(run.error.unwrap().name, "CpuLimitExceeded");

    let run = cm.execute("async () => codemode.slow({})").await;
    assert_eq!(run.error.unwrap().name, "Timeout");

    let run = cm.execute("async () => { const a = []; while (true) a.push(new Array(1e6).fill(1)); }").await;
    let name = run.error.unwrap().name;
    assert!(name == "MemoryLimitExceeded" || name == "CpuLimitExceeded", "{name}");

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
        .tool(Tool::new("bad", "x").input(json!({"type": 12})).handler(|_| async { Ok(json!(1)) }))
        .tool(Tool::new("nohandler", "x"))
        .build()
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("\"getWeather\" is defined twice"), "{err}");
    assert!(err.contains("\"bad\": its input schema is not valid"), "{err}");
    assert!(err.contains("\"nohandler\" has no handler"), "{err}");
}
