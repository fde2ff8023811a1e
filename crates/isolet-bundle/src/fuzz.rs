//! The entry points of the bundler's fuzz targets (driven by `tests/all/fuzz.rs` and
//! `scripts/fuzz`). Each takes arbitrary bytes, must never panic, and checks
//! a property of what it parsed. Not a stable API.

/// An npm package's tarball as `POST /bundle` unpacks it (finding 8 of the
/// security review): `data` is the tar stream (gzipped here, so mutations
/// reach the tar headers: ustar, PAX and GNU sizes and paths). What it
/// keeps stays under its limits whatever the headers claim, and no kept
/// path leaves the package's directory.
pub fn tar_entries(data: &[u8]) {
    use std::io::Write as _;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    if gz.write_all(data).is_err() {
        return;
    }
    let Ok(tgz) = gz.finish() else {
        return;
    };
    if let Ok(files) = crate::unpack_for_fuzz(&tgz) {
        let total: usize = files.values().map(Vec::len).sum();
        assert!(
            total <= 64 << 10,
            "kept {total} bytes over the 64 KiB limit"
        );
        assert!(files.len() <= 64, "kept {} files", files.len());
        for path in files.keys() {
            assert!(
                path.starts_with("node_modules/fuzz/") && !path.split('/').any(|s| s == ".."),
                "a kept path leaves the package: {path:?}"
            );
        }
    }
}
