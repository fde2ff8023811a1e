//! Native hooks handed to the prelude: the host imports (tail log, outbound
//! fetch, bindings) and helpers JS cannot do well by itself (WHATWG URL
//! parsing, UTF-8 decoding of invalid input).

use rquickjs::function::Opt;
use rquickjs::{Array, ArrayBuffer, Ctx, Exception, Function, Object, TypedArray, Value};

use crate::isolet::worker::{bindings, outbound, tail, types};
use crate::modules;

pub fn register<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Object<'js>> {
    let n = Object::new(ctx.clone())?;
    n.set("log", Function::new(ctx.clone(), log)?)?;
    n.set("fetch", Function::new(ctx.clone(), fetch)?)?;
    n.set("bindingCall", Function::new(ctx.clone(), binding_call)?)?;
    n.set("urlParse", Function::new(ctx.clone(), url_parse)?)?;
    n.set("urlSet", Function::new(ctx.clone(), url_set)?)?;
    n.set("utf8Decode", Function::new(ctx.clone(), utf8_decode)?)?;
    n.set("dataModule", Function::new(ctx.clone(), data_module)?)?;
    n.set("commonjsSource", Function::new(ctx.clone(), commonjs_source)?)?;
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

fn bytes_of(v: &Value<'_>) -> Vec<u8> {
    if let Ok(t) = TypedArray::<u8>::from_value(v.clone()) {
        return t.as_bytes().map(<[u8]>::to_vec).unwrap_or_default();
    }
    if let Some(b) = ArrayBuffer::from_value(v.clone()) {
        return b.as_bytes().map(<[u8]>::to_vec).unwrap_or_default();
    }
    Vec::new()
}

/// `fetch(method, url, headers: [[k, v]...], body) -> [status, headers, Uint8Array]`.
fn fetch<'js>(ctx: Ctx<'js>, method: String, url: String, headers: Value<'js>, body: Value<'js>) -> rquickjs::Result<Array<'js>> {
    let headers = crate::engine::pairs_from_js(&ctx, headers)?;
    let req = types::Request {
        method,
        url,
        headers,
        body: bytes_of(&body),
    };
    match outbound::fetch(&req) {
        Ok(resp) => {
            let out = Array::new(ctx.clone())?;
            out.set(0, resp.status)?;
            let hs = Array::new(ctx.clone())?;
            for (i, (k, v)) in resp.headers.into_iter().enumerate() {
                let pair = Array::new(ctx.clone())?;
                pair.set(0, k)?;
                pair.set(1, v)?;
                hs.set(i, pair)?;
            }
            out.set(1, hs)?;
            out.set(2, TypedArray::<u8>::new(ctx.clone(), resp.body)?)?;
            Ok(out)
        }
        Err(message) => Err(Exception::throw_type(&ctx, &message)),
    }
}

fn binding_call(ctx: Ctx<'_>, binding: String, method: String, args: String) -> rquickjs::Result<String> {
    bindings::call(&binding, &method, &args).map_err(|message| Exception::throw_message(&ctx, &message))
}

fn url_parts<'js>(ctx: &Ctx<'js>, u: &url::Url) -> rquickjs::Result<Array<'js>> {
    use url::quirks as q;
    let parts = [
        q::href(u),
        &q::origin(u),
        q::protocol(u),
        q::username(u),
        q::password(u),
        q::host(u),
        q::hostname(u),
        q::port(u),
        q::pathname(u),
        q::search(u),
        q::hash(u),
    ];
    let arr = Array::new(ctx.clone())?;
    for (i, p) in parts.iter().enumerate() {
        arr.set(i, *p)?;
    }
    Ok(arr)
}

/// `urlParse(input, base?)`: the URL's parts, or `null` if it does not parse.
fn url_parse<'js>(ctx: Ctx<'js>, input: String, base: Opt<String>) -> rquickjs::Result<Value<'js>> {
    let parsed = match base.0 {
        Some(base) => url::Url::parse(&base).and_then(|b| b.join(&input)),
        None => url::Url::parse(&input),
    };
    match parsed {
        Ok(u) => Ok(url_parts(&ctx, &u)?.into_value()),
        Err(_) => Ok(Value::new_null(ctx)),
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

fn commonjs_source(name: String) -> Option<String> {
    modules::commonjs_source(&name)
}
