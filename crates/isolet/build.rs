//! Builds the JS engine component (guest-js) for wasm32-wasip2 and hands it to
//! the crate as `$OUT_DIR/guest-js.wasm`; with the `python` feature, likewise
//! the Python engine (`guest-py.wasm`).
//!
//! The build is cached by the content hash of its inputs (guest sources, the
//! WIT, the lock file and the toolchain pin) under
//! `$ISOLET_BUILD_CACHE` (default `~/.cache/isolet/guest-build`), so a clean
//! clone on a machine that built the same guest before skips the ~1 minute
//! QuickJS compile. The wasm C toolchain comes from `scripts/setup`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

use isolet_build::{cache_dir, inputs_key, out_path, repo_root, store_in_cache};

fn main() {
    let root = repo_root();
    let guest = root.join("guest-js");
    let out = out_path("guest-js.wasm");

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
    let cache_dir = cache_dir(&root);
    let cached = cache_dir.join(format!("guest-js-{key}.wasm"));

    if cached.is_file() {
        fs::copy(&cached, &out).expect("copy cached guest component");
    } else {
        let wasm = build_guest(&root, &guest);
        fs::copy(&wasm, &out).expect("copy guest component");
        store_in_cache(&cache_dir, &cached, &wasm);
    }

    if env::var_os("CARGO_FEATURE_PYTHON").is_some() {
        build_python_engine(&root, &cache_dir);
    }
}

/// The pinned componentize-py that builds the Python engine (it bundles
/// CPython 3.14 and its standard library).
const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";

/// Builds guest-py (app.py + the Workers API) into a pre-initialized
/// component with componentize-py from a private venv; cached by content hash.
fn build_python_engine(root: &Path, cache_dir: &Path) {
    let guest = root.join("guest-py");
    let out = out_path("guest-py.wasm");
    let inputs = [
        guest.join("app.py"),
        guest.join("workers.py"),
        guest.join("wire.py"),
        guest.join("worker_loader.py"),
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
