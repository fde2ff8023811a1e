//! Outbound fetch and the bodies the host streams: `fetch`, `readResponseBody`,
//! `cancelResponseBody`, `readRequestBody`; and the wire form of a request and
//! of the host's answer, which the bindings and the cache share.

use rquickjs::function::Opt;
use rquickjs::{Array, Ctx, Exception, TypedArray, Value};

use crate::convert::bytes_of;
use crate::isolet::worker::{incoming_body, outbound, types};

/// A request for the host from the prelude's parts: headers a flat
/// `[name, value, ...]` list.
pub(super) fn wire_request<'js>(
    ctx: &Ctx<'js>,
    method: String,
    url: String,
    headers: Value<'js>,
    body: &Value<'js>,
) -> rquickjs::Result<types::Request> {
    let headers = crate::convert::flat_headers_from_js(ctx, headers)
        .map_err(|e| Exception::throw_type(ctx, &e.message))?;
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
pub(super) fn fetched_to_js<'js>(
    ctx: &Ctx<'js>,
    fetched: types::Fetched,
) -> rquickjs::Result<Array<'js>> {
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
pub(super) fn fetch<'js>(
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

/// The next bytes of a fetched response's body, or null at its end (the
/// host waits for them).
pub(super) fn read_response_body<'js>(ctx: Ctx<'js>, handle: u32) -> rquickjs::Result<Value<'js>> {
    match outbound::read_body(handle) {
        Ok(Some(bytes)) => Ok(TypedArray::<u8>::new(ctx, bytes)?.into_value()),
        Ok(None) => Ok(Value::new_null(ctx)),
        Err(message) => Err(Exception::throw_type(&ctx, &message)),
    }
}

pub(super) fn cancel_response_body(handle: u32) {
    outbound::cancel_body(handle);
}

/// The next bytes of the incoming request's streamed body, or null at its
/// end (the host waits for them).
pub(super) fn read_request_body<'js>(ctx: Ctx<'js>) -> rquickjs::Result<Value<'js>> {
    match incoming_body::read() {
        Ok(Some(bytes)) => Ok(TypedArray::<u8>::new(ctx, bytes)?.into_value()),
        Ok(None) => Ok(Value::new_null(ctx)),
        Err(message) => Err(Exception::throw_type(&ctx, &message)),
    }
}
