//! The transpiler itself (oxc: parser, transformer, codegen), behind the
//! `typescript` feature.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use oxc::allocator::{Allocator, FromIn};
use oxc::ast::ast::{Program, Statement, StringLiteral};
use oxc::codegen::{Codegen, CodegenOptions};
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::SourceType;
use oxc::str::Str;
use oxc::transformer::{JsxRuntime, TransformOptions, Transformer};

use crate::error::{Error, ScriptError};
use isolet_code::{ModuleSource, WorkerCode, normalize_path as normalize};

use super::{LineMap, SourceMaps, TranspileCache, Transpiled};
use isolet_code::{Jsx, JsxMode};

impl TranspileCache {
    /// `code` with each TypeScript module replaced by its ES module, and the
    /// line maps of those modules. Code without TypeScript passes through.
    ///
    /// Modules not in the cache are transpiled on a thread of their own
    /// with a large stack (`deep::run_async`), off the async runtime, each
    /// behind `deep::check`: tenant source nested deeper than oxc's
    /// recursion can take is a `SyntaxError`, never a stack overflow.
    pub async fn apply(&self, mut code: WorkerCode) -> Result<(WorkerCode, SourceMaps), Error> {
        if !code
            .modules
            .values()
            .any(|m| matches!(m, ModuleSource::TypeScript(_)))
        {
            return Ok((code, SourceMaps::default()));
        }
        let jsx = code.jsx.clone().unwrap_or_default();
        let mut names = blake3::Hasher::new();
        for name in code.modules.keys() {
            names.update(name.as_bytes());
            names.update(&[0]);
        }
        names.update(serde_json::to_string(&jsx).unwrap_or_default().as_bytes());
        let context = names.finalize();
        let mut done: Vec<(String, Arc<Transpiled>)> = Vec::new();
        let mut missing: Vec<(String, [u8; 32])> = Vec::new();
        for (name, module) in &code.modules {
            let ModuleSource::TypeScript(source) = module else {
                continue;
            };
            let mut key = blake3::Hasher::new();
            key.update(context.as_bytes());
            key.update(name.as_bytes());
            key.update(&[0]);
            key.update(source.as_bytes());
            let key: [u8; 32] = key.finalize().into();
            match self.lock().get(&key).cloned() {
                Some(t) => done.push((name.clone(), t)),
                None => missing.push((name.clone(), key)),
            }
        }
        if !missing.is_empty() {
            let what = missing[0].0.clone();
            // A stack no module of these can overflow in the parser,
            // however the nesting check read it (`deep::stack_for`).
            let stack = crate::deep::stack_for(missing.iter().filter_map(|(name, _)| {
                match code.modules.get(name) {
                    Some(ModuleSource::TypeScript(source)) => {
                        Some((name.as_str(), source.as_str()))
                    }
                    _ => None,
                }
            }))
            .map_err(Error::Script)?;
            // Marked as its load's, in its turn, while it parses: a crash
            // then is that load's if nothing else marked was under way
            // (crate::quarantine).
            let step = crate::quarantine::step().await;
            let (back, results) = crate::deep::run_async(what, stack, move || {
                let mut results = Vec::with_capacity(missing.len());
                for (name, key) in missing {
                    let Some(ModuleSource::TypeScript(source)) = code.modules.get(&name) else {
                        continue;
                    };
                    // A panic in the transpiler on some input must not
                    // take the host down: it is that module's error.
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        crate::deep::check(&name, source, dialect(&name))?;
                        transpile(&name, source, &jsx, &code.modules)
                    }))
                    .unwrap_or_else(|_| {
                        Err(ScriptError {
                            name: "SyntaxError".into(),
                            message: format!("the TypeScript transpiler failed on {name}"),
                            stack: String::new(),
                        })
                    });
                    let failed = result.is_err();
                    results.push((name, key, result));
                    if failed {
                        break;
                    }
                }
                (code, results)
            })
            .await
            .map_err(Error::Script)?;
            drop(step);
            code = back;
            for (name, key, result) in results {
                let t = Arc::new(result.map_err(Error::Script)?);
                self.lock().put(key, t.clone());
                done.push((name, t));
            }
        }
        let mut maps = HashMap::new();
        let mut out = BTreeMap::new();
        for (name, t) in done {
            maps.insert(name.clone(), t.map.clone());
            out.insert(name, ModuleSource::Esm(t.js.clone()));
        }
        code.modules.extend(out);
        Ok((code, SourceMaps(maps)))
    }
}
/// The source type of a TypeScript module by its name: `.tsx` and `.jsx`
/// allow JSX (in `.ts` `<T>x` is a type assertion, so it cannot).
fn source_type(name: &str) -> SourceType {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("tsx") => SourceType::tsx(),
        Some("jsx") => SourceType::jsx().with_module(true),
        _ => SourceType::ts(),
    }
}

/// One module through the nesting check and the transpiler on a
/// large-stack thread, as [`TranspileCache::apply`] runs it (for fuzzing).
#[cfg(feature = "fuzz")]
pub(crate) fn transpile_one(name: &str, source: &str) -> Result<(), ScriptError> {
    crate::deep::check(name, source, dialect(name))?;
    let stack = crate::deep::stack_for([(name, source)])?;
    crate::deep::run(name, stack, || {
        transpile(name, source, &Jsx::default(), &BTreeMap::new()).map(|_| ())
    })?
}

/// How deep the tree of `program` is, in nodes (the walk recurses with a
/// small frame; semantic analysis, the transformer and codegen recurse with
/// much larger ones).
fn tree_depth(program: &Program<'_>) -> usize {
    use oxc::ast::AstKind;
    use oxc::ast_visit::Visit;
    struct Depth {
        now: usize,
        max: usize,
    }
    impl<'a> Visit<'a> for Depth {
        fn enter_node(&mut self, _: AstKind<'a>) {
            self.now += 1;
            self.max = self.max.max(self.now);
        }
        fn leave_node(&mut self, _: AstKind<'a>) {
            self.now = self.now.saturating_sub(1);
        }
    }
    let mut v = Depth { now: 0, max: 0 };
    v.visit_program(program);
    v.max
}

/// The deepest tree [`transpile`] hands on past the parser: twice the
/// nesting estimate's limit and some (`deep::check` keeps accepted code
/// within it; this only matters if the scan and the parser ever disagree).
const MAX_TREE_DEPTH: usize = 2 * crate::deep::MAX_NESTING as usize + 16;

/// For fuzzing the nesting check against the parser: when `source` passes
/// the check, its nesting estimate and the depth of the tree oxc parses
/// from it.
#[cfg(any(test, feature = "fuzz"))]
pub(crate) fn estimate_and_depth(name: &str, source: &str) -> Option<(u32, usize)> {
    let d = dialect(name);
    crate::deep::check(name, source, d).ok()?;
    let estimate = crate::deep::estimate(source, d);
    let stack = crate::deep::stack_for([(name, source)]).ok()?;
    let depth = crate::deep::run(name, stack, || {
        let allocator = Allocator::default();
        let parsed = Parser::new(&allocator, source, source_type(name)).parse();
        tree_depth(&parsed.program)
    })
    .ok()?;
    Some((estimate, depth))
}

/// The dialect [`source_type`] parses `name` in, for `deep::check`.
fn dialect(name: &str) -> crate::deep::Dialect {
    let st = source_type(name);
    crate::deep::Dialect {
        ts: st.is_typescript(),
        jsx: st.is_jsx(),
        module: st.is_module(),
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(source: &str, offset: u32) -> (u32, u32) {
    let mut offset = (offset as usize).min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() as u32 + 1)
}

fn syntax_error(
    name: &str,
    source: &str,
    diagnostics: &[oxc::diagnostics::OxcDiagnostic],
) -> ScriptError {
    let first = &diagnostics[0];
    let offset = first.labels.first().map_or(0, |l| l.offset());
    let (line, col) = line_col(source, offset);
    let mut message = first.message.to_string();
    if let Some(help) = &first.help {
        message.push_str(&format!(" ({help})"));
    }
    if diagnostics.len() > 1 {
        message.push_str(&format!(" (and {} more)", diagnostics.len() - 1));
    }
    ScriptError {
        name: "SyntaxError".into(),
        message: format!("{message} in {name} at line {line}, column {col}"),
        stack: format!("    at {name}:{line}:{col}\n"),
    }
}

fn transpile(
    name: &str,
    source: &str,
    jsx: &Jsx,
    modules: &BTreeMap<String, ModuleSource>,
) -> Result<Transpiled, ScriptError> {
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, source, source_type(name)).parse();
    if !parsed.diagnostics.is_empty() {
        return Err(syntax_error(name, source, &parsed.diagnostics));
    }
    let mut program = parsed.program;
    let depth = tree_depth(&program);
    if depth > MAX_TREE_DEPTH {
        return Err(ScriptError {
            name: "SyntaxError".into(),
            message: format!(
                "code nested too deeply (a syntax tree {depth} levels deep, more than {MAX_TREE_DEPTH}) in {name}"
            ),
            stack: String::new(),
        });
    }
    let semantic = SemanticBuilder::new()
        .with_check_syntax_error(true)
        .with_enum_eval(true)
        .with_excess_capacity(2.0)
        .build(&program);
    if !semantic.diagnostics.is_empty() {
        return Err(syntax_error(name, source, &semantic.diagnostics));
    }
    let scoping = semantic.semantic.into_scoping();
    let mut options = TransformOptions::default();
    match jsx.runtime {
        JsxMode::Automatic => {
            options.jsx.runtime = JsxRuntime::Automatic;
            options.jsx.import_source = jsx.import_source.clone();
        }
        JsxMode::Classic => {
            options.jsx.runtime = JsxRuntime::Classic;
            options.jsx.pragma = jsx.factory.clone();
            options.jsx.pragma_frag = jsx.fragment.clone();
            // The factory's import is a value use, not a type-only one.
            if let Some(f) = &jsx.factory {
                options.typescript.jsx_pragma = f.clone().into();
            }
            if let Some(f) = &jsx.fragment {
                options.typescript.jsx_pragma_frag = f.clone().into();
            }
        }
    }
    let path = PathBuf::from(name);
    let transformed =
        Transformer::new(&allocator, &path, &options).build_with_scoping(scoping, &mut program);
    if !transformed.diagnostics.is_empty() {
        return Err(syntax_error(name, source, &transformed.diagnostics));
    }
    rewrite_imports(&allocator, &mut program, name, modules);
    let generated = Codegen::new()
        .with_options(CodegenOptions {
            source_map_path: Some(path),
            ..CodegenOptions::default()
        })
        .build(&program);
    let mut lines: Vec<Vec<(u32, u32, u32)>> = Vec::new();
    if let Some(map) = &generated.map {
        for token in map.get_tokens() {
            let row = token.get_dst_line() as usize;
            if lines.len() <= row {
                lines.resize_with(row + 1, Vec::new);
            }
            lines[row].push((
                token.get_dst_col(),
                token.get_src_line(),
                token.get_src_col(),
            ));
        }
    }
    for row in &mut lines {
        row.sort_unstable();
    }
    Ok(Transpiled {
        js: generated.code,
        map: Arc::new(LineMap { lines }),
    })
}

/// Points the relative imports and re-exports of `program` at the worker's
/// modules the way TypeScript's `bundler` resolution finds them.
fn rewrite_imports<'a>(
    allocator: &'a Allocator,
    program: &mut Program<'a>,
    importer: &str,
    modules: &BTreeMap<String, ModuleSource>,
) {
    let fix = |literal: &mut StringLiteral<'a>| {
        if let Some(found) = resolve_specifier(importer, literal.value.as_str(), modules) {
            literal.value = Str::from_in(found.as_str(), allocator);
            literal.raw = None;
        }
    };
    for statement in program.body.iter_mut() {
        match statement {
            Statement::ImportDeclaration(d) => fix(&mut d.source),
            Statement::ExportAllDeclaration(d) => fix(&mut d.source),
            Statement::ExportFromDeclaration(d) => fix(&mut d.source),
            _ => {}
        }
    }
}

/// The specifier to write instead of `specifier` (relative, imported from
/// `importer`) when it names no module as written but a TypeScript-style
/// variant of it does; `None` to leave it alone.
fn resolve_specifier(
    importer: &str,
    specifier: &str,
    modules: &BTreeMap<String, ModuleSource>,
) -> Option<String> {
    if !(specifier.starts_with("./") || specifier.starts_with("../")) {
        return None;
    }
    let dir = importer.rfind('/').map_or("", |i| &importer[..i]);
    let exists = |spec: &str| modules.contains_key(&normalize(&format!("{dir}/{spec}")));
    if exists(specifier) {
        return None;
    }
    let mut candidates = Vec::new();
    for (js, ts) in [
        (".js", &[".ts", ".tsx"][..]),
        (".jsx", &[".tsx"]),
        (".mjs", &[".mts"]),
    ] {
        if let Some(stem) = specifier.strip_suffix(js) {
            candidates.extend(ts.iter().map(|t| format!("{stem}{t}")));
        }
    }
    for ext in [
        ".ts", ".tsx", ".mts", ".js", ".jsx", ".mjs", ".cjs", ".json",
    ] {
        candidates.push(format!("{specifier}{ext}"));
    }
    for index in ["index.ts", "index.tsx", "index.js", "index.mjs"] {
        candidates.push(format!("{}/{index}", specifier.trim_end_matches('/')));
    }
    candidates.into_iter().find(|c| exists(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modules(names: &[&str]) -> BTreeMap<String, ModuleSource> {
        names
            .iter()
            .map(|n| (n.to_string(), ModuleSource::Esm(String::new())))
            .collect()
    }

    #[test]
    fn types_are_stripped_and_lines_map_back() {
        let src = "type A = { x: number };\ninterface B { y: string }\nexport function f(a: A): number {\n  return a.x as number;\n}\n";
        let t = transpile("m.ts", src, &Jsx::default(), &modules(&["m.ts"])).unwrap();
        assert!(!t.js.contains("interface"), "{}", t.js);
        assert!(!t.js.contains(": number"), "{}", t.js);
        let ret = t.js.lines().position(|l| l.contains("return")).unwrap() as u32 + 1;
        assert_eq!(t.map.lookup(ret, 3).map(|p| p.0), Some(4));
    }

    #[test]
    fn syntax_errors_name_the_typescript_position() {
        let e = transpile(
            "a/m.ts",
            "let x: number = 1;\nlet y = );\n",
            &Jsx::default(),
            &modules(&[]),
        )
        .unwrap_err();
        assert_eq!(e.name, "SyntaxError");
        assert_eq!(e.location(), Some(("a/m.ts".into(), 2, 9)), "{e:?}");
        // A type error is not an error.
        assert!(
            transpile(
                "m.ts",
                "let x: number = 'no';",
                &Jsx::default(),
                &modules(&[])
            )
            .is_ok()
        );
    }

    #[test]
    fn imports_resolve_like_typescript_bundler_resolution() {
        let m = modules(&[
            "src/a.ts",
            "src/util.ts",
            "src/dir/index.ts",
            "src/c.tsx",
            "plain.js",
        ]);
        let r = |s: &str| resolve_specifier("src/a.ts", s, &m);
        assert_eq!(r("./util").as_deref(), Some("./util.ts"));
        assert_eq!(r("./util.js").as_deref(), Some("./util.ts"));
        assert_eq!(r("./dir").as_deref(), Some("./dir/index.ts"));
        assert_eq!(r("./c.js").as_deref(), Some("./c.tsx"));
        assert_eq!(r("../plain").as_deref(), Some("../plain.js"));
        assert_eq!(r("../plain.js"), None, "exists as written");
        assert_eq!(r("./missing"), None);
        assert_eq!(r("hono"), None, "bare specifiers are the loader's");
    }

    #[test]
    fn stack_frames_are_remapped() {
        let mut lines = vec![Vec::new(); 3];
        lines[2] = vec![(0, 9, 0), (6, 9, 4)];
        let maps = SourceMaps(HashMap::from([(
            "m.ts".to_string(),
            Arc::new(LineMap { lines }),
        )]));
        let mut e = ScriptError {
            name: "Error".into(),
            message: "x".into(),
            stack:
                "    at f (m.ts:3:9)\n    at other.js:3:9\n    at m.ts:3:2\n    at <anonymous>\n"
                    .into(),
        };
        maps.remap(&mut e);
        assert_eq!(
            e.stack,
            "    at f (m.ts:10:5)\n    at other.js:3:9\n    at m.ts:10:1\n    at <anonymous>\n"
        );
    }

    /// Each deep shape at the deepest the nesting check accepts goes
    /// through the whole pipeline (parse, semantic analysis, transform,
    /// codegen) on a quarter of the stack `deep` gives it, in a debug build
    /// (whose frames are larger than a release build's).
    #[test]
    fn stack_holds_the_deepest_accepted_shapes() {
        use crate::deep::{MAX_NESTING, STACK_BYTES, deep_shapes, estimate};
        for (what, _, _) in deep_shapes(1) {
            // The largest n whose source the check accepts.
            let source = |n: usize| {
                deep_shapes(n)
                    .into_iter()
                    .find(|s| s.0 == what)
                    .map(|s| (s.1, s.2))
                    .unwrap()
            };
            let (mut lo, mut hi) = (1usize, MAX_NESTING as usize + 1);
            while lo + 1 < hi {
                let mid = (lo + hi) / 2;
                let (src, dialect) = source(mid);
                if estimate(&src, dialect) <= MAX_NESTING {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let (src, dialect) = source(lo);
            let name = if dialect.jsx { "m.tsx" } else { "m.ts" };
            assert!(
                crate::deep::check(name, &src, dialect).is_ok(),
                "{what} at {lo}"
            );
            let result = std::thread::Builder::new()
                .stack_size(STACK_BYTES / 4)
                .spawn(move || transpile(name, &src, &Jsx::default(), &modules(&[])).map(|_| ()))
                .unwrap()
                .join()
                .unwrap();
            // Some shapes are not valid code (`a?b:` chains of names not
            // declared are; `A<a, …>` types are): all that matters is that
            // the pipeline came back.
            let _ = result;
            eprintln!("{what}: {lo} levels fit");
        }
    }

    /// The tree oxc parses is never deeper than a small multiple of the
    /// nesting estimate (the stack bound in deep.rs rests on it).
    #[test]
    fn the_parsed_depth_stays_within_the_estimate() {
        for (what, source, dialect) in crate::deep::deep_shapes(300) {
            let name = if dialect.jsx { "m.tsx" } else { "m.ts" };
            let (estimate, depth) = estimate_and_depth(name, &source).expect(what);
            eprintln!("{what}: estimate {estimate}, depth {depth}");
            assert!(
                depth <= 4 * estimate as usize + 8,
                "{what}: {depth} > 4 x {estimate}"
            );
        }
    }

    /// Past the scan, the parsed tree's depth is checked again before the
    /// passes that recurse with large frames.
    #[test]
    fn a_tree_too_deep_is_refused_before_semantic_analysis() {
        let src = format!("export const x = {}1;", "1+".repeat(5000));
        let e = crate::deep::run("m.ts", crate::deep::STACK_BYTES, || {
            transpile("m.ts", &src, &Jsx::default(), &modules(&[]))
        })
        .unwrap()
        .unwrap_err();
        assert!(
            e.message.contains("nested too deeply (a syntax tree") && e.message.contains("m.ts"),
            "{}",
            e.message
        );
    }

    /// The stack a thread uses at most while running `f`: the thread's
    /// free stack is painted first, and the high-water mark read after.
    fn stack_high_water(stack: usize, f: impl FnOnce() + Send) -> usize {
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .stack_size(stack)
                .spawn_scoped(scope, move || {
                    // SAFETY: reads this thread's own stack bounds, then
                    // writes and reads only the part of its stack below the
                    // current frame (and above the guard page) that nothing
                    // uses yet.
                    unsafe {
                        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
                        assert_eq!(libc::pthread_getattr_np(libc::pthread_self(), &mut attr), 0);
                        let mut addr = std::ptr::null_mut();
                        let mut size = 0;
                        libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
                        libc::pthread_attr_destroy(&mut attr);
                        let here = 0u8;
                        let top = (&here as *const u8 as usize) - 16 * 1024;
                        let floor = addr as usize + 256 * 1024;
                        std::ptr::write_bytes(floor as *mut u8, 0xA5, top - floor);
                        f();
                        let mut p = floor;
                        while p < top && *(p as *const u64) == 0xA5A5_A5A5_A5A5_A5A5 {
                            p += 8;
                        }
                        top + 16 * 1024 - p
                    }
                })
                .unwrap()
                .join()
                .unwrap()
        })
    }

    /// The backstop under the nesting check (`deep::stack_for`): whatever
    /// the scan makes of a source, parsing it and walking its tree once
    /// (what runs before the depth check refuses a deep tree) takes less
    /// than `PARSE_STACK_PER_LEVEL` per level `deep::max_levels` counts,
    /// for the hungriest shapes we know.
    #[test]
    fn the_backstop_stack_holds_any_parse() {
        use crate::deep::{PARSE_STACK_PER_LEVEL, max_levels};
        let n = 4_000;
        let r = |s: &str| s.repeat(n);
        let shapes: Vec<(&str, String, &str)> = vec![
            (
                "arrays",
                format!("export const x = {}1{};", r("["), r("]")),
                "m.ts",
            ),
            (
                "parens",
                format!("export const x = {}1{};", r("("), r(")")),
                "m.ts",
            ),
            (
                "objects",
                format!("export const x = {}1{};", r("{a:"), r("}")),
                "m.ts",
            ),
            ("not", format!("export const x = {}1;", r("!")), "m.ts"),
            ("minus", format!("export const x = {}1;", r("- ")), "m.ts"),
            (
                "conditional",
                format!("export const x = {}1;", r("a?b:")),
                "m.ts",
            ),
            ("arrows", format!("export const x = {}1;", r("x=>")), "m.ts"),
            (
                "templates",
                format!("export const x = {}1{};", r("`${"), r("}`")),
                "m.ts",
            ),
            ("new", format!("export const x = {}X;", r("new ")), "m.ts"),
            (
                "typeof",
                format!("export const x = {}X;", r("typeof ")),
                "m.ts",
            ),
            (
                "await",
                format!("export const x = {}X;", r("await ")),
                "m.ts",
            ),
            ("plus", format!("export const x = {}1;", r("1+")), "m.ts"),
            ("power", format!("export const x = {}2;", r("2**")), "m.ts"),
            ("members", format!("export const x = a{};", r(".b")), "m.ts"),
            ("calls", format!("export const x = f{};", r("()")), "m.ts"),
            ("in", format!("export const x = {}b;", r("a in ")), "m.ts"),
            ("as", format!("export const x = a{};", r(" as T")), "m.ts"),
            ("assign", format!("export let x; {}1;", r("x=")), "m.ts"),
            ("if", format!("{};", r("if(a)")), "m.ts"),
            ("else", format!("if(a);{};", r("else if(a);else ")), "m.ts"),
            ("blocks", format!("{}{}", r("{"), r("}")), "m.ts"),
            ("labels", format!("{};", r("a:")), "m.ts"),
            ("do", format!("{};{}", r("do "), r(" while(0)")), "m.ts"),
            (
                "spread",
                format!("export const x = {}a{};", r("[..."), r("]")),
                "m.ts",
            ),
            (
                "type args",
                format!("let x: {}B{};", r("A<"), r(">")),
                "m.ts",
            ),
            ("keyof", format!("let x: {}T;", r("keyof ")), "m.ts"),
            (
                "conditional types",
                format!("type X = {}T;", r("A extends B ? C : ")),
                "m.ts",
            ),
            (
                "functions",
                format!("{}{}", r("function f(){"), r("}")),
                "m.ts",
            ),
            (
                "jsx",
                format!("export const x = {}{};", r("<a>"), r("</a>")),
                "m.tsx",
            ),
            (
                "jsx exprs",
                format!("export const x = {}1{};", r("<a>{"), r("}</a>")),
                "m.tsx",
            ),
            ("non-null", format!("export const x = a{};", r("!")), "m.ts"),
            (
                "assertions",
                format!("export const x = {}a;", r("<T>")),
                "m.ts",
            ),
            (
                "optional",
                format!("export const x = a{};", r("?.b")),
                "m.ts",
            ),
        ];
        let mut worst = (0.0f64, "");
        for (what, source, name) in &shapes {
            let levels = max_levels(source);
            let used = stack_high_water(256 << 20, || {
                let allocator = Allocator::default();
                let parsed = Parser::new(&allocator, source, source_type(name)).parse();
                let _ = tree_depth(&parsed.program);
            });
            let per = used as f64 / levels as f64;
            eprintln!("{what}: {used} bytes for {levels} levels = {per:.0} per level");
            if per > worst.0 {
                worst = (per, what);
            }
        }
        assert!(
            worst.0 < PARSE_STACK_PER_LEVEL as f64,
            "{} takes {:.0} bytes per level, over {PARSE_STACK_PER_LEVEL}",
            worst.1,
            worst.0
        );
    }

    /// Past the scan (as if it had misread the source), a module 300,000
    /// levels deep still cannot overflow the parser's stack: it is sized
    /// from `deep::max_levels`, and the tree's depth is refused after.
    #[test]
    fn a_source_the_scan_missed_is_refused_not_a_stack_overflow() {
        let n = 300_000;
        for (name, src) in [
            (
                "m.ts",
                format!("export const x = {}1{};", "[".repeat(n), "]".repeat(n)),
            ),
            ("m.ts", format!("export const x = {}b;", "a in ".repeat(n))),
            (
                "m.tsx",
                format!(
                    "export const x = {}{};",
                    "<a>".repeat(n / 4),
                    "</a>".repeat(n / 4)
                ),
            ),
        ] {
            let stack = crate::deep::stack_for([(name, src.as_str())]).unwrap();
            let e = crate::deep::run(name, stack, || {
                transpile(name, &src, &Jsx::default(), &modules(&[]))
            })
            .unwrap()
            .unwrap_err();
            assert!(e.message.contains("nested too deeply"), "{}", e.message);
        }
    }
}
