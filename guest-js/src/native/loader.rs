//! The Worker Loader's hooks (js/loader.js): `loaderCreate` makes a child,
//! `loaderCall` and `loaderFetch` call one (by name, or by the number
//! `loaderCreate` gave), `loaderResume` goes on with a call whose child
//! called an object the call passed by reference. A call's target is `[binding, name | null, number,
//! entrypoint | null, propsJson]`. They are made at init (`natives`), only
//! for a worker with a loader binding, and so are not in the snapshot every
//! instance maps; `props` (`ctx.props`, which any worker may be given) is
//! one of the snapshot's natives.

use rquickjs::{Array, Ctx, Exception, Function, IntoJs, Object, Value};

use super::http::{fetched_to_js, wire_request};
use crate::isolet::worker::{context, loader};

/// The hooks js/loader.js takes as its natives.
pub fn natives<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Object<'js>> {
    let n = Object::new(ctx.clone())?;
    n.set("loaderCreate", Function::new(ctx.clone(), loader_create)?)?;
    n.set("loaderCall", Function::new(ctx.clone(), loader_call)?)?;
    n.set("loaderResume", Function::new(ctx.clone(), loader_resume)?)?;
    n.set("loaderFetch", Function::new(ctx.clone(), loader_fetch)?)?;
    Ok(n)
}

/// A call's target: the child, its entrypoint and the props' wire JSON.
fn target(
    ctx: &Ctx<'_>,
    t: &Array<'_>,
) -> rquickjs::Result<(loader::Child, Option<String>, String)> {
    let binding: String = t.get(0)?;
    let name: Option<String> = t.get(1)?;
    let number: u32 = t.get(2)?;
    let entrypoint: Option<String> = t.get(3)?;
    let props: String = t.get(4)?;
    let child = match name {
        Some(name) => loader::Child::Named(loader::ChildName { binding, name }),
        None if number != 0 => loader::Child::Loaded(number),
        None => {
            return Err(Exception::throw_message(
                ctx,
                "the loaded worker was not made",
            ));
        }
    };
    Ok((child, entrypoint, props))
}

/// `loaderCreate(binding, name | null, codeJson)`: the child's number
/// (0 for a child kept by name).
fn loader_create(
    ctx: Ctx<'_>,
    binding: String,
    name: Option<String>,
    code: String,
) -> rquickjs::Result<u32> {
    loader::create(&binding, name.as_deref(), &code)
        .map_err(|message| Exception::throw_message(&ctx, &message))
}

/// `loaderCall(target, method, argsJson)`: the call's first step (see
/// `step_to_js`), or undefined when the loader keeps no child by the
/// target's name.
fn loader_call<'js>(
    ctx: Ctx<'js>,
    t: Array<'js>,
    method: String,
    args: String,
) -> rquickjs::Result<Value<'js>> {
    let (child, entrypoint, props) = target(&ctx, &t)?;
    match loader::call(&child, entrypoint.as_deref(), &props, &method, &args) {
        Ok(Some(step)) => step_to_js(&ctx, step),
        Ok(None) => Ok(Value::new_undefined(ctx.clone())),
        Err(message) => Err(Exception::throw_message(&ctx, &message)),
    }
}

/// `loaderResume(call, ok, text)`: goes on with a call that asked for an
/// object's method, with its result (`ok`: wire JSON of `[result]`) or
/// the message it threw; the next step.
fn loader_resume<'js>(
    ctx: Ctx<'js>,
    call: u32,
    ok: bool,
    text: String,
) -> rquickjs::Result<Value<'js>> {
    let answer = if ok {
        Ok(text.as_str())
    } else {
        Err(text.as_str())
    };
    match loader::resume(call, answer) {
        Ok(step) => step_to_js(&ctx, step),
        Err(message) => Err(Exception::throw_message(&ctx, &message)),
    }
}

/// A call's step: its result's wire JSON (a string) when it ended, or
/// `[call, object, method, argsJson]` when the child calls an object the
/// call passed by reference.
fn step_to_js<'js>(ctx: &Ctx<'js>, step: loader::Step) -> rquickjs::Result<Value<'js>> {
    match step {
        loader::Step::Done(json) => json.into_js(ctx),
        loader::Step::Callback(c) => {
            let out = Array::new(ctx.clone())?;
            out.set(0, c.call)?;
            out.set(1, c.object)?;
            out.set(2, c.method)?;
            out.set(3, c.args)?;
            Ok(out.into_value())
        }
    }
}

/// `loaderFetch(target, method, url, flatHeaders, body)`: the answer as
/// for `fetch`, or undefined as for `loaderCall`.
fn loader_fetch<'js>(
    ctx: Ctx<'js>,
    t: Array<'js>,
    method: String,
    url: String,
    headers: Value<'js>,
    body: Value<'js>,
) -> rquickjs::Result<Option<Array<'js>>> {
    let (child, entrypoint, props) = target(&ctx, &t)?;
    let req = wire_request(&ctx, method, url, headers, &body)?;
    match loader::fetch(&child, entrypoint.as_deref(), &props, &req) {
        Ok(Some(fetched)) => fetched_to_js(&ctx, fetched).map(Some),
        Ok(None) => Ok(None),
        Err(message) => Err(Exception::throw_message(&ctx, &message)),
    }
}

/// `props()`: the invocation's `ctx.props` as wire JSON.
pub(super) fn props() -> String {
    context::props()
}

/// `abortIsolate(reason)`: the host ends the invocation (a trap), so this
/// never returns.
pub(super) fn abort_isolate(reason: String) {
    context::abort_isolate(&reason)
}
