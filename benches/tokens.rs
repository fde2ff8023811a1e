//! The Code Mode claim, measured: how many tokens a model reads to know an
//! API, as JSON-schema tool definitions (what an MCP `tools/list` or an LLM
//! API's `tools` parameter carries) vs the TypeScript declaration Code Mode
//! gives it (`isolet_codemode::typescript_api`), for a GitHub-like tool set
//! of 25 tools (benches/codemode/github_tools.json). Counted with the
//! cl100k_base and o200k_base encodings (tiktoken-rs).
//!
//! Run: `cargo bench --bench tokens` (prints one JSON line; compare.sh keeps
//! it for BENCHMARKS.md). Under `cargo test --benches` it runs the same way.

use isolet_codemode::{Tool, typescript_api};
use serde_json::{Value, json};

/// The tool set as Code Mode tools, with their output schemas or without.
fn tools(defs: &[Value], outputs: bool) -> Vec<Tool> {
    defs.iter()
        .map(|d| {
            let tool = Tool::new(
                d["name"].as_str().unwrap_or_default(),
                d["description"].as_str().unwrap_or_default(),
            )
            .input(d["input"].clone());
            if outputs {
                tool.output(d["output"].clone())
            } else {
                tool
            }
        })
        .collect()
}

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../benches/codemode/github_tools.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let defs: Vec<Value> = serde_json::from_str(&text).expect("the tool set is JSON");
    assert!(
        defs.len() >= 20,
        "a realistic tool set has at least 20 tools"
    );

    let typescript = typescript_api(&tools(&defs, true));
    // The like-for-like comparison with input-only definitions.
    let typescript_inputs = typescript_api(&tools(&defs, false));

    // As an MCP server lists them (name, description, inputSchema), and the
    // same with outputSchema, which the TypeScript also carries.
    let mcp_inputs: Vec<Value> = defs
        .iter()
        .map(|d| json!({"name": d["name"], "description": d["description"], "inputSchema": d["input"]}))
        .collect();
    let mcp_full: Vec<Value> = defs
        .iter()
        .map(|d| json!({"name": d["name"], "description": d["description"], "inputSchema": d["input"], "outputSchema": d["output"]}))
        .collect();
    // OpenAI's chat `tools` parameter.
    let openai: Vec<Value> = defs
        .iter()
        .map(|d| json!({"type": "function", "function": {"name": d["name"], "description": d["description"], "parameters": d["input"]}}))
        .collect();

    let texts = [
        (
            "json_tools_input_schemas",
            serde_json::to_string(&mcp_inputs).unwrap_or_default(),
        ),
        (
            "json_tools_input_and_output_schemas",
            serde_json::to_string(&mcp_full).unwrap_or_default(),
        ),
        (
            "openai_functions",
            serde_json::to_string(&openai).unwrap_or_default(),
        ),
        ("typescript_api", typescript.clone()),
        ("typescript_api_inputs_only", typescript_inputs),
    ];
    let mut out = serde_json::Map::new();
    out.insert("tools".into(), json!(defs.len()));
    out.insert("typescript_bytes".into(), json!(typescript.len()));
    for (encoding, bpe) in [
        (
            "cl100k_base",
            tiktoken_rs::cl100k_base().expect("cl100k_base loads"),
        ),
        (
            "o200k_base",
            tiktoken_rs::o200k_base().expect("o200k_base loads"),
        ),
    ] {
        let mut counts = serde_json::Map::new();
        for (name, text) in &texts {
            counts.insert(
                (*name).into(),
                json!(bpe.encode_with_special_tokens(text).len()),
            );
        }
        out.insert(encoding.into(), Value::Object(counts));
    }
    println!("{}", Value::Object(out));
}
