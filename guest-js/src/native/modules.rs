//! The worker's modules as the JS files ask for them: `dataModule`,
//! `moduleSource` (CommonJS `require`), `nodeSource` and `nodeResolve`
//! (Node.js built-ins); see `crate::modules`.

use rquickjs::{Array, ArrayBuffer, Ctx, Exception, Value};

use crate::modules;

pub(super) fn data_module<'js>(ctx: Ctx<'js>, name: String) -> rquickjs::Result<ArrayBuffer<'js>> {
    let bytes = modules::data_bytes(&name).unwrap_or_default();
    ArrayBuffer::new(ctx, bytes)
}

/// `moduleSource(name)`: `[kind, text]` or `undefined`.
pub(super) fn module_source<'js>(ctx: Ctx<'js>, name: String) -> rquickjs::Result<Value<'js>> {
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
pub(super) fn node_source(name: String) -> Option<&'static str> {
    modules::node_source(&name)
}

/// `nodeResolve(specifier)`: the Node.js module a `require` names (without
/// `node:`), or null if it names none; throws when the worker may not use it.
pub(super) fn node_resolve(ctx: Ctx<'_>, specifier: String) -> rquickjs::Result<Option<String>> {
    modules::node_resolve(&specifier).map_err(|message| Exception::throw_message(&ctx, &message))
}
