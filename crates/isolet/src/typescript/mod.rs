//! TypeScript and JSX modules: transpiled in the host (oxc: parser,
//! transformer, codegen) to ES modules before the engine sees them, as
//! wrangler/esbuild do: types are stripped, never checked (a type error is
//! not an error; a syntax error is, with its line and column). Each module's
//! output is kept by content hash, with a line map from the JavaScript back to
//! the TypeScript so that stack traces (and [`ScriptError::location`]) name
//! the TypeScript lines.
//!
//! Relative imports are resolved as TypeScript's `bundler` resolution does:
//! `./util`, `./util.js` and `./dir` find `util.ts`, `util.tsx` or
//! `dir/index.ts` among the worker's modules, and are rewritten to the
//! module's name.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;
use serde::{Deserialize, Serialize};

#[cfg(not(feature = "typescript"))]
use crate::code::{ModuleSource, WorkerCode};
#[cfg(not(feature = "typescript"))]
use crate::error::Error;
use crate::error::ScriptError;

#[cfg(feature = "typescript")]
mod transpile;
#[cfg(feature = "typescript")]
pub(crate) use transpile::{estimate_and_depth, transpile_one};

/// How JSX in `.tsx`/`.jsx` modules is compiled.
///
/// The default is React's automatic runtime (`import { jsx } from
/// "react/jsx-runtime"`); set `importSource` for another library (Hono:
/// `"hono/jsx"`), or the classic runtime with a factory. A module's own
/// `/** @jsxImportSource x */` or `/** @jsx h */` pragma wins. The runtime's
/// module (`<importSource>/jsx-runtime`) must be one of the worker's modules.
///
/// ```
/// use isolet::{Jsx, WorkerCode};
/// let code = WorkerCode::new("app.tsx")
///     .module("app.tsx", isolet::ModuleSource::TypeScript("export default {}".into()))
///     .compatibility_date("2025-06-01")
///     .jsx(Jsx::automatic("hono/jsx"));
/// assert!(code.validate().is_ok());
/// let json = serde_json::to_string(&code.jsx).unwrap();
/// assert_eq!(json, r#"{"runtime":"automatic","importSource":"hono/jsx"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Jsx {
    /// `automatic` (the default) or `classic`.
    #[serde(default)]
    pub runtime: JsxMode,
    /// Automatic runtime: where `jsx-runtime` is imported from (default `react`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_source: Option<String>,
    /// Classic runtime: the element factory (default `React.createElement`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factory: Option<String>,
    /// Classic runtime: the fragment (default `React.Fragment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fragment: Option<String>,
}

/// Which JSX runtime a worker's JSX compiles to (see [`Jsx`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum JsxMode {
    /// `jsx()` calls imported from `<importSource>/jsx-runtime`.
    #[default]
    Automatic,
    /// Calls of a factory in scope (`h(...)`, `React.createElement(...)`).
    Classic,
}

impl Jsx {
    /// The automatic runtime importing from `import_source`.
    ///
    /// ```
    /// let jsx = isolet::Jsx::automatic("preact");
    /// assert_eq!(jsx.import_source.as_deref(), Some("preact"));
    /// ```
    pub fn automatic(import_source: impl Into<String>) -> Self {
        Jsx {
            runtime: JsxMode::Automatic,
            import_source: Some(import_source.into()),
            ..Jsx::default()
        }
    }

    /// The classic runtime with this factory and fragment.
    ///
    /// ```
    /// let jsx = isolet::Jsx::classic("h", "Fragment");
    /// assert_eq!(jsx.runtime, isolet::JsxMode::Classic);
    /// ```
    pub fn classic(factory: impl Into<String>, fragment: impl Into<String>) -> Self {
        Jsx {
            runtime: JsxMode::Classic,
            import_source: None,
            factory: Some(factory.into()),
            fragment: Some(fragment.into()),
        }
    }

    pub(crate) fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let dotted = |s: &str| {
            !s.is_empty()
                && s.split('.').all(|part| {
                    !part.is_empty()
                        && !part.starts_with(|c: char| c.is_ascii_digit())
                        && part
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
                })
        };
        match self.runtime {
            JsxMode::Automatic => {
                if self.factory.is_some() || self.fragment.is_some() {
                    problems.push(
                        "`jsx.factory` and `jsx.fragment` apply to the classic runtime; set `jsx.runtime` to \"classic\""
                            .to_string(),
                    );
                }
                if let Some(source) = &self.import_source
                    && (source.is_empty() || source.chars().any(|c| c.is_control() || c == '"'))
                {
                    problems.push(format!(
                        "`jsx.importSource` \"{source}\" is not a module specifier"
                    ));
                }
            }
            JsxMode::Classic => {
                if self.import_source.is_some() {
                    problems.push(
                        "`jsx.importSource` applies to the automatic runtime, not \"classic\""
                            .to_string(),
                    );
                }
                for (what, name) in [("factory", &self.factory), ("fragment", &self.fragment)] {
                    if let Some(name) = name
                        && !dotted(name)
                    {
                        problems.push(format!(
                            "`jsx.{what}` \"{name}\" is not an identifier or a dotted name"
                        ));
                    }
                }
            }
        }
        problems
    }
}

/// Generated (1-based line, column) → TypeScript (line, column), per
/// generated line the mappings sorted by column.
#[derive(Debug, Default)]
pub(crate) struct LineMap {
    lines: Vec<Vec<(u32, u32, u32)>>,
}

impl LineMap {
    /// The TypeScript position of a JavaScript one (both 1-based): the
    /// mapping at or before the column on that line, else the line's first.
    fn lookup(&self, line: u32, col: u32) -> Option<(u32, u32)> {
        let row = self.lines.get(line.checked_sub(1)? as usize)?;
        let col0 = col.saturating_sub(1);
        let i = row.partition_point(|&(dst, _, _)| dst <= col0);
        let &(_, src_line, src_col) = row.get(i.saturating_sub(1))?;
        Some((src_line + 1, src_col + 1))
    }
}

/// One module's transpiled output.
#[derive(Debug)]
#[cfg_attr(not(feature = "typescript"), allow(dead_code))]
pub(crate) struct Transpiled {
    js: String,
    map: Arc<LineMap>,
}

/// The line maps of a worker's TypeScript modules, by module name.
#[derive(Debug, Default, Clone)]
pub(crate) struct SourceMaps(HashMap<String, Arc<LineMap>>);

impl SourceMaps {
    /// Rewrites the positions of the worker's TypeScript modules in a stack
    /// trace to their TypeScript lines and columns.
    pub fn remap(&self, error: &mut ScriptError) {
        if self.0.is_empty() || error.stack.is_empty() {
            return;
        }
        let mut out = String::with_capacity(error.stack.len());
        for line in error.stack.split_inclusive('\n') {
            out.push_str(&self.remap_frame(line).unwrap_or_else(|| line.to_string()));
        }
        error.stack = out;
    }

    /// A frame `at f (name:L:C)` or `at name:L:C` with its position mapped.
    fn remap_frame(&self, line: &str) -> Option<String> {
        let body = line.trim_end_matches(['\n', '\r']);
        let end = if body.ends_with(')') {
            body.len() - 1
        } else {
            body.len()
        };
        let start = match body.rfind('(') {
            Some(i) if body.ends_with(')') => i + 1,
            _ => body.find("at ")? + 3,
        };
        let mut parts = body[start..end].rsplitn(3, ':');
        let col: u32 = parts.next()?.parse().ok()?;
        let row: u32 = parts.next()?.parse().ok()?;
        let file = parts.next()?;
        let (src_line, src_col) = self.0.get(file)?.lookup(row, col)?;
        Some(format!(
            "{}{file}:{src_line}:{src_col}{}",
            &body[..start],
            &line[end..]
        ))
    }
}
/// Transpiled modules by content hash (module name, source, JSX options and
/// the names of the worker's modules, which decide how imports resolve).
#[cfg_attr(not(feature = "typescript"), allow(dead_code))]
pub(crate) struct TranspileCache {
    lru: Mutex<LruCache<[u8; 32], Arc<Transpiled>>>,
}

impl TranspileCache {
    pub fn new(capacity: usize) -> Self {
        TranspileCache {
            lru: Mutex::new(LruCache::new(
                NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    #[cfg_attr(not(feature = "typescript"), allow(dead_code))]
    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<[u8; 32], Arc<Transpiled>>> {
        self.lru.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Without the `typescript` feature: code with a TypeScript module is
    /// refused with a clear error; other code passes through.
    #[cfg(not(feature = "typescript"))]
    pub async fn apply(&self, code: WorkerCode) -> Result<(WorkerCode, SourceMaps), Error> {
        match code
            .modules
            .iter()
            .find(|(_, m)| matches!(m, ModuleSource::TypeScript(_)))
        {
            None => Ok((code, SourceMaps::default())),
            Some((name, _)) => Err(Error::Script(ScriptError {
                name: "SyntaxError".into(),
                message: format!(
                    "{name} is TypeScript, and this isolet was built without its `typescript` feature"
                ),
                stack: String::new(),
            })),
        }
    }
}
