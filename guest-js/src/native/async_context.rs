//! The vendored QuickJS's async context, for AsyncLocalStorage:
//! `asyncContextGet`, `asyncContextSet`.

use rquickjs::{Ctx, Value};

unsafe extern "C" {
    // The vendored QuickJS's async context (PATCHED.md, "Sixth").
    fn JS_GetAsyncContext(ctx: *mut rquickjs::qjs::JSContext) -> rquickjs::qjs::JSValue;
    fn JS_SetAsyncContext(ctx: *mut rquickjs::qjs::JSContext, value: rquickjs::qjs::JSValue);
}

/// `asyncContextGet()`: the async context current code runs in (undefined
/// until AsyncLocalStorage sets one).
pub(super) fn async_context_get(ctx: Ctx<'_>) -> Value<'_> {
    // SAFETY: JS_GetAsyncContext returns a new reference, owned by the Value.
    unsafe { Value::from_raw(ctx.clone(), JS_GetAsyncContext(ctx.as_raw().as_ptr())) }
}

/// `asyncContextSet(value)`: makes `value` the current async context.
pub(super) fn async_context_set<'js>(ctx: Ctx<'js>, value: Value<'js>) {
    // SAFETY: JS_SetAsyncContext takes its own reference to the value.
    unsafe { JS_SetAsyncContext(ctx.as_raw().as_ptr(), value.as_raw()) }
}
