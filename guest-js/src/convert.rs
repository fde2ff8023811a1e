//! Conversions between QuickJS values and the host's: a pending exception
//! as a script error, header lists, bytes. Shared by the engine, the
//! natives and the HTML rewriter.

use rquickjs::{Array, ArrayBuffer, Ctx, TypedArray, Value};

use crate::isolet::worker::types::ScriptError;

/// Turns a QuickJS error (usually a pending exception) into a script error.
pub fn describe(ctx: &Ctx<'_>, err: rquickjs::Error) -> ScriptError {
    if !matches!(err, rquickjs::Error::Exception) {
        return ScriptError {
            name: "Error".into(),
            message: err.to_string(),
            stack: String::new(),
        };
    }
    let value = ctx.catch();
    if let Some(obj) = value.as_object() {
        let text = |key: &str| -> Option<String> {
            obj.get::<_, Option<rquickjs::Coerced<String>>>(key)
                .ok()
                .flatten()
                .map(|c| c.0)
        };
        return ScriptError {
            name: text("name").unwrap_or_else(|| "Error".into()),
            message: text("message").unwrap_or_default(),
            stack: text("stack").unwrap_or_default(),
        };
    }
    let message = <rquickjs::Coerced<String> as rquickjs::FromJs>::from_js(ctx, value)
        .map(|c| c.0)
        .unwrap_or_else(|_| "a value that cannot be converted to a string".into());
    ScriptError {
        name: "Error".into(),
        message: format!("Uncaught {message}"),
        stack: String::new(),
    }
}

/// `[name, value, ...]` from the prelude back into pairs.
pub fn flat_headers_from_js<'js>(
    ctx: &Ctx<'js>,
    v: Value<'js>,
) -> Result<Vec<(String, String)>, ScriptError> {
    let arr: Array = Array::from_value(v).map_err(|e| describe(ctx, e))?;
    let n = arr.len() / 2;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let k: String = arr.get(2 * i).map_err(|e| describe(ctx, e))?;
        let v: String = arr.get(2 * i + 1).map_err(|e| describe(ctx, e))?;
        out.push((k, v));
    }
    Ok(out)
}

/// The bytes of a `Uint8Array` or an `ArrayBuffer`; empty for anything else.
pub(crate) fn bytes_of(v: &Value<'_>) -> Vec<u8> {
    if let Ok(t) = TypedArray::<u8>::from_value(v.clone()) {
        return t.as_bytes().map(<[u8]>::to_vec).unwrap_or_default();
    }
    if let Some(b) = ArrayBuffer::from_value(v.clone()) {
        return b.as_bytes().map(<[u8]>::to_vec).unwrap_or_default();
    }
    Vec::new()
}
