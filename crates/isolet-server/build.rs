//! Builds the web playground's assets (`playground/`) into
//! `$OUT_DIR/playground/`, cached by content hash like the engine components
//! (see `isolet-build`).

use std::fs;
use std::path::Path;
use std::process::Command;

use isolet_build::{cache_dir, copy_files, inputs_key, out_path, repo_root, run};

fn main() {
    let root = repo_root();
    let cache_dir = cache_dir(&root);
    build_playground(&root, &cache_dir);
}

/// Builds the web playground (`playground/`: CodeMirror 6 from npm and the
/// page's own modules) into `$OUT_DIR/playground/` with esbuild: `app.js`
/// (one minified ES module), `style.css`, `index.html` and `version` (the
/// inputs' hash). Cached by content hash like the engines; needs node and
/// npm (from the npm registry, pinned by `package-lock.json`) only on a miss.
fn build_playground(root: &Path, cache_dir: &Path) {
    let src = root.join("playground");
    let out = out_path("playground");
    let inputs = [
        src.join("package.json"),
        src.join("package-lock.json"),
        src.join("src"),
    ];
    let key = inputs_key(root, &inputs, b"");
    let cached = cache_dir.join(format!("playground-{key}"));
    const FILES: [&str; 4] = ["app.js", "style.css", "index.html", "version"];
    if !FILES.iter().all(|f| cached.join(f).is_file()) {
        let work = out_path("playground-build");
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
