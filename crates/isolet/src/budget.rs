//! The host-memory budget of one invocation: everything a guest makes the
//! host hold on its behalf (console output, exceptions, outbound records,
//! Cache API entries on their way into the cache, bodies and results
//! collected for it) is charged here as it grows and released when the
//! host lets go of it, so no guest can make the host hold more than
//! [`Limits::host_memory_bytes`](crate::Limits#structfield.host_memory_bytes)
//! for it, whatever the kind of holding. The guest's own memory is its
//! memory limit's business (`limits.memoryBytes`); what stays after the
//! invocation (Cache API entries, storage) is bounded by the caps of
//! where it stays.
//!
//! One budget per instance (`HostState::budget`), reset in
//! `HostState::begin_invocation`. A refusal is an
//! [`Error::HostMemoryExceeded`] saying what asked for more; the host call
//! that asked returns it to the guest as its error (it throws), and an
//! invocation that then fails is reported with that error.

use crate::error::Error;

/// What the host reckons one header costs besides its name's and value's
/// bytes: a `(String, String)` pair is 48 bytes before its text, and each
/// string its allocation; an empty header is not free.
pub(crate) const HEADER_OVERHEAD_BYTES: usize = 64;

/// The host bytes a header list takes, as its limits count it: names,
/// values and [`HEADER_OVERHEAD_BYTES`] per header.
pub(crate) fn header_list_bytes(headers: &[(String, String)]) -> usize {
    headers.iter().fold(0usize, |n, (k, v)| {
        n.saturating_add(k.len())
            .saturating_add(v.len())
            .saturating_add(HEADER_OVERHEAD_BYTES)
    })
}

/// Charges and releases of one invocation's host memory (see the module
/// docs). Cheap: two integers and a flag.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HostBudget {
    limit: u64,
    used: u64,
    exhausted: bool,
}

impl HostBudget {
    /// A budget of `limit` bytes, nothing charged.
    pub fn new(limit: u64) -> Self {
        HostBudget {
            limit,
            used: 0,
            exhausted: false,
        }
    }

    /// Charges `bytes` for `what` (e.g. "outbound records"); refused, with
    /// nothing charged, when that would pass the limit.
    pub fn charge(&mut self, bytes: usize, what: &str) -> Result<(), Error> {
        let after = self.used.checked_add(bytes as u64);
        match after {
            Some(after) if after <= self.limit => {
                self.used = after;
                Ok(())
            }
            _ => {
                self.exhausted = true;
                Err(Error::HostMemoryExceeded {
                    limit: self.limit,
                    what: what.to_string(),
                })
            }
        }
    }

    /// Charges `bytes` for a holding the host may drop instead (a log
    /// line, an outbound record: their lists end with a truncation marker):
    /// `false`, with nothing charged, when they do not fit. Not the guest's
    /// error, so it does not count as exhausting the budget.
    pub fn try_charge(&mut self, bytes: usize) -> bool {
        match self.used.checked_add(bytes as u64) {
            Some(after) if after <= self.limit => {
                self.used = after;
                true
            }
            _ => false,
        }
    }

    /// Gives back `bytes` charged earlier (the host let go of them).
    pub fn release(&mut self, bytes: usize) {
        self.used = self.used.saturating_sub(bytes as u64);
    }

    /// Bytes charged and not released.
    #[allow(dead_code)] // for the host calls that report it
    pub fn used(&self) -> u64 {
        self.used
    }

    /// The limit, in bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Whether a charge was refused during this invocation.
    pub fn exhausted(&self) -> bool {
        self.exhausted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_up_to_the_limit_then_refuses_naming_what() {
        let mut b = HostBudget::new(100);
        assert!(b.charge(60, "logs").is_ok());
        assert!(b.charge(40, "logs").is_ok());
        let e = b.charge(1, "outbound records").unwrap_err();
        assert_eq!(
            e.to_string(),
            "host memory budget of 100 bytes exhausted by outbound records"
        );
        assert!(b.exhausted());
        assert_eq!(b.used(), 100);
        b.release(50);
        assert!(b.charge(50, "logs").is_ok());
        assert!(b.charge(usize::MAX, "huge").is_err());
    }

    #[test]
    fn empty_headers_are_not_free() {
        let empty = vec![(String::new(), String::new()); 1000];
        assert_eq!(header_list_bytes(&empty), 1000 * HEADER_OVERHEAD_BYTES);
        let one = [("ab".to_string(), "cde".to_string())];
        assert_eq!(header_list_bytes(&one), 5 + HEADER_OVERHEAD_BYTES);
    }
}
