//! The entry points of the server's fuzz targets (driven by `tests/all/fuzz.rs` and
//! `scripts/fuzz`). Each takes arbitrary bytes, must never panic, and checks
//! a property of what it parsed. Not a stable API.

/// `isolet serve`'s TOML configuration: an error or a configuration.
pub fn server_config_toml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::ServerConfig::from_toml(text);
    }
}
