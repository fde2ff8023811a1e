//! Tenant source is parsed, transformed and printed by oxc, whose parser
//! and visitors recurse once per level of the syntax tree. A module nested
//! 100,000 levels deep (`[[[[…]]]]`, `1+1+1+…`, `!!!!x`, `a?b:c?d:…`)
//! would overflow any thread's stack, and a stack overflow is an abort,
//! not a panic: `catch_unwind` cannot save the process. Two defences:
//!
//! 1. [`check`]: a linear lexical scan (strings, comments, template
//!    literals, regular expressions and JSX text are skipped as the parser
//!    skips them) that bounds how deep the tree of a module can get, and
//!    refuses a module past [`MAX_NESTING`] with a `SyntaxError` naming the
//!    module and line: "… nested too deeply (more than N levels)".
//! 2. [`run`] / [`run_async`]: every parse, transform and codegen of
//!    tenant source runs on a thread of its own, off the async runtime's
//!    threads, under `catch_unwind`, with the stack [`stack_for`] gives
//!    it: [`STACK_BYTES`] for the passes after the parser (they run only
//!    on trees within the limit: the transpiler measures the parsed tree
//!    first) plus enough for the parser itself to nest as deep as the
//!    source could possibly go, counted without lexing (`max_levels`).
//!    So a source the scan misreads (it must read it as oxc does, below)
//!    still cannot overflow the stack: the worst it gets is a deep tree
//!    that the transpiler refuses. The stack is reserved, not committed:
//!    real code touches a few hundred KiB of it.
//!
//! The bound: each open bracket (`(`, `[`, `{`, `${`, a JSX element or
//! its `{…}`) counts one level, plus, per open bracket, the tokens that
//! can chain without a bracket since the last point where the chain must
//! have ended: every operator (`+`, `?`, `:`, `=>`, `.`, `!`…), a call or
//! index or tagged template after an operand (`a()()`, `a[0][0]`),
//! operator keywords (`new`, `typeof`, `await`, `keyof`, `extends`…) and
//! statement keywords (`if`, `else`, `for`, `while`, `do`, `with`), and,
//! in TypeScript, open `<` type arguments. A chain ends at `,` and `;`
//! (statement nesting survives a `;` that an `else`, `while`, `catch` or
//! `finally` follows) and where a statement must end: between an operand
//! and the start of another with no operator between (automatic semicolon
//! insertion). Every level oxc nests a tree node below its parent is one
//! of these units (or two: `<a, A<…>>` type arguments, a JSX child), so the
//! tree is at most about twice as deep as the estimate: the test
//! `the_parsed_depth_stays_within_the_estimate` and the fuzz target
//! `typescript_source` (`tests/all/fuzz.rs`) check that against the tree oxc
//! actually parses. The test `stack_holds_the_deepest_accepted_shapes`
//! runs the worst shapes we found at the limit through the whole pipeline
//! with a quarter of the stack [`run`] gives them.
//!
//! The scan must read the source as oxc's lexer does (oxc is pinned to an
//! exact version in Cargo.toml; these decisions follow its parser), or a
//! string, comment or regular expression it skips could hide brackets:
//! - A `/` after `}`, `await`, `yield`, `of`, `let` (or an escaped name),
//!   after an operand and a line break (`let x⏎/re/`: oxc inserts a
//!   semicolon where the operand ended its statement), and in TypeScript
//!   after `>` (`f<T> / 2`) or `void` (`x as void / 2`) may divide or start
//!   a regular expression: both readings must give the same brackets,
//!   strings and comments, or the module is refused as ambiguous. After `)`
//!   on the same line it is decided as the parser decides it (a regular
//!   expression only after the `)` of `if`/`while`/`for`/`with`); after
//!   `as const` it divides.
//! - `<!--` and `-->` are comments where oxc takes them for comments
//!   (scripts; `<!--` at a line's start in modules), line comments end at
//!   U+2028/U+2029 too, and a hashbang only at the start.
//! - In `.tsx`/`.jsx`, a `<` where an expression starts is JSX, type
//!   parameters of an arrow function, or (after `<T extends U …>`) either,
//!   as oxc's `is_parenthesized_arrow_function` decides: `<T extends U>`
//!   read as an arrow function must be followed by `(…) =>`; JSX right after
//!   a `}`, and `<T>(`, `<>(`, `<in T …` where a type or a type member may
//!   start (`let f: <T>(x: T) => T`, `type F = { <T>(x: T): T }`: type
//!   parameters to oxc), are refused as ambiguous.
//!
//! An unbalanced closer closes nothing (the estimate only grows); a
//! regular expression that does not end on its line is refused. The scan
//! is linear: where a regular expression would end is computed once per
//! line, and all lookahead is charged to a budget of a few times the
//! source's length (past it: refused as too complex to check).

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::ScriptError;

/// The deepest nesting estimate a module may have. Real code stays far
/// below it: the 1,152 files of npm's own dependency tree peak at 102,
/// the minified CodeMirror bundle of the playground at 73, the Ace editor
/// and the other scripts of the Rust docs at 142 (none refused as
/// ambiguous), the workers under tests/ lower; QuickJS, which
/// runs the code afterwards, runs out of its own stack on code nested a
/// few thousand levels deep anyway.
///
/// ```
/// use isolet::deep::{check, estimate, Dialect, MAX_NESTING};
/// let js = Dialect::default();
/// let nested = |n: usize| format!("x = {}1{};", "[".repeat(n), "]".repeat(n));
/// assert!(estimate(&nested(100), js) < MAX_NESTING);
/// assert!(check("m.js", &nested(100), js).is_ok());
/// assert!(estimate(&nested(3000), js) > MAX_NESTING);
/// assert!(check("m.js", &nested(3000), js).is_err());
/// ```
pub const MAX_NESTING: u32 = 2_000;

/// The stack of a thread that parses tenant source. Measured in a debug
/// build (larger frames than release), the hungriest shapes (arrays,
/// objects, templates, functions, JSX children, type arguments) take under
/// 2 KiB per level through parse, semantic analysis, transform and codegen:
/// [`MAX_NESTING`] levels fit in 4 MiB. 64 MiB leaves a factor of 16; only
/// what is used is committed.
///
/// ```
/// use isolet::deep::{stack_for, MAX_NESTING, STACK_BYTES};
/// assert_eq!(STACK_BYTES, 64 << 20);
/// // 2 KiB a level for the deepest accepted tree, with a factor of 16 to spare.
/// assert!(STACK_BYTES >= 16 * 2048 * MAX_NESTING as usize);
/// // The least a parse thread gets: what a source with nothing to nest needs.
/// assert_eq!(stack_for([("empty.js", "")]).unwrap(), STACK_BYTES);
/// ```
pub const STACK_BYTES: usize = 64 << 20;

/// What kind of source a module is, for the scan.
///
/// ```
/// use isolet::deep::{estimate, Dialect};
/// // The default is a plain script; `Dialect::TS` is a TypeScript module.
/// assert!(Dialect::TS.ts && Dialect::TS.module && !Dialect::TS.jsx);
/// // `<…>` type arguments nest only in TypeScript.
/// let src = "let v: A<B<C<D>>>;";
/// assert!(estimate(src, Dialect::TS) > estimate(src, Dialect::default()));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Dialect {
    /// TypeScript: `<…>` type arguments nest.
    pub ts: bool,
    /// JSX elements (`.tsx`, `.jsx`).
    pub jsx: bool,
    /// An ES module (strict: no `-->` comments; `<!--` only at a line's start).
    pub module: bool,
}

impl Dialect {
    /// A TypeScript module (`.ts`, `.mts`).
    pub const TS: Dialect = Dialect {
        ts: true,
        jsx: false,
        module: true,
    };
}

/// Refuses `source` (module `name`) when its syntax tree could be nested
/// deeper than [`MAX_NESTING`], or when it cannot tell (an ambiguous `/` or `<`,
/// an unterminated regular expression), with a `SyntaxError` naming the
/// module, line and column.
///
/// ```
/// use isolet::deep::{check, Dialect};
/// let js = Dialect::default();
/// assert!(check("m.js", "export default { fetch() { return new Response('hi') } }", js).is_ok());
/// let deep = format!("export const x = {}1{};", "(".repeat(5000), ")".repeat(5000));
/// let e = check("m.js", &deep, js).unwrap_err();
/// assert_eq!(e.name, "SyntaxError");
/// assert!(e.message.contains("nested too deeply (more than 2000 levels) in m.js at line 1"));
/// // A `/` that reads differently as a division and as a regular expression.
/// let e = check("m.js", "let o = {}\n/'/.test(s)", js).unwrap_err();
/// assert!(e.message.starts_with("cannot tell a regular expression from a division"));
/// assert_eq!(e.location(), Some(("m.js".to_string(), 2, 1)));
/// ```
pub fn check(name: &str, source: &str, dialect: Dialect) -> Result<(), ScriptError> {
    let mut scan = Scan::new(source.as_bytes(), dialect);
    match scan.run() {
        Ok(()) => Ok(()),
        Err(problem) => {
            let (line, col) = line_col(source, scan.at_error);
            let message = match problem {
                Problem::TooDeep => format!(
                    "code nested too deeply (more than {MAX_NESTING} levels) in {name} at line {line}"
                ),
                Problem::Ambiguous => format!(
                    "cannot tell a regular expression from a division in {name} at line {line}, column {col}: put the expression in parentheses"
                ),
                Problem::AmbiguousJsx => format!(
                    "cannot tell JSX from type parameters or a comparison in {name} at line {line}, column {col}: put the expression in parentheses"
                ),
                Problem::Unterminated => format!(
                    "unterminated regular expression in {name} at line {line}, column {col}"
                ),
                Problem::TooComplex => format!(
                    "code too complex to check for nesting in {name} at line {line}, column {col}"
                ),
            };
            Err(ScriptError {
                name: "SyntaxError".into(),
                message,
                stack: format!("    at {name}:{line}:{col}\n"),
            })
        }
    }
}

/// The highest nesting estimate of `source` (for tests and fuzzing).
///
/// ```
/// use isolet::deep::{estimate, Dialect};
/// let js = Dialect::default();
/// // Each open bracket is one more level (on top of the module's own).
/// assert_eq!(estimate("[[[1]]]", js), estimate("[1]", js) + 2);
/// // Wide code is not deep: `;` ends the chain of operators.
/// assert!(estimate(&"x = a + b * c;\n".repeat(10_000), js) < 10);
/// ```
pub fn estimate(source: &str, dialect: Dialect) -> u32 {
    let mut scan = Scan::new(source.as_bytes(), dialect);
    scan.limit = u32::MAX;
    let _ = scan.run();
    scan.max
}

/// The error a panic or a failed thread becomes.
fn failed(what: &str) -> ScriptError {
    ScriptError {
        name: "SyntaxError".into(),
        message: format!("the TypeScript/JavaScript parser failed on {what}"),
        stack: String::new(),
    }
}

/// Stack bytes that oxc's parser, and one walk of the parsed tree with a
/// small-framed visitor, take per level of the tree at most: measured over
/// the hungriest shapes (`typescript::tests::the_backstop_stack_holds_any_parse`
/// paints a thread's stack and reads the high-water mark: at most ~800
/// bytes, for nested type arguments and arrays), with a margin of 2.5.
pub(crate) const PARSE_STACK_PER_LEVEL: usize = 2 << 10;

/// The largest stack reserved for one parse: past it a module is refused as
/// too large to parse safely (about 2 million potential levels: some 5-6
/// MB of minified JavaScript). It bounds what a source the scan misread
/// could make the parser touch, about 800 bytes a level at most.
const MAX_PARSE_STACK: usize = 4 << 30;

/// The most levels oxc could nest `source` into, whatever its lexing:
/// every byte that can open a level or chain one (brackets, operators,
/// quotes, `$`, `@`, `#`), and every keyword that can (`new`, `typeof`,
/// `in`, `as`, `do`, `else`…), counted wherever it stands: in strings,
/// comments, regular expressions and JSX text as well. A level of oxc's
/// tree always consumes at least one of these, so the count bounds the
/// depth without depending on how the source is tokenized; it only
/// over-counts. Linear in the source.
pub(crate) fn max_levels(source: &str) -> usize {
    const KEYWORDS: [&[u8]; 24] = [
        b"new",
        b"typeof",
        b"void",
        b"delete",
        b"await",
        b"yield",
        b"do",
        b"else",
        b"in",
        b"instanceof",
        b"as",
        b"satisfies",
        b"keyof",
        b"readonly",
        b"infer",
        b"unique",
        b"asserts",
        b"is",
        b"extends",
        b"async",
        b"of",
        b"out",
        b"accessor",
        b"declare",
    ];
    let bytes = source.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80;
    let mut levels = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if word(b) {
            let start = i;
            while i < bytes.len() && word(bytes[i]) {
                i += 1;
            }
            let w = &bytes[start..i];
            // `$` opens template substitutions and may sit inside a word.
            levels += w.iter().filter(|&&c| c == b'$').count();
            if KEYWORDS.contains(&w) {
                levels += 1;
            }
            continue;
        }
        if !b.is_ascii_whitespace() && b.is_ascii_punctuation() {
            levels += 1;
        }
        i += 1;
    }
    levels
}

/// The stack a thread needs to parse each of `sources` with oxc (and walk
/// its tree once with small frames) without overflowing, however
/// [`check`] read them: [`STACK_BYTES`] for the passes after the parser
/// (which run only on trees within the nesting limit) plus
/// `PARSE_STACK_PER_LEVEL` for each level the largest could nest into
/// (`max_levels`). Reserved, not committed: code that is not nested
/// touches a few hundred KiB of it. A source too large for
/// `MAX_PARSE_STACK` is an error naming it.
///
/// ```
/// use isolet::deep::{stack_for, STACK_BYTES};
/// assert_eq!(stack_for([("empty.js", "")]).unwrap(), STACK_BYTES);
/// let nested = "[".repeat(1000);
/// // The largest need of all the sources: room for the parser on top.
/// assert!(stack_for([("a.js", "f(x)"), ("b.js", nested.as_str())]).unwrap() > STACK_BYTES);
/// let huge = "[".repeat(3_000_000);
/// let e = stack_for([("huge.js", huge.as_str())]).unwrap_err();
/// assert!(e.message.starts_with("huge.js is too large to parse safely"));
/// ```
pub fn stack_for<'s>(
    sources: impl IntoIterator<Item = (&'s str, &'s str)>,
) -> Result<usize, ScriptError> {
    let mut stack = STACK_BYTES;
    for (name, source) in sources {
        let need = max_levels(source)
            .checked_mul(PARSE_STACK_PER_LEVEL)
            .and_then(|n| n.checked_add(STACK_BYTES))
            .filter(|&n| n <= MAX_PARSE_STACK)
            .ok_or_else(|| ScriptError {
                name: "SyntaxError".into(),
                message: format!(
                    "{name} is too large to parse safely ({} bytes): split it into smaller modules",
                    source.len()
                ),
                stack: String::new(),
            })?;
        stack = stack.max(need);
    }
    Ok(stack)
}

/// Runs `f` on a thread with a `stack`-byte stack (from [`stack_for`]) and
/// waits for it; a panic in `f`, or a stack the system would not give, is
/// an error naming `what`.
///
/// ```
/// use isolet::deep::{run, stack_for};
/// let source = "export default [[1], [2]];";
/// let stack = stack_for([("m.js", source)]).unwrap();
/// // `f` may borrow: `run` waits for its thread.
/// assert_eq!(run("m.js", stack, || source.len()).unwrap(), source.len());
/// // A panic on the parse thread is an error, not the caller's panic.
/// let e = run("m.js", stack, || -> usize { panic!("parser bug") }).unwrap_err();
/// assert_eq!(e.message, "the TypeScript/JavaScript parser failed on m.js");
/// ```
pub fn run<T: Send>(
    what: &str,
    stack: usize,
    f: impl FnOnce() -> T + Send,
) -> Result<T, ScriptError> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("isolet-parse".into())
            .stack_size(stack)
            .spawn_scoped(scope, move || catch_unwind(AssertUnwindSafe(f)))
            .map_err(|_| failed(what))?;
        match handle.join() {
            Ok(Ok(v)) => Ok(v),
            _ => Err(failed(what)),
        }
    })
}

/// [`run`] without blocking the calling (async) thread.
///
/// ```
/// # #[tokio::main] async fn main() {
/// use isolet::deep::{run_async, stack_for};
/// let source = String::from("export default [[1], [2]];");
/// let (stack, len) = (stack_for([("m.js", source.as_str())]).unwrap(), source.len());
/// let n = run_async("m.js".to_string(), stack, move || source.len()).await.unwrap();
/// assert_eq!(n, len);
/// let e = run_async("m.js".to_string(), stack, || -> usize { panic!("parser bug") }).await;
/// assert_eq!(e.unwrap_err().message, "the TypeScript/JavaScript parser failed on m.js");
/// # }
/// ```
pub async fn run_async<T: Send + 'static>(
    what: String,
    stack: usize,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ScriptError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("isolet-parse".into())
        .stack_size(stack)
        .spawn(move || {
            let _ = tx.send(catch_unwind(AssertUnwindSafe(f)));
        })
        .map_err(|_| failed(&what))?;
    match rx.await {
        Ok(Ok(v)) => Ok(v),
        _ => Err(failed(&what)),
    }
}

fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// What a `<` is in a JSX dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lt {
    Jsx,
    Code,
    /// Type parameters of an arrow function: `=>` must follow its `(…)`.
    Arrow,
    Ambiguous,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    TooDeep,
    Ambiguous,
    AmbiguousJsx,
    Unterminated,
    /// The lookahead work ran past its budget (a multiple of the length).
    TooComplex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Paren,
    Bracket,
    Brace,
    /// `${` in a template literal.
    Template,
    /// A JSX element: its tag (attributes) or its children.
    Jsx,
    /// `{` in a JSX tag.
    JsxTagExpr,
    /// `{` among a JSX element's children.
    JsxChildExpr,
}

#[derive(Debug, Clone, Copy)]
struct Frame {
    kind: Kind,
    /// Chain tokens since the chain last had to end.
    chain: u32,
    /// Statement keywords since the statement last had to end.
    stmt: u32,
    /// Open `<` (TypeScript type arguments), not ended by `,`.
    angles: u32,
    /// A `;` was seen: statement nesting ends unless `else`/`while`/
    /// `catch`/`finally` comes next.
    pending: bool,
    /// A `(` right after `if`/`while`/`for`/`with`.
    control: bool,
    /// A JSX element still in its tag (else among its children).
    in_tag: bool,
}

impl Frame {
    fn new(kind: Kind) -> Frame {
        Frame {
            kind,
            chain: 0,
            stmt: 0,
            angles: 0,
            pending: false,
            control: false,
            in_tag: false,
        }
    }

    fn weight(&self) -> u64 {
        1 + self.chain as u64 + self.stmt as u64 + self.angles as u64
    }
}

/// What the previous token was, for `/`, `<` and automatic semicolons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// The start, an operator, an opening bracket, `,`, `;`, or a keyword
    /// an expression follows: a `/` here starts a regular expression.
    ExprStart,
    /// An identifier, literal, `)`, `]`, postfix `++`: `/` divides.
    Operand,
    /// `}`, `await`, `yield`, `of`: `/` could be either.
    Either,
    /// The `)` of `if (…)` and the like: a statement follows.
    Control,
}

struct Scan<'a> {
    src: &'a [u8],
    pos: usize,
    dialect: Dialect,
    frames: Vec<Frame>,
    /// The frame of the module's top level.
    top: Frame,
    total: u64,
    max: u32,
    limit: u32,
    prev: Prev,
    /// A line terminator since the previous token.
    newline: bool,
    /// A `}` closed a frame just before the next token.
    after_close: bool,
    /// The previous word was `if`/`while`/`for`/`with`: a `(` now is theirs.
    control_next: bool,
    /// In a JSX closing tag (`</name>`).
    closing_tag: bool,
    /// The previous token's bytes.
    last: (usize, usize),
    /// `<T extends U>(` was read as a generic arrow function: when the
    /// frames are back to this many, `=>` or `:` must follow.
    arrow_at: Option<usize>,
    /// The next token must be `=>` or `:` (see `arrow_at`).
    arrow_next: bool,
    at_error: usize,
    /// Bytes examined ahead of the position (regular expression ends, JSX
    /// lookahead): past `work_limit` the module is refused as too complex,
    /// so the scan is linear in the length whatever the input.
    work: u64,
    work_limit: u64,
    /// Where a regular expression starting right after each `/` of one
    /// line (from `regex_memo_from` up to `regex_memo_to`) would end:
    /// `(body start, end after the flags or usize::MAX)`, ascending. A `/`
    /// that may divide looks its regular expression up here instead of
    /// rescanning the rest of the line.
    regex_memo: Vec<(usize, usize)>,
    regex_memo_from: usize,
    regex_memo_to: usize,
}

const STMT_KEYWORDS: &[&[u8]] = &[b"if", b"else", b"for", b"while", b"do", b"with"];
const CHAIN_KEYWORDS: &[&[u8]] = &[
    b"typeof",
    b"void",
    b"delete",
    b"await",
    b"yield",
    b"new",
    b"in",
    b"instanceof",
    b"as",
    b"satisfies",
    b"keyof",
    b"infer",
    b"extends",
    b"is",
    b"asserts",
    b"readonly",
    b"unique",
    b"async",
    b"return",
    b"throw",
    b"case",
    b"of",
];
/// Reserved words after which an expression (so a regular expression)
/// starts. (TypeScript's `as`, `keyof`, `is`… are names where a `/` may
/// follow them, and errors where they are keywords: they count as names.)
const EXPR_KEYWORDS: &[&[u8]] = &[
    b"return",
    b"typeof",
    b"instanceof",
    b"in",
    b"new",
    b"delete",
    b"void",
    b"throw",
    b"case",
    b"do",
    b"else",
    b"extends",
    b"default",
    b"export",
    b"import",
    b"if",
    b"while",
    b"for",
    b"with",
    b"const",
    b"var",
];
/// Modifiers oxc parses before a type parameter's name (with an error
/// for all but `const`, `in` and `out`).
const MODIFIERS: &[&[u8]] = &[
    b"in",
    b"out",
    b"const",
    b"public",
    b"private",
    b"protected",
    b"static",
    b"readonly",
    b"declare",
    b"abstract",
    b"override",
    b"accessor",
    b"async",
    b"export",
    b"default",
];
/// Words that may be either (`await / 2` where `await` is a name).
const EITHER_KEYWORDS: &[&[u8]] = &[b"await", b"yield", b"of", b"let"];
/// Words that continue the statement before them (no automatic semicolon
/// before them ends a chain).
const CONTINUING: &[&[u8]] = &[
    b"in",
    b"instanceof",
    b"as",
    b"satisfies",
    b"of",
    b"else",
    b"while",
    b"catch",
    b"finally",
    b"extends",
    b"implements",
    b"is",
];

/// Punctuators of more than one character, longest first.
const PUNCT: &[&[u8]] = &[
    b">>>=", b"...", b"===", b"!==", b"**=", b"<<=", b">>=", b">>>", b"&&=", b"||=", b"??=", b"=>",
    b"==", b"!=", b"<=", b">=", b"&&", b"||", b"??", b"?.", b"++", b"--", b"+=", b"-=", b"*=",
    b"/=", b"%=", b"&=", b"|=", b"^=", b"**", b"<<", b">>",
];

fn is_in(list: &[&[u8]], word: &[u8]) -> bool {
    list.contains(&word)
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b'\\' || b >= 0x80
}

impl<'a> Scan<'a> {
    fn new(src: &'a [u8], dialect: Dialect) -> Self {
        Scan {
            src,
            pos: 0,
            dialect,
            frames: Vec::new(),
            top: Frame::new(Kind::Brace),
            total: 1,
            max: 1,
            limit: MAX_NESTING,
            prev: Prev::ExprStart,
            newline: true,
            after_close: false,
            control_next: false,
            closing_tag: false,
            last: (0, 0),
            arrow_at: None,
            arrow_next: false,
            at_error: 0,
            work: 0,
            work_limit: 8 * src.len() as u64 + 4096,
            regex_memo: Vec::new(),
            regex_memo_from: 0,
            regex_memo_to: 0,
        }
    }

    /// Counts `n` bytes of lookahead against the budget.
    fn charge(&mut self, n: usize) -> Result<(), Problem> {
        self.work = self.work.saturating_add(n as u64);
        if self.work > self.work_limit {
            self.at_error = self.pos;
            return Err(Problem::TooComplex);
        }
        Ok(())
    }

    fn peek(&self, at: usize) -> u8 {
        self.src.get(self.pos + at).copied().unwrap_or(0)
    }

    fn frame(&mut self) -> &mut Frame {
        self.frames.last_mut().unwrap_or(&mut self.top)
    }

    fn kind(&self) -> Option<Kind> {
        self.frames.last().map(|f| f.kind)
    }

    fn bump_total(&mut self, by: u64) -> Result<(), Problem> {
        self.total += by;
        if self.total > self.max as u64 {
            self.max = self.total.min(u32::MAX as u64) as u32;
        }
        if self.total > self.limit as u64 {
            self.at_error = self.pos;
            return Err(Problem::TooDeep);
        }
        Ok(())
    }

    fn chain(&mut self, by: u32) -> Result<(), Problem> {
        let f = self.frame();
        f.chain = f.chain.saturating_add(by);
        self.bump_total(by as u64)
    }

    fn stmt(&mut self) -> Result<(), Problem> {
        let f = self.frame();
        f.stmt = f.stmt.saturating_add(1);
        self.bump_total(1)
    }

    fn angle(&mut self, by: u32) -> Result<(), Problem> {
        if !self.dialect.ts {
            return Ok(());
        }
        let f = self.frame();
        f.angles = f.angles.saturating_add(by);
        self.bump_total(by as u64)
    }

    fn unangle(&mut self, by: u32) {
        if !self.dialect.ts {
            return;
        }
        let f = self.frame();
        let take = f.angles.min(by);
        f.angles -= take;
        self.total -= take as u64;
    }

    /// The chain of the current frame ends (`,`).
    fn end_chain(&mut self) {
        let f = self.frame();
        let drop = f.chain as u64;
        f.chain = 0;
        self.total -= drop;
    }

    /// The statement of the current frame ends (`;` or a statement
    /// boundary): chains and open `<` end; statement nesting ends unless
    /// `keep_stmt`.
    fn end_statement(&mut self, keep_stmt: bool) {
        let f = self.frame();
        let mut drop = f.chain as u64 + f.angles as u64;
        f.chain = 0;
        f.angles = 0;
        if !keep_stmt {
            drop += f.stmt as u64;
            f.stmt = 0;
        }
        self.total -= drop;
    }

    fn push(&mut self, kind: Kind) -> Result<(), Problem> {
        self.frames.push(Frame::new(kind));
        self.bump_total(1)
    }

    fn pop(&mut self) -> Option<Frame> {
        let f = self.frames.pop()?;
        self.total -= f.weight();
        Some(f)
    }

    fn run(&mut self) -> Result<(), Problem> {
        // A hashbang line.
        if self.src.starts_with(b"#!") {
            self.skip_line();
        }
        loop {
            self.pos = self.pos.min(self.src.len());
            let more = match self.frames.last() {
                Some(f) if f.kind == Kind::Jsx && f.in_tag => self.jsx_tag()?,
                Some(f) if f.kind == Kind::Jsx => self.jsx_children()?,
                _ => self.code()?,
            };
            if !more {
                return Ok(());
            }
        }
    }

    /// Length of a line terminator at the position, 0 if none.
    fn line_terminator(&self, at: usize) -> usize {
        match self.src.get(at) {
            Some(b'\n' | b'\r') => 1,
            Some(0xE2)
                if self.src.get(at + 1) == Some(&0x80)
                    && matches!(self.src.get(at + 2), Some(0xA8 | 0xA9)) =>
            {
                3
            }
            _ => 0,
        }
    }

    /// Length of non-terminator white space at the position, 0 if none.
    fn space(&self, at: usize) -> usize {
        let s = &self.src[at.min(self.src.len())..];
        match s {
            [b' ' | b'\t' | 0x0B | 0x0C, ..] => 1,
            [0xC2, 0xA0, ..] => 2,
            [0xEF, 0xBB, 0xBF, ..] => 3,
            [0xE1, 0x9A, 0x80, ..] => 3,
            [0xE2, 0x80, 0x80..=0x8A | 0xAF, ..] => 3,
            [0xE2, 0x81, 0x9F, ..] => 3,
            [0xE3, 0x80, 0x80, ..] => 3,
            _ => 0,
        }
    }

    fn skip_line(&mut self) {
        while self.pos < self.src.len() && self.line_terminator(self.pos) == 0 {
            self.pos += 1;
        }
    }

    /// Skips white space and comments; `false` at the end.
    fn trivia(&mut self) -> bool {
        loop {
            if self.pos >= self.src.len() {
                return false;
            }
            let n = self.line_terminator(self.pos);
            if n > 0 {
                self.newline = true;
                self.pos += n;
                continue;
            }
            let n = self.space(self.pos);
            if n > 0 {
                self.pos += n;
                continue;
            }
            match (self.peek(0), self.peek(1)) {
                (b'/', b'/') => self.skip_line(),
                (b'/', b'*') => {
                    self.pos += 2;
                    loop {
                        if self.pos >= self.src.len() {
                            return false;
                        }
                        if self.peek(0) == b'*' && self.peek(1) == b'/' {
                            self.pos += 2;
                            break;
                        }
                        if self.line_terminator(self.pos) > 0 {
                            self.newline = true;
                        }
                        self.pos += 1;
                    }
                }
                // `<!--` (Annex B): a comment in a script, and in a module
                // at the start of a line.
                (b'<', b'!')
                    if self.src[self.pos..].starts_with(b"<!--")
                        && (!self.dialect.module || self.newline) =>
                {
                    self.skip_line()
                }
                // `-->` at the start of a line, outside strict code.
                (b'-', b'-') if self.peek(2) == b'>' && self.newline && !self.dialect.module => {
                    self.skip_line()
                }
                _ => return true,
            }
        }
    }

    /// Before each token: automatic semicolons and pending statement ends.
    fn before_token(&mut self, starts_operand: bool, word: &[u8]) {
        let continuing = is_in(CONTINUING, word);
        let keep = matches!(word, b"else" | b"while" | b"catch" | b"finally");
        if self.frame().pending {
            self.frame().pending = false;
            if !keep {
                self.end_statement(false);
            }
        }
        // An operand right after an operand (across a line break, or after
        // a `}`) starts a new statement.
        if starts_operand
            && !continuing
            && (self.after_close || (self.newline && self.prev == Prev::Operand))
            && matches!(self.prev, Prev::Operand | Prev::Either)
        {
            self.end_statement(false);
        }
        self.after_close = false;
    }

    /// One token of code; `false` at the end.
    fn code(&mut self) -> Result<bool, Problem> {
        if !self.trivia() {
            return Ok(false);
        }
        let start = self.pos;
        if std::mem::take(&mut self.arrow_next)
            && !(self.src[start..].starts_with(b"=>") || self.peek(0) == b':')
        {
            // oxc reads it as JSX after all: we cannot follow.
            self.at_error = start;
            return Err(Problem::AmbiguousJsx);
        }
        let more = self.code_token(start)?;
        self.last = (start, self.pos);
        Ok(more)
    }

    fn code_token(&mut self, start: usize) -> Result<bool, Problem> {
        let b = self.peek(0);
        // Words: identifiers, keywords, private names.
        if (is_ident_byte(b) && !b.is_ascii_digit()) || b == b'#' {
            self.pos += 1;
            while self.pos < self.src.len()
                && is_ident_byte(self.peek(0))
                && self.space(self.pos) == 0
                && self.line_terminator(self.pos) == 0
            {
                self.pos += 1;
            }
            let word = &self.src[start..self.pos];
            // A keyword after `.` is a property name.
            let property = matches!(&self.src[self.last.0..self.last.1], b"." | b"?.");
            self.before_token(true, if property { b"" } else { word });
            if property {
                self.prev = Prev::Operand;
            } else if is_in(STMT_KEYWORDS, word) {
                self.stmt()?;
                self.prev = Prev::ExprStart;
                if matches!(word, b"if" | b"while" | b"for" | b"with") {
                    self.control_next = true;
                    self.newline = false;
                    return Ok(true);
                }
            } else {
                if is_in(CHAIN_KEYWORDS, word) {
                    self.chain(1)?;
                }
                let after_as = matches!(&self.src[self.last.0..self.last.1], b"as" | b"satisfies");
                self.prev = if is_in(EITHER_KEYWORDS, word) || word.contains(&b'\\') {
                    Prev::Either
                } else if word == b"const" && after_as {
                    // `x as const`: an operand.
                    Prev::Operand
                } else if is_in(EXPR_KEYWORDS, word) {
                    Prev::ExprStart
                } else {
                    Prev::Operand
                };
            }
            // `for await (`: the `(` is still the loop's.
            if !(word == b"await" && self.control_next) {
                self.control_next = false;
            }
            self.newline = false;
            return Ok(true);
        }
        let control = std::mem::take(&mut self.control_next);
        if b.is_ascii_digit() || (b == b'.' && self.peek(1).is_ascii_digit()) {
            self.before_token(true, b"");
            self.pos += 1;
            while self.pos < self.src.len()
                && (self.peek(0).is_ascii_alphanumeric() || matches!(self.peek(0), b'_' | b'.'))
            {
                self.pos += 1;
            }
            self.prev = Prev::Operand;
            self.newline = false;
            return Ok(true);
        }
        match b {
            b'\'' | b'"' => {
                self.before_token(true, b"");
                self.pos += 1;
                while self.pos < self.src.len() {
                    let c = self.peek(0);
                    if c == b {
                        self.pos += 1;
                        break;
                    }
                    if c == b'\\' {
                        // An escape, or a line continuation (`\` CR LF too).
                        let crlf = self.peek(1) == b'\r' && self.peek(2) == b'\n';
                        self.pos += if crlf {
                            3
                        } else {
                            1 + self.line_terminator(self.pos + 1).max(1)
                        };
                        continue;
                    }
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
                self.prev = Prev::Operand;
            }
            b'`' => {
                self.before_token(false, b"");
                if self.prev == Prev::Operand {
                    // A tagged template chains like a call.
                    self.chain(1)?;
                }
                self.pos += 1;
                self.template_text()?;
            }
            b'(' | b'[' | b'{' => {
                self.before_token(false, b"");
                if b != b'{' && self.prev == Prev::Operand {
                    // A call or index after an operand chains.
                    self.chain(1)?;
                }
                self.pos += 1;
                self.push(match b {
                    b'(' => Kind::Paren,
                    b'[' => Kind::Bracket,
                    _ => Kind::Brace,
                })?;
                if b == b'(' && control {
                    self.frame().control = true;
                }
                self.prev = Prev::ExprStart;
            }
            b')' | b']' | b'}' => {
                self.pos += 1;
                self.after_close = false;
                let want = match b {
                    b')' => Kind::Paren,
                    b']' => Kind::Bracket,
                    _ => Kind::Brace,
                };
                match self.kind() {
                    Some(k) if k == want => {
                        let f = self.pop();
                        if b == b')' && self.arrow_at == Some(self.frames.len()) {
                            self.arrow_at = None;
                            self.arrow_next = true;
                        }
                        self.prev = match b {
                            b')' if f.is_some_and(|f| f.control) => Prev::Control,
                            b'}' => {
                                self.after_close = true;
                                Prev::Either
                            }
                            _ => Prev::Operand,
                        };
                    }
                    Some(Kind::Template) if b == b'}' => {
                        self.pop();
                        self.template_text()?;
                    }
                    Some(Kind::JsxTagExpr | Kind::JsxChildExpr) if b == b'}' => {
                        self.pop();
                    }
                    // An unbalanced closer: a syntax error; keep the frames
                    // (the estimate only grows).
                    _ => self.prev = Prev::Operand,
                }
            }
            b';' => {
                self.pos += 1;
                self.before_token(false, b"");
                self.end_statement(true);
                self.frame().pending = true;
                self.prev = Prev::ExprStart;
            }
            b',' => {
                self.pos += 1;
                self.before_token(false, b"");
                self.end_chain();
                self.prev = Prev::ExprStart;
            }
            b'/' => {
                // After a line break, an operand may have ended its
                // statement (`let x`, `break`, `import "m"`, `type T = A`,
                // `declare function f()`): oxc inserts a semicolon and reads
                // a regular expression where an operator cannot continue it.
                let after_break = self.newline && self.prev == Prev::Operand;
                // In TypeScript a `>` may close type arguments (`f<T> / 2`)
                // and `void` may be a type (`x as void / 2`): a division.
                let last = &self.src[self.last.0..self.last.1];
                let after_type = self.dialect.ts
                    && self.prev == Prev::ExprStart
                    && (last == b"void" || (!last.is_empty() && last.iter().all(|&c| c == b'>')));
                self.before_token(false, b"");
                match self.prev {
                    Prev::ExprStart if after_type => self.either()?,
                    Prev::ExprStart | Prev::Control => self.regex()?,
                    Prev::Operand if after_break => self.either()?,
                    Prev::Operand => self.operator()?,
                    Prev::Either => self.either()?,
                }
            }
            b'<' if self.dialect.jsx && self.prev != Prev::Operand => {
                self.before_token(false, b"");
                match self.jsx_starts()? {
                    Lt::Jsx if self.prev == Prev::Either => return self.ambiguous_jsx(),
                    Lt::Jsx => {
                        self.pos += 1;
                        self.push(Kind::Jsx)?;
                        self.frame().in_tag = true;
                    }
                    Lt::Arrow => {
                        self.arrow_at = Some(self.frames.len());
                        self.operator()?;
                    }
                    Lt::Code => self.operator()?,
                    Lt::Ambiguous => return self.ambiguous_jsx(),
                }
            }
            _ => {
                self.before_token(false, b"");
                self.operator()?;
            }
        }
        self.newline = false;
        Ok(true)
    }

    /// An operator (punctuator) at the position.
    fn operator(&mut self) -> Result<(), Problem> {
        let rest = &self.src[self.pos..];
        let len = if rest.starts_with(b"?.") && rest.get(2).is_some_and(u8::is_ascii_digit) {
            1
        } else {
            PUNCT
                .iter()
                .find(|p| rest.starts_with(p))
                .map_or(1, |p| p.len())
        };
        let op = &rest[..len];
        self.pos += len;
        let operand_before = self.prev == Prev::Operand && !self.newline;
        // After `}`, `let`, `await`…: `{}!`, `let++` may be postfix too.
        let either_before = self.prev == Prev::Either && !self.newline;
        self.chain(1)?;
        match op {
            b"<" => self.angle(1)?,
            b"<<" => self.angle(2)?,
            b">" | b">=" => self.unangle(1),
            b">>" | b">>=" => self.unangle(2),
            b">>>" | b">>>=" => self.unangle(3),
            _ => {}
        }
        self.prev = match op {
            // Postfix `x++`, TypeScript's `x!`: still an operand.
            b"++" | b"--" if operand_before => Prev::Operand,
            b"!" if operand_before && self.dialect.ts => Prev::Operand,
            b"++" | b"--" if either_before => Prev::Either,
            b"!" if either_before && self.dialect.ts => Prev::Either,
            _ => Prev::ExprStart,
        };
        Ok(())
    }

    /// Where the regular expression starting at the position (a `/`) ends
    /// (after its flags, as oxc's lexer reads them), if it ends on its
    /// line. Looked up in `regex_memo`, built once per stretch of a line:
    /// a `/` read as a division does not rescan the rest of its line.
    fn regex_end(&mut self) -> Result<Option<usize>, Problem> {
        let body = self.pos + 1;
        if !(self.regex_memo_from <= body && body < self.regex_memo_to) {
            self.build_regex_memo(body)?;
        }
        let i = self.regex_memo.partition_point(|&(p, _)| p < body);
        match self.regex_memo.get(i) {
            Some(&(p, end)) if p == body => Ok((end != usize::MAX).then_some(end)),
            // Not after a `/` (cannot happen): no regular expression.
            _ => Ok(None),
        }
    }

    /// Fills `regex_memo` for the positions after a `/` from `from` to the
    /// end of its line, in one pass from the line's end backwards: where a
    /// regular expression body starting there (outside a class) ends.
    fn build_regex_memo(&mut self, from: usize) -> Result<(), Problem> {
        const NONE: usize = usize::MAX;
        let len = self.src.len();
        let mut end = from.min(len);
        while end < len && self.line_terminator(end) == 0 {
            end += 1;
        }
        self.charge(end - from.min(end) + 1)?;
        self.regex_memo.clear();
        self.regex_memo_from = from;
        self.regex_memo_to = end + 1;
        // Where a body scanned from i+1 (and i+2) ends, outside a class
        // (`c`) and inside one (`k`); a line terminator or the end: none.
        let (mut c1, mut k1, mut c2, mut k2) = (NONE, NONE, NONE, NONE);
        // The end of the run of flag bytes from i+1.
        let mut flags = end;
        let mut i = end;
        loop {
            let (c, k) = if i >= end {
                (NONE, NONE)
            } else {
                match self.src[i] {
                    b'\\' if i + 1 >= end => (NONE, NONE),
                    b'\\' => (c2, k2),
                    b'[' => (k1, k1),
                    b']' => (c1, c1),
                    b'/' => (flags, k1),
                    _ => (c1, k1),
                }
            };
            if i < end {
                // oxc reads `[$_a-zA-Z0-9]*` as the flags.
                let b = self.src[i];
                if !(b.is_ascii_alphanumeric() || b == b'$' || b == b'_') {
                    flags = i;
                }
            }
            if i > 0 && self.src[i - 1] == b'/' {
                self.regex_memo.push((i, c));
            }
            (c2, k2, c1, k1) = (c1, k1, c, k);
            if i == from || i == 0 {
                break;
            }
            i -= 1;
        }
        self.regex_memo.reverse();
        Ok(())
    }

    fn regex(&mut self) -> Result<(), Problem> {
        match self.regex_end()? {
            Some(end) => {
                self.pos = end;
                self.prev = Prev::Operand;
                Ok(())
            }
            None => {
                self.at_error = self.pos;
                Err(Problem::Unterminated)
            }
        }
    }

    /// A `/` that may be a division or a regular expression: both readings
    /// must agree on everything the scan tracks.
    fn either(&mut self) -> Result<(), Problem> {
        let Some(end) = self.regex_end()? else {
            // No regular expression can end here: a division.
            return self.operator();
        };
        // Read as code, the body must hold no string, template or comment
        // and balanced brackets.
        self.charge(end - self.pos)?;
        let body = &self.src[self.pos + 1..end];
        let mut depth: Vec<u8> = Vec::new();
        let mut ops = 0u32;
        for (i, &c) in body.iter().enumerate() {
            match c {
                b'\'' | b'"' | b'`' => return self.ambiguous(),
                b'/' if matches!(body.get(i + 1), Some(b'/' | b'*')) => return self.ambiguous(),
                b'(' | b'[' | b'{' => {
                    depth.push(c);
                    ops = ops.max(depth.len() as u32);
                }
                b')' | b']' | b'}' => {
                    let open = match c {
                        b')' => b'(',
                        b']' => b'[',
                        _ => b'{',
                    };
                    if depth.pop() != Some(open) {
                        return self.ambiguous();
                    }
                }
                c if !is_ident_byte(c) && !c.is_ascii_whitespace() => ops += 1,
                _ => {}
            }
        }
        if !depth.is_empty() {
            return self.ambiguous();
        }
        // Count it as the division would (the larger reading).
        self.chain(ops.saturating_add(2))?;
        self.pos = end;
        self.prev = Prev::Operand;
        Ok(())
    }

    fn ambiguous_jsx(&mut self) -> Result<bool, Problem> {
        self.at_error = self.pos;
        Err(Problem::AmbiguousJsx)
    }

    fn ambiguous(&mut self) -> Result<(), Problem> {
        self.at_error = self.pos;
        Err(Problem::Ambiguous)
    }

    /// Template text from the position (after `` ` `` or a `${…}`) to its
    /// end or its next `${`.
    fn template_text(&mut self) -> Result<(), Problem> {
        while self.pos < self.src.len() {
            match self.peek(0) {
                b'\\' => self.pos += 2,
                b'`' => {
                    self.pos += 1;
                    self.prev = Prev::Operand;
                    return Ok(());
                }
                b'$' if self.peek(1) == b'{' => {
                    self.pos += 2;
                    self.prev = Prev::ExprStart;
                    return self.push(Kind::Template);
                }
                _ => self.pos += 1,
            }
        }
        self.pos = self.src.len();
        Ok(())
    }

    /// What the `<` at the position (where an expression may start, in a
    /// JSX dialect) is, as oxc decides it (`is_parenthesized_arrow_function`
    /// in oxc_parser's js/arrow.rs): type parameters of an arrow function
    /// when a name and `,` or `=` follow (`<T,>() => …`); when `extends`
    /// and a name follow, an arrow function if one parses, else JSX; JSX
    /// otherwise. Where a type or a type member may start (`let f: <T>(x:
    /// T) => T`, `type F = { <T>(x: T): T }`), `<T>(`, `<>(` and `<in T>`
    /// (modifiers, which oxc parses with an error) are type parameters to
    /// oxc but JSX to us: refused as ambiguous. The lookahead is charged
    /// to the work budget.
    fn jsx_starts(&mut self) -> Result<Lt, Problem> {
        let mut steps = 0;
        let lt = self.jsx_lookahead(&mut steps);
        self.charge(steps)?;
        Ok(lt)
    }

    fn jsx_lookahead(&self, steps: &mut usize) -> Lt {
        let src = self.src;
        let len = src.len();
        // White space (Unicode too), line terminators and comments, as
        // oxc's lexer skips them between tokens.
        let skip = |mut i: usize, steps: &mut usize| -> usize {
            loop {
                if i >= len {
                    return len;
                }
                let n = self.space(i).max(self.line_terminator(i));
                let ascii = usize::from(src[i].is_ascii_whitespace());
                let n = n.max(ascii);
                if n > 0 {
                    i += n;
                    *steps += n;
                    continue;
                }
                match (src[i], src.get(i + 1)) {
                    (b'/', Some(b'/')) => {
                        while i < len && self.line_terminator(i) == 0 {
                            i += 1;
                            *steps += 1;
                        }
                    }
                    (b'/', Some(b'*')) => {
                        i += 2;
                        while i < len && !(src[i] == b'*' && src.get(i + 1) == Some(&b'/')) {
                            i += 1;
                            *steps += 1;
                        }
                        i = (i + 2).min(len);
                    }
                    _ => return i,
                }
            }
        };
        let word = |i: usize, steps: &mut usize| {
            let mut j = i;
            while j < len
                && is_ident_byte(src[j])
                && self.space(j) == 0
                && self.line_terminator(j) == 0
            {
                j += 1;
            }
            *steps += j - i;
            (&src[i..j], j)
        };
        let last = &src[self.last.0..self.last.1];
        let mut type_position = matches!(
            last,
            b":" | b"as"
                | b"satisfies"
                | b"extends"
                | b"|"
                | b"&"
                | b"=>"
                | b"new"
                | b"keyof"
                | b"readonly"
                | b"<"
                | b","
                | b"="
                | b"?"
                | b"("
                | b"["
                | b"is"
                | b"infer"
        );
        // Where a member of a type literal or interface may start: a call
        // signature `<T>(x: T): T`.
        if self.dialect.ts
            && self.kind() == Some(Kind::Brace)
            && (matches!(last, b"{" | b";") || self.newline)
        {
            type_position = true;
        }
        let type_position = type_position && self.dialect.ts;
        let i = skip(self.pos + 1, steps);
        if src.get(i) == Some(&b'>') {
            // `<>(`: empty type parameters to oxc (an error it parses past).
            if type_position && src.get(skip(i + 1, steps)) == Some(&b'(') {
                return Lt::Ambiguous;
            }
            return Lt::Jsx; // a fragment
        }
        let (first, mut j) = word(i, steps);
        if first.is_empty() {
            return Lt::Jsx;
        }
        if type_position && is_in(MODIFIERS, first) && !word(skip(j, steps), steps).0.is_empty() {
            // `<in T>`, `<const out T>`…
            if first != b"const" {
                return Lt::Ambiguous;
            }
        }
        if first == b"const" {
            let (w, k) = word(skip(j, steps), steps);
            if !w.is_empty() {
                let modifier = is_in(MODIFIERS, w);
                if type_position && modifier && !word(skip(k, steps), steps).0.is_empty() {
                    return Lt::Ambiguous;
                }
                j = k;
            }
        }
        let k = skip(j, steps);
        match src.get(k) {
            Some(b',' | b'=') => return Lt::Code,
            Some(b'>') => {
                if type_position && src.get(skip(k + 1, steps)) == Some(&b'(') {
                    return Lt::Ambiguous;
                }
                return Lt::Jsx;
            }
            _ => {}
        }
        let (third, l) = word(k, steps);
        if third != b"extends" {
            return Lt::Jsx;
        }
        let m = skip(l, steps);
        if matches!(src.get(m), Some(b'=' | b'>' | b'/')) {
            return Lt::Jsx;
        }
        if !word(m, steps).0.is_empty() {
            // oxc tries an arrow function: `<T extends U …>(…) =>`. Find
            // the `>` closing the type parameters; a `(` must follow. A
            // comment or anything that could hide a `>` is refused.
            let mut depth = 0u32;
            let mut n = self.pos;
            while n < len {
                *steps += 1;
                match src[n] {
                    b'<' => depth += 1,
                    b'>' if n > 0 && src[n - 1] == b'=' => {}
                    b'>' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            break;
                        }
                    }
                    b'\'' | b'"' | b'`' | b'{' | b'}' | b'(' | b')' | b';' | b'/' => {
                        return Lt::Ambiguous;
                    }
                    _ => {}
                }
                n += 1;
            }
            return if src.get(skip(n + 1, steps)) == Some(&b'(') {
                // oxc reads JSX where no arrow function parses after all
                // (`<T extends U>(x): `{…}``): that reading must stop
                // before it reads anything as text that we read as code.
                if self.jsx_reading_stops(n + 1, steps) {
                    Lt::Arrow
                } else {
                    Lt::Ambiguous
                }
            } else {
                Lt::Jsx
            };
        }
        Lt::Code
    }

    /// Whether the children of a JSX element from `from` (its tag read)
    /// end oxc's parse before they could hide anything from a scan that
    /// reads them as code: a `>` or `}` in JSX text ends oxc's lexer
    /// (`Unexpected token. Did you mean {'>'}`). Before it, the text must
    /// hold nothing that code reads otherwise (quotes, `` ` ``, `/`), child
    /// expressions `{…}` only names and brackets, and nested elements
    /// only names in their tags; else (or when the element ends) no.
    fn jsx_reading_stops(&self, from: usize, steps: &mut usize) -> bool {
        let src = self.src;
        let mut open = 1u32;
        let mut i = from;
        loop {
            *steps += 1;
            let Some(&b) = src.get(i) else {
                return true;
            };
            match b {
                b'>' | b'}' => return true,
                b'\'' | b'"' | b'`' | b'/' => return false,
                b'{' => {
                    // A child expression: brackets and names only.
                    let mut depth = 0u32;
                    loop {
                        *steps += 1;
                        match src.get(i) {
                            None => return true,
                            Some(b'{' | b'(' | b'[') => depth += 1,
                            Some(b'}' | b')' | b']') => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            Some(b'\'' | b'"' | b'`' | b'/' | b'<' | b'#' | b'\\') => return false,
                            Some(_) => {}
                        }
                        i += 1;
                    }
                }
                b'<' => {
                    let mut j = i + 1;
                    while src.get(j).is_some_and(u8::is_ascii_whitespace) {
                        j += 1;
                    }
                    let closing = src.get(j) == Some(&b'/');
                    if closing {
                        j += 1;
                    }
                    // A tag of names only, up to `>` or `/>`.
                    loop {
                        *steps += 1;
                        match src.get(j) {
                            None => return true,
                            Some(b'>') => break,
                            Some(b'/') if !closing && src.get(j + 1) == Some(&b'>') => {
                                j += 1;
                                break;
                            }
                            Some(&c) if is_ident_byte(c) && c != b'\\' => {}
                            Some(b'-' | b'.' | b':') => {}
                            Some(c) if c.is_ascii_whitespace() => {}
                            Some(_) => return false,
                        }
                        j += 1;
                    }
                    let self_closing = src[j] == b'>' && src[j - 1] == b'/' && !closing;
                    if closing {
                        open -= 1;
                        if open == 0 {
                            // The element ends: code follows in that reading.
                            return false;
                        }
                    } else if !self_closing {
                        open += 1;
                        if open > 64 {
                            return false;
                        }
                    }
                    i = j;
                }
                _ => {}
            }
            i += 1;
        }
    }

    /// Inside a JSX tag: a name, an attribute, a string, `{`, `>` or `/>`.
    fn jsx_tag(&mut self) -> Result<bool, Problem> {
        loop {
            if self.pos >= self.src.len() {
                return Ok(false);
            }
            if self.line_terminator(self.pos) > 0 || self.space(self.pos) > 0 {
                self.pos += self.line_terminator(self.pos).max(self.space(self.pos));
                continue;
            }
            match (self.peek(0), self.peek(1)) {
                (b'/', b'/') => self.skip_line(),
                (b'/', b'*') => {
                    self.pos += 2;
                    while self.pos < self.src.len()
                        && !(self.peek(0) == b'*' && self.peek(1) == b'/')
                    {
                        self.pos += 1;
                    }
                    self.pos += 2;
                }
                (b'/', b'>') => {
                    // Self-closing: the element ends.
                    self.pos += 2;
                    self.pop();
                    self.element_ended();
                    return Ok(true);
                }
                (b'>', _) => {
                    self.pos += 1;
                    if self.closing_tag {
                        self.closing_tag = false;
                        self.pop();
                        self.element_ended();
                    } else {
                        self.frame().in_tag = false;
                    }
                    return Ok(true);
                }
                (b'{', _) => {
                    self.pos += 1;
                    self.prev = Prev::ExprStart;
                    self.push(Kind::JsxTagExpr)?;
                    return Ok(true);
                }
                (b'<', _) => {
                    // An element as an attribute's value.
                    self.pos += 1;
                    self.push(Kind::Jsx)?;
                    self.frame().in_tag = true;
                    return Ok(true);
                }
                (q @ (b'"' | b'\''), _) => {
                    // JSX strings have no escapes.
                    self.pos += 1;
                    while self.pos < self.src.len() && self.peek(0) != q {
                        self.pos += 1;
                    }
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
    }

    /// A JSX element's children: text up to `{` or `<`.
    fn jsx_children(&mut self) -> Result<bool, Problem> {
        while self.pos < self.src.len() {
            match self.peek(0) {
                b'{' => {
                    self.pos += 1;
                    self.prev = Prev::ExprStart;
                    self.push(Kind::JsxChildExpr)?;
                    return Ok(true);
                }
                b'<' => {
                    self.pos += 1;
                    let mut i = self.pos;
                    while i < self.src.len() && self.src[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    if self.src.get(i) == Some(&b'/') {
                        // The closing tag of this element.
                        self.pos = i + 1;
                        self.closing_tag = true;
                        self.frame().in_tag = true;
                    } else {
                        self.push(Kind::Jsx)?;
                        self.frame().in_tag = true;
                    }
                    return Ok(true);
                }
                _ => self.pos += 1,
            }
        }
        Ok(false)
    }

    /// After an element closed: back in its parent's children, or in code
    /// (an operand).
    fn element_ended(&mut self) {
        if self.kind() != Some(Kind::Jsx) {
            self.prev = Prev::Operand;
            self.newline = false;
        }
    }
}

/// Shapes of source nested `n` levels deep in the ways we know oxc's
/// parser and visitors recurse, each with the dialect it is parsed in.
#[cfg(test)]
pub(crate) fn deep_shapes(n: usize) -> Vec<(&'static str, String, Dialect)> {
    let ts = Dialect::TS;
    let tsx = Dialect {
        ts: true,
        jsx: true,
        module: true,
    };
    let r = |s: &str, k: usize| s.repeat(k);
    vec![
        (
            "arrays",
            format!("export const x = {}{};", r("[", n), r("]", n)),
            ts,
        ),
        (
            "parentheses",
            format!("export const x = {}1{};", r("(", n), r(")", n)),
            ts,
        ),
        (
            "objects",
            format!("export const x = {}1{};", r("{a:", n), r("}", n)),
            ts,
        ),
        (
            "binary chain",
            format!("export const x = {}1;", r("1+", n)),
            ts,
        ),
        (
            "conditional chain",
            format!("export const x = {}c;", r("a?b:", n)),
            ts,
        ),
        (
            "assignment chain",
            format!("let a; a = {}1;", r("a=", n)),
            ts,
        ),
        (
            "unary chain",
            format!("export const x = {}x;", r("!", n)),
            ts,
        ),
        (
            "negation chain",
            format!("export const x = {}x;", r("- ", n)),
            ts,
        ),
        (
            "typeof chain",
            format!("export const x = {}x;", r("typeof ", n)),
            ts,
        ),
        (
            "new chain",
            format!("export const x = {}X;", r("new ", n)),
            ts,
        ),
        (
            "arrow chain",
            format!("export const x = {}x;", r("x=>", n)),
            ts,
        ),
        (
            "call chain",
            format!("export const x = f{};", r("()", n)),
            ts,
        ),
        (
            "member chain",
            format!("export const x = a{};", r(".b", n)),
            ts,
        ),
        (
            "index chain",
            format!("export const x = a{};", r("[0]", n)),
            ts,
        ),
        (
            "tagged templates",
            format!("export const x = a{};", r("``", n)),
            ts,
        ),
        (
            "templates",
            format!("export const x = {}x{};", r("`${", n), r("}`", n)),
            ts,
        ),
        ("if chain", format!("{}x;", r("if(a)", n)), ts),
        ("else-if chain", format!("{};", r("if(a);else ", n)), ts),
        ("labels", format!("{}x;", r("l:", n)), ts),
        (
            "do-while",
            format!("{}x;{}", r("do ", n), r("while(0);", n)),
            ts,
        ),
        ("blocks", format!("{}{}", r("{", n), r("}", n)), ts),
        (
            "functions",
            format!("{}{}", r("function f(){", n), r("}", n)),
            ts,
        ),
        (
            "type arguments",
            format!("let v: {}b{};", r("A<a, ", n), r(">", n)),
            ts,
        ),
        ("array types", format!("let v: A{};", r("[]", n)), ts),
        ("keyof chain", format!("let v: {}A;", r("keyof ", n)), ts),
        (
            "conditional types",
            format!("type T = {}D;", r("A extends B ? C : ", n)),
            ts,
        ),
        (
            "jsx elements",
            format!("export const x = {}{};", r("<a>", n), r("</a>", n)),
            tsx,
        ),
        (
            "jsx children",
            format!("export const x = {}{};", r("<a>{", n), r("}</a>", n)),
            tsx,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const JS: Dialect = Dialect {
        ts: false,
        jsx: false,
        module: false,
    };

    #[test]
    fn deep_shapes_are_refused_with_the_module_and_line() {
        for (what, source, dialect) in deep_shapes(100_000) {
            let e = check("deep.ts", &source, dialect).expect_err(what);
            assert_eq!(e.name, "SyntaxError");
            assert!(
                e.message
                    .contains("nested too deeply (more than 2000 levels) in deep.ts at line 1"),
                "{what}: {}",
                e.message
            );
        }
    }

    #[test]
    fn the_estimate_grows_with_each_shape() {
        for (what, source, dialect) in deep_shapes(500) {
            let e = estimate(&source, dialect);
            assert!(e >= 500, "{what}: {e}");
            assert!(e <= 500 * 8, "{what}: {e}");
        }
    }

    #[test]
    fn closers_hidden_in_strings_comments_and_regexes_do_not_count() {
        let open = "[".repeat(1500);
        for hide in [
            "// ]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
            "/* ]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]] */",
            "' ]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]] ',",
            "\" ]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]] \",",
            "` ]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]] `,",
            "/]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]/,",
            "<!-- ]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
        ] {
            let src = format!("x = {open}{hide}{open}");
            assert!(check("m.js", &src, JS).is_err(), "{hide}");
        }
        // A line comment ends at U+2028 too.
        let src = format!("x = {open}// a\u{2028}{open}");
        assert!(check("m.js", &src, JS).is_err());
        // A `/` after `if (…)` starts a regular expression: its `]` is not a closer.
        let src = format!("x = {open} if (a) /]]]]]]]]/.test(b); {open}");
        assert!(check("m.js", &src, JS).is_err());
    }

    #[test]
    fn ambiguous_slashes_must_agree() {
        // After `}`: a division and a regular expression read alike here.
        assert!(check("m.js", "x = {} / a / 2;\nf()\n{}\n/re/g.test(s)", JS).is_ok());
        // Here they do not: refused rather than guessed.
        let e = check("m.js", "let o = {}\n/'/.test(s)", JS).unwrap_err();
        assert!(
            e.message.contains("cannot tell a regular expression"),
            "{}",
            e.message
        );
        // After `)`: a division unless it closes `if`/`while`/`for`/`with`.
        assert!(check("m.js", "x = (a) / (b) / c; if (a) /['\"]/.test(b);", JS).is_ok());
    }

    /// Ways to make the scan see less nesting than oxc parses: each is
    /// refused (too deep, or ambiguous).
    #[test]
    fn lexing_tricks_do_not_hide_nesting() {
        let tsx = Dialect {
            ts: true,
            jsx: true,
            module: true,
        };
        let deep = format!("{}1{}", "[".repeat(3000), "]".repeat(3000));
        for (src, dialect) in [
            // A `/` after an expression's `}` divides.
            (format!("x = function(){{}} / {deep} / 1;"), JS),
            // `if` as a property name: its `(…)` is a call's.
            (format!("x = a.if(b) / {deep} / 1;"), JS),
            // `let`, `await`, `yield`, `of` may be names.
            (format!("let / {deep} / 1;"), JS),
            (format!("await / {deep} / 1;"), JS),
            // `<!--` mid-line in a module is `<`, `!`, `--`.
            (format!("x = a <!--{deep}\n"), Dialect::TS),
            // A generic function type is not JSX.
            (format!("let f: <T>(a: T) => T = g; const y = {deep};"), tsx),
            // `<T extends U>` that is no arrow function is JSX.
            (
                format!("const g = <T extends U>())))</T>; const y = {deep}; /"),
                tsx,
            ),
            // JSX after a `}` is refused, not guessed.
            (format!("if (a) {{}} <a>'</a>; const y = {deep};"), tsx),
            // Escaped keywords are no keywords.
            (format!("\\u0072eturn / {deep} / 1;"), JS),
            // Line terminators end line comments, not only `\n`.
            (format!("// a{}{deep}", "\u{2029}"), JS),
        ] {
            assert!(check("m.tsx", &src, dialect).is_err(), "{}", &src[..60]);
        }
        // Closers inside JSX text close nothing.
        let half = "(".repeat(1500);
        let src = format!("x = {half}<a>{}</a>{}", ")".repeat(1500), "[".repeat(1500));
        assert!(check("m.tsx", &src, tsx).is_err());
    }

    #[test]
    fn wide_code_is_not_deep() {
        let flat = format!("export const x = [{}1];", "1,".repeat(100_000));
        let statements = "x = a + b * c - d;\n".repeat(20_000);
        let asi = "x = a + b * c - d\ny = f(x) || g(x)\n".repeat(10_000);
        let ifs = "if (a) { b() } else if (c) { d() }\n".repeat(5_000);
        let minified = "if(a){b()}if(c){d()}else{e()}x=a?b:c,y=d&&e;".repeat(5_000);
        let classes =
            "class A extends B { m(x: number): string { return `${x}`; } }\n".repeat(5_000);
        let generics = "let m: Map<string, Array<number>> = new Map();\n".repeat(5_000);
        for (what, src) in [
            ("flat array", flat),
            ("statements", statements),
            ("lines", asi),
            ("ifs", ifs),
            ("minified", minified),
            ("classes", classes),
            ("generics", generics),
        ] {
            let e = estimate(&src, Dialect::TS);
            assert!(e < 40, "{what}: {e}");
        }
    }

    #[test]
    fn real_workers_pass_far_below_the_limit() {
        // The test workers and the playground's own sources.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut stack = vec![root.join("../../tests"), root.join("../../playground/src")];
        let mut seen = 0;
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let name = path.to_string_lossy().into_owned();
                if path.is_dir() {
                    if !name.contains("hostile") && !name.ends_with("fuzz") {
                        stack.push(path);
                    }
                    continue;
                }
                let dialect = match path.extension().and_then(|e| e.to_str()) {
                    Some("ts") => Dialect::TS,
                    Some("tsx") => Dialect {
                        ts: true,
                        jsx: true,
                        module: true,
                    },
                    Some("jsx") => Dialect {
                        ts: false,
                        jsx: true,
                        module: true,
                    },
                    Some("js" | "mjs" | "cjs") => JS,
                    _ => continue,
                };
                let Ok(source) = std::fs::read_to_string(&path) else {
                    continue;
                };
                seen += 1;
                let e = estimate(&source, dialect);
                assert!(e < MAX_NESTING / 4, "{name}: {e}");
                let checked = check(&name, &source, dialect);
                assert!(checked.is_ok(), "{name}: {checked:?}");
            }
        }
        assert!(seen > 10, "found {seen} files");
    }

    /// The memo of regular expression ends gives what a direct scan from
    /// each `/` gives (random lines of `/`, `\\`, `[`, `]`, flags, breaks).
    #[test]
    fn regex_ends_match_a_direct_scan() {
        fn direct(src: &[u8], pos: usize) -> Option<usize> {
            let mut i = pos + 1;
            let mut class = false;
            let stop = |i: usize| {
                i >= src.len()
                    || matches!(src[i], b'\n' | b'\r')
                    || src[i..].starts_with("\u{2028}".as_bytes())
            };
            loop {
                if stop(i) {
                    return None;
                }
                match src[i] {
                    b'\\' => {
                        i += 1;
                        if stop(i) {
                            return None;
                        }
                    }
                    b'[' => class = true,
                    b']' => class = false,
                    b'/' if !class => break,
                    _ => {}
                }
                i += 1;
            }
            i += 1;
            let flag = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'$' | b'_');
            while i < src.len() && flag(src[i]) {
                i += 1;
            }
            Some(i)
        }
        let alphabet: [&str; 10] = ["/", "\\", "[", "]", "g", "a", " ", "\n", "\u{2028}", "é"];
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            let mut src = String::new();
            for _ in 0..(rng % 40) {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                src.push_str(alphabet[(rng % alphabet.len() as u64) as usize]);
            }
            let bytes = src.as_bytes();
            let mut scan = Scan::new(bytes, JS);
            for p in 0..bytes.len() {
                if bytes[p] != b'/' {
                    continue;
                }
                scan.pos = p;
                assert_eq!(scan.regex_end(), Ok(direct(bytes, p)), "{src:?} at {p}");
            }
        }
    }

    fn deep() -> String {
        format!("{}1{}", "[".repeat(3000), "]".repeat(3000))
    }

    /// The inputs of the attacker review (a second review of this scan),
    /// with their variants: each hides 3,000 levels from a scan that reads
    /// a `/` or `<` otherwise than oxc. Each is refused. The same inputs
    /// are seeds of the `typescript_source` fuzz target.
    #[test]
    fn review_bypasses_are_refused() {
        let tsx = Dialect {
            ts: true,
            jsx: true,
            module: true,
        };
        let d = deep();
        let ts = Dialect::TS;
        let jsx = Dialect {
            ts: false,
            jsx: true,
            module: true,
        };
        let cases: Vec<(&str, Dialect)> = vec![
            // (a) A line break before `/` after a statement that ended:
            // oxc inserts a semicolon and reads a regular expression.
            ("let x\n/'/; export const y = DEEP; ''", ts),
            ("var x\n/'/; x = DEEP; ''", JS),
            ("for (;;) { break\n/'/; x = DEEP; '' }", JS),
            ("for (;;) { continue\n/'/; x = DEEP; '' }", JS),
            ("l: for (;;) { break l\n/'/; x = DEEP; '' }", JS),
            ("debugger\n/'/; x = DEEP; ''", JS),
            ("import \"m\"\n/'/; export const y = DEEP; ''", ts),
            ("export * from \"m\"\n/'/; export const y = DEEP; ''", ts),
            ("type T = A\n/'/; export const y = DEEP; ''", ts),
            ("declare function f()\n/'/; export const y = DEEP; ''", ts),
            ("let v: number\n/'/; export const y = DEEP; ''", ts),
            // (oxc divides here and stops at the string: refused all the same.)
            ("x = a\n/'/; x = DEEP; ''", JS),
            // (b) Words and operators that end a TypeScript operand: a
            // `/` after them divides.
            (
                "export const a = 1 as const / 2; export const z = DEEP / 1;",
                ts,
            ),
            (
                "export const a = 1 satisfies const / 2; export const z = DEEP / 1;",
                ts,
            ),
            ("export const a = x as void / DEEP / 1;", ts),
            ("export const a = f<T> / DEEP / 1;", ts),
            ("export const a = f<A<T>> / DEEP / 1;", ts),
            ("export const a = {}! / DEEP / 1;", ts),
            ("await-- / DEEP / 1;", JS),
            // (c) Type parameters of call signatures and function types
            // are not JSX.
            ("type F = { <T>(x: T): T }\nexport const y = DEEP;", tsx),
            (
                "type F = { a: 1; <T>(x: T): T }\nexport const y = DEEP;",
                tsx,
            ),
            (
                "type F = { a: 1, <T>(x: T): T }\nexport const y = DEEP;",
                tsx,
            ),
            (
                "interface F {\n  a: A<B>\n  <T>(x: T): T\n}\nexport const y = DEEP;",
                tsx,
            ),
            ("type F = { <>(x: T): T }\nexport const y = DEEP;", tsx),
            ("let f: <out T>(a: T) => T = g; const y = DEEP;", tsx),
            ("let f: <const in T>(a: T) => T = g; const y = DEEP;", tsx),
            ("let f: <T>/**/(a: T) => T = g; const y = DEEP;", tsx),
            ("let f: <T>\u{a0}(a: T) => T = g; const y = DEEP;", tsx),
            (
                "const g = <T/**/extends U>(x: T) => x; const y = DEEP;",
                tsx,
            ),
            (
                "const g = <T\u{a0}extends\u{a0}U>(x: T) => x; const y = DEEP;",
                tsx,
            ),
            (
                "const g = <T extends U /* > */>(x: T) => x; const y = DEEP;",
                tsx,
            ),
            // No arrow function parses: oxc reads JSX, its child `{…}`.
            ("const g = <T extends U>(x): `{DEEP}`</T>; 1/1", tsx),
            ("const g = <T extends U>(x): `{DEEP}`</T>; 1/1", jsx),
            ("const g = <T extends U>(x): '<a>{DEEP}</a>'</T>; 1/1", tsx),
        ];
        for (src, dialect) in cases {
            let src = src.replace("DEEP", &d);
            let e = check("m.tsx", &src, dialect);
            assert!(e.is_err(), "accepted: {}", &src[..src.len().min(80)]);
        }
        // The seeds hold the same inputs.
        let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fuzz/corpus/ts_source");
        let mut found = 0;
        for entry in std::fs::read_dir(&seeds).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with("review-") {
                continue;
            }
            let data = std::fs::read(entry.path()).unwrap();
            let dialect = match data[0] % 3 {
                0 => Dialect::TS,
                1 => tsx,
                _ => Dialect {
                    ts: false,
                    jsx: true,
                    module: true,
                },
            };
            let src = String::from_utf8(data[1..].to_vec()).unwrap();
            assert!(check(&name, &src, dialect).is_err(), "{name} accepted");
            found += 1;
        }
        assert!(found >= 10, "{found} review seeds");
    }

    /// Code like the review's bypasses that oxc reads as the scan does
    /// stays accepted.
    #[test]
    fn divisions_and_jsx_that_read_alike_pass() {
        let tsx = Dialect {
            ts: true,
            jsx: true,
            module: true,
        };
        for (src, dialect) in [
            (
                "const r = total\n  / count;\nconst s = a\n  / b / c;",
                Dialect::TS,
            ),
            ("let x = 1 as const;\nlet y = x as const / 2;", Dialect::TS),
            (
                "let x = f<T>(1) / 2; let y = a > b ? /re/.test(s) : 0;",
                Dialect::TS,
            ),
            ("function f(): void {}\nif (a) /re/.test(s);", Dialect::TS),
            ("const e = <div>{a}</div>;\nconst f = () => <b>x</b>;", tsx),
            (
                "const l = <T extends object>(p: Props<T>) => <ul>{p.a}</ul>;",
                tsx,
            ),
            (
                "const c = <T extends object>({ a }: P<T>): JSX.Element => <b/>;",
                tsx,
            ),
            (
                "const g = <T,>(x: T) => x;\nconst h = <T extends U>(x: T) => x;",
                tsx,
            ),
            (
                "type F = { a: string; b(x: number): void };\nfunction k() { return <p>(a)</p>; }",
                tsx,
            ),
        ] {
            let r = check("m.tsx", src, dialect);
            assert!(r.is_ok(), "{src}: {r:?}");
        }
    }

    /// Each `/` of `\/,\/,…` may divide or start a regular expression that
    /// runs to the end of the line: the scan looks that up instead of
    /// rescanning the line, so its work stays linear.
    #[test]
    fn the_scan_is_linear() {
        for (src, dialect) in [
            ("\\/,".repeat(200_000), JS),
            ("x\n/,".repeat(200_000), JS),
            ("}/[/,".repeat(200_000), JS),
            (
                format!(
                    "x = {}1{};",
                    "<T extends U, ".repeat(20_000),
                    ">".repeat(20_000)
                ),
                Dialect {
                    ts: false,
                    jsx: true,
                    module: true,
                },
            ),
        ] {
            let mut scan = Scan::new(src.as_bytes(), dialect);
            let _ = scan.run();
            assert!(
                scan.work <= 8 * src.len() as u64 + 4096,
                "{} bytes of work for {} bytes",
                scan.work,
                src.len()
            );
        }
        let src = "\\/,".repeat(200_000);
        let mut scan = Scan::new(src.as_bytes(), JS);
        let _ = scan.run();
        assert!(scan.work <= 2 * src.len() as u64, "{}", scan.work);
        assert!(scan.pos >= src.len(), "stopped at {}", scan.pos);
    }
}
