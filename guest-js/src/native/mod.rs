//! Native hooks handed to the JS files (the `natives` each one gets): the host
//! imports (tail log, outbound fetch, bindings, cache, WebSocket) and helpers JS
//! cannot do well by itself (WHATWG URL parsing, UTF-8 decoding of invalid
//! input, encodings, codecs, crypto). `register` builds the object; the hooks
//! live in one file per family.

mod async_context;
mod bindings;
mod cache;
mod compression;
mod crypto;
mod encoding;
mod http;
pub mod loader;
mod log;
mod modules;
mod url;
mod websocket;

use rquickjs::{Ctx, Function, Object};

use self::async_context::{async_context_get, async_context_set};
use self::bindings::{binding_call, service_fetch};
use self::cache::{cache_delete, cache_lookup, cache_put};
use self::compression::{z_finish, z_open, z_push};
use self::crypto::{
    aes, aes_kw, digest, hash_finish, hash_open, hash_update, hkdf, hmac, key_from_parts,
    key_generate, key_import, key_parts, key_public, key_rsa_info, key_sign, key_verify, pbkdf2,
    random_bytes, rsa_oaep, shared_secret, x25519_generate, x25519_import, x25519_parts,
};
use self::encoding::{encoding_for, legacy_decode, utf8_decode};
use self::http::{cancel_response_body, fetch, read_request_body, read_response_body};
use self::log::{log, report_exception};
use self::modules::{data_module, module_source, node_resolve, node_source};
use self::url::{form_parse, form_serialize, url_href, url_origin, url_parse, url_set};
use self::websocket::{ws_close, ws_send};

pub fn register<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Object<'js>> {
    let n = Object::new(ctx.clone())?;
    n.set("log", Function::new(ctx.clone(), log)?)?;
    n.set(
        "reportException",
        Function::new(ctx.clone(), report_exception)?,
    )?;
    n.set("fetch", Function::new(ctx.clone(), fetch)?)?;
    n.set("bindingCall", Function::new(ctx.clone(), binding_call)?)?;
    n.set(
        "readRequestBody",
        Function::new(ctx.clone(), read_request_body)?,
    )?;
    n.set("serviceFetch", Function::new(ctx.clone(), service_fetch)?)?;
    n.set("props", Function::new(ctx.clone(), loader::props)?)?;
    n.set(
        "storageApi",
        Function::new(ctx.clone(), crate::engine::storage_api)?,
    )?;
    n.set(
        "abortIsolate",
        Function::new(ctx.clone(), loader::abort_isolate)?,
    )?;
    n.set("stubCall", Function::new(ctx.clone(), bindings::stub_call)?)?;
    n.set("cacheLookup", Function::new(ctx.clone(), cache_lookup)?)?;
    n.set("cachePut", Function::new(ctx.clone(), cache_put)?)?;
    n.set("cacheDelete", Function::new(ctx.clone(), cache_delete)?)?;
    n.set("wsSend", Function::new(ctx.clone(), ws_send)?)?;
    n.set("wsClose", Function::new(ctx.clone(), ws_close)?)?;
    n.set(
        "readResponseBody",
        Function::new(ctx.clone(), read_response_body)?,
    )?;
    n.set(
        "cancelResponseBody",
        Function::new(ctx.clone(), cancel_response_body)?,
    )?;
    n.set("urlParse", Function::new(ctx.clone(), url_parse)?)?;
    n.set("urlSet", Function::new(ctx.clone(), url_set)?)?;
    n.set("urlOrigin", Function::new(ctx.clone(), url_origin)?)?;
    n.set("urlHref", Function::new(ctx.clone(), url_href)?)?;
    n.set(
        "urlPatternParse",
        Function::new(ctx.clone(), crate::urlpattern::parse)?,
    )?;
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
    n.set(
        "rewriterNew",
        Function::new(ctx.clone(), crate::htmlrewriter::new)?,
    )?;
    n.set(
        "rewriterWrite",
        Function::new(ctx.clone(), crate::htmlrewriter::write)?,
    )?;
    n.set(
        "rewriterEnd",
        Function::new(ctx.clone(), crate::htmlrewriter::end)?,
    )?;
    n.set(
        "rewriterFree",
        Function::new(ctx.clone(), crate::htmlrewriter::free)?,
    )?;
    n.set(
        "rwOp",
        Function::new(ctx.clone(), crate::htmlrewriter::rw_op)?,
    )?;
    n.set("nodeResolve", Function::new(ctx.clone(), node_resolve)?)?;
    n.set(
        "asyncContextGet",
        Function::new(ctx.clone(), async_context_get)?,
    )?;
    n.set(
        "asyncContextSet",
        Function::new(ctx.clone(), async_context_set)?,
    )?;
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
    n.set(
        "x25519Generate",
        Function::new(ctx.clone(), x25519_generate)?,
    )?;
    n.set("sharedSecret", Function::new(ctx.clone(), shared_secret)?)?;
    n.set("aesKw", Function::new(ctx.clone(), aes_kw)?)?;
    n.set("hashOpen", Function::new(ctx.clone(), hash_open)?)?;
    n.set("hashUpdate", Function::new(ctx.clone(), hash_update)?)?;
    n.set("hashFinish", Function::new(ctx.clone(), hash_finish)?)?;
    n.set("zOpen", Function::new(ctx.clone(), z_open)?)?;
    n.set("zPush", Function::new(ctx.clone(), z_push)?)?;
    n.set("zFinish", Function::new(ctx.clone(), z_finish)?)?;
    n.set(
        "zClose",
        Function::new(ctx.clone(), crate::compression::close)?,
    )?;
    Ok(n)
}
