//! Crash handling for `isolet serve`: restart backoff
//! ([`restart_delay`]) and quarantine. Quarantine: a worker whose cold load keeps
//! killing its server process is refused (503 naming why) instead of
//! taking the process, and every request that process was serving for
//! its neighbours, down again and again.
//!
//! While a server process loads a worker's code (the cold path: fetching
//! it from the store, transpiling, compiling, instantiating), it keeps a
//! marker file `<data_dir>/crash/inflight/<pid>.<id>`; the load removes it
//! when it ends, however it ends. A marker left behind names a load the
//! process died in. The supervisor ([`record_crash`], when a process of
//! the group exits) or, with a single process, the next start
//! ([`record_dead`]) counts those, per id, in `crash/count/<id>`; at
//! [`CRASHES`] the id is quarantined (`crash/quarantined/<id>`, read by
//! every process). Deploying the id's code again (`PUT`) or deleting it
//! clears both ([`clear`]). A warm worker never touches these files.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The first restart delay of a server process that died, and the longest.
const FIRST_DELAY: Duration = Duration::from_millis(100);
const MAX_DELAY: Duration = Duration::from_secs(30);

/// How long the supervisor of `isolet serve` waits before restarting a
/// server process that died quickly `quick_deaths` times in a row (1 for
/// the first): 100 ms, doubling, at most 30 s.
#[doc(hidden)]
pub fn restart_delay(quick_deaths: u32) -> Duration {
    let doublings = quick_deaths.saturating_sub(1).min(16);
    FIRST_DELAY
        .checked_mul(1u32 << doublings)
        .unwrap_or(MAX_DELAY)
        .min(MAX_DELAY)
}

/// Crashes during a worker's load after which it is quarantined.
pub const CRASHES: u32 = 2;

fn dir(data_dir: &Path, sub: &str) -> PathBuf {
    data_dir.join("crash").join(sub)
}

/// Marks the load of worker `id` by this process until dropped.
pub(crate) struct Loading {
    path: Option<PathBuf>,
}

impl Drop for Loading {
    fn drop(&mut self) {
        if let Some(p) = &self.path {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Starts marking a load of `id` (an id `valid_id` accepts). Failing to
/// write the marker only loses the quarantine, never the request.
pub(crate) fn loading(data_dir: &Path, id: &str) -> Loading {
    let inflight = dir(data_dir, "inflight");
    let path = inflight.join(format!("{}.{id}", std::process::id()));
    let ok = std::fs::create_dir_all(&inflight).is_ok() && std::fs::write(&path, b"").is_ok();
    Loading {
        path: ok.then_some(path),
    }
}

/// Why worker `id` is quarantined, if it is.
pub(crate) fn quarantined(data_dir: &Path, id: &str) -> Option<String> {
    let text = std::fs::read_to_string(dir(data_dir, "quarantined").join(id)).ok()?;
    Some(format!(
        "worker {id:?} is quarantined: {} (deploy its code again to lift this)",
        text.trim()
    ))
}

/// Lifts the quarantine of `id` and forgets its crashes (its code was
/// replaced or deleted).
pub(crate) fn clear(data_dir: &Path, id: &str) {
    let _ = std::fs::remove_file(dir(data_dir, "quarantined").join(id));
    let _ = std::fs::remove_file(dir(data_dir, "count").join(id));
}

/// Counts the loads server process `pid` died in (its markers), and
/// quarantines each id that reached [`CRASHES`]. Returns the ids it
/// quarantined now. `how` says how the process ended, for the reason.
#[doc(hidden)]
pub fn record_crash(data_dir: &Path, pid: u32, how: &str) -> Vec<String> {
    record(data_dir, |marker_pid| marker_pid == pid, how)
}

/// [`record_crash`] for every marker whose process is gone (a single
/// server process, at its start: the one before it died).
#[doc(hidden)]
pub fn record_dead(data_dir: &Path) -> Vec<String> {
    let me = std::process::id();
    record(
        data_dir,
        |pid| pid != me && !alive(pid),
        "the server process ended during its load",
    )
}

fn alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        // SAFETY: kill with signal 0 only checks that the process exists.
        let r = unsafe { libc::kill(pid as libc::pid_t, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

fn record(data_dir: &Path, dead: impl Fn(u32) -> bool, how: &str) -> Vec<String> {
    let mut quarantined = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir(data_dir, "inflight")) else {
        return quarantined;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((pid, id)) = name.split_once('.') else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if !dead(pid) || !crate::code::valid_id(id) {
            continue;
        }
        let _ = std::fs::remove_file(entry.path());
        let counts = dir(data_dir, "count");
        let _ = std::fs::create_dir_all(&counts);
        let count = std::fs::read_to_string(counts.join(id))
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok())
            .unwrap_or(0)
            .saturating_add(1);
        let _ = std::fs::write(counts.join(id), count.to_string());
        tracing::error!(
            "server process {pid} died while loading worker {id:?} ({how}; crash {count})"
        );
        if count >= CRASHES {
            let q = dir(data_dir, "quarantined");
            let _ = std::fs::create_dir_all(&q);
            let reason =
                format!("its server process died {count} times while loading it (last: {how})");
            if std::fs::write(q.join(id), &reason).is_ok() {
                tracing::error!("worker {id:?} quarantined: {reason}");
                quarantined.push(id.to_string());
            }
        }
    }
    quarantined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_back_off_from_100_ms_to_30_s() {
        let ms = |n| restart_delay(n).as_millis();
        assert_eq!(
            (1..=10).map(ms).collect::<Vec<_>>(),
            [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000]
        );
        assert_eq!(ms(0), 100);
        assert_eq!(ms(40), 30000);
        assert_eq!(ms(u32::MAX), 30000);
    }

    #[test]
    fn a_load_a_process_died_in_twice_quarantines_the_id() {
        let dir = std::env::temp_dir().join(format!("isolet-quarantine-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // A load that ends removes its marker: nothing to count.
        drop(loading(&dir, "fine"));
        assert!(record_crash(&dir, std::process::id(), "x").is_empty());
        // A marker left by a dead process (here: left on purpose).
        let me = std::process::id();
        for round in 1..=CRASHES {
            std::mem::forget(loading(&dir, "bad"));
            let q = record_crash(&dir, me, "signal 6");
            assert_eq!(q.is_empty(), round < CRASHES, "round {round}");
        }
        let why = quarantined(&dir, "bad").unwrap();
        assert!(
            why.contains("died 2 times") && why.contains("signal 6"),
            "{why}"
        );
        assert!(quarantined(&dir, "fine").is_none());
        clear(&dir, "bad");
        assert!(quarantined(&dir, "bad").is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn a_single_process_counts_the_loads_its_dead_predecessor_left() {
        let dir =
            std::env::temp_dir().join(format!("isolet-quarantine-dead-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // A process that has ended: its pid is free.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let inflight = dir.join("crash/inflight");
        std::fs::create_dir_all(&inflight).unwrap();
        for round in 1..=CRASHES {
            std::fs::write(inflight.join(format!("{dead}.w")), b"").unwrap();
            // A live process's marker (this one's) is left alone.
            std::fs::write(inflight.join(format!("{}.live", std::process::id())), b"").unwrap();
            assert_eq!(
                record_dead(&dir).len(),
                usize::from(round == CRASHES),
                "round {round}"
            );
        }
        assert!(quarantined(&dir, "w").is_some());
        assert!(quarantined(&dir, "live").is_none());
        assert!(
            inflight
                .join(format!("{}.live", std::process::id()))
                .exists()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
