//! Where a specifier leads inside a bundle (Node's resolution, with the
//! `exports` conditions a worker wants), and the rewriting of each module's
//! specifiers to the module names the engine's loader finds exactly.

use std::collections::BTreeMap;

use oxc::allocator::Allocator;
use oxc::ast::ast::{
    Argument, CallExpression, ExportAllDeclaration, ExportFromDeclaration, Expression,
    ImportDeclaration, ImportExpression, StringLiteral,
};
use oxc::ast_visit::{Visit, walk};
use oxc::parser::{ParseOptions, Parser};
use oxc::span::SourceType;
use serde_json::Value as Json;

use isolet::normalize_path as normalize;

/// `exports` conditions for `import`, in the order a worker prefers them.
pub(crate) const IMPORT_CONDITIONS: &[&str] = &[
    "workerd", "worker", "browser", "import", "module", "default",
];
/// The same for `require()`.
pub(crate) const REQUIRE_CONDITIONS: &[&str] =
    &["workerd", "worker", "browser", "require", "default"];

/// Node's built-in modules: left for the engine (`nodejs_compat`).
const NODE_BUILTINS: &[&str] = &[
    "assert",
    "async_hooks",
    "buffer",
    "child_process",
    "crypto",
    "diagnostics_channel",
    "dns",
    "events",
    "fs",
    "http",
    "https",
    "net",
    "os",
    "path",
    "process",
    "querystring",
    "stream",
    "string_decoder",
    "timers",
    "tls",
    "url",
    "util",
    "zlib",
];

/// The files of the bundle (module name → package.json of its package,
/// when it is in one), for resolution.
pub(crate) struct Files<'a> {
    pub names: &'a BTreeMap<String, Vec<u8>>,
}

impl Files<'_> {
    fn exists(&self, path: &str) -> bool {
        self.names.contains_key(path)
    }

    fn package_json(&self, dir: &str) -> Option<Json> {
        let bytes = self.names.get(&join(dir, "package.json"))?;
        serde_json::from_slice(bytes).ok()
    }

    /// A file as written, with an extension added, or a directory's index.
    fn file(&self, path: &str) -> Option<String> {
        let path = normalize(path);
        if self.exists(&path) {
            return Some(path);
        }
        for ext in [".js", ".mjs", ".cjs", ".json"] {
            let p = format!("{path}{ext}");
            if self.exists(&p) {
                return Some(p);
            }
        }
        if let Some(pkg) = self.package_json(&path)
            && let Some(main) = pkg.get("main").and_then(Json::as_str)
            && let Some(f) = self.file_no_dir(&join(&path, main))
        {
            return Some(f);
        }
        ["index.js", "index.mjs", "index.cjs", "index.json"]
            .iter()
            .map(|i| join(&path, i))
            .find(|p| self.exists(p))
    }

    fn file_no_dir(&self, path: &str) -> Option<String> {
        let path = normalize(path);
        if self.exists(&path) {
            return Some(path);
        }
        [".js", ".mjs", ".cjs", ".json", "/index.js", "/index.mjs"]
            .iter()
            .map(|e| format!("{path}{e}"))
            .find(|p| self.exists(p))
    }

    /// The directory of package `name` as seen from `importer`: the nearest
    /// `node_modules/<name>` up the importer's path.
    fn package_dir(&self, importer: &str, name: &str) -> Option<String> {
        let mut dir = parent(importer).to_string();
        loop {
            let candidate = if dir.is_empty() {
                format!("node_modules/{name}")
            } else if dir.ends_with("/node_modules") || dir == "node_modules" {
                // `a/node_modules` itself holds packages, not a nested tree.
                format!("{dir}/{name}")
            } else {
                format!("{dir}/node_modules/{name}")
            };
            if self.exists(&join(&candidate, "package.json")) {
                return Some(candidate);
            }
            if dir.is_empty() {
                return None;
            }
            dir = parent(&dir).to_string();
        }
    }

    /// Where `specifier`, imported (or required) from module `importer`,
    /// leads; `None` when nothing in the bundle matches.
    pub fn resolve(&self, importer: &str, specifier: &str, conditions: &[&str]) -> Option<String> {
        if specifier.starts_with("./")
            || specifier.starts_with("../")
            || specifier == "."
            || specifier == ".."
        {
            return self.file(&join(parent(importer), specifier));
        }
        if specifier.starts_with('/') || specifier.contains(':') {
            return None;
        }
        let (name, sub) = split_package(specifier)?;
        let dir = self.package_dir(importer, name)?;
        let pkg = self.package_json(&dir).unwrap_or(Json::Null);
        let subpath = if sub.is_empty() {
            ".".to_string()
        } else {
            format!("./{sub}")
        };
        if let Some(exports) = pkg.get("exports").filter(|e| !e.is_null()) {
            // With `exports`, only what it exports can be imported.
            let target = resolve_exports(exports, &subpath, conditions)?;
            return self.file_no_dir(&join(&dir, &target));
        }
        if sub.is_empty() {
            let mut fields: Vec<&str> = Vec::new();
            if let Some(b) = pkg.get("browser").and_then(Json::as_str) {
                fields.push(b);
            }
            if conditions.contains(&"import")
                && let Some(m) = pkg.get("module").and_then(Json::as_str)
            {
                fields.push(m);
            }
            if let Some(m) = pkg.get("main").and_then(Json::as_str) {
                fields.push(m);
            }
            for f in fields {
                if let Some(found) = self.file_no_dir(&join(&dir, f)) {
                    return Some(found);
                }
            }
            return self.file(&join(&dir, "index"));
        }
        self.file(&join(&dir, sub))
    }
}

/// `@scope/name/sub/path` → (`@scope/name`, `sub/path`).
fn split_package(specifier: &str) -> Option<(&str, &str)> {
    let mut slashes = specifier.match_indices('/').map(|(i, _)| i);
    let end = if specifier.starts_with('@') {
        slashes.nth(1)
    } else {
        slashes.next()
    };
    match end {
        Some(i) => Some((&specifier[..i], &specifier[i + 1..])),
        None if specifier.starts_with('@') && !specifier.contains('/') => None,
        None => Some((specifier, "")),
    }
}

/// The target `exports` maps `subpath` to (`./dist/index.js`).
pub(crate) fn resolve_exports(
    exports: &Json,
    subpath: &str,
    conditions: &[&str],
) -> Option<String> {
    let is_subpath_map = exports
        .as_object()
        .is_some_and(|o| o.keys().next().is_some_and(|k| k.starts_with('.')));
    if !is_subpath_map {
        return (subpath == ".")
            .then(|| target(exports, conditions, None))
            .flatten();
    }
    let map = exports.as_object()?;
    if let Some(t) = map.get(subpath) {
        return target(t, conditions, None);
    }
    // Patterns: the longest key prefix with a `*`.
    let mut best: Option<(&str, &Json, String)> = None;
    for (key, value) in map {
        let Some(star) = key.find('*') else { continue };
        let (prefix, suffix) = (&key[..star], &key[star + 1..]);
        if subpath.len() >= prefix.len() + suffix.len()
            && subpath.starts_with(prefix)
            && subpath.ends_with(suffix)
        {
            let matched = subpath[prefix.len()..subpath.len() - suffix.len()].to_string();
            if best
                .as_ref()
                .is_none_or(|(k, _, _)| prefix.len() > k.find('*').unwrap_or(0))
            {
                best = Some((key.as_str(), value, matched));
            }
        }
    }
    let (_, value, matched) = best?;
    target(value, conditions, Some(&matched))
}

fn target(value: &Json, conditions: &[&str], star: Option<&str>) -> Option<String> {
    match value {
        Json::String(s) => Some(match star {
            Some(m) => s.replace('*', m),
            None => s.clone(),
        }),
        Json::Array(options) => options.iter().find_map(|o| target(o, conditions, star)),
        // In the order of `conditions` (a worker's preference; Node takes
        // the package's key order, which serde_json's map does not keep).
        Json::Object(o) => conditions
            .iter()
            .filter_map(|c| o.get(*c))
            .find_map(|v| target(v, conditions, star)),
        _ => None,
    }
}

/// Whether `specifier` is for the engine itself (`node:fs`, `cloudflare:workers`, a Node built-in).
pub(crate) fn is_builtin(specifier: &str) -> bool {
    specifier.contains(':') || NODE_BUILTINS.contains(&specifier.split('/').next().unwrap_or(""))
}

/// One specifier in a module's source: its literal's byte range, its text,
/// and whether it is a `require()`.
pub(crate) struct Specifier {
    pub start: u32,
    pub end: u32,
    pub text: String,
    pub require: bool,
}

/// The specifiers of `source` (imports, re-exports, `import("...")`,
/// `require("...")`), and whether it has ES module syntax. `None` when it
/// does not parse (left as is: the engine reports the error if it runs),
/// and when it is nested too deeply to parse safely (`deep::check`; the
/// transpiler or the engine refuses it later with that error). The parse
/// and the walk run on a thread with a large stack (`deep::run`).
pub(crate) fn specifiers(name: &str, source: &str) -> Option<(Vec<Specifier>, bool)> {
    let ts = [".ts", ".mts", ".tsx"].iter().any(|e| name.ends_with(e));
    let jsx = name.ends_with(".jsx") || name.ends_with(".tsx");
    let dialect = isolet::deep::Dialect {
        ts,
        jsx,
        // Parsed as `unambiguous` below unless TypeScript (a module).
        module: ts,
    };
    isolet::deep::check(name, source, dialect).ok()?;
    let stack = isolet::deep::stack_for([(name, source)]).ok()?;
    isolet::deep::run(name, stack, || parse_specifiers(name, source)).ok()?
}

fn parse_specifiers(name: &str, source: &str) -> Option<(Vec<Specifier>, bool)> {
    let allocator = Allocator::default();
    let ts = [".ts", ".mts", ".tsx"].iter().any(|e| name.ends_with(e));
    let source_type = if ts {
        if name.ends_with(".tsx") {
            SourceType::tsx()
        } else {
            SourceType::ts()
        }
    } else {
        SourceType::unambiguous().with_jsx(name.ends_with(".jsx"))
    };
    let parsed = Parser::new(&allocator, source, source_type)
        .with_options(ParseOptions {
            allow_return_outside_function: true,
            ..ParseOptions::default()
        })
        .parse();
    if parsed.panicked || !parsed.diagnostics.is_empty() {
        return None;
    }
    let mut v = Collect { found: Vec::new() };
    v.visit_program(&parsed.program);
    Some((v.found, parsed.module_record.has_module_syntax))
}

struct Collect {
    found: Vec<Specifier>,
}

impl Collect {
    fn push(&mut self, lit: &StringLiteral<'_>, require: bool) {
        self.found.push(Specifier {
            start: lit.span.start,
            end: lit.span.end,
            text: lit.value.as_str().to_string(),
            require,
        });
    }
}

impl<'a> Visit<'a> for Collect {
    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        self.push(&it.source, false);
    }

    fn visit_export_all_declaration(&mut self, it: &ExportAllDeclaration<'a>) {
        self.push(&it.source, false);
    }

    fn visit_export_from_declaration(&mut self, it: &ExportFromDeclaration<'a>) {
        self.push(&it.source, false);
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        if let Expression::StringLiteral(s) = &it.source {
            self.push(s, false);
        }
        walk::walk_import_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        if let (Expression::Identifier(callee), [Argument::StringLiteral(s)]) =
            (&it.callee, it.arguments.as_slice())
            && callee.name == "require"
        {
            self.push(s, true);
        }
        walk::walk_call_expression(self, it);
    }
}

/// `source` with each span replaced (edits in any order, not overlapping).
pub(crate) fn splice(source: &str, mut edits: Vec<(u32, u32, String)>) -> String {
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(source.len() + edits.len() * 16);
    let mut at = 0usize;
    for (start, end, text) in edits {
        let (start, end) = (start as usize, end as usize);
        if start < at || end > source.len() {
            continue;
        }
        out.push_str(&source[at..start]);
        out.push_str(&text);
        at = end;
    }
    out.push_str(&source[at..]);
    out
}

/// The relative specifier from module `from` to module `to`.
pub(crate) fn relative(from: &str, to: &str) -> String {
    let from_dir: Vec<&str> = parent(from).split('/').filter(|s| !s.is_empty()).collect();
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_dir
        .iter()
        .zip(to_parts.iter())
        .take_while(|(a, b)| a == b)
        .count();
    let ups = from_dir.len() - common;
    let rest = to_parts[common..].join("/");
    if ups == 0 {
        format!("./{rest}")
    } else {
        format!("{}{rest}", "../".repeat(ups))
    }
}

fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        normalize(rel)
    } else {
        normalize(&format!("{dir}/{rel}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exports_conditions_and_patterns() {
        let e = json!({
            ".": {"workerd": "./w.js", "import": "./esm.js", "require": "./cjs.js"},
            "./jsx": {"import": {"types": "./x.d.ts", "default": "./jsx/index.js"}},
            "./utils/*": "./dist/utils/*.js",
            "./internal/*": null
        });
        assert_eq!(
            resolve_exports(&e, ".", IMPORT_CONDITIONS).as_deref(),
            Some("./w.js")
        );
        assert_eq!(
            resolve_exports(&e, "./jsx", IMPORT_CONDITIONS).as_deref(),
            Some("./jsx/index.js")
        );
        assert_eq!(
            resolve_exports(&e, "./utils/a/b", IMPORT_CONDITIONS).as_deref(),
            Some("./dist/utils/a/b.js")
        );
        assert_eq!(resolve_exports(&e, "./internal/x", IMPORT_CONDITIONS), None);
        assert_eq!(resolve_exports(&e, "./missing", IMPORT_CONDITIONS), None);
        assert_eq!(
            resolve_exports(&json!("./main.js"), ".", REQUIRE_CONDITIONS).as_deref(),
            Some("./main.js")
        );
        assert_eq!(
            resolve_exports(
                &json!({"require": "./c.js", "import": "./m.js"}),
                ".",
                REQUIRE_CONDITIONS
            )
            .as_deref(),
            Some("./c.js")
        );
    }

    #[test]
    fn packages_resolve_up_the_tree() {
        let mut names = BTreeMap::new();
        for (f, body) in [
            ("node_modules/a/package.json", r#"{"main": "lib/a.js"}"#),
            ("node_modules/a/lib/a.js", ""),
            (
                "node_modules/a/node_modules/b/package.json",
                r#"{"module": "m.js", "main": "c.js"}"#,
            ),
            ("node_modules/a/node_modules/b/m.js", ""),
            ("node_modules/a/node_modules/b/c.js", ""),
            ("node_modules/b/package.json", r#"{}"#),
            ("node_modules/b/index.js", ""),
            (
                "node_modules/@s/p/package.json",
                r#"{"exports": {"./sub": "./s.js"}}"#,
            ),
            ("node_modules/@s/p/s.js", ""),
            ("src/main.js", ""),
        ] {
            names.insert(f.to_string(), body.as_bytes().to_vec());
        }
        let files = Files { names: &names };
        assert_eq!(
            files
                .resolve("src/main.js", "a", IMPORT_CONDITIONS)
                .as_deref(),
            Some("node_modules/a/lib/a.js")
        );
        assert_eq!(
            files
                .resolve("src/main.js", "b", IMPORT_CONDITIONS)
                .as_deref(),
            Some("node_modules/b/index.js")
        );
        // a sees its own nested b first; module for import, main for require.
        assert_eq!(
            files
                .resolve("node_modules/a/lib/a.js", "b", IMPORT_CONDITIONS)
                .as_deref(),
            Some("node_modules/a/node_modules/b/m.js")
        );
        assert_eq!(
            files
                .resolve("node_modules/a/lib/a.js", "b", REQUIRE_CONDITIONS)
                .as_deref(),
            Some("node_modules/a/node_modules/b/c.js")
        );
        assert_eq!(
            files
                .resolve("src/main.js", "@s/p/sub", IMPORT_CONDITIONS)
                .as_deref(),
            Some("node_modules/@s/p/s.js")
        );
        assert_eq!(
            files.resolve("src/main.js", "@s/p", IMPORT_CONDITIONS),
            None,
            "not exported"
        );
        assert_eq!(
            files
                .resolve("node_modules/a/lib/a.js", "../../b", IMPORT_CONDITIONS)
                .as_deref(),
            Some("node_modules/b/index.js")
        );
        assert_eq!(
            relative("src/main.js", "node_modules/b/index.js"),
            "../node_modules/b/index.js"
        );
        assert_eq!(
            relative("main.js", "node_modules/b/index.js"),
            "./node_modules/b/index.js"
        );
    }

    #[test]
    fn specifiers_are_found_and_spliced() {
        let src = "import a from 'a';\nexport * from \"./b\";\nconst c = require('c');\nawait import('d');\nfoo.require('x');";
        let (specs, esm) = specifiers("m.js", src).unwrap();
        assert!(esm);
        let texts: Vec<(&str, bool)> = specs.iter().map(|s| (s.text.as_str(), s.require)).collect();
        assert_eq!(
            texts,
            [("a", false), ("./b", false), ("c", true), ("d", false)]
        );
        let edits = specs
            .iter()
            .map(|s| (s.start, s.end, format!("\"X{}\"", s.text)))
            .collect();
        let out = splice(src, edits);
        assert!(
            out.starts_with(
                "import a from \"Xa\";\nexport * from \"X./b\";\nconst c = require(\"Xc\");"
            ),
            "{out}"
        );
        let (_, esm) = specifiers("c.js", "module.exports = require('x')").unwrap();
        assert!(!esm);
    }
}
