//! The worker's module graph: names, resolution and loading.
//!
//! Module names are paths (`main.js`, `lib/util.js`). Relative specifiers
//! (`./x.js`, `../x.js`) resolve against the importing module; other
//! specifiers must name a module exactly, or a built-in (`cloudflare:workers`,
//! and `node:*` under the `nodejs_compat` flag: see [`node_resolve`]).

use std::cell::RefCell;
use std::collections::HashMap;

use rquickjs::loader::ImportAttributes;
use rquickjs::{Ctx, Exception, Module, module::Declared};

use crate::isolet::worker::types::{CompiledModule, ModuleKind, ScriptError, WorkerSpec};

struct Source {
    kind: ModuleKind,
    bytes: Vec<u8>,
}

thread_local! {
    static MODULES: RefCell<HashMap<String, Source>> = RefCell::new(HashMap::new());
    /// Whether to record the bytecode of ES modules compiled from source.
    static WANT_BYTECODE: RefCell<bool> = const { RefCell::new(false) };
    /// Bytecode recorded during `init`, returned to the host.
    static COMPILED: RefCell<Vec<CompiledModule>> = const { RefCell::new(Vec::new()) };
    /// Which Node.js modules the worker's compatibility flags allow.
    static NODE: RefCell<NodeLevel> = const { RefCell::new(NodeLevel::None) };
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum NodeLevel {
    None,
    /// `nodejs_als`: only `node:async_hooks`.
    AsyncLocalStorage,
    /// `nodejs_compat`: all of them, also by bare name (`buffer`).
    Full,
}

/// A module made of a stub of the Node.js module `$name` whose functions
/// throw a clear error (see js/node/unavailable.js).
macro_rules! unavailable {
    ($name:literal) => {
        concat!(
            "(function (lib, native, require) { return require(\"internal/unavailable\")(\"",
            $name,
            "\"); })"
        )
    };
}
/// A module that is part of another (`assert/strict` is `assert.strict`).
macro_rules! part_of {
    ($module:literal, $expr:literal) => {
        concat!(
            "(function (lib, native, require) { return require(\"",
            $module,
            "\")",
            $expr,
            "; })"
        )
    };
}

/// The Node.js built-in modules (named without `node:`): the source of a
/// function `(lib, native, require)` that returns the module's exports,
/// evaluated by js/node.js on first use, so none is in the snapshot.
/// `internal/` ones serve the others and cannot be imported.
pub const NODE_MODULES: &[(&str, &str)] = &[
    ("buffer", include_str!("../js/node/buffer.js")),
    ("events", include_str!("../js/node/events.js")),
    ("util", include_str!("../js/node/util.js")),
    ("util/types", part_of!("util", ".types")),
    ("assert", include_str!("../js/node/assert.js")),
    ("assert/strict", part_of!("assert", ".strict")),
    ("path", include_str!("../js/node/path.js")),
    ("path/posix", part_of!("path", ".posix")),
    ("path/win32", part_of!("path", ".win32")),
    ("url", include_str!("../js/node/url.js")),
    ("querystring", include_str!("../js/node/querystring.js")),
    (
        "string_decoder",
        include_str!("../js/node/string_decoder.js"),
    ),
    ("crypto", include_str!("../js/node/crypto.js")),
    ("stream", include_str!("../js/node/stream.js")),
    ("stream/promises", part_of!("stream", ".promises")),
    (
        "stream/web",
        "(function () { const g = globalThis; return { ReadableStream: g.ReadableStream, WritableStream: g.WritableStream, TransformStream: g.TransformStream, ReadableStreamDefaultReader: g.ReadableStreamDefaultReader, ReadableStreamBYOBReader: g.ReadableStreamBYOBReader, ReadableByteStreamController: g.ReadableByteStreamController, ReadableStreamDefaultController: g.ReadableStreamDefaultController, WritableStreamDefaultWriter: g.WritableStreamDefaultWriter, TransformStreamDefaultController: g.TransformStreamDefaultController, ByteLengthQueuingStrategy: g.ByteLengthQueuingStrategy, CountQueuingStrategy: g.CountQueuingStrategy, TextEncoderStream: g.TextEncoderStream, TextDecoderStream: g.TextDecoderStream, CompressionStream: g.CompressionStream, DecompressionStream: g.DecompressionStream }; })",
    ),
    ("async_hooks", include_str!("../js/node/async_hooks.js")),
    ("timers", include_str!("../js/node/timers.js")),
    ("timers/promises", part_of!("timers", ".promises")),
    ("process", include_str!("../js/node/process.js")),
    ("os", include_str!("../js/node/os.js")),
    ("console", "(function () { return globalThis.console; })"),
    (
        "perf_hooks",
        "(function () { return { performance: globalThis.performance }; })",
    ),
    ("zlib", include_str!("../js/node/zlib.js")),
    (
        "internal/unavailable",
        include_str!("../js/node/unavailable.js"),
    ),
    ("fs", unavailable!("fs")),
    ("fs/promises", unavailable!("fs/promises")),
    ("net", unavailable!("net")),
    ("tls", unavailable!("tls")),
    ("dgram", unavailable!("dgram")),
    ("dns", unavailable!("dns")),
    ("dns/promises", unavailable!("dns/promises")),
    ("http", unavailable!("http")),
    ("https", unavailable!("https")),
    ("http2", unavailable!("http2")),
    ("child_process", unavailable!("child_process")),
    ("cluster", unavailable!("cluster")),
    ("worker_threads", unavailable!("worker_threads")),
    ("vm", unavailable!("vm")),
    ("v8", unavailable!("v8")),
    ("inspector", unavailable!("inspector")),
    ("repl", unavailable!("repl")),
    ("readline", unavailable!("readline")),
    ("tty", unavailable!("tty")),
    ("module", unavailable!("module")),
];

/// The source of the Node.js module `name` (see [`NODE_MODULES`]).
pub fn node_source(name: &str) -> Option<&'static str> {
    NODE_MODULES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
}

/// Whether `specifier` names a Node.js built-in module the worker may use:
/// `Ok(Some(name))` (without `node:`) if so, `Ok(None)` if it is not a
/// Node.js module at all (a bare name the worker has a module of, or no
/// flag), `Err` with the reason when it names one it may not use.
pub fn node_resolve(specifier: &str) -> Result<Option<String>, String> {
    let level = NODE.with(|l| *l.borrow());
    let (name, prefixed) = match specifier.strip_prefix("node:") {
        Some(name) => (name, true),
        None => (specifier, false),
    };
    let known = !name.starts_with("internal/") && node_source(name).is_some();
    if !prefixed {
        let own = MODULES.with(|m| m.borrow().contains_key(name));
        return Ok((known && level == NodeLevel::Full && !own).then(|| name.to_string()));
    }
    if !known {
        return Err(format!(
            "No such module \"node:{name}\": isolet has no such Node.js module"
        ));
    }
    match level {
        NodeLevel::Full => Ok(Some(name.to_string())),
        NodeLevel::AsyncLocalStorage if name == "async_hooks" => Ok(Some(name.to_string())),
        _ => Err(format!(
            "No such module \"node:{name}\": Node.js modules need the \"nodejs_compat\" compatibility flag{}",
            if name == "async_hooks" {
                " (or \"nodejs_als\")"
            } else {
                ""
            }
        )),
    }
}

/// The bytecode recorded while loading (empty unless the host asked).
pub fn take_compiled() -> Vec<CompiledModule> {
    COMPILED.with(|c| std::mem::take(&mut *c.borrow_mut()))
}

/// Built-in modules, implemented by the prelude (reachable through a
/// registered symbol so user code cannot shadow them by accident).
const BUILTINS: &[(&str, &str)] = &[
    (
        "cloudflare:workers",
        "const w = globalThis[Symbol.for('isolet.workers')];\n\
         export const WorkerEntrypoint = w.WorkerEntrypoint;\n\
         export const RpcTarget = w.RpcTarget;\n\
         export const DurableObject = w.DurableObject;\n\
         export const abortIsolate = w.abortIsolate;\n\
         export const env = w.env;\n\
         export default w;\n",
    ),
    (
        "isolet:fs",
        "const fs = globalThis[Symbol.for('isolet.workers')].fs;\n\
         if (fs === undefined) throw new Error('isolet:fs: this worker has no storage (it needs to be loaded by id or as an object, on a host with a storage directory)');\n\
         export { fs };\n\
         export default fs;\n\
         export const { readFile, writeFile, appendFile, readdir, stat, lstat, exists, mkdir, rm, rmdir, unlink, rename, copyFile, glob } = fs;\n",
    ),
];

/// Takes the spec's modules (moved, not copied: a module's bytes are the
/// largest thing `init` receives, and every copy is fresh pages of the
/// instance's memory).
pub fn install(spec: &mut WorkerSpec) -> Result<(), ScriptError> {
    WANT_BYTECODE.with(|w| *w.borrow_mut() = spec.want_bytecode);
    let flag = |f: &str| spec.compatibility_flags.iter().any(|x| x == f);
    let level = if flag("nodejs_compat") || flag("nodejs_compat_v2") {
        NodeLevel::Full
    } else if flag("nodejs_als") {
        NodeLevel::AsyncLocalStorage
    } else {
        NodeLevel::None
    };
    NODE.with(|l| *l.borrow_mut() = level);
    MODULES.with(|m| {
        let mut m = m.borrow_mut();
        for module in std::mem::take(&mut spec.modules) {
            let name = normalize(&module.name);
            if name.is_empty() {
                return Err(bad_spec("a module has an empty name".into()));
            }
            if module.kind == ModuleKind::Python {
                return Err(bad_spec(format!(
                    "module \"{name}\" is a Python module; the JavaScript engine cannot load it"
                )));
            }
            m.insert(
                name,
                Source {
                    kind: module.kind,
                    bytes: module.source,
                },
            );
        }
        let main = normalize(&spec.main_module);
        if !m.contains_key(&main) {
            return Err(bad_spec(format!(
                "the main module \"{main}\" is not among the modules"
            )));
        }
        Ok(())
    })
}

fn bad_spec(message: String) -> ScriptError {
    ScriptError {
        name: "TypeError".into(),
        message,
        stack: String::new(),
    }
}

/// Removes `./` and resolves `..` segments; never escapes the root.
pub fn normalize(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    out.join("/")
}

fn resolve(base: &str, specifier: &str) -> String {
    if specifier.starts_with("./") || specifier.starts_with("../") {
        let dir = match base.rfind('/') {
            Some(i) => &base[..i],
            None => "",
        };
        normalize(&format!("{dir}/{specifier}"))
    } else {
        normalize(specifier)
    }
}

/// Bytes of a data module, for the prelude's `dataModule` hook.
pub fn data_bytes(name: &str) -> Option<Vec<u8>> {
    MODULES.with(|m| m.borrow().get(name).map(|s| s.bytes.clone()))
}

pub struct Resolver;

impl rquickjs::loader::Resolver for Resolver {
    fn resolve<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        if BUILTINS.iter().any(|(b, _)| *b == name) {
            return Ok(name.to_string());
        }
        match node_resolve(name) {
            Ok(Some(node)) => return Ok(format!("node:{node}")),
            Ok(None) => {}
            Err(message) => return Err(Exception::throw_type(ctx, &message)),
        }
        let resolved = resolve(base, name);
        if MODULES.with(|m| m.borrow().contains_key(&resolved)) {
            return Ok(resolved);
        }
        let importer = if base.is_empty() || base == "<input>" {
            String::from("the worker")
        } else {
            format!("\"{base}\"")
        };
        Err(Exception::throw_type(
            ctx,
            &format!(
                "Module not found: \"{name}\" imported from {importer} (resolved to \"{resolved}\")"
            ),
        ))
    }
}

pub struct Loader;

impl rquickjs::loader::Loader for Loader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<Module<'js, Declared>> {
        if let Some((_, src)) = BUILTINS.iter().find(|(b, _)| *b == name) {
            return Module::declare(ctx.clone(), name, *src);
        }
        if let Some(node) = name.strip_prefix("node:") {
            // The module's exports are loaded first, so the ES module can
            // name each of them (js/node.js builds its text).
            let text: String = ctx.eval(format!(
                "globalThis[Symbol.for('isolet.workers')].nodeEsm({})",
                js_string(node)
            ))?;
            return Module::declare(ctx.clone(), name, text);
        }
        let kind = MODULES.with(|m| m.borrow().get(name).map(|s| s.kind));
        let Some(kind) = kind else {
            return Err(Exception::throw_type(
                ctx,
                &format!("Module not found: \"{name}\""),
            ));
        };
        if kind == ModuleKind::Bytecode {
            // Taken, not copied: QuickJS loads a module once, and nothing
            // else reads bytecode (`require` and data modules read source).
            let bytes = MODULES.with(|m| {
                m.borrow_mut()
                    .get_mut(name)
                    .map(|s| std::mem::take(&mut s.bytes))
                    .unwrap_or_default()
            });
            // SAFETY: the host only sends bytecode this same engine build
            // produced for this module name (returned from `init` and cached
            // by the host under the source's content hash); never user input.
            return unsafe { Module::load(ctx.clone(), &bytes) };
        }
        let text = MODULES.with(|m| {
            m.borrow()
                .get(name)
                .map(|s| String::from_utf8_lossy(&s.bytes).into_owned())
                .unwrap_or_default()
        });
        let code = match kind {
            ModuleKind::Esm => {
                let module = Module::declare(ctx.clone(), name, text)?;
                if WANT_BYTECODE.with(|w| *w.borrow()) {
                    let bytecode = module.write(rquickjs::module::WriteOptions::default())?;
                    COMPILED.with(|c| {
                        c.borrow_mut().push(CompiledModule {
                            name: name.to_string(),
                            bytecode,
                        })
                    });
                }
                return Ok(module);
            }
            ModuleKind::Bytecode => unreachable!("handled above"),
            ModuleKind::Text => format!("export default {};", js_string(&text)),
            ModuleKind::Json => format!("export default JSON.parse({});", js_string(&text)),
            ModuleKind::Data => format!(
                "export default globalThis[Symbol.for('isolet.workers')].dataModule({});",
                js_string(name)
            ),
            ModuleKind::Commonjs => format!(
                "export default globalThis[Symbol.for('isolet.workers')].commonjs({});",
                js_string(name)
            ),
            ModuleKind::Python => {
                return Err(Exception::throw_type(
                    ctx,
                    &format!("\"{name}\" is a Python module; the JavaScript engine cannot load it"),
                ));
            }
        };
        Module::declare(ctx.clone(), name, code)
    }
}

/// A module's kind (`esm`, `commonjs`, `text`, `data`, `json`) and source
/// text, for the prelude's `require`.
pub fn module_source(name: &str) -> Option<(&'static str, String)> {
    MODULES.with(|m| {
        m.borrow().get(name).map(|s| {
            let kind = match s.kind {
                // `require` refuses these: no need for their text.
                ModuleKind::Esm | ModuleKind::Bytecode => return ("esm", String::new()),
                ModuleKind::Commonjs => "commonjs",
                ModuleKind::Text => "text",
                ModuleKind::Data => "data",
                ModuleKind::Json => "json",
                ModuleKind::Python => "python",
            };
            (kind, String::from_utf8_lossy(&s.bytes).into_owned())
        })
    })
}

/// A JS string literal for `s` (JSON string syntax, valid JS).
pub fn js_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
