//! The worker's bindings: `bindingCall` (a method call on a capability or
//! service binding, arguments and result in the wire encoding) and
//! `serviceFetch` (`env.NAME.fetch` on a service binding).

use rquickjs::{Array, Ctx, Exception, Value};

use super::http::{fetched_to_js, wire_request};
use crate::isolet::worker::bindings;

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
