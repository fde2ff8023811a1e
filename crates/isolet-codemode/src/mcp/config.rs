//! `isolet mcp --config tools.toml`: where the tools come from. Each is an
//! HTTP endpoint, an operation of an OpenAPI document, or a tool of another
//! MCP server (proxied: the model's code calls it through the sandbox like
//! any other tool).
//!
//! ```toml
//! [limits]                      # of each execution (optional)
//! cpuMs = 1000
//! timeoutMs = 30000
//!
//! [[tool]]
//! name = "getWeather"
//! description = "Current weather for a city."
//! url = "https://api.example.com/weather/{city}"   # {x}: from the input, one path segment
//! method = "GET"                                   # other fields: query (GET/DELETE) or JSON body
//! headers = { authorization = "Bearer ${WEATHER_TOKEN}" }   # ${VAR}: from the environment
//! input = { type = "object", properties = { city = { type = "string" } }, required = ["city"] }
//!
//! [[openapi]]
//! spec = "github.json"          # an OpenAPI 3 document (JSON), relative to this file
//! baseUrl = "https://api.github.com"
//! operations = ["issues/list-for-repo"]             # operationIds; empty: all
//!
//! [[mcp]]
//! name = "files"                # its tools become files_<tool>
//! url = "http://127.0.0.1:9000/mcp"                # streamable HTTP ...
//! token = "${FILES_MCP_TOKEN}"                     # its bearer token, if it needs one
//! # command = ["my-mcp-server", "--stdio"]         # ... or a child process on stdio
//! ```
//!
//! A tool's headers go to its API's origin only: a redirect elsewhere is
//! followed without them. A URL's `{field}` is percent-encoded as one path
//! segment, and `.`, `..` or an empty value is refused (an error the
//! model's code sees), so `/items/{id}` cannot reach another path.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value as Json, json};

use crate::{CodeModeBuilder, Tool};
use isolet::Request;
use isolet::outbound::{ForwardConfig, Forwarder, Redirect};

/// The configuration file of `isolet mcp`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct McpConfig {
    /// Limits of each execution.
    #[serde(default)]
    pub limits: Option<ExecLimits>,
    /// Most tool calls per execution.
    #[serde(default, rename = "maxToolCalls")]
    pub max_tool_calls: Option<u32>,
    /// HTTP endpoints.
    #[serde(default, rename = "tool")]
    pub tools: Vec<HttpTool>,
    /// OpenAPI documents.
    #[serde(default)]
    pub openapi: Vec<OpenApi>,
    /// Other MCP servers.
    #[serde(default)]
    pub mcp: Vec<Upstream>,
}

/// `[limits]`.
#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExecLimits {
    /// CPU time, ms.
    pub cpu_ms: Option<u64>,
    /// Wall clock, ms.
    pub timeout_ms: Option<u64>,
    /// Memory, bytes.
    pub memory_bytes: Option<u64>,
}

/// `[[tool]]`: an HTTP endpoint.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpTool {
    /// The tool's name in `codemode.<name>`.
    pub name: String,
    /// What the model reads.
    #[serde(default)]
    pub description: String,
    /// The endpoint; `{field}` is replaced by that input field.
    pub url: String,
    /// Default `POST`.
    #[serde(default)]
    pub method: Option<String>,
    /// Headers sent (values may name `${ENV_VARS}`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Input JSON Schema (default: any object).
    #[serde(default)]
    pub input: Option<toml::Value>,
    /// Output JSON Schema.
    #[serde(default)]
    pub output: Option<toml::Value>,
    /// Allow private/loopback addresses (default false).
    #[serde(default)]
    pub allow_private: bool,
}

/// `[[openapi]]`: the operations of an OpenAPI 3 document.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OpenApi {
    /// Path of the document (JSON), relative to the config file.
    pub spec: String,
    /// Where requests go (default: the document's first `servers` URL).
    #[serde(default)]
    pub base_url: Option<String>,
    /// The operationIds to expose; empty: every operation.
    #[serde(default)]
    pub operations: Vec<String>,
    /// Headers sent with every request (values may name `${ENV_VARS}`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Allow private/loopback addresses (default false).
    #[serde(default)]
    pub allow_private: bool,
}

/// `[[mcp]]`: another MCP server whose tools are proxied.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Upstream {
    /// Prefix of its tools' names (`<name>_<tool>`).
    pub name: String,
    /// Its streamable HTTP endpoint.
    #[serde(default)]
    pub url: Option<String>,
    /// Or the command that runs it on stdio.
    #[serde(default)]
    pub command: Vec<String>,
    /// A bearer token for `url` (may name `${ENV_VARS}`).
    #[serde(default)]
    pub token: Option<String>,
}

impl McpConfig {
    /// Reads a config file.
    pub fn load(path: &Path) -> Result<McpConfig, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Replaces `${VAR}` with the environment variable (an unset one is an error:
/// a credential silently missing is worse).
pub(crate) fn expand_env(value: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed ${{ in {value:?}"))?;
        let name = &after[..end];
        out.push_str(
            &std::env::var(name).map_err(|_| format!("environment variable {name} is not set"))?,
        );
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn to_json(v: &toml::Value) -> Json {
    serde_json::to_value(v).unwrap_or(Json::Null)
}

/// How a request to an HTTP tool is made from its input.
#[derive(Debug, Clone)]
struct Endpoint {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    /// Input fields that go into the query (the rest, and `body`, are the
    /// JSON body); `None`: by method (GET/DELETE/HEAD: all in the query).
    query: Option<Vec<String>>,
    /// Input fields sent as headers.
    header_params: Vec<String>,
    /// The whole JSON body is this input field (OpenAPI `requestBody`).
    body_field: Option<String>,
    forward: ForwardConfig,
}

impl Endpoint {
    /// The HTTP request for `input`.
    fn request(&self, input: &Json) -> Result<Request, String> {
        let mut fields: Map<String, Json> = input.as_object().cloned().unwrap_or_default();
        let mut url = String::new();
        let mut rest = self.url.as_str();
        while let Some(i) = rest.find('{') {
            url.push_str(&rest[..i]);
            let end = rest[i..].find('}').ok_or("unclosed { in the URL")? + i;
            let name = &rest[i + 1..end];
            let value = fields
                .remove(name)
                .ok_or_else(|| format!("the input has no {name:?} (a part of the URL)"))?;
            let text = match value {
                Json::String(s) => s,
                other => other.to_string(),
            };
            url.push_str(&path_segment(name, &text)?);
            rest = &rest[end + 1..];
        }
        url.push_str(rest);
        let mut headers = self.headers.clone();
        for h in &self.header_params {
            if let Some(v) = fields.remove(h) {
                headers.push((
                    h.clone(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_string),
                ));
            }
        }
        let body_value = match &self.body_field {
            Some(f) => fields.remove(f),
            None => None,
        };
        let query_fields: Vec<String> = match &self.query {
            Some(q) => q.clone(),
            None if matches!(self.method.as_str(), "GET" | "DELETE" | "HEAD") => {
                fields.keys().cloned().collect()
            }
            None => Vec::new(),
        };
        let mut query = Vec::new();
        for name in &query_fields {
            if let Some(v) = fields.remove(name) {
                let values = match v {
                    Json::Array(a) => a,
                    v => vec![v],
                };
                for v in values {
                    let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                    query.push(format!("{}={}", url_encode(name), url_encode(&text)));
                }
            }
        }
        if !query.is_empty() {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&query.join("&"));
        }
        let body = match (body_value, self.body_field.is_some()) {
            (Some(v), _) => Some(v),
            (None, true) => None,
            (None, false) if !fields.is_empty() => Some(Json::Object(fields)),
            (None, false) => None,
        };
        let mut request = Request::new(&self.method, url);
        request.headers = headers;
        if let Some(body) = body {
            request
                .headers
                .push(("content-type".into(), "application/json".into()));
            request.body = body.to_string().into_bytes();
        }
        request.headers.push((
            "accept".into(),
            "application/json, text/plain;q=0.9, */*;q=0.5".into(),
        ));
        Ok(request)
    }

    async fn call(&self, forwarder: &Forwarder, input: Json) -> Result<Json, String> {
        let request = self.request(&input)?;
        let response = fetch_keeping_credentials(forwarder, &self.forward, request).await?;
        let status = response.status;
        let is_json = response
            .headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("content-type") && v.contains("json"));
        let body = response.body.collect().await.map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&body).into_owned();
        if !(200..300).contains(&status) {
            let mut shown = text;
            isolet::shorten(&mut shown, 2000);
            return Err(format!("HTTP {status}: {shown}"));
        }
        if text.is_empty() {
            return Ok(Json::Null);
        }
        if is_json {
            serde_json::from_str(&text).map_err(|e| format!("the response is not valid JSON: {e}"))
        } else {
            Ok(Json::String(text))
        }
    }
}

/// Performs a tool's request, following redirects itself (at most
/// `max_redirects`) so that the headers configured for the tool's API (an
/// `Authorization`, an API key) and those from the input never go to
/// another origin: a redirect that leaves the first request's origin is
/// followed with only `accept` (and `content-type` with a body).
async fn fetch_keeping_credentials(
    forwarder: &Forwarder,
    cfg: &ForwardConfig,
    mut request: Request,
) -> Result<isolet::StreamingResponse, String> {
    let origin = |url: &str| {
        url::Url::parse(url)
            .map(|u| u.origin())
            .map_err(|e| format!("invalid URL {url:?}: {e}"))
    };
    let first = origin(&request.url)?;
    let mut hops = 0u32;
    loop {
        let response = forwarder
            .fetch(cfg, request.clone(), Redirect::Manual)
            .await?;
        let location = response
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("location"))
            .map(|(_, v)| v.clone());
        let status = response.status;
        let Some(location) = location.filter(|_| (300..400).contains(&status)) else {
            return Ok(response);
        };
        hops += 1;
        if hops > cfg.max_redirects {
            return Err(format!(
                "{}: too many redirects (more than {})",
                request.url, cfg.max_redirects
            ));
        }
        let next = url::Url::parse(&request.url)
            .and_then(|u| u.join(&location))
            .map_err(|e| format!("{}: bad redirect location {location:?}: {e}", request.url))?;
        if status == 303 || ((status == 301 || status == 302) && request.method == "POST") {
            request.method = "GET".into();
            request.body.clear();
            request
                .headers
                .retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
        }
        if next.origin() != first {
            let body = !request.body.is_empty();
            request.headers.retain(|(k, _)| {
                k.eq_ignore_ascii_case("accept") || (body && k.eq_ignore_ascii_case("content-type"))
            });
        }
        request.url = next.into();
    }
}

/// A path parameter's value as one path segment: percent-encoded (`/`,
/// `?`, `#`, `%` and the rest), and never `.`, `..` or empty, which would
/// make `/api/items/{id}` reach another path of the API.
fn path_segment(name: &str, value: &str) -> Result<String, String> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(format!(
            "the input's {name:?} is {value:?}: a path parameter cannot be empty, \".\" or \"..\""
        ));
    }
    Ok(url_encode(value))
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn headers(map: &BTreeMap<String, String>) -> Result<Vec<(String, String)>, String> {
    map.iter()
        .map(|(k, v)| Ok((k.clone(), expand_env(v)?)))
        .collect()
}

fn forward_config(allow_private: bool) -> ForwardConfig {
    ForwardConfig {
        allow_private,
        ..ForwardConfig::default()
    }
}

fn endpoint_tool(tool: Tool, endpoint: Endpoint, forwarder: Arc<Forwarder>) -> Tool {
    let endpoint = Arc::new(endpoint);
    tool.handler(move |input| {
        let endpoint = endpoint.clone();
        let forwarder = forwarder.clone();
        async move { endpoint.call(&forwarder, input).await }
    })
}

/// Adds the `[[tool]]` entries.
pub(crate) fn add_http_tools(
    mut builder: CodeModeBuilder,
    tools: &[HttpTool],
    forwarder: &Arc<Forwarder>,
) -> Result<CodeModeBuilder, String> {
    for t in tools {
        let method = t
            .method
            .clone()
            .unwrap_or_else(|| "POST".into())
            .to_ascii_uppercase();
        let endpoint = Endpoint {
            method,
            url: t.url.clone(),
            headers: headers(&t.headers).map_err(|e| format!("tool {:?}: {e}", t.name))?,
            query: None,
            header_params: Vec::new(),
            body_field: None,
            forward: forward_config(t.allow_private),
        };
        url::Url::parse(&t.url.replace(['{', '}'], ""))
            .map_err(|e| format!("tool {:?}: url {:?}: {e}", t.name, t.url))?;
        let mut tool = Tool::new(&t.name, &t.description);
        if let Some(input) = &t.input {
            tool = tool.input(to_json(input));
        }
        if let Some(output) = &t.output {
            tool = tool.output(to_json(output));
        }
        builder = builder.tool(endpoint_tool(tool, endpoint, forwarder.clone()));
    }
    Ok(builder)
}

/// How much one schema may grow by inlining `$ref`s: a document whose refs
/// point at refs that use each other twice or more would otherwise expand
/// exponentially (2^32 copies with 32 levels), and nest past what the
/// TypeScript generator and serde's recursion walk on a thread's stack.
struct Inlining {
    /// The refs being inlined, outermost first (a recursive one becomes `{}`).
    seen: Vec<String>,
    /// JSON values written so far; past [`MAX_INLINED_VALUES`] refs become `{}`.
    values: usize,
}

/// The most JSON values one tool's inlined schema may hold.
const MAX_INLINED_VALUES: usize = 100_000;
/// The deepest chain of `$ref`s inlined into one another.
const MAX_REF_CHAIN: usize = 32;

/// `$ref`s into the document replaced by what they point at (a recursive
/// one, one past [`MAX_REF_CHAIN`] or one past [`MAX_INLINED_VALUES`] by
/// `{}`), so that each tool's schema stands alone.
fn inline_refs(schema: &Json, doc: &Json) -> Json {
    inline(
        schema,
        doc,
        &mut Inlining {
            seen: Vec::new(),
            values: 0,
        },
    )
}

fn inline(schema: &Json, doc: &Json, state: &mut Inlining) -> Json {
    state.values = state.values.saturating_add(1);
    match schema {
        Json::Object(o) => {
            if let Some(Json::String(r)) = o.get("$ref") {
                if state.seen.contains(r)
                    || state.seen.len() >= MAX_REF_CHAIN
                    || state.values > MAX_INLINED_VALUES
                {
                    return json!({});
                }
                let Some(target) = r.strip_prefix('#').and_then(|p| doc.pointer(p)) else {
                    return json!({});
                };
                state.seen.push(r.clone());
                let out = inline(target, doc, state);
                state.seen.pop();
                return out;
            }
            Json::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), inline(v, doc, state)))
                    .collect(),
            )
        }
        Json::Array(a) => Json::Array(a.iter().map(|v| inline(v, doc, state)).collect()),
        other => other.clone(),
    }
}

/// Adds the operations of the `[[openapi]]` documents.
pub(crate) fn add_openapi(
    mut builder: CodeModeBuilder,
    specs: &[OpenApi],
    base_dir: &Path,
    forwarder: &Arc<Forwarder>,
) -> Result<CodeModeBuilder, String> {
    for spec in specs {
        let path = base_dir.join(&spec.spec);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let doc: Json = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a JSON OpenAPI document: {e}", path.display()))?;
        let base = match &spec.base_url {
            Some(b) => b.clone(),
            None => doc
                .pointer("/servers/0/url")
                .and_then(Json::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("{}: no servers[0].url; set baseUrl", path.display()))?,
        };
        let common = headers(&spec.headers)?;
        let tools = openapi_tools(&doc, &base, &spec.operations)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        for (tool, mut endpoint) in tools {
            endpoint.headers.extend(common.iter().cloned());
            endpoint.forward = forward_config(spec.allow_private);
            builder = builder.tool(endpoint_tool(tool, endpoint, forwarder.clone()));
        }
    }
    Ok(builder)
}

/// [`openapi_tools`] for the fuzz target (crates/isolet/src/fuzz.rs): the tools
/// of a document, with a fixed base URL.
#[cfg(feature = "fuzz")]
pub(crate) fn openapi_tools_for_fuzz(doc: &Json) -> Result<Vec<Tool>, String> {
    Ok(openapi_tools(doc, "https://api.test/", &[])?
        .into_iter()
        .map(|(tool, _)| tool)
        .collect())
}

/// The tools of an OpenAPI document: one per operation (named by its
/// operationId, else `method_path`), its input an object of its path, query
/// and header parameters plus `body` (the JSON request body).
fn openapi_tools(doc: &Json, base: &str, only: &[String]) -> Result<Vec<(Tool, Endpoint)>, String> {
    let paths = doc
        .get("paths")
        .and_then(Json::as_object)
        .ok_or("no `paths`")?;
    let mut out = Vec::new();
    let mut found = Vec::new();
    for (path, item) in paths {
        let shared: Vec<Json> = item
            .get("parameters")
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default();
        for method in ["get", "put", "post", "delete", "patch", "head"] {
            let Some(op) = item.get(method) else { continue };
            let id = op
                .get("operationId")
                .and_then(Json::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("{method}_{path}"));
            if !only.is_empty() && !only.contains(&id) {
                continue;
            }
            found.push(id.clone());
            let mut properties = Map::new();
            let mut required = Vec::new();
            let mut query = Vec::new();
            let mut header_params = Vec::new();
            let params = shared.iter().chain(
                op.get("parameters")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten(),
            );
            for p in params {
                let p = inline_refs(p, doc);
                let (Some(name), Some(location)) = (
                    p.get("name").and_then(Json::as_str),
                    p.get("in").and_then(Json::as_str),
                ) else {
                    continue;
                };
                let mut schema = p.get("schema").cloned().unwrap_or(json!({}));
                if let (Some(d), Json::Object(o)) = (p.get("description"), &mut schema) {
                    o.entry("description").or_insert(d.clone());
                }
                match location {
                    "query" => query.push(name.to_string()),
                    "header" => header_params.push(name.to_string()),
                    "path" => {}
                    _ => continue,
                }
                if location == "path" || p.get("required").and_then(Json::as_bool) == Some(true) {
                    required.push(Json::String(name.to_string()));
                }
                properties.insert(name.to_string(), schema);
            }
            let body = op
                .pointer("/requestBody/content/application~1json/schema")
                .map(|s| inline_refs(s, doc));
            let body_field = body.as_ref().map(|_| "body".to_string());
            if let Some(mut b) = body {
                if let (Some(d), Json::Object(o)) = (op.pointer("/requestBody/description"), &mut b)
                {
                    o.entry("description").or_insert(d.clone());
                }
                if op.pointer("/requestBody/required").and_then(Json::as_bool) == Some(true) {
                    required.push(json!("body"));
                }
                properties.insert("body".into(), b);
            }
            let output = ["200", "201", "202", "default"].iter().find_map(|code| {
                op.pointer(&format!(
                    "/responses/{code}/content/application~1json/schema"
                ))
                .map(|s| inline_refs(s, doc))
            });
            let description = [op.get("summary"), op.get("description")]
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
                .collect::<Vec<_>>()
                .join("\n\n");
            let mut tool = Tool::new(id.replace(['/', '-', '.', ' '], "_"), description)
                .input(json!({"type": "object", "properties": properties, "required": required}));
            if let Some(o) = output {
                tool = tool.output(o);
            }
            let endpoint = Endpoint {
                method: method.to_ascii_uppercase(),
                url: format!("{}{path}", base.trim_end_matches('/')),
                headers: Vec::new(),
                query: Some(query),
                header_params,
                body_field,
                forward: ForwardConfig::default(),
            };
            out.push((tool, endpoint));
        }
    }
    if let Some(missing) = only.iter().find(|o| !found.contains(o)) {
        return Err(format!("no operation {missing:?}"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(method: &str, url: &str) -> Endpoint {
        Endpoint {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            query: None,
            header_params: Vec::new(),
            body_field: None,
            forward: ForwardConfig::default(),
        }
    }

    #[test]
    fn requests_from_inputs() {
        let e = endpoint("GET", "https://api.test/w/{city}");
        let r = e
            .request(&json!({"city": "São Paulo", "days": 3, "tags": ["a", "b"]}))
            .unwrap();
        assert_eq!(
            r.url,
            "https://api.test/w/S%C3%A3o%20Paulo?days=3&tags=a&tags=b"
        );
        assert!(r.body.is_empty());
        let e = endpoint("POST", "https://api.test/book");
        let r = e.request(&json!({"to": "Oslo"})).unwrap();
        assert_eq!(r.body, br#"{"to":"Oslo"}"#);
        assert!(e.request(&json!({})).is_ok());
        let e = endpoint("GET", "https://api.test/{id}");
        assert!(e.request(&json!({})).unwrap_err().contains("\"id\""));
    }

    #[test]
    fn path_parameters_are_one_segment() {
        let e = endpoint("GET", "https://api.test/api/items/{id}");
        for bad in ["..", ".", ""] {
            let err = e.request(&json!({ "id": bad })).unwrap_err();
            assert!(
                err.contains("\"id\"") && err.contains("path parameter"),
                "{err}"
            );
        }
        let r = e.request(&json!({"id": "a/b?c#d%2e%2e"})).unwrap();
        assert_eq!(r.url, "https://api.test/api/items/a%2Fb%3Fc%23d%252e%252e");
        let r = e.request(&json!({"id": "..."})).unwrap();
        assert_eq!(r.url, "https://api.test/api/items/...");
        assert_eq!(url::Url::parse(&r.url).unwrap().path(), "/api/items/...");
    }

    #[test]
    fn env_vars_expand_and_missing_ones_are_errors() {
        assert_eq!(expand_env("plain").unwrap(), "plain");
        assert!(
            expand_env("Bearer ${ISOLET_SURELY_UNSET_VAR}")
                .unwrap_err()
                .contains("ISOLET_SURELY_UNSET_VAR")
        );
        assert!(expand_env("${unclosed").is_err());
    }

    #[test]
    fn openapi_operations_become_tools() {
        let doc = json!({
            "openapi": "3.0.0",
            "paths": {
                "/repos/{owner}/{repo}/issues": {
                    "parameters": [{"name": "owner", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "get": {
                        "operationId": "issues/list",
                        "summary": "List issues",
                        "parameters": [
                            {"name": "repo", "in": "path", "required": true, "schema": {"type": "string"}},
                            {"name": "state", "in": "query", "schema": {"enum": ["open", "closed"]}}
                        ],
                        "responses": {"200": {"content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Issue"}}}}}}
                    },
                    "post": {
                        "operationId": "issues/create",
                        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Issue"}}}},
                        "responses": {"201": {"description": "created"}}
                    }
                }
            },
            "components": {"schemas": {"Issue": {"type": "object", "properties": {"title": {"type": "string"}, "parent": {"$ref": "#/components/schemas/Issue"}}}}}
        });
        let tools = openapi_tools(&doc, "https://api.test/", &[]).unwrap();
        assert_eq!(tools.len(), 2);
        let (list, e) = &tools[0];
        assert_eq!(list.name(), "issues_list");
        let r = e
            .request(&json!({"owner": "o", "repo": "r", "state": "open"}))
            .unwrap();
        assert_eq!(r.url, "https://api.test/repos/o/r/issues?state=open");
        let (create, e) = &tools[1];
        assert_eq!(create.name(), "issues_create");
        let r = e
            .request(&json!({"owner": "o", "repo": "r", "body": {"title": "t"}}))
            .unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.body, br#"{"title":"t"}"#);
        assert!(
            openapi_tools(&doc, "https://x", &["nope".into()])
                .unwrap_err()
                .contains("nope")
        );
    }
}
