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

#[cfg(not(feature = "typescript"))]
use crate::error::Error;
use crate::error::ScriptError;
#[cfg(not(feature = "typescript"))]
use isolet_code::{ModuleSource, WorkerCode};

#[cfg(feature = "typescript")]
mod transpile;
#[cfg(feature = "typescript")]
#[cfg(feature = "fuzz")]
pub(crate) use transpile::{estimate_and_depth, transpile_one};

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
            Some((name, _)) => Err(Error::Config(format!(
                "{name} is TypeScript, and this isolet was built without its `typescript` feature"
            ))),
        }
    }
}
