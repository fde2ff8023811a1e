//! Native hooks handed to the prelude: the host imports (tail log, outbound
//! fetch, bindings) and helpers JS cannot do well by itself (WHATWG URL
//! parsing, UTF-8 decoding of invalid input).

use rquickjs::function::Opt;
use rquickjs::{Array, ArrayBuffer, Ctx, Exception, Function, Object, TypedArray, Value};

use crate::isolet::worker::{bindings, cache, incoming_body, outbound, tail, types, websocket};
use crate::modules;

pub fn register<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Object<'js>> {
    let n = Object::new(ctx.clone())?;
    n.set("log", Function::new(ctx.clone(), log)?)?;
    n.set("reportException", Function::new(ctx.clone(), report_exception)?)?;
    n.set("fetch", Function::new(ctx.clone(), fetch)?)?;
    n.set("bindingCall", Function::new(ctx.clone(), binding_call)?)?;
    n.set("readRequestBody", Function::new(ctx.clone(), read_request_body)?)?;
    n.set("serviceFetch", Function::new(ctx.clone(), service_fetch)?)?;
    n.set("cacheLookup", Function::new(ctx.clone(), cache_lookup)?)?;
    n.set("cachePut", Function::new(ctx.clone(), cache_put)?)?;
    n.set("cacheDelete", Function::new(ctx.clone(), cache_delete)?)?;
    n.set("wsSend", Function::new(ctx.clone(), ws_send)?)?;
    n.set("wsClose", Function::new(ctx.clone(), ws_close)?)?;
    n.set("readResponseBody", Function::new(ctx.clone(), read_response_body)?)?;
    n.set("cancelResponseBody", Function::new(ctx.clone(), cancel_response_body)?)?;
    n.set("urlParse", Function::new(ctx.clone(), url_parse)?)?;
    n.set("urlSet", Function::new(ctx.clone(), url_set)?)?;
    n.set("urlOrigin", Function::new(ctx.clone(), url_origin)?)?;
    n.set("urlHref", Function::new(ctx.clone(), url_href)?)?;
    n.set("urlPatternParse", Function::new(ctx.clone(), crate::urlpattern::parse)?)?;
    n.set(
        "urlPatternMatchInput",
        Function::new(ctx.clone(), crate::urlpattern::match_input)?,
    )?;
    n.set("formParse", Function::new(ctx.clone(), form_parse)?)?;
    n.set("formSerialize", Function::new(ctx.clone(), form_serialize)?)?;
    n.set("utf8Decode", Function::new(ctx.clone(), utf8_decode)?)?;
    n.set("dataModule", Function::new(ctx.clone(), data_module)?)?;
    n.set("moduleSource", Function::new(ctx.clone(), module_source)?)?;
    n.set("nodeSource", Function::new(ctx.clone(), node_source)?)?;
    n.set(
        "rewriterCheckSelector",
        Function::new(ctx.clone(), crate::htmlrewriter::check_selector)?,
    )?;
    n.set("rewriterNew", Function::new(ctx.clone(), crate::htmlrewriter::new)?)?;
    n.set("rewriterWrite", Function::new(ctx.clone(), crate::htmlrewriter::write)?)?;
    n.set("rewriterEnd", Function::new(ctx.clone(), crate::htmlrewriter::end)?)?;
    n.set("rewriterFree", Function::new(ctx.clone(), crate::htmlrewriter::free)?)?;
    n.set("rwOp", Function::new(ctx.clone(), crate::htmlrewriter::rw_op)?)?;
    n.set("nodeResolve", Function::new(ctx.clone(), node_resolve)?)?;
    n.set("asyncContextGet", Function::new(ctx.clone(), async_context_get)?)?;
    n.set("asyncContextSet", Function::new(ctx.clone(), async_context_set)?)?;
    n.set("randomBytes", Function::new(ctx.clone(), random_bytes)?)?;
    n.set("digest", Function::new(ctx.clone(), digest)?)?;
    n.set("hmac", Function::new(ctx.clone(), hmac)?)?;
    n.set("encodingFor", Function::new(ctx.clone(), encoding_for)?)?;
    n.set("legacyDecode", Function::new(ctx.clone(), legacy_decode)?)?;
    n.set("keyImport", Function::new(ctx.clone(), key_import)?)?;
    n.set("keyFromParts", Function::new(ctx.clone(), key_from_parts)?)?;
    n.set("keyParts", Function::new(ctx.clone(), key_parts)?)?;
    n.set("keyPublic", Function::new(ctx.clone(), key_public)?)?;
    n.set("keyRsaInfo", Function::new(ctx.clone(), key_rsa_info)?)?;
    n.set("keyGenerate", Function::new(ctx.clone(), key_generate)?)?;
    n.set("keySign", Function::new(ctx.clone(), key_sign)?)?;
    n.set("keyVerify", Function::new(ctx.clone(), key_verify)?)?;
    n.set("aes", Function::new(ctx.clone(), aes)?)?;
    n.set("pbkdf2", Function::new(ctx.clone(), pbkdf2)?)?;
    n.set("hkdf", Function::new(ctx.clone(), hkdf)?)?;
    n.set("rsaOaep", Function::new(ctx.clone(), rsa_oaep)?)?;
    n.set("x25519Import", Function::new(ctx.clone(), x25519_import)?)?;
    n.set("x25519Parts", Function::new(ctx.clone(), x25519_parts)?)?;
    n.set("x25519Generate", Function::new(ctx.clone(), x25519_generate)?)?;
    n.set("sharedSecret", Function::new(ctx.clone(), shared_secret)?)?;
    n.set("aesKw", Function::new(ctx.clone(), aes_kw)?)?;
    n.set("hashOpen", Function::new(ctx.clone(), hash_open)?)?;
    n.set("hashUpdate", Function::new(ctx.clone(), hash_update)?)?;
    n.set("hashFinish", Function::new(ctx.clone(), hash_finish)?)?;
    n.set("zOpen", Function::new(ctx.clone(), z_open)?)?;
    n.set("zPush", Function::new(ctx.clone(), z_push)?)?;
    n.set("zFinish", Function::new(ctx.clone(), z_finish)?)?;
    n.set("zClose", Function::new(ctx.clone(), crate::compression::close)?)?;
    Ok(n)
}

fn log(level: i32, message: String) {
    let level = match level {
        0 => types::LogLevel::Debug,
        2 => types::LogLevel::Info,
        3 => types::LogLevel::Warn,
        4 => types::LogLevel::Error,
        _ => types::LogLevel::Log,
    };
    tail::log(level, &message);
}

/// `reportException(name, message, stack)`: an uncaught error for the
/// trace's exceptions.
fn report_exception(name: String, message: String, stack: String) {
    tail::exception(&types::ScriptError { name, message, stack });
}

pub(crate) fn bytes_of(v: &Value<'_>) -> Vec<u8> {
    if let Ok(t) = TypedArray::<u8>::from_value(v.clone()) {
        return t.as_bytes().map(<[u8]>::to_vec).unwrap_or_default();
    }
    if let Some(b) = ArrayBuffer::from_value(v.clone()) {
        return b.as_bytes().map(<[u8]>::to_vec).unwrap_or_default();
    }
    Vec::new()
}

/// A request for the host from the prelude's parts: headers a flat
/// `[name, value, ...]` list.
fn wire_request<'js>(
    ctx: &Ctx<'js>,
    method: String,
    url: String,
    headers: Value<'js>,
    body: &Value<'js>,
) -> rquickjs::Result<types::Request> {
    let headers =
        crate::engine::flat_headers_from_js(ctx, headers).map_err(|e| Exception::throw_type(ctx, &e.message))?;
    Ok(types::Request {
        method,
        url,
        headers,
        body: bytes_of(body),
        body_streams: false,
    })
}

/// The host's answer as `[status, flat headers, body]`: the body a
/// Uint8Array when it came whole, or the number `readResponseBody` reads the
/// rest with.
fn fetched_to_js<'js>(ctx: &Ctx<'js>, fetched: types::Fetched) -> rquickjs::Result<Array<'js>> {
    let resp = fetched.response;
    let out = Array::new(ctx.clone())?;
    out.set(0, resp.status)?;
    // Flat, as the prelude's Headers._fromFlat takes them.
    let hs = Array::new(ctx.clone())?;
    for (i, (k, v)) in resp.headers.into_iter().enumerate() {
        hs.set(2 * i, k)?;
        hs.set(2 * i + 1, v)?;
    }
    out.set(1, hs)?;
    match fetched.body {
        Some(handle) => out.set(2, handle)?,
        None => out.set(2, TypedArray::<u8>::new(ctx.clone(), resp.body)?)?,
    }
    Ok(out)
}

/// `fetch(method, url, flatHeaders, body, redirect) -> [status, flatHeaders, body]`
/// (see `fetched_to_js`).
fn fetch<'js>(
    ctx: Ctx<'js>,
    method: String,
    url: String,
    headers: Value<'js>,
    body: Value<'js>,
    redirect: Opt<String>,
) -> rquickjs::Result<Array<'js>> {
    let req = wire_request(&ctx, method, url, headers, &body)?;
    let redirect = match redirect.0.as_deref() {
        Some("manual") => types::RedirectMode::Manual,
        Some("error") => types::RedirectMode::Error,
        _ => types::RedirectMode::Follow,
    };
    match outbound::fetch(&req, types::FetchOptions { redirect }) {
        Ok(fetched) => fetched_to_js(&ctx, fetched),
        Err(message) => Err(Exception::throw_type(&ctx, &message)),
    }
}

/// `serviceFetch(binding, method, url, flatHeaders, body)`: `env.NAME.fetch`
/// on a service binding; the answer as for `fetch`.
fn service_fetch<'js>(
    ctx: Ctx<'js>,
    binding: String,
    method: String,
    url: String,
    headers: Value<'js>,
    body: Value<'js>,
) -> rquickjs::Result<Array<'js>> {
    let req = wire_request(&ctx, method, url, headers, &body)?;
    match bindings::fetch(&binding, &req) {
        Ok(fetched) => fetched_to_js(&ctx, fetched),
        Err(message) => Err(Exception::throw_message(&ctx, &message)),
    }
}

/// The next bytes of a fetched response's body, or null at its end (the
/// host waits for them).
fn read_response_body<'js>(ctx: Ctx<'js>, handle: u32) -> rquickjs::Result<Value<'js>> {
    match outbound::read_body(handle) {
        Ok(Some(bytes)) => Ok(TypedArray::<u8>::new(ctx, bytes)?.into_value()),
        Ok(None) => Ok(Value::new_null(ctx)),
        Err(message) => Err(Exception::throw_type(&ctx, &message)),
    }
}

fn cancel_response_body(handle: u32) {
    outbound::cancel_body(handle);
}

/// `cacheLookup(name, url, flatHeaders)`: `[status, flatHeaders, bytes]` or null.
fn cache_lookup<'js>(ctx: Ctx<'js>, name: String, url: String, headers: Value<'js>) -> rquickjs::Result<Value<'js>> {
    let headers =
        crate::engine::flat_headers_from_js(&ctx, headers).map_err(|e| Exception::throw_type(&ctx, &e.message))?;
    match cache::lookup(&name, &url, &headers) {
        Some(resp) => Ok(fetched_to_js(
            &ctx,
            types::Fetched {
                response: resp,
                body: None,
            },
        )?
        .into_value()),
        None => Ok(Value::new_null(ctx)),
    }
}

/// `cachePut(name, url, status, flatHeaders, bytes)`.
fn cache_put<'js>(
    ctx: Ctx<'js>,
    name: String,
    url: String,
    status: u16,
    headers: Value<'js>,
    body: Value<'js>,
) -> rquickjs::Result<()> {
    let headers =
        crate::engine::flat_headers_from_js(&ctx, headers).map_err(|e| Exception::throw_type(&ctx, &e.message))?;
    let response = types::Response {
        status,
        headers,
        body: bytes_of(&body),
    };
    cache::put(&name, &url, &response).map_err(|message| Exception::throw_type(&ctx, &message))
}

fn cache_delete(name: String, url: String) -> bool {
    cache::delete(&name, &url)
}

/// `wsSend(data)`: a message for the client of the accepted WebSocket (a
/// string is a text message, bytes a binary one).
fn ws_send<'js>(ctx: Ctx<'js>, data: Value<'js>) -> rquickjs::Result<()> {
    let message = match data.as_string() {
        Some(s) => types::Message::Text(s.to_string()?),
        None => types::Message::Binary(bytes_of(&data)),
    };
    websocket::send(&message).map_err(|message| Exception::throw_type(&ctx, &message))
}

/// `wsClose(code, reason)`: the worker closes the accepted WebSocket.
fn ws_close(code: u16, reason: String) {
    websocket::close(code, &reason);
}

/// The next bytes of the incoming request's streamed body, or null at its
/// end (the host waits for them).
fn read_request_body<'js>(ctx: Ctx<'js>) -> rquickjs::Result<Value<'js>> {
    match incoming_body::read() {
        Ok(Some(bytes)) => Ok(TypedArray::<u8>::new(ctx, bytes)?.into_value()),
        Ok(None) => Ok(Value::new_null(ctx)),
        Err(message) => Err(Exception::throw_type(&ctx, &message)),
    }
}

fn binding_call(ctx: Ctx<'_>, binding: String, method: String, args: String) -> rquickjs::Result<String> {
    bindings::call(&binding, &method, &args).map_err(|message| Exception::throw_message(&ctx, &message))
}

/// A parsed URL as `[href, afterScheme, beforeUsername, afterUsername,
/// beforePassword, afterPassword, beforeHost, afterHost, beforePort,
/// afterPort, beforePath, afterPath, afterQuery]`: one string and the
/// offsets of its components (a serialized URL is ASCII, so byte offsets
/// are string indices). The prelude slices a component out when it is
/// read: making all eleven strings up front cost more than the parse.
fn url_parts<'js>(ctx: &Ctx<'js>, u: &url::Url) -> rquickjs::Result<Array<'js>> {
    use url::Position as P;
    let arr = Array::new(ctx.clone())?;
    arr.set(0, u.as_str())?;
    let at = [
        P::AfterScheme,
        P::BeforeUsername,
        P::AfterUsername,
        P::BeforePassword,
        P::AfterPassword,
        P::BeforeHost,
        P::AfterHost,
        P::BeforePort,
        P::AfterPort,
        P::BeforePath,
        P::AfterPath,
        P::AfterQuery,
    ];
    for (i, p) in at.into_iter().enumerate() {
        // A user name without a password ("u@host"): Position::AfterPassword
        // is then after the "@"; the password is empty at the user's end.
        let p = match p {
            P::BeforePassword | P::AfterPassword if u.password().is_none() => P::AfterUsername,
            p => p,
        };
        arr.set(i + 1, u[..p].len() as u32)?;
    }
    Ok(arr)
}

/// `urlParse(input, base?)`: the URL's parts, or `null` if it does not parse.
fn url_parse<'js>(ctx: Ctx<'js>, input: String, base: Opt<String>) -> rquickjs::Result<Value<'js>> {
    match parse_url(&input, base.0.as_deref()) {
        Some(u) => Ok(url_parts(&ctx, &u)?.into_value()),
        None => Ok(Value::new_null(ctx)),
    }
}

fn parse_url(input: &str, base: Option<&str>) -> Option<url::Url> {
    match base {
        Some(base) => url::Url::parse(base).and_then(|b| b.join(input)),
        None => url::Url::parse(input),
    }
    .ok()
}

/// `formParse(s)`: an `application/x-www-form-urlencoded` string as a flat
/// `[name, value, ...]` list (WHATWG's parser: `+` is a space, `%XX` a byte,
/// the bytes UTF-8 with replacement characters).
fn form_parse(s: String) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in form_urlencoded::parse(s.as_bytes()) {
        out.push(k.into_owned());
        out.push(v.into_owned());
    }
    out
}

/// `formSerialize([name, value, ...])`: the list serialized the way
/// `URLSearchParams.prototype.toString` does.
fn form_serialize(flat: Vec<String>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for pair in flat.chunks(2) {
        if let [k, v] = pair {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

/// `urlOrigin(href)`: the origin of a URL that parsed before.
fn url_origin(href: String) -> String {
    url::Url::parse(&href)
        .map(|u| url::quirks::origin(&u))
        .unwrap_or_else(|_| "null".into())
}

/// `urlHref(input, base?)`: the parsed URL's href, or `null` if it does not
/// parse (for callers that need only that, like `new Request(url)`).
fn url_href<'js>(ctx: Ctx<'js>, input: String, base: Opt<String>) -> rquickjs::Result<Value<'js>> {
    match parse_url(&input, base.0.as_deref()) {
        Some(u) => rquickjs::String::from_str(ctx, u.as_str()).map(|s| s.into_value()),
        None => Ok(Value::new_null(ctx)),
    }
}

/// `urlSet(href, part, value)`: the parts after a WHATWG setter ran.
fn url_set<'js>(ctx: Ctx<'js>, href: String, part: String, value: String) -> rquickjs::Result<Array<'js>> {
    use url::quirks as q;
    let mut u = url::Url::parse(&href).map_err(|e| Exception::throw_type(&ctx, &format!("Invalid URL: {e}")))?;
    let _ = match part.as_str() {
        "href" => q::set_href(&mut u, &value).map_err(|e| Exception::throw_type(&ctx, &format!("Invalid URL: {e}")))?,
        "protocol" => drop(q::set_protocol(&mut u, &value)),
        "username" => drop(q::set_username(&mut u, &value)),
        "password" => drop(q::set_password(&mut u, &value)),
        "host" => drop(q::set_host(&mut u, &value)),
        "hostname" => drop(q::set_hostname(&mut u, &value)),
        "port" => drop(q::set_port(&mut u, &value)),
        "pathname" => q::set_pathname(&mut u, &value),
        "search" => q::set_search(&mut u, &value),
        "hash" => q::set_hash(&mut u, &value),
        _ => return Err(Exception::throw_type(&ctx, &format!("unknown URL part {part}"))),
    };
    url_parts(&ctx, &u)
}

/// UTF-8 decoding with WHATWG semantics: replacement characters, or a
/// TypeError when `fatal`. A leading BOM is removed unless `ignoreBOM`.
fn utf8_decode(ctx: Ctx<'_>, bytes: Value<'_>, fatal: Opt<bool>, ignore_bom: Opt<bool>) -> rquickjs::Result<String> {
    let bytes = bytes_of(&bytes);
    let mut slice = bytes.as_slice();
    if !ignore_bom.0.unwrap_or(false) && slice.starts_with(&[0xEF, 0xBB, 0xBF]) {
        slice = &slice[3..];
    }
    if fatal.0.unwrap_or(false) {
        std::str::from_utf8(slice)
            .map(str::to_owned)
            .map_err(|_| Exception::throw_type(&ctx, "The encoded data was not valid for encoding utf-8"))
    } else {
        Ok(String::from_utf8_lossy(slice).into_owned())
    }
}

fn data_module<'js>(ctx: Ctx<'js>, name: String) -> rquickjs::Result<ArrayBuffer<'js>> {
    let bytes = modules::data_bytes(&name).unwrap_or_default();
    ArrayBuffer::new(ctx, bytes)
}

/// `moduleSource(name)`: `[kind, text]` or `undefined`.
fn module_source<'js>(ctx: Ctx<'js>, name: String) -> rquickjs::Result<Value<'js>> {
    match modules::module_source(&name) {
        Some((kind, text)) => {
            let arr = Array::new(ctx.clone())?;
            arr.set(0, kind)?;
            arr.set(1, text)?;
            Ok(arr.into_value())
        }
        None => Ok(Value::new_undefined(ctx)),
    }
}

/// `nodeSource(name)`: the source of a Node.js built-in module's factory
/// (see `modules::NODE_MODULES`), or undefined.
fn node_source(name: String) -> Option<&'static str> {
    modules::node_source(&name)
}

/// `nodeResolve(specifier)`: the Node.js module a `require` names (without
/// `node:`), or null if it names none; throws when the worker may not use it.
fn node_resolve(ctx: Ctx<'_>, specifier: String) -> rquickjs::Result<Option<String>> {
    modules::node_resolve(&specifier).map_err(|message| Exception::throw_message(&ctx, &message))
}

unsafe extern "C" {
    // The vendored QuickJS's async context (PATCHED.md, "Sixth").
    fn JS_GetAsyncContext(ctx: *mut rquickjs::qjs::JSContext) -> rquickjs::qjs::JSValue;
    fn JS_SetAsyncContext(ctx: *mut rquickjs::qjs::JSContext, value: rquickjs::qjs::JSValue);
}

/// `asyncContextGet()`: the async context current code runs in (undefined
/// until AsyncLocalStorage sets one).
fn async_context_get(ctx: Ctx<'_>) -> Value<'_> {
    // SAFETY: JS_GetAsyncContext returns a new reference, owned by the Value.
    unsafe { Value::from_raw(ctx.clone(), JS_GetAsyncContext(ctx.as_raw().as_ptr())) }
}

/// `asyncContextSet(value)`: makes `value` the current async context.
fn async_context_set<'js>(ctx: Ctx<'js>, value: Value<'js>) {
    // SAFETY: JS_SetAsyncContext takes its own reference to the value.
    unsafe { JS_SetAsyncContext(ctx.as_raw().as_ptr(), value.as_raw()) }
}

/// `randomBytes(n)`: `n` bytes from WASI's secure random source.
fn random_bytes<'js>(ctx: Ctx<'js>, n: usize) -> rquickjs::Result<TypedArray<'js, u8>> {
    if n > 65_536 {
        return Err(Exception::throw_range(&ctx, "randomBytes: at most 65536 bytes"));
    }
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| Exception::throw_internal(&ctx, &format!("random source failed: {e}")))?;
    TypedArray::new(ctx, buf)
}

fn hash_name(ctx: &Ctx<'_>, algorithm: &str) -> rquickjs::Result<&'static str> {
    match algorithm.to_ascii_uppercase().as_str() {
        "SHA-1" => Ok("SHA-1"),
        "SHA-256" => Ok("SHA-256"),
        "SHA-384" => Ok("SHA-384"),
        "SHA-512" => Ok("SHA-512"),
        _ => Err(Exception::throw_type(
            ctx,
            &format!("Unrecognized hash algorithm: {algorithm}"),
        )),
    }
}

/// `digest(algorithm, bytes)`: the hash as an ArrayBuffer.
fn digest<'js>(ctx: Ctx<'js>, algorithm: String, data: Value<'js>) -> rquickjs::Result<ArrayBuffer<'js>> {
    let name = algorithm.to_ascii_uppercase();
    let out = crate::webcrypto::digest_of(&name, &bytes_of(&data)).map_err(|m| crypto_err(&ctx, m))?;
    ArrayBuffer::new(ctx, out)
}

/// `hmac(hash, key, bytes)`: the HMAC as an ArrayBuffer.
fn hmac<'js>(ctx: Ctx<'js>, hash: String, key: Value<'js>, data: Value<'js>) -> rquickjs::Result<ArrayBuffer<'js>> {
    use hmac::{Hmac, Mac};
    let key = bytes_of(&key);
    let data = bytes_of(&data);
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
        let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }
    let out = match hash_name(&ctx, &hash)? {
        "SHA-1" => run::<Hmac<sha1::Sha1>>(&key, &data),
        "SHA-256" => run::<Hmac<sha2::Sha256>>(&key, &data),
        "SHA-384" => run::<Hmac<sha2::Sha384>>(&key, &data),
        _ => run::<Hmac<sha2::Sha512>>(&key, &data),
    };
    ArrayBuffer::new(ctx, out)
}

/// `zOpen(format, decompress)`: a compression codec's handle (compression.js).
fn z_open(ctx: Ctx<'_>, format: String, decompress: bool) -> rquickjs::Result<u32> {
    crate::compression::open(&format, decompress).map_err(|m| Exception::throw_type(&ctx, &m))
}

/// `zPush(handle, bytes)`: the output ready after this chunk, as an ArrayBuffer.
fn z_push<'js>(ctx: Ctx<'js>, handle: u32, data: Value<'js>) -> rquickjs::Result<ArrayBuffer<'js>> {
    let out = crate::compression::push(handle, &bytes_of(&data)).map_err(|m| Exception::throw_type(&ctx, &m))?;
    ArrayBuffer::new(ctx, out)
}

/// `zFinish(handle)`: the rest of the output; throws if a compressed input was incomplete.
fn z_finish(ctx: Ctx<'_>, handle: u32) -> rquickjs::Result<ArrayBuffer<'_>> {
    let out = crate::compression::finish(handle).map_err(|m| Exception::throw_type(&ctx, &m))?;
    ArrayBuffer::new(ctx, out)
}

/// `encodingFor(label)`: the encoding's lowercase name, or `null` for a label
/// `TextDecoder` must refuse.
fn encoding_for(label: String) -> Option<String> {
    crate::encoding::name_for_label(&label)
}

/// `legacyDecode(name, handle, bytes, fatal, ignoreBOM, last)`:
/// `[text, handle]` (see `encoding::decode`).
#[allow(clippy::too_many_arguments)]
fn legacy_decode<'js>(
    ctx: Ctx<'js>,
    name: String,
    handle: u32,
    bytes: Value<'js>,
    fatal: bool,
    ignore_bom: bool,
    last: bool,
) -> rquickjs::Result<Array<'js>> {
    let (text, next) = crate::encoding::decode(&name, handle, &bytes_of(&bytes), fatal, ignore_bom, last)
        .map_err(|m| Exception::throw_type(&ctx, &m))?;
    let out = Array::new(ctx)?;
    out.set(0, text)?;
    out.set(1, next)?;
    Ok(out)
}

// Web Crypto's asymmetric keys (webcrypto.js, webcrypto.rs). A key crosses as
// `(private, der)`; a failure throws a TypeError whose message starts with
// the Web Crypto error name, which webcrypto.js turns into a DOMException.

fn crypto_err(ctx: &Ctx<'_>, message: String) -> rquickjs::Error {
    Exception::throw_type(ctx, &message)
}

fn key_array<'js>(ctx: &Ctx<'js>, key: crate::webcrypto::Key) -> rquickjs::Result<Array<'js>> {
    let out = Array::new(ctx.clone())?;
    out.set(0, key.private)?;
    out.set(1, TypedArray::<u8>::new(ctx.clone(), key.der)?)?;
    Ok(out)
}

fn key_of(private: bool, der: &Value<'_>) -> crate::webcrypto::Key {
    crate::webcrypto::Key {
        private,
        der: bytes_of(der),
    }
}

/// `keyImport(kind, format, bytes)`: `[private, der]`.
fn key_import<'js>(ctx: Ctx<'js>, kind: String, format: String, bytes: Value<'js>) -> rquickjs::Result<Array<'js>> {
    let key = crate::webcrypto::import(&kind, &format, &bytes_of(&bytes)).map_err(|m| crypto_err(&ctx, m))?;
    key_array(&ctx, key)
}

/// `keyFromParts(kind, [bytes or null...])`: `[private, der]` (JWK members).
fn key_from_parts<'js>(ctx: Ctx<'js>, kind: String, parts: Array<'js>) -> rquickjs::Result<Array<'js>> {
    let mut list = Vec::new();
    for v in parts.iter::<Value>() {
        let v = v?;
        list.push(if v.is_null() || v.is_undefined() {
            None
        } else {
            Some(bytes_of(&v))
        });
    }
    let key = crate::webcrypto::from_parts(&kind, &list).map_err(|m| crypto_err(&ctx, m))?;
    key_array(&ctx, key)
}

/// `keyParts(kind, private, der)`: the JWK members as byte arrays.
fn key_parts<'js>(ctx: Ctx<'js>, kind: String, private: bool, der: Value<'js>) -> rquickjs::Result<Array<'js>> {
    let parts = crate::webcrypto::parts(&kind, &key_of(private, &der)).map_err(|m| crypto_err(&ctx, m))?;
    let out = Array::new(ctx.clone())?;
    for (i, p) in parts.into_iter().enumerate() {
        out.set(i, TypedArray::<u8>::new(ctx.clone(), p)?)?;
    }
    Ok(out)
}

/// `keyPublic(kind, private, der, raw)`: the public key's SPKI DER (or raw bytes).
fn key_public<'js>(
    ctx: Ctx<'js>,
    kind: String,
    private: bool,
    der: Value<'js>,
    raw: bool,
) -> rquickjs::Result<TypedArray<'js, u8>> {
    let out = crate::webcrypto::public_of(&kind, &key_of(private, &der), raw).map_err(|m| crypto_err(&ctx, m))?;
    TypedArray::new(ctx, out)
}

/// `keyRsaInfo(private, der)`: `[modulusLength, publicExponent]`.
fn key_rsa_info<'js>(ctx: Ctx<'js>, private: bool, der: Value<'js>) -> rquickjs::Result<Array<'js>> {
    let (bits, e) = crate::webcrypto::rsa_info(&key_of(private, &der)).map_err(|m| crypto_err(&ctx, m))?;
    let out = Array::new(ctx.clone())?;
    out.set(0, bits)?;
    out.set(1, TypedArray::<u8>::new(ctx.clone(), e)?)?;
    Ok(out)
}

/// `keyGenerate(kind, modulusLength, publicExponent)`: a private key's PKCS #8 DER.
fn key_generate<'js>(
    ctx: Ctx<'js>,
    kind: String,
    bits: u32,
    exponent: Value<'js>,
) -> rquickjs::Result<TypedArray<'js, u8>> {
    let der = crate::webcrypto::generate(&kind, bits, &bytes_of(&exponent)).map_err(|m| crypto_err(&ctx, m))?;
    TypedArray::new(ctx, der)
}

/// An operation's `[scheme, hash, saltLength]` and a key's `[private, der]`.
fn op_and_key(alg: &Array<'_>, key: &Array<'_>) -> rquickjs::Result<(String, String, usize, crate::webcrypto::Key)> {
    let der: Value = key.get(1)?;
    Ok((
        alg.get(0)?,
        alg.get(1)?,
        alg.get::<u32>(2)? as usize,
        key_of(key.get(0)?, &der),
    ))
}

/// `keySign(kind, [scheme, hash, saltLength], [private, der], data)`: the signature.
fn key_sign<'js>(
    ctx: Ctx<'js>,
    kind: String,
    alg: Array<'js>,
    key: Array<'js>,
    data: Value<'js>,
) -> rquickjs::Result<ArrayBuffer<'js>> {
    let (scheme, hash, salt, key) = op_and_key(&alg, &key)?;
    let sig =
        crate::webcrypto::sign(&kind, &scheme, &hash, &key, &bytes_of(&data), salt).map_err(|m| crypto_err(&ctx, m))?;
    ArrayBuffer::new(ctx, sig)
}

/// `keyVerify(kind, [scheme, hash, saltLength], [private, der], signature, data)`.
fn key_verify<'js>(
    ctx: Ctx<'js>,
    kind: String,
    alg: Array<'js>,
    key: Array<'js>,
    signature: Value<'js>,
    data: Value<'js>,
) -> rquickjs::Result<bool> {
    let (scheme, hash, salt, key) = op_and_key(&alg, &key)?;
    crate::webcrypto::verify(
        &kind,
        &scheme,
        &hash,
        &key,
        &bytes_of(&signature),
        &bytes_of(&data),
        salt,
    )
    .map_err(|m| crypto_err(&ctx, m))
}

/// `aes(encrypt, [mode, tagBits, counterBits], key, iv, additionalData, data)`.
fn aes<'js>(
    ctx: Ctx<'js>,
    encrypt: bool,
    params: Array<'js>,
    key: Value<'js>,
    iv: Value<'js>,
    aad: Value<'js>,
    data: Value<'js>,
) -> rquickjs::Result<ArrayBuffer<'js>> {
    let mode: String = params.get(0)?;
    let out = crate::webcrypto::aes(
        encrypt,
        &mode,
        &bytes_of(&key),
        &bytes_of(&iv),
        &bytes_of(&aad),
        params.get(1)?,
        params.get(2)?,
        &bytes_of(&data),
    )
    .map_err(|m| crypto_err(&ctx, m))?;
    ArrayBuffer::new(ctx, out)
}

/// `pbkdf2(hash, password, salt, iterations, bits)`.
fn pbkdf2<'js>(
    ctx: Ctx<'js>,
    hash: String,
    password: Value<'js>,
    salt: Value<'js>,
    iterations: u32,
    bits: u32,
) -> rquickjs::Result<ArrayBuffer<'js>> {
    let out = crate::webcrypto::pbkdf2(&hash, &bytes_of(&password), &bytes_of(&salt), iterations, bits)
        .map_err(|m| crypto_err(&ctx, m))?;
    ArrayBuffer::new(ctx, out)
}

/// `hkdf(hash, key, salt, info, bits)`.
fn hkdf<'js>(
    ctx: Ctx<'js>,
    hash: String,
    key: Value<'js>,
    salt: Value<'js>,
    info: Value<'js>,
    bits: u32,
) -> rquickjs::Result<ArrayBuffer<'js>> {
    let out = crate::webcrypto::hkdf(&hash, &bytes_of(&key), &bytes_of(&salt), &bytes_of(&info), bits)
        .map_err(|m| crypto_err(&ctx, m))?;
    ArrayBuffer::new(ctx, out)
}

/// `rsaOaep(encrypt, hash, [private, der], label, data)`.
fn rsa_oaep<'js>(
    ctx: Ctx<'js>,
    encrypt: bool,
    hash: String,
    key: Array<'js>,
    label: Value<'js>,
    data: Value<'js>,
) -> rquickjs::Result<ArrayBuffer<'js>> {
    let der: Value = key.get(1)?;
    let key = key_of(key.get(0)?, &der);
    let out = crate::webcrypto::rsa_oaep(encrypt, &hash, &key, &bytes_of(&label), &bytes_of(&data))
        .map_err(|m| crypto_err(&ctx, m))?;
    ArrayBuffer::new(ctx, out)
}

/// `x25519Import(format, bytes, d | null)`: `[private, der]`.
fn x25519_import<'js>(ctx: Ctx<'js>, format: String, bytes: Value<'js>, d: Value<'js>) -> rquickjs::Result<Array<'js>> {
    let d = if d.is_null() || d.is_undefined() {
        None
    } else {
        Some(bytes_of(&d))
    };
    let key =
        crate::webcrypto::x25519_import(&format, &bytes_of(&bytes), d.as_deref()).map_err(|m| crypto_err(&ctx, m))?;
    key_array(&ctx, key)
}

/// `x25519Parts(private, der)`: `[public, private?]` raw bytes.
fn x25519_parts<'js>(ctx: Ctx<'js>, private: bool, der: Value<'js>) -> rquickjs::Result<Array<'js>> {
    let (public, seed) = crate::webcrypto::x25519_parts(&key_of(private, &der)).map_err(|m| crypto_err(&ctx, m))?;
    let out = Array::new(ctx.clone())?;
    out.set(0, TypedArray::<u8>::new(ctx.clone(), public.to_vec())?)?;
    if let Some(seed) = seed {
        out.set(1, TypedArray::<u8>::new(ctx.clone(), seed.to_vec())?)?;
    }
    Ok(out)
}

/// `x25519Generate()`: a private key's PKCS #8 DER.
fn x25519_generate(ctx: Ctx<'_>) -> rquickjs::Result<TypedArray<'_, u8>> {
    TypedArray::new(ctx, crate::webcrypto::x25519_generate())
}

/// `sharedSecret(kind, [true, der], [false, der])`: ECDH / X25519 bytes.
fn shared_secret<'js>(
    ctx: Ctx<'js>,
    kind: String,
    ours: Array<'js>,
    theirs: Array<'js>,
) -> rquickjs::Result<ArrayBuffer<'js>> {
    let (d1, d2): (Value, Value) = (ours.get(1)?, theirs.get(1)?);
    let out = crate::webcrypto::shared_secret(&kind, &key_of(ours.get(0)?, &d1), &key_of(theirs.get(0)?, &d2))
        .map_err(|m| crypto_err(&ctx, m))?;
    ArrayBuffer::new(ctx, out)
}

/// `aesKw(wrap, kek, data)`: AES-KW wrapping or unwrapping.
fn aes_kw<'js>(ctx: Ctx<'js>, wrap: bool, kek: Value<'js>, data: Value<'js>) -> rquickjs::Result<ArrayBuffer<'js>> {
    let out = crate::webcrypto::aes_kw(wrap, &bytes_of(&kek), &bytes_of(&data)).map_err(|m| crypto_err(&ctx, m))?;
    ArrayBuffer::new(ctx, out)
}

/// `hashOpen(name)`: a running digest's handle (`crypto.DigestStream`).
fn hash_open(ctx: Ctx<'_>, name: String) -> rquickjs::Result<u32> {
    crate::webcrypto::hash_open(&name).map_err(|m| crypto_err(&ctx, m))
}

/// `hashUpdate(handle, bytes)`.
fn hash_update<'js>(ctx: Ctx<'js>, handle: u32, data: Value<'js>) -> rquickjs::Result<()> {
    crate::webcrypto::hash_update(handle, &bytes_of(&data)).map_err(|m| crypto_err(&ctx, m))
}

/// `hashFinish(handle)`: the digest.
fn hash_finish(ctx: Ctx<'_>, handle: u32) -> rquickjs::Result<ArrayBuffer<'_>> {
    let out = crate::webcrypto::hash_finish(handle).map_err(|m| crypto_err(&ctx, m))?;
    ArrayBuffer::new(ctx, out)
}
