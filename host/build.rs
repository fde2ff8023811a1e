//! Builds the JS engine component (guest-js) for wasm32-wasip2 and hands it to
//! the crate as `$OUT_DIR/guest-js.wasm`; likewise the Python engine
//! (`guest-py.wasm`) and the web playground's assets (`playground/`).
//!
//! The build is cached by the content hash of its inputs (guest sources, the
//! WIT, the lock file and the toolchain pin) under
//! `$ISOLET_BUILD_CACHE` (default `~/.cache/isolet/guest-build`), so a clean
//! clone on a machine that built the same guest before skips the ~1 minute
//! QuickJS compile. The wasm C toolchain comes from `scripts/setup`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

use sha2::{Digest, Sha256};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest.parent().expect("host/ has a parent").to_path_buf();
    let guest = root.join("guest-js");
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("guest-js.wasm");

    let inputs = [
        guest.join("src"),
        guest.join("js"),
        guest.join("Cargo.toml"),
        guest.join("Cargo.lock"),
        guest.join(".cargo"),
        guest.join("vendor"),
        root.join("wit"),
        root.join("rust-toolchain.toml"),
    ];
    let key = inputs_key(&root, &inputs, b"");
    println!("cargo:rerun-if-env-changed=ISOLET_BUILD_CACHE");
    let cache_dir = env::var_os("ISOLET_BUILD_CACHE")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/isolet/guest-build")))
        .unwrap_or_else(|| root.join("target/guest-build-cache"));
    let cached = cache_dir.join(format!("guest-js-{key}.wasm"));

    if cached.is_file() {
        fs::copy(&cached, &out).expect("copy cached guest component");
    } else {
        let wasm = build_guest(&root, &guest);
        fs::copy(&wasm, &out).expect("copy guest component");
        store_in_cache(&cache_dir, &cached, &wasm);
    }

    build_python_engine(&root, &cache_dir);
    build_playground(&root, &cache_dir);
}

/// Best effort: a read-only cache only costs a rebuild next time.
fn store_in_cache(cache_dir: &Path, cached: &Path, built: &Path) {
    if fs::create_dir_all(cache_dir).is_ok() {
        let tmp = cache_dir.join(format!(".tmp-{}", std::process::id()));
        if fs::copy(built, &tmp).is_ok() {
            let _ = fs::rename(&tmp, cached);
        }
    }
}

/// The pinned componentize-py that builds the Python engine (it bundles
/// CPython 3.14 and its standard library).
const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";

/// Builds guest-py (app.py + the Workers API) into a pre-initialized
/// component with componentize-py from a private venv; cached by content hash.
fn build_python_engine(root: &Path, cache_dir: &Path) {
    let guest = root.join("guest-py");
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("guest-py.wasm");
    let inputs = [
        guest.join("app.py"),
        guest.join("workers.py"),
        guest.join("wire.py"),
        root.join("wit"),
    ];
    let key = inputs_key(root, &inputs, COMPONENTIZE_PY.as_bytes());
    let cached = cache_dir.join(format!("guest-py-{key}.wasm"));
    if cached.is_file() {
        fs::copy(&cached, &out).expect("copy cached Python engine");
        return;
    }
    let venv = env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".cache/isolet/pyvenv-componentize-0.25.1"))
        .unwrap_or_else(|| root.join("target/pyvenv"));
    let tool = venv.join("bin/componentize-py");
    if !tool.is_file() {
        let ok = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new(venv.join("bin/pip"))
                .args(["install", "-q", COMPONENTIZE_PY])
                .status()
                .is_ok_and(|s| s.success());
        if !ok {
            panic!(
                "installing {COMPONENTIZE_PY} into {} failed (needs python3 with venv and PyPI access)",
                venv.display()
            );
        }
    }
    let status = Command::new(&tool)
        .current_dir(&guest)
        .arg("-d")
        .arg(root.join("wit"))
        .args(["-w", "worker", "componentize", "app", "-o"])
        .arg(&out)
        .status()
        .expect("run componentize-py");
    if !status.success() {
        panic!("componentize-py failed to build the Python engine (see the output above)");
    }
    store_in_cache(cache_dir, &cached, &out);
}

/// The cache key of a build: the SHA-256 of `salt` (what else decides the
/// output, such as a tool's version) and of every file under `inputs`;
/// tells cargo to rerun when any of them changes.
fn inputs_key(root: &Path, inputs: &[PathBuf], salt: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    for i in inputs {
        println!("cargo:rerun-if-changed={}", i.display());
        hash_path(root, i, &mut hasher);
    }
    hex::encode(hasher.finalize())
}

fn hash_path(root: &Path, path: &Path, hasher: &mut Sha256) {
    if path.is_dir() {
        let mut entries: Vec<_> = fs::read_dir(path)
            .expect("read guest input dir")
            .map(|e| e.expect("dir entry").path())
            .collect();
        entries.sort();
        for e in entries {
            hash_path(root, &e, hasher);
        }
    } else if path.is_file() {
        let rel = path.strip_prefix(root).unwrap_or(path);
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update([0]);
        let bytes = fs::read(path).expect("read guest input");
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
}

fn build_guest(root: &Path, guest: &Path) -> PathBuf {
    // The wasm32-wasi C toolchain (Debian clang + wasi-libc dressed as a wasi-sdk).
    let setup = Command::new("bash")
        .arg(root.join("scripts/setup"))
        .output()
        .expect("run scripts/setup");
    if !setup.status.success() {
        panic!(
            "scripts/setup failed (it installs the wasm C toolchain; run it by hand to see why):\n{}",
            String::from_utf8_lossy(&setup.stderr)
        );
    }
    let target_dir = root.join("target/guest-js");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(guest)
        .args([
            "build",
            "--release",
            "--locked",
            "--target",
            "wasm32-wasip2",
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    // Do not leak this build's settings (target, flags, jobserver) into the guest's.
    for (k, _) in env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if (k.starts_with("CARGO_") && k != "CARGO_HOME")
            || k.starts_with("RUSTC")
            || k == "RUSTFLAGS"
            || k == "RUSTDOCFLAGS"
            || k == "TARGET"
            || k == "HOST"
            || k == "OUT_DIR"
            || k == "OPT_LEVEL"
            || k == "PROFILE"
            || k == "DEBUG"
            || k == "NUM_JOBS"
        {
            cmd.env_remove(&k);
        }
    }
    for line in String::from_utf8_lossy(&setup.stdout).lines() {
        if let Some((k, v)) = line.strip_prefix("export ").and_then(|l| l.split_once('=')) {
            cmd.env(k, v);
        }
    }
    let status = cmd.status().expect("run cargo for guest-js");
    if !status.success() {
        panic!("building guest-js for wasm32-wasip2 failed (see the output above)");
    }
    target_dir.join("wasm32-wasip2/release/isolet_guest_js.wasm")
}

/// Builds the web playground (`playground/`: CodeMirror 6 from npm and the
/// page's own modules) into `$OUT_DIR/playground/` with esbuild: `app.js`
/// (one minified ES module), `style.css`, `index.html` and `version` (the
/// inputs' hash). Cached by content hash like the engines; needs node and
/// npm (from the npm registry, pinned by `package-lock.json`) only on a miss.
fn build_playground(root: &Path, cache_dir: &Path) {
    let src = root.join("playground");
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("playground");
    let inputs = [
        src.join("package.json"),
        src.join("package-lock.json"),
        src.join("src"),
    ];
    let key = inputs_key(root, &inputs, b"");
    let cached = cache_dir.join(format!("playground-{key}"));
    const FILES: [&str; 4] = ["app.js", "style.css", "index.html", "version"];
    if !FILES.iter().all(|f| cached.join(f).is_file()) {
        let work = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("playground-build");
        let _ = fs::remove_dir_all(&work);
        fs::create_dir_all(work.join("src")).expect("create the playground build dir");
        for f in ["package.json", "package-lock.json"] {
            fs::copy(src.join(f), work.join(f)).expect("copy the playground's package files");
        }
        for entry in fs::read_dir(src.join("src")).expect("read playground/src") {
            let path = entry.expect("dir entry").path();
            if path.is_file() {
                fs::copy(
                    &path,
                    work.join("src").join(path.file_name().expect("name")),
                )
                .expect("copy a playground source");
            }
        }
        // --ignore-scripts: esbuild's install script only speeds up its
        // first start; its JS launcher finds the platform binary without it.
        run(
            Command::new("npm").current_dir(&work).args([
                "ci",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--loglevel=error",
            ]),
            "npm ci in playground/ (needs node and npm and the npm registry)",
        );
        let staged = work.join("dist");
        fs::create_dir_all(&staged).expect("create the playground dist dir");
        let esbuild = work.join("node_modules/.bin/esbuild");
        run(
            Command::new(&esbuild).current_dir(&work).args([
                "src/main.js",
                "--bundle",
                "--minify",
                "--format=esm",
                "--target=es2022",
                "--legal-comments=eof",
                "--outfile=dist/app.js",
            ]),
            "esbuild (bundling the playground)",
        );
        run(
            Command::new(&esbuild).current_dir(&work).args([
                "src/style.css",
                "--minify",
                "--outfile=dist/style.css",
            ]),
            "esbuild (minifying the playground's CSS)",
        );
        fs::copy(work.join("src/index.html"), staged.join("index.html"))
            .expect("copy the playground page");
        fs::write(staged.join("version"), &key[..16]).expect("write the playground version");
        // Into the cache (best effort), or straight to OUT_DIR without one.
        let tmp = cache_dir.join(format!(".tmp-playground-{}", std::process::id()));
        let cached_ok = fs::create_dir_all(cache_dir).is_ok()
            && copy_files(&staged, &tmp, &FILES).is_ok()
            && fs::rename(&tmp, &cached).is_ok();
        if !cached_ok {
            let _ = fs::remove_dir_all(&tmp);
            copy_files(&staged, &out, &FILES).expect("copy the built playground");
            return;
        }
    }
    copy_files(&cached, &out, &FILES).expect("copy the cached playground");
}

fn copy_files(from: &Path, to: &Path, files: &[&str]) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for f in files {
        fs::copy(from.join(f), to.join(f))?;
    }
    Ok(())
}

/// Runs `cmd`; a failure stops the build naming `what`.
fn run(cmd: &mut Command, what: &str) {
    match cmd.status() {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("{what} failed ({s}); see the output above"),
        Err(e) => panic!("{what} could not start: {e}"),
    }
}
