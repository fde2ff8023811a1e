//! The worker's module graph: names, resolution and loading.
//!
//! Module names are paths (`main.js`, `lib/util.js`). Relative specifiers
//! (`./x.js`, `../x.js`) resolve against the importing module; other
//! specifiers must name a module exactly, or a built-in (`cloudflare:workers`).

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
}

/// The bytecode recorded while loading (empty unless the host asked).
pub fn take_compiled() -> Vec<CompiledModule> {
    COMPILED.with(|c| std::mem::take(&mut *c.borrow_mut()))
}

/// Built-in modules, implemented by the prelude (reachable through a
/// registered symbol so user code cannot shadow them by accident).
const BUILTINS: &[(&str, &str)] = &[(
    "cloudflare:workers",
    "const w = globalThis[Symbol.for('isolet.workers')];\n\
     export const WorkerEntrypoint = w.WorkerEntrypoint;\n\
     export const RpcTarget = w.RpcTarget;\n\
     export const env = w.env;\n\
     export default w;\n",
)];

/// Takes the spec's modules (moved, not copied: a module's bytes are the
/// largest thing `init` receives, and every copy is fresh pages of the
/// instance's memory).
pub fn install(spec: &mut WorkerSpec) -> Result<(), ScriptError> {
    WANT_BYTECODE.with(|w| *w.borrow_mut() = spec.want_bytecode);
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
            return Err(bad_spec(format!("the main module \"{main}\" is not among the modules")));
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
            &format!("Module not found: \"{name}\" imported from {importer} (resolved to \"{resolved}\")"),
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
        let kind = MODULES.with(|m| m.borrow().get(name).map(|s| s.kind));
        let Some(kind) = kind else {
            return Err(Exception::throw_type(ctx, &format!("Module not found: \"{name}\"")));
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
