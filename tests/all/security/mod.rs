//! Issue 30: each finding of the outside security review, as the attack
//! that succeeded on e141ef5 and must fail now, one file per class of
//! defence. Issue 37: the documented limits and properties no test
//! exercised (limits.rs, and the bundler's in supply.rs). Attacks over
//! HTTP go through a real `isolet serve` on 127.0.0.1
//! (tests/all/common/server.rs); the workers they upload are under
//! tests/hostile/security/.

mod ceilings;
mod exposure;
mod http;
mod limits;
mod memory;
mod parser;
mod storage;
mod supply;
