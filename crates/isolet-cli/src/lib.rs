//! The `isolet` command (`src/main.rs`): `serve`, `deploy`, `tail`, `run`, `bundle`,
//! `mcp`.
//! This library target only carries the README's Rust examples, which
//! `cargo test --doc` compiles (and runs, unless marked `no_run`) like any
//! doc example: they use the runtime, the server and Code Mode, all of
//! which this crate depends on.

/// The README's Rust examples; its other blocks are marked `sh`, `toml`,
/// `js`, `python` or `text`, which rustdoc leaves alone.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
