//! The worker's bindings: `bindingCall` (a method call on a capability or
//! service binding, arguments and result in the wire encoding) and
//! `serviceFetch` (`env.NAME.fetch` on a service binding), and `stubCall`
//! (a method call on an object a parent passed by reference).

use rquickjs::{Array, Ctx, Exception, Value};

use super::http::{fetched_to_js, wire_request};
use crate::isolet::worker::{bindings, context};

/// `serviceFetch(binding, method, url, flatHeaders, body)`: `env.NAME.fetch`
/// on a service binding; the answer as for `fetch`.
pub(super) fn service_fetch<'js>(
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

pub(super) fn binding_call(
    ctx: Ctx<'_>,
    binding: String,
    method: String,
    args: String,
) -> rquickjs::Result<String> {
    bindings::call(&binding, &method, &args)
        .map_err(|message| Exception::throw_message(&ctx, &message))
}

/// `stubCall(token, method, argsJson)`: calls `method` (`""`: the object
/// itself) of the object a parent passed by reference as `token`; the
/// result's wire JSON.
pub(super) fn stub_call(
    ctx: Ctx<'_>,
    token: f64,
    method: String,
    args: String,
) -> rquickjs::Result<String> {
    if !(token >= 0.0 && token.fract() == 0.0 && token < 9_007_199_254_740_992.0) {
        return Err(Exception::throw_type(&ctx, "not a stub"));
    }
    context::call_stub(token as u64, &method, &args)
        .map_err(|message| Exception::throw_message(&ctx, &message))
}
