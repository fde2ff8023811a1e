//! The entry points of Code Mode's fuzz targets (driven by `tests/all/fuzz.rs` and
//! `scripts/fuzz`). Each takes arbitrary bytes, must never panic, and checks
//! a property of what it parsed. Not a stable API.

/// An OpenAPI document (JSON) as `isolet mcp` turns it into Code Mode
/// tools: its operations, `$ref`s inlined (bounded: a document whose refs
/// use each other twice per level must not expand exponentially), then the
/// TypeScript declaration of the tools. Never a panic, never an abort, and
/// output proportionate to what the bounds allow.
pub fn openapi_document(data: &[u8]) {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(tools) = crate::mcp::openapi_tools_for_fuzz(&doc) else {
        return;
    };
    let api = crate::typescript_api(&tools);
    assert!(
        api.len() <= 64 << 20,
        "the declaration of {} tools is {} bytes",
        tools.len(),
        api.len()
    );
}
