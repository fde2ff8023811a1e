//! The object's file system (`import { fs } from "isolet:fs"`): files and
//! directories kept in the object's database (`_isolet_fs`), so what one
//! request writes the next one reads, and an export of the object carries
//! them. Paths are absolute (`/a/b.txt`; relative ones start at `/`).
//! Errors carry Node's codes (`ENOENT: ...`), which the guest sets as
//! `err.code`.

use rusqlite::OptionalExtension;

use super::db::{ObjectDb, sql_error};

/// Longest path, in bytes.
const MAX_PATH_BYTES: usize = 1024;

/// What `stat` says of an entry.
pub struct Stat {
    pub dir: bool,
    pub size: u64,
    pub mtime_ms: f64,
}

fn err(code: &str, what: &str, op: &str, path: &str) -> String {
    format!("{code}: {what}, {op} '{path}'")
}

/// `path` as stored: absolute, `.` and `..` resolved, no trailing `/`
/// (`/` itself for the root).
pub fn normalize(path: &str) -> Result<String, String> {
    if path.contains('\0') {
        return Err(err("EINVAL", "path contains a NUL byte", "open", path));
    }
    if path.is_empty() {
        return Err(err("ENOENT", "no such file or directory", "open", path));
    }
    let p = format!("/{}", isolet_code::normalize_path(path));
    if p.len() > MAX_PATH_BYTES {
        return Err(err(
            "ENAMETOOLONG",
            &format!("paths are limited to {MAX_PATH_BYTES} bytes"),
            "open",
            path,
        ));
    }
    Ok(p)
}

fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// The bounds of `dir`'s subtree for `path > lo AND path < hi`.
fn subtree(dir: &str) -> (String, String) {
    if dir == "/" {
        ("/".into(), "0".into())
    } else {
        (format!("{dir}/"), format!("{dir}0"))
    }
}

fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_millis() as f64)
}

impl ObjectDb {
    /// The entry at `path` (normalized): `Some(is_dir)`.
    fn kind(&self, path: &str) -> Result<Option<bool>, String> {
        if path == "/" {
            return Ok(Some(true));
        }
        self.internal()
            .prepare_cached("SELECT dir FROM _isolet_fs WHERE path = ?1")
            .and_then(|mut s| s.query_row([path], |r| r.get::<_, bool>(0)).optional())
            .map_err(sql_error)
    }

    /// The directory a new entry at `path` goes in must exist.
    fn check_parent(&self, path: &str, op: &str) -> Result<(), String> {
        match self.kind(parent(path))? {
            Some(true) => Ok(()),
            Some(false) => Err(err("ENOTDIR", "not a directory", op, path)),
            None => Err(err("ENOENT", "no such file or directory", op, path)),
        }
    }

    /// Bytes and entries in use, for the quotas.
    fn usage(&self) -> Result<(u64, u64), String> {
        self.internal()
            .query_row(
                "SELECT COALESCE(SUM(size), 0), COUNT(*) FROM _isolet_fs",
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
            )
            .map_err(sql_error)
    }

    fn check_quota(&self, path: &str, grow_bytes: u64, new_entries: u64) -> Result<(), String> {
        let (bytes, entries) = self.usage()?;
        if bytes + grow_bytes > self.limits.fs_bytes {
            return Err(err(
                "ENOSPC",
                &format!(
                    "the file system's quota of {} bytes is used up",
                    self.limits.fs_bytes
                ),
                "write",
                path,
            ));
        }
        if entries + new_entries > self.limits.fs_entries {
            return Err(err(
                "ENOSPC",
                &format!(
                    "the file system's quota of {} files and directories is used up",
                    self.limits.fs_entries
                ),
                "write",
                path,
            ));
        }
        Ok(())
    }

    pub fn fs_read(&self, path: &str) -> Result<Vec<u8>, String> {
        let p = normalize(path)?;
        if p == "/" {
            return Err(err(
                "EISDIR",
                "illegal operation on a directory",
                "read",
                path,
            ));
        }
        let found: Option<(bool, Option<Vec<u8>>)> = self
            .internal()
            .prepare_cached("SELECT dir, data FROM _isolet_fs WHERE path = ?1")
            .and_then(|mut s| s.query_row([&p], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(sql_error)?;
        match found {
            None => Err(err("ENOENT", "no such file or directory", "open", path)),
            Some((true, _)) => Err(err(
                "EISDIR",
                "illegal operation on a directory",
                "read",
                path,
            )),
            Some((false, data)) => Ok(data.unwrap_or_default()),
        }
    }

    /// `writeFile` (or `appendFile` with `append`).
    pub fn fs_write(&self, path: &str, data: &[u8], append: bool) -> Result<(), String> {
        let p = normalize(path)?;
        if p == "/" {
            return Err(err(
                "EISDIR",
                "illegal operation on a directory",
                "open",
                path,
            ));
        }
        self.check_parent(&p, "open")?;
        let old: Option<(bool, i64)> = self
            .internal()
            .prepare_cached("SELECT dir, size FROM _isolet_fs WHERE path = ?1")
            .and_then(|mut s| s.query_row([&p], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(sql_error)?;
        if matches!(old, Some((true, _))) {
            return Err(err(
                "EISDIR",
                "illegal operation on a directory",
                "open",
                path,
            ));
        }
        let old_size = old.map_or(0, |(_, s)| s as u64);
        let new_size = if append {
            old_size + data.len() as u64
        } else {
            data.len() as u64
        };
        if new_size as usize > self.limits.value_bytes {
            return Err(err(
                "EFBIG",
                &format!("files are limited to {} bytes", self.limits.value_bytes),
                "write",
                path,
            ));
        }
        self.check_quota(
            &p,
            new_size.saturating_sub(old_size),
            u64::from(old.is_none()),
        )?;
        let conn = self.internal();
        let r = if append && old.is_some() {
            conn.prepare_cached(
                "UPDATE _isolet_fs SET data = CAST(COALESCE(data, x'') || ?2 AS BLOB), size = ?3, mtime = ?4 WHERE path = ?1",
            )
            .and_then(|mut s| s.execute(rusqlite::params![p, data, new_size as i64, now_ms()]))
        } else {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO _isolet_fs (path, dir, data, size, mtime) VALUES (?1, 0, ?2, ?3, ?4)",
            )
            .and_then(|mut s| s.execute(rusqlite::params![p, data, new_size as i64, now_ms()]))
        };
        r.map(|_| ()).map_err(|e| self.describe(e))
    }

    pub fn fs_stat(&self, path: &str) -> Result<Stat, String> {
        let p = normalize(path)?;
        if p == "/" {
            return Ok(Stat {
                dir: true,
                size: 0,
                mtime_ms: 0.0,
            });
        }
        self.internal()
            .prepare_cached("SELECT dir, size, mtime FROM _isolet_fs WHERE path = ?1")
            .and_then(|mut s| {
                s.query_row([&p], |r| {
                    Ok(Stat {
                        dir: r.get(0)?,
                        size: r.get::<_, i64>(1)? as u64,
                        mtime_ms: r.get(2)?,
                    })
                })
                .optional()
            })
            .map_err(sql_error)?
            .ok_or_else(|| err("ENOENT", "no such file or directory", "stat", path))
    }

    /// The entries in `path`: `(name, is_dir)`, names relative to `path`
    /// (with `recursive`, every entry below it), in name order.
    pub fn fs_readdir(&self, path: &str, recursive: bool) -> Result<Vec<(String, bool)>, String> {
        let p = normalize(path)?;
        match self.kind(&p)? {
            None => return Err(err("ENOENT", "no such file or directory", "scandir", path)),
            Some(false) => return Err(err("ENOTDIR", "not a directory", "scandir", path)),
            Some(true) => {}
        }
        let (lo, hi) = subtree(&p);
        let conn = self.internal();
        let mut stmt = conn
            .prepare_cached(
                "SELECT path, dir FROM _isolet_fs WHERE path > ?1 AND path < ?2 ORDER BY path",
            )
            .map_err(sql_error)?;
        let rows = stmt
            .query_map([&lo, &hi], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
            })
            .map_err(sql_error)?;
        let mut out = Vec::new();
        for row in rows {
            let (full, dir) = row.map_err(sql_error)?;
            let rel = &full[lo.len()..];
            if recursive || !rel.contains('/') {
                out.push((rel.to_string(), dir));
            }
        }
        Ok(out)
    }

    /// `mkdir`: the first directory created (`None` if it existed, with
    /// `recursive`).
    pub fn fs_mkdir(&self, path: &str, recursive: bool) -> Result<Option<String>, String> {
        let p = normalize(path)?;
        match self.kind(&p)? {
            Some(true) if recursive => return Ok(None),
            Some(_) => return Err(err("EEXIST", "file already exists", "mkdir", path)),
            None => {}
        }
        // The directories to make, outermost first.
        let mut missing = vec![p.clone()];
        let mut at = parent(&p).to_string();
        loop {
            match self.kind(&at)? {
                Some(true) => break,
                Some(false) => return Err(err("ENOTDIR", "not a directory", "mkdir", path)),
                None if recursive => {
                    missing.push(at.clone());
                    at = parent(&at).to_string();
                }
                None => return Err(err("ENOENT", "no such file or directory", "mkdir", path)),
            }
        }
        missing.reverse();
        self.check_quota(&p, 0, missing.len() as u64)?;
        let conn = self.internal();
        let mut stmt = conn
            .prepare_cached(
                "INSERT INTO _isolet_fs (path, dir, data, size, mtime) VALUES (?1, 1, NULL, 0, ?2)",
            )
            .map_err(sql_error)?;
        for d in &missing {
            stmt.execute(rusqlite::params![d, now_ms()])
                .map_err(|e| self.describe(e))?;
        }
        Ok(missing.into_iter().next())
    }

    /// `rm` (files; directories with `recursive`), `unlink` (files only:
    /// `dir_ok` false) and `rmdir` (empty directories: `only_dir`).
    pub fn fs_rm(
        &self,
        path: &str,
        recursive: bool,
        force: bool,
        only_dir: bool,
    ) -> Result<(), String> {
        let p = normalize(path)?;
        let op = if only_dir { "rmdir" } else { "rm" };
        if p == "/" {
            return Err(err("EPERM", "operation not permitted", op, path));
        }
        let dir = match self.kind(&p)? {
            None if force => return Ok(()),
            None => return Err(err("ENOENT", "no such file or directory", op, path)),
            Some(d) => d,
        };
        if only_dir && !dir {
            return Err(err("ENOTDIR", "not a directory", op, path));
        }
        let conn = self.internal();
        if dir {
            let (lo, hi) = subtree(&p);
            let children: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM _isolet_fs WHERE path > ?1 AND path < ?2",
                    [&lo, &hi],
                    |r| r.get(0),
                )
                .map_err(sql_error)?;
            if children > 0 && !recursive {
                return Err(err("ENOTEMPTY", "directory not empty", op, path));
            }
            if !only_dir && !recursive {
                return Err(err(
                    "EISDIR",
                    "is a directory (use { recursive: true })",
                    op,
                    path,
                ));
            }
            conn.execute(
                "DELETE FROM _isolet_fs WHERE path > ?1 AND path < ?2",
                [&lo, &hi],
            )
            .map_err(|e| self.describe(e))?;
        }
        conn.execute("DELETE FROM _isolet_fs WHERE path = ?1", [&p])
            .map_err(|e| self.describe(e))?;
        Ok(())
    }

    pub fn fs_rename(&self, from: &str, to: &str) -> Result<(), String> {
        let f = normalize(from)?;
        let t = normalize(to)?;
        let Some(dir) = self.kind(&f)? else {
            return Err(err("ENOENT", "no such file or directory", "rename", from));
        };
        if f == "/" || t == "/" {
            return Err(err("EPERM", "operation not permitted", "rename", from));
        }
        if f == t {
            return Ok(());
        }
        if dir && t.starts_with(&format!("{f}/")) {
            return Err(err(
                "EINVAL",
                "cannot move a directory into itself",
                "rename",
                from,
            ));
        }
        self.check_parent(&t, "rename")?;
        match self.kind(&t)? {
            Some(true) if !dir => {
                return Err(err(
                    "EISDIR",
                    "illegal operation on a directory",
                    "rename",
                    to,
                ));
            }
            Some(false) if dir => return Err(err("ENOTDIR", "not a directory", "rename", to)),
            Some(true) => self.fs_rm(&t, false, false, true)?,
            Some(false) => self.fs_rm(&t, false, false, false)?,
            None => {}
        }
        let conn = self.internal();
        conn.execute(
            "UPDATE _isolet_fs SET path = ?2, mtime = ?3 WHERE path = ?1",
            rusqlite::params![f, t, now_ms()],
        )
        .map_err(|e| self.describe(e))?;
        if dir {
            let (lo, hi) = subtree(&f);
            conn.execute(
                "UPDATE _isolet_fs SET path = ?3 || substr(path, ?4) WHERE path > ?1 AND path < ?2",
                rusqlite::params![lo, hi, t, f.len() as i64 + 1],
            )
            .map_err(|e| self.describe(e))?;
        }
        Ok(())
    }

    /// The paths matching `pattern` (`*`, `**`, `?`, `[...]`, `{a,b}`), in
    /// order; relative patterns match (and answer) relative to `/`.
    ///
    /// Linear in the work it can do: patterns are at most
    /// [`MAX_GLOB_BYTES`] long and expand to at most [`MAX_GLOB_PATTERNS`]
    /// (refused past either), each is matched without backtracking
    /// (`O(pattern × path)` per path), and the matching stops at the
    /// invocation's CPU limit or deadline as its SQL does.
    pub fn fs_glob(&self, pattern: &str) -> Result<Vec<String>, String> {
        let mut work = Work::new(|| self.past_deadline(), pattern);
        if pattern.len() > MAX_GLOB_BYTES {
            return Err(err(
                "EINVAL",
                &format!("glob patterns are limited to {MAX_GLOB_BYTES} bytes"),
                "glob",
                &pattern[..pattern.floor_char_boundary(64)],
            ));
        }
        let absolute = pattern.starts_with('/');
        let mut expanded = Vec::new();
        expand_braces(pattern.trim_start_matches('/'), &mut expanded, &mut work)?;
        let compiled: Vec<Glob> = expanded.iter().map(|p| Glob::new(p)).collect();
        let conn = self.internal();
        let mut stmt = conn
            .prepare_cached("SELECT path FROM _isolet_fs ORDER BY path")
            .map_err(sql_error)?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.describe(e))?;
        let mut out = Vec::new();
        for row in rows {
            let path = row.map_err(|e| self.describe(e))?;
            let rel = path.get(1..).unwrap_or_default();
            let segs: Vec<Vec<char>> = rel.split('/').map(|s| s.chars().collect()).collect();
            work.charge(rel.len())?;
            let mut hit = false;
            for g in &compiled {
                if g.matches(&segs, &mut work)? {
                    hit = true;
                    break;
                }
            }
            if hit {
                out.push(if absolute {
                    path.clone()
                } else {
                    rel.to_string()
                });
            }
        }
        Ok(out)
    }
}

/// Longest `fs.glob` pattern, in bytes.
pub const MAX_GLOB_BYTES: usize = MAX_PATH_BYTES;
/// Most patterns one `fs.glob` pattern's braces may expand to.
pub const MAX_GLOB_PATTERNS: usize = 256;

/// The work of one glob, charged as it is done: every so many steps it
/// checks the invocation's deadline and CPU limit (`stop`).
struct Work<'a> {
    steps: u64,
    stop: Box<dyn Fn() -> bool + 'a>,
    pattern: &'a str,
}

impl<'a> Work<'a> {
    /// Steps between two checks of the clock.
    const CHECK_EVERY: u64 = 1 << 14;

    fn new(stop: impl Fn() -> bool + 'a, pattern: &'a str) -> Self {
        Work {
            steps: 0,
            stop: Box::new(stop),
            pattern,
        }
    }

    fn charge(&mut self, n: usize) -> Result<(), String> {
        let before = self.steps / Self::CHECK_EVERY;
        self.steps = self.steps.saturating_add(n as u64 + 1);
        if self.steps / Self::CHECK_EVERY != before && (self.stop)() {
            return Err(err(
                "ETIMEDOUT",
                "the glob ran past the invocation's CPU time or deadline and was stopped",
                "glob",
                &self.pattern[..self.pattern.floor_char_boundary(64)],
            ));
        }
        Ok(())
    }
}

/// `a{b,c}d` → `abd`, `acd` (nested braces too), into `out`; more than
/// [`MAX_GLOB_PATTERNS`] is an error. Each call either adds a pattern or
/// removes a brace group, so the work is bounded by the patterns it makes
/// times the groups (no exponential blow-up before the limit is seen).
fn expand_braces(p: &str, out: &mut Vec<String>, work: &mut Work<'_>) -> Result<(), String> {
    work.charge(p.len())?;
    let Some(open) = p.find('{') else {
        if out.len() >= MAX_GLOB_PATTERNS {
            return Err(err(
                "EINVAL",
                &format!("the pattern's braces expand to more than {MAX_GLOB_PATTERNS} patterns"),
                "glob",
                &work.pattern[..work.pattern.floor_char_boundary(64)],
            ));
        }
        out.push(p.to_string());
        return Ok(());
    };
    let mut depth = 0usize;
    let mut close = None;
    let mut commas = Vec::new();
    for (i, c) in p[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    close = Some(open + i);
                    break;
                }
            }
            ',' if depth == 1 => commas.push(open + i),
            _ => {}
        }
    }
    let Some(close) = close else {
        if out.len() >= MAX_GLOB_PATTERNS {
            return Err(err(
                "EINVAL",
                &format!("the pattern's braces expand to more than {MAX_GLOB_PATTERNS} patterns"),
                "glob",
                &work.pattern[..work.pattern.floor_char_boundary(64)],
            ));
        }
        out.push(p.to_string());
        return Ok(());
    };
    let mut bounds = vec![open];
    bounds.extend(commas);
    bounds.push(close);
    for w in bounds.windows(2) {
        let alt = &p[w[0] + 1..w[1]];
        expand_braces(
            &format!("{}{alt}{}", &p[..open], &p[close + 1..]),
            out,
            work,
        )?;
    }
    Ok(())
}

/// One character of a segment pattern.
#[derive(Debug)]
enum Tok {
    Char(char),
    /// `?`
    Any,
    /// `[...]`: ranges (a single character is a range of one), negated
    /// with `!` or `^`.
    Class(bool, Vec<(char, char)>),
    /// `*`
    Star,
}

impl Tok {
    fn matches(&self, c: char) -> bool {
        match self {
            Tok::Char(p) => *p == c,
            Tok::Any => true,
            Tok::Class(negate, set) => set.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negate,
            Tok::Star => false,
        }
    }
}

/// One segment of a compiled pattern.
#[derive(Debug)]
enum Seg {
    /// `**`: any number of path segments.
    Any,
    One(Vec<Tok>),
}

/// A compiled pattern (braces already expanded).
#[derive(Debug)]
struct Glob(Vec<Seg>);

impl Glob {
    fn new(p: &str) -> Glob {
        Glob(
            p.split('/')
                .filter(|s| !s.is_empty())
                .map(|s| {
                    if s == "**" {
                        Seg::Any
                    } else {
                        Seg::One(tokens(s))
                    }
                })
                .collect(),
        )
    }

    /// Whether the path's segments match: the two-pointer wildcard match
    /// over segments (`**` the star), backtracking only to the last `**`,
    /// so at most `pattern segments × path segments` segment matches.
    fn matches(&self, segs: &[Vec<char>], work: &mut Work<'_>) -> Result<bool, String> {
        let p = &self.0;
        let (mut pi, mut si) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while si < segs.len() {
            work.charge(0)?;
            match p.get(pi) {
                Some(Seg::Any) => {
                    star = Some((pi, si));
                    pi += 1;
                    continue;
                }
                Some(Seg::One(toks)) if match_one(toks, &segs[si], work)? => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                _ => {}
            }
            match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return Ok(false),
            }
        }
        Ok(p[pi..].iter().all(|s| matches!(s, Seg::Any)))
    }
}

/// A segment pattern's characters: `*`, `?`, `[...]` (a `[` without its
/// `]` is itself), the rest literal.
fn tokens(p: &str) -> Vec<Tok> {
    let p: Vec<char> = p.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '*' => {
                // `**` inside a segment is `*` twice: one is the same.
                if !matches!(out.last(), Some(Tok::Star)) {
                    out.push(Tok::Star);
                }
                i += 1;
            }
            '?' => {
                out.push(Tok::Any);
                i += 1;
            }
            '[' => {
                let end = p
                    .get(i + 2..)
                    .and_then(|rest| rest.iter().position(|&c| c == ']'))
                    .map(|k| i + 2 + k);
                let Some(end) = end else {
                    out.push(Tok::Char('['));
                    i += 1;
                    continue;
                };
                let set = &p[i + 1..end];
                let (negate, set) = match set.first() {
                    Some('!') | Some('^') => (true, &set[1..]),
                    _ => (false, set),
                };
                let mut ranges = Vec::new();
                let mut k = 0;
                while k < set.len() {
                    if k + 2 < set.len() && set[k + 1] == '-' {
                        ranges.push((set[k], set[k + 2]));
                        k += 3;
                    } else {
                        ranges.push((set[k], set[k]));
                        k += 1;
                    }
                }
                out.push(Tok::Class(negate, ranges));
                i = end + 1;
            }
            c => {
                out.push(Tok::Char(c));
                i += 1;
            }
        }
    }
    out
}

/// One path segment against one segment pattern: the classic two-pointer
/// wildcard match, backtracking only to the last `*` (`O(p × s)`).
fn match_one(p: &[Tok], s: &[char], work: &mut Work<'_>) -> Result<bool, String> {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        work.charge(0)?;
        match p.get(pi) {
            Some(Tok::Star) => {
                star = Some((pi, si));
                pi += 1;
                continue;
            }
            Some(t) if t.matches(s[si]) => {
                pi += 1;
                si += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, ss)) => {
                pi = sp + 1;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return Ok(false),
        }
    }
    Ok(p[pi..].iter().all(|t| matches!(t, Tok::Star)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_absolute_and_resolved() {
        assert_eq!(normalize("a/b/../c").unwrap(), "/a/c");
        assert_eq!(normalize("/../..").unwrap(), "/");
        assert_eq!(normalize("./x/").unwrap(), "/x");
        assert!(normalize("a\0b").unwrap_err().starts_with("EINVAL"));
        assert!(
            normalize(&"a/".repeat(600))
                .unwrap_err()
                .starts_with("ENAMETOOLONG")
        );
    }

    #[test]
    fn globs_match_segments_stars_classes_and_braces() {
        let m = |p: &str, s: &str| {
            let mut work = Work::new(|| false, p);
            let mut expanded = Vec::new();
            expand_braces(p, &mut expanded, &mut work).unwrap();
            let segs: Vec<Vec<char>> = s.split('/').map(|s| s.chars().collect()).collect();
            expanded
                .iter()
                .any(|p| Glob::new(p).matches(&segs, &mut work).unwrap())
        };
        assert!(m("*.txt", "a.txt"));
        assert!(!m("*.txt", "d/a.txt"));
        assert!(m("**/*.txt", "d/e/a.txt"));
        assert!(m("**/*.txt", "a.txt"));
        assert!(m("src/**", "src/a/b"));
        assert!(m("f?le.[jt]s", "file.ts"));
        assert!(!m("f?le.[!jt]s", "file.ts"));
        assert!(m("{src,lib}/*.{js,ts}", "lib/x.ts"));
        assert!(!m("{src,lib}/*.{js,ts}", "test/x.ts"));
        assert!(m("src/**", "src"));
        assert!(m("**/b/**/d", "a/b/c/b/x/d"));
        assert!(!m("**/b/**/d", "a/b/c/e"));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(!m("a*b*c", "aXbYbZ"));
        assert!(m("[a-c]x[]]", "bx]"));
        assert!(m("x[", "x["));
    }

    #[test]
    fn globs_do_work_linear_in_pattern_times_path() {
        // Finding 5: exponential for a backtracking matcher.
        let pattern = format!("{}*b", "*a".repeat(14));
        let name: Vec<char> = "a".repeat(60).chars().collect();
        let mut work = Work::new(|| false, &pattern);
        let g = Glob::new(&pattern);
        assert!(!g.matches(std::slice::from_ref(&name), &mut work).unwrap());
        assert!(work.steps < 10_000, "{} steps", work.steps);
        // `**` over many segments, the same.
        let deep = "**/a/".repeat(30) + "b";
        let segs: Vec<Vec<char>> = (0..200).map(|_| vec!['a']).collect();
        let mut work = Work::new(|| false, &deep);
        assert!(!Glob::new(&deep).matches(&segs, &mut work).unwrap());
        assert!(work.steps < 100_000, "{} steps", work.steps);
    }

    #[test]
    fn braces_are_capped_and_work_stops_at_the_deadline() {
        let pattern = "{a,b}".repeat(20);
        let mut work = Work::new(|| false, &pattern);
        let mut out = Vec::new();
        let e = expand_braces(&pattern, &mut out, &mut work).unwrap_err();
        assert!(e.starts_with("EINVAL") && e.contains("256 patterns"), "{e}");
        assert!(work.steps < 1_000_000, "{} steps", work.steps);
        // Past the deadline: stopped with a clear error.
        let pattern = "*".repeat(50);
        let mut work = Work::new(|| true, &pattern);
        let name: Vec<char> = "a".repeat(1000).chars().collect();
        let g = Glob::new(&format!("{pattern}b"));
        let e = (0..100)
            .find_map(|_| g.matches(std::slice::from_ref(&name), &mut work).err())
            .unwrap();
        assert!(e.starts_with("ETIMEDOUT"), "{e}");
    }
}
