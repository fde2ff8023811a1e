//! `HTMLRewriter`: Cloudflare's streaming HTML rewriter, the `lol_html`
//! crate, driven by the worker's JS handlers (js/htmlrewriter.js).
//!
//! A rewriter is kept by handle. While `rewriterWrite`/`rewriterEnd` feed
//! it, lol_html calls back for each matched element, text chunk, comment,
//! doctype or document end; the callback calls the rewriter's JS dispatch
//! function with a token, and the JS wrapper object (an `Element`, a
//! `Text`, ...) operates on the unit through `rwOp(token, ...)`, which is
//! valid only until the handler returns (as in Workers). A handler that
//! returns a promise is waited for: its jobs and timers run until it
//! settles.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::ptr::NonNull;
use std::rc::Rc;

use lol_html::html_content::{
    Comment, ContentType, Doctype, DocumentEnd, Element, EndTag, TextChunk,
};
use lol_html::{
    DocumentContentHandlers, ElementContentHandlers, HandlerResult, HtmlRewriter, OutputSink,
    Selector, Settings,
};
use rquickjs::function::Opt;
use rquickjs::promise::PromiseState;
use rquickjs::{Array, Ctx, Exception, FromJs, Function, Persistent, Promise, TypedArray, Value};

use crate::handles::Handles;

struct Sink(Rc<RefCell<Vec<u8>>>);

impl OutputSink for Sink {
    fn handle_chunk(&mut self, chunk: &[u8]) {
        self.0.borrow_mut().extend_from_slice(chunk);
    }
}

struct Rewriter {
    inner: HtmlRewriter<'static, Sink>,
    output: Rc<RefCell<Vec<u8>>>,
    /// Its JS dispatch function and the prelude's timer step.
    dispatch: DispatchFns,
}

/// The unit a handler is looking at, valid while it runs.
#[derive(Clone, Copy)]
enum Current {
    None,
    Element(*mut Element<'static, 'static>),
    EndTag(*mut EndTag<'static>),
    Text(*mut TextChunk<'static>),
    Comment(*mut Comment<'static>),
    Doctype(*mut Doctype<'static>),
    End(*mut DocumentEnd<'static>),
}

thread_local! {
    static REWRITERS: RefCell<Handles<Rewriter>> = RefCell::new(Handles::default());
    static CURRENT: Cell<(u32, Current)> = const { Cell::new((0, Current::None)) };
    static NEXT_TOKEN: Cell<u32> = const { Cell::new(0) };
    /// The context the rewriter is being fed in (set by write/end).
    static CTX: Cell<*mut rquickjs::qjs::JSContext> = const { Cell::new(std::ptr::null_mut()) };
    /// The exception a handler threw, rethrown by write/end.
    static THROWN: RefCell<Option<Persistent<Value<'static>>>> = const { RefCell::new(None) };
}

/// A handler threw (the exception is in THROWN).
#[derive(Debug)]
struct HandlerThrew;

impl std::fmt::Display for HandlerThrew {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an HTMLRewriter handler threw")
    }
}

impl std::error::Error for HandlerThrew {}

/// Why a selector is not valid, or `None`.
fn selector_error(selector: &str) -> Option<String> {
    selector.parse::<Selector>().err().map(|e| format!("{e}"))
}

/// `rewriterCheckSelector(selector)`: throws a TypeError for one lol_html
/// (and so Workers) does not support.
pub fn check_selector(ctx: Ctx<'_>, selector: String) -> rquickjs::Result<()> {
    match selector_error(&selector) {
        Some(why) => Err(Exception::throw_type(
            &ctx,
            &format!("Invalid selector {selector:?}: {why}"),
        )),
        None => Ok(()),
    }
}

/// Calls the JS dispatch function for a unit; waits for a promise it returns.
fn dispatch(
    dispatcher: &Persistent<Function<'static>>,
    run_timer: &Persistent<Function<'static>>,
    kind: u32,
    index: u32,
    unit: Current,
) -> HandlerResult {
    let raw = NonNull::new(CTX.with(Cell::get)).ok_or(HandlerThrew)?;
    // SAFETY: CTX is the live context write/end were called in; it is
    // only set for the duration of those calls.
    let ctx = unsafe { Ctx::from_raw(raw) };
    let token = NEXT_TOKEN.with(|t| {
        let n = t.get().wrapping_add(1).max(1);
        t.set(n);
        n
    });
    let previous = CURRENT.with(|c| c.replace((token, unit)));
    let result = (|| -> rquickjs::Result<()> {
        let f = dispatcher.clone().restore(&ctx)?;
        let out: Value = f.call((kind, index, token))?;
        if let Some(promise) = out.as_promise() {
            wait(&ctx, promise, run_timer)?;
        }
        Ok(())
    })();
    CURRENT.with(|c| c.set(previous));
    result.map_err(|e| {
        let value = match e {
            rquickjs::Error::Exception => ctx.catch(),
            other => Exception::from_message(ctx.clone(), &other.to_string())
                .map(|e| e.into_value())
                .unwrap_or_else(|_| Value::new_undefined(ctx.clone())),
        };
        THROWN.with(|t| *t.borrow_mut() = Some(Persistent::save(&ctx, value)));
        Box::new(HandlerThrew) as Box<dyn std::error::Error + Send + Sync>
    })
}

/// Runs jobs, then (virtual-time) timers, until `promise` settles.
fn wait<'js>(
    ctx: &Ctx<'js>,
    promise: &Promise<'js>,
    run_timer: &Persistent<Function<'static>>,
) -> rquickjs::Result<()> {
    loop {
        match promise.state() {
            PromiseState::Resolved => return Ok(()),
            PromiseState::Rejected => {
                return match promise.result::<Value>() {
                    Some(Err(e)) => Err(e),
                    _ => Ok(()),
                };
            }
            PromiseState::Pending => {
                if ctx.execute_pending_job() {
                    continue;
                }
                let timer: bool = run_timer.clone().restore(ctx)?.call(())?;
                if !timer {
                    return Err(Exception::throw_type(
                        ctx,
                        "An HTMLRewriter handler's promise never settled: nothing is left that could settle it",
                    ));
                }
            }
        }
    }
}

/// `rewriterNew(selectors, documents, dispatch, runTimer)`: a rewriter's
/// handle. `selectors` is `[[selector, element?, comments?, text?], ...]`,
/// `documents` `[[doctype?, comments?, text?, end?], ...]`: which handler
/// methods each handler object has. Dispatch kinds: 0 element, 1 comments,
/// 2 text (of selector `index`), 3 doctype, 4 comments, 5 text, 6 end (of
/// document handler `index`), 7 an end tag (handler id `index`).
pub fn new<'js>(
    ctx: Ctx<'js>,
    selectors: Array<'js>,
    documents: Array<'js>,
    dispatcher: Function<'js>,
    run_timer: Function<'js>,
) -> rquickjs::Result<u32> {
    let dispatcher = Persistent::save(&ctx, dispatcher);
    let run_timer = Persistent::save(&ctx, run_timer);
    let fns = (dispatcher, run_timer);
    // A handler that dispatches its unit as `kind` of handler `index`.
    macro_rules! handler {
        ($kind:expr, $index:expr, $unit:ident, $ty:ty) => {{
            let (d, t) = fns.clone();
            move |u: &mut $ty| {
                dispatch(
                    &d,
                    &t,
                    $kind,
                    $index,
                    Current::$unit(u as *mut $ty as *mut _),
                )
            }
        }};
    }
    let mut element_content_handlers = Vec::new();
    for (i, entry) in selectors.iter::<Array>().enumerate() {
        let entry = entry?;
        let selector: String = entry.get(0)?;
        let parsed: Selector = selector.parse().map_err(|e| {
            Exception::throw_type(&ctx, &format!("Invalid selector {selector:?}: {e}"))
        })?;
        let i = i as u32;
        let mut handlers = ElementContentHandlers::default();
        if entry.get::<bool>(1)? {
            handlers = handlers.element(handler!(0, i, Element, Element<'_, '_>));
        }
        if entry.get::<bool>(2)? {
            handlers = handlers.comments(handler!(1, i, Comment, Comment<'_>));
        }
        if entry.get::<bool>(3)? {
            handlers = handlers.text(handler!(2, i, Text, TextChunk<'_>));
        }
        element_content_handlers.push((Cow::Owned(parsed), handlers));
    }
    let mut document_content_handlers = Vec::new();
    for (i, entry) in documents.iter::<Array>().enumerate() {
        let entry = entry?;
        let i = i as u32;
        let mut handlers = DocumentContentHandlers::default();
        if entry.get::<bool>(0)? {
            handlers = handlers.doctype(handler!(3, i, Doctype, Doctype<'_>));
        }
        if entry.get::<bool>(1)? {
            handlers = handlers.comments(handler!(4, i, Comment, Comment<'_>));
        }
        if entry.get::<bool>(2)? {
            handlers = handlers.text(handler!(5, i, Text, TextChunk<'_>));
        }
        if entry.get::<bool>(3)? {
            handlers = handlers.end(handler!(6, i, End, DocumentEnd<'_>));
        }
        document_content_handlers.push(handlers);
    }
    let output = Rc::new(RefCell::new(Vec::new()));
    let inner = HtmlRewriter::new(
        Settings {
            element_content_handlers,
            document_content_handlers,
            ..Settings::new()
        },
        Sink(output.clone()),
    );
    Ok(REWRITERS.with(|r| {
        r.borrow_mut().insert(Rewriter {
            inner,
            output,
            dispatch: fns,
        })
    }))
}

type DispatchFns = (Persistent<Function<'static>>, Persistent<Function<'static>>);

thread_local! {
    /// The dispatch functions of the rewriter being fed (for `onEndTag`).
    static FEEDING: RefCell<Option<DispatchFns>> = const { RefCell::new(None) };
}

/// `rewriterWrite(handle, bytes)`: the output so far.
pub fn write<'js>(
    ctx: Ctx<'js>,
    handle: u32,
    bytes: Value<'js>,
) -> rquickjs::Result<TypedArray<'js, u8>> {
    let input = crate::convert::bytes_of(&bytes);
    feed(ctx, handle, Some(&input))
}

/// `rewriterEnd(handle)`: the rest of the output; the rewriter is gone.
pub fn end(ctx: Ctx<'_>, handle: u32) -> rquickjs::Result<TypedArray<'_, u8>> {
    feed(ctx, handle, None)
}

/// `rewriterFree(handle)`: drops a rewriter whose stream was canceled.
pub fn free(handle: u32) {
    REWRITERS.with(|r| r.borrow_mut().remove(handle));
}

/// Feeds `handle` with `input` (`None`: the end), returning its output.
fn feed<'js>(
    ctx: Ctx<'js>,
    handle: u32,
    input: Option<&[u8]>,
) -> rquickjs::Result<TypedArray<'js, u8>> {
    // Taken out while it runs: a handler may use another rewriter.
    let Some(rewriter) = REWRITERS.with(|r| r.borrow_mut().remove(handle)) else {
        return Err(Exception::throw_type(
            &ctx,
            "This HTMLRewriter stream has already ended",
        ));
    };
    let Rewriter {
        mut inner,
        output,
        dispatch,
    } = rewriter;
    let outer_ctx = CTX.with(|c| c.replace(ctx.as_raw().as_ptr()));
    let outer_feeding = FEEDING.with(|f| f.replace(Some(dispatch.clone())));
    let result = match input {
        Some(bytes) => inner.write(bytes).map(|()| Some(inner)),
        None => inner.end().map(|()| None),
    };
    CTX.with(|c| c.set(outer_ctx));
    FEEDING.with(|f| *f.borrow_mut() = outer_feeding);
    let out = std::mem::take(&mut *output.borrow_mut());
    match result {
        Ok(Some(inner)) => {
            REWRITERS.with(|r| {
                r.borrow_mut().put(
                    handle,
                    Rewriter {
                        inner,
                        output,
                        dispatch,
                    },
                )
            });
            TypedArray::new(ctx, out)
        }
        Ok(None) => TypedArray::new(ctx, out),
        Err(e) => match THROWN.with(|t| t.borrow_mut().take()) {
            Some(value) => Err(ctx.throw(value.restore(&ctx)?)),
            None => Err(Exception::throw_type(&ctx, &format!("HTMLRewriter: {e}"))),
        },
    }
}

fn content_type(options: &Opt<Value<'_>>) -> rquickjs::Result<ContentType> {
    let html = match &options.0 {
        Some(v) if v.is_object() => v
            .as_object()
            .map(|o| o.get::<_, bool>("html"))
            .transpose()?
            .unwrap_or(false),
        _ => false,
    };
    Ok(if html {
        ContentType::Html
    } else {
        ContentType::Text
    })
}

fn gone(ctx: &Ctx<'_>) -> rquickjs::Error {
    Exception::throw_type(
        ctx,
        "This HTMLRewriter object can only be used inside the handler it was passed to",
    )
}

/// `rwOp(token, op, a, b)`: an operation on the unit a handler was given
/// (`token`), e.g. `("setAttribute", name, value)` on an element.
pub fn rw_op<'js>(
    ctx: Ctx<'js>,
    token: u32,
    op: String,
    a: Opt<Value<'js>>,
    b: Opt<Value<'js>>,
) -> rquickjs::Result<Value<'js>> {
    let (current_token, unit) = CURRENT.with(Cell::get);
    if token != current_token {
        return Err(gone(&ctx));
    }
    let text = |v: &Opt<Value<'js>>| -> rquickjs::Result<String> {
        match &v.0 {
            Some(v) => match v.as_string() {
                Some(s) => s.to_string(),
                None => Ok(rquickjs::Coerced::<String>::from_js(&ctx, v.clone())?.0),
            },
            None => Ok("undefined".to_string()),
        }
    };
    let undefined = Value::new_undefined(ctx.clone());
    let string = |s: String| -> rquickjs::Result<Value<'js>> {
        rquickjs::String::from_str(ctx.clone(), &s).map(|s| s.into_value())
    };
    let opt_string = |s: Option<String>| -> rquickjs::Result<Value<'js>> {
        match s {
            Some(s) => string(s),
            None => Ok(Value::new_null(ctx.clone())),
        }
    };
    let boolean = |b: bool| Value::new_bool(ctx.clone(), b);
    // SAFETY (every deref below): the pointer is to the unit lol_html
    // passed to the handler that is running now (token matched), valid
    // until that handler returns.
    match unit {
        Current::Element(p) => {
            let el = unsafe { &mut *p };
            match op.as_str() {
                "tagName" => string(el.tag_name()),
                "setTagName" => {
                    el.set_tag_name(&text(&a)?)
                        .map_err(|e| Exception::throw_type(&ctx, &e.to_string()))?;
                    Ok(undefined)
                }
                "namespaceURI" => string(el.namespace_uri().to_string()),
                "selfClosing" => Ok(boolean(el.is_self_closing())),
                "canHaveContent" => Ok(boolean(el.can_have_content())),
                "removed" => Ok(boolean(el.removed())),
                "attributes" => {
                    let out = Array::new(ctx.clone())?;
                    for (i, attr) in el.attributes().iter().enumerate() {
                        let pair = Array::new(ctx.clone())?;
                        pair.set(0, attr.name())?;
                        pair.set(1, attr.value())?;
                        out.set(i, pair)?;
                    }
                    Ok(out.into_value())
                }
                "getAttribute" => opt_string(el.get_attribute(&text(&a)?)),
                "hasAttribute" => Ok(boolean(el.has_attribute(&text(&a)?))),
                "setAttribute" => {
                    el.set_attribute(&text(&a)?, &text(&b)?)
                        .map_err(|e| Exception::throw_type(&ctx, &e.to_string()))?;
                    Ok(undefined)
                }
                "removeAttribute" => {
                    el.remove_attribute(&text(&a)?);
                    Ok(undefined)
                }
                "before" => {
                    el.before(&text(&a)?, content_type(&b)?);
                    Ok(undefined)
                }
                "after" => {
                    el.after(&text(&a)?, content_type(&b)?);
                    Ok(undefined)
                }
                "prepend" => {
                    el.prepend(&text(&a)?, content_type(&b)?);
                    Ok(undefined)
                }
                "append" => {
                    el.append(&text(&a)?, content_type(&b)?);
                    Ok(undefined)
                }
                "replace" => {
                    el.replace(&text(&a)?, content_type(&b)?);
                    Ok(undefined)
                }
                "setInnerContent" => {
                    el.set_inner_content(&text(&a)?, content_type(&b)?);
                    Ok(undefined)
                }
                "remove" => {
                    el.remove();
                    Ok(undefined)
                }
                "removeAndKeepContent" => {
                    el.remove_and_keep_content();
                    Ok(undefined)
                }
                "onEndTag" => {
                    let id: u32 = a.0.map(|v| v.get()).transpose()?.unwrap_or(0);
                    let Some((d, t)) = FEEDING.with(|f| f.borrow().clone()) else {
                        return Err(gone(&ctx));
                    };
                    el.on_end_tag(Box::new(move |end: &mut EndTag<'_>| {
                        dispatch(
                            &d,
                            &t,
                            7,
                            id,
                            Current::EndTag(std::ptr::from_mut(end).cast::<EndTag<'static>>()),
                        )
                    }))
                    .map_err(|e| Exception::throw_type(&ctx, &e.to_string()))?;
                    Ok(undefined)
                }
                _ => Err(Exception::throw_type(
                    &ctx,
                    &format!("Element has no operation {op}"),
                )),
            }
        }
        Current::EndTag(p) => {
            let end = unsafe { &mut *p };
            match op.as_str() {
                "name" => string(end.name()),
                "setName" => {
                    end.set_name_str(text(&a)?);
                    Ok(undefined)
                }
                "before" => {
                    end.before(&text(&a)?, content_type(&b)?);
                    Ok(undefined)
                }
                "after" => {
                    end.after(&text(&a)?, content_type(&b)?);
                    Ok(undefined)
                }
                "remove" => {
                    end.remove();
                    Ok(undefined)
                }
                _ => Err(Exception::throw_type(
                    &ctx,
                    &format!("EndTag has no operation {op}"),
                )),
            }
        }
        Current::Text(p) => {
            let chunk = unsafe { &mut *p };
            match op.as_str() {
                "text" => string(chunk.as_str().to_string()),
                "lastInTextNode" => Ok(boolean(chunk.last_in_text_node())),
                "removed" => Ok(boolean(chunk.removed())),
                "before" => {
                    chunk.before(&text(&a)?, content_type(&b)?);
                    Ok(undefined)
                }
                "after" => {
                    chunk.after(&text(&a)?, content_type(&b)?);
                    Ok(undefined)
                }
                "replace" => {
                    chunk.replace(&text(&a)?, content_type(&b)?);
                    Ok(undefined)
                }
                "remove" => {
                    chunk.remove();
                    Ok(undefined)
                }
                _ => Err(Exception::throw_type(
                    &ctx,
                    &format!("Text has no operation {op}"),
                )),
            }
        }
        Current::Comment(p) => {
            let c = unsafe { &mut *p };
            match op.as_str() {
                "text" => string(c.text()),
                "setText" => {
                    c.set_text(&text(&a)?)
                        .map_err(|e| Exception::throw_type(&ctx, &e.to_string()))?;
                    Ok(undefined)
                }
                "removed" => Ok(boolean(c.removed())),
                "before" => {
                    c.before(&text(&a)?, content_type(&b)?);
                    Ok(undefined)
                }
                "after" => {
                    c.after(&text(&a)?, content_type(&b)?);
                    Ok(undefined)
                }
                "replace" => {
                    c.replace(&text(&a)?, content_type(&b)?);
                    Ok(undefined)
                }
                "remove" => {
                    c.remove();
                    Ok(undefined)
                }
                _ => Err(Exception::throw_type(
                    &ctx,
                    &format!("Comment has no operation {op}"),
                )),
            }
        }
        Current::Doctype(p) => {
            let d = unsafe { &mut *p };
            match op.as_str() {
                "name" => opt_string(d.name()),
                "publicId" => opt_string(d.public_id()),
                "systemId" => opt_string(d.system_id()),
                "remove" => {
                    d.remove();
                    Ok(undefined)
                }
                "removed" => Ok(boolean(d.removed())),
                _ => Err(Exception::throw_type(
                    &ctx,
                    &format!("Doctype has no operation {op}"),
                )),
            }
        }
        Current::End(p) => {
            let d = unsafe { &mut *p };
            match op.as_str() {
                "append" => {
                    d.append(&text(&a)?, content_type(&b)?);
                    Ok(undefined)
                }
                _ => Err(Exception::throw_type(
                    &ctx,
                    &format!("DocumentEnd has no operation {op}"),
                )),
            }
        }
        Current::None => Err(gone(&ctx)),
    }
}
