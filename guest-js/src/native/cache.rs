//! The Cache API's host side: `cacheLookup`, `cachePut`, `cacheDelete`.

use rquickjs::{Ctx, Exception, Value};

use super::http::fetched_to_js;
use crate::convert::bytes_of;
use crate::isolet::worker::{cache, types};

/// `cacheLookup(name, url, flatHeaders)`: `[status, flatHeaders, bytes]` or null.
pub(super) fn cache_lookup<'js>(
    ctx: Ctx<'js>,
    name: String,
    url: String,
    headers: Value<'js>,
) -> rquickjs::Result<Value<'js>> {
    let headers = crate::convert::flat_headers_from_js(&ctx, headers)
        .map_err(|e| Exception::throw_type(&ctx, &e.message))?;
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
pub(super) fn cache_put<'js>(
    ctx: Ctx<'js>,
    name: String,
    url: String,
    status: u16,
    headers: Value<'js>,
    body: Value<'js>,
) -> rquickjs::Result<()> {
    let headers = crate::convert::flat_headers_from_js(&ctx, headers)
        .map_err(|e| Exception::throw_type(&ctx, &e.message))?;
    let response = types::Response {
        status,
        headers,
        body: bytes_of(&body),
    };
    cache::put(&name, &url, &response).map_err(|message| Exception::throw_type(&ctx, &message))
}

pub(super) fn cache_delete(name: String, url: String) -> bool {
    cache::delete(&name, &url)
}
