//! The tail log: `log` (console) and `reportException` (an uncaught error
//! for the trace).

use crate::isolet::worker::{tail, types};

pub(super) fn log(level: i32, message: String) {
    let level = match level {
        0 => types::LogLevel::Debug,
        2 => types::LogLevel::Info,
        3 => types::LogLevel::Warn,
        4 => types::LogLevel::Error,
        _ => types::LogLevel::Log,
    };
    tail::log(level, &message);
}

/// `reportException(name, message, stack)`: an uncaught error for the
/// trace's exceptions.
pub(super) fn report_exception(name: String, message: String, stack: String) {
    tail::exception(&types::ScriptError {
        name,
        message,
        stack,
    });
}
