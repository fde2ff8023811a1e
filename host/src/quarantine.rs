//! Crash handling for `isolet serve`: restart backoff
//! ([`restart_delay`]) and quarantine. Quarantine: a worker whose cold load keeps
//! killing its server process is refused (503 naming why) instead of
//! taking the process, and every request that process was serving for
//! its neighbours, down again and again.
//!
//! While a server process loads a worker's code (the cold path: fetching
//! it from the store, transpiling, compiling, instantiating), it keeps a
//! marker file `<data_dir>/crash/inflight/<pid>.<n>.<id>`; the load removes it
//! when it ends, however it ends. A marker left behind names a load the
//! process died in. The supervisor ([`record_crash`], when a process of
//! the group exits) or, with a single process, the next start
//! ([`record_dead`]) counts those, per id, in `crash/count/<id>`; at
//! [`CRASHES`] the id is quarantined (`crash/quarantined/<id>`, read by
//! every process). Deploying the id's code again (`PUT`) or deleting it
//! clears both ([`clear`]). A warm worker never touches these files.
//!
//! A crash counts against an id only when its load was the only one in
//! flight in the dead process: otherwise a tenant could time a
//! neighbour's cold load with its own crashing one and get the neighbour
//! quarantined. When several loads were in flight, each of their ids
//! becomes a suspect instead (`crash/suspect/<id>`, counting such crashes
//! in a row: a crash without the id in it lifts its suspicion), and a
//! suspect's next loads run alone in their process (no other load starts
//! or is still running), so that its next crash, if it is the culprit, is
//! its own; a suspect's load that ends lifts its suspicion. An id is
//! quarantined after [`CRASHES`] crashes of its own, or after
//! [`SUSPECT_CRASHES`] crashes in a row with others that it was present in
//! every one of.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

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

/// Crashes during a worker's load, with no other load in flight in the
/// process, after which it is quarantined.
pub const CRASHES: u32 = 2;

/// Crashes in a row during loads of several workers, each with a load of
/// this one among them, after which it is quarantined.
pub const SUSPECT_CRASHES: u32 = 4;

/// This process's loads: shared, or one alone (a suspect's).
static LOADS: LazyLock<Arc<RwLock<()>>> = LazyLock::new(|| Arc::new(RwLock::new(())));

/// A load's turn in [`LOADS`].
enum Turn {
    Shared(#[allow(dead_code)] OwnedRwLockReadGuard<()>),
    Alone(#[allow(dead_code)] OwnedRwLockWriteGuard<()>),
}

fn dir(data_dir: &Path, sub: &str) -> PathBuf {
    data_dir.join("crash").join(sub)
}

/// Marks the load of worker `id` by this process until dropped (the
/// marker goes before the load's turn ends).
pub(crate) struct Loading {
    path: Option<PathBuf>,
    /// The suspicion a load that ran alone lifts when it ends well.
    suspect: Option<PathBuf>,
    _turn: Option<Turn>,
}

impl Loading {
    /// The load ended with a worker: if it ran alone (its id was a
    /// suspect), the crashes it was suspected of were another's.
    pub(crate) fn loaded(&self) {
        if matches!(self._turn, Some(Turn::Alone(_)))
            && let Some(p) = &self.suspect
        {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Drop for Loading {
    fn drop(&mut self) {
        if let Some(p) = &self.path {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Starts marking a load of `id` (an id `valid_id` accepts), once it is
/// its turn: a suspect's load waits until no other load of this process
/// runs, and others wait for it. Failing to write the marker only loses
/// the quarantine, never the request.
pub(crate) async fn loading(data_dir: &Path, id: &str) -> Loading {
    let suspect = dir(data_dir, "suspect").join(id);
    let turn = if suspect.exists() {
        Turn::Alone(LOADS.clone().write_owned().await)
    } else {
        Turn::Shared(LOADS.clone().read_owned().await)
    };
    let mut marked = mark(data_dir, id);
    marked.suspect = Some(suspect);
    marked._turn = Some(turn);
    marked
}

/// The marker alone, with no turn: one file per load (`n` tells two
/// loads of one id apart, say of two of its objects).
fn mark(data_dir: &Path, id: &str) -> Loading {
    static LOAD: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = LOAD.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let inflight = dir(data_dir, "inflight");
    let path = inflight.join(format!("{}.{n}.{id}", std::process::id()));
    let ok = std::fs::create_dir_all(&inflight).is_ok() && std::fs::write(&path, b"").is_ok();
    Loading {
        path: ok.then_some(path),
        suspect: None,
        _turn: None,
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
    let _ = std::fs::remove_file(dir(data_dir, "suspect").join(id));
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
    // The loads each dead process was in.
    let mut crashes: BTreeMap<u32, BTreeSet<String>> = BTreeMap::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // `<pid>.<n>.<id>` (ids have no `.`; `<pid>.<id>` from before).
        let Some((pid, rest)) = name.split_once('.') else {
            continue;
        };
        let id = rest.rsplit_once('.').map_or(rest, |(_, id)| id);
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if !dead(pid) || !crate::code::valid_id(id) {
            continue;
        }
        let _ = std::fs::remove_file(entry.path());
        crashes.entry(pid).or_default().insert(id.to_string());
    }
    for (pid, ids) in crashes {
        // A suspect absent from this crash was not in every one.
        if let Ok(suspects) = std::fs::read_dir(dir(data_dir, "suspect")) {
            for s in suspects.flatten() {
                if !ids.contains(s.file_name().to_string_lossy().as_ref()) {
                    let _ = std::fs::remove_file(s.path());
                }
            }
        }
        if ids.len() == 1 {
            let id = ids.first().map(String::as_str).unwrap_or_default();
            let count = bump(data_dir, "count", id);
            tracing::error!(
                "server process {pid} died while loading worker {id:?} alone ({how}; crash {count})"
            );
            if count >= CRASHES {
                let reason =
                    format!("its server process died {count} times while loading it (last: {how})");
                if quarantine(data_dir, id, &reason) {
                    quarantined.push(id.to_string());
                }
            }
            continue;
        }
        for id in &ids {
            let n = bump(data_dir, "suspect", id);
            tracing::error!(
                "server process {pid} died while loading {} workers, {id:?} among them ({how}; {n} such crashes in a row with it: its loads now run alone)",
                ids.len()
            );
            if n >= SUSPECT_CRASHES {
                let reason = format!(
                    "its server process died {n} times in a row while loading it beside other workers (last: {how})"
                );
                if quarantine(data_dir, id, &reason) {
                    quarantined.push(id.clone());
                }
            }
        }
    }
    quarantined
}

/// Adds one to the count in `crash/<sub>/<id>`; the new count.
fn bump(data_dir: &Path, sub: &str, id: &str) -> u32 {
    let counts = dir(data_dir, sub);
    let _ = std::fs::create_dir_all(&counts);
    let count = std::fs::read_to_string(counts.join(id))
        .ok()
        .and_then(|t| t.trim().parse::<u32>().ok())
        .unwrap_or(0)
        .saturating_add(1);
    let _ = std::fs::write(counts.join(id), count.to_string());
    count
}

/// Quarantines `id` for `reason`; whether that was recorded.
fn quarantine(data_dir: &Path, id: &str, reason: &str) -> bool {
    let q = dir(data_dir, "quarantined");
    let _ = std::fs::create_dir_all(&q);
    let ok = std::fs::write(q.join(id), reason).is_ok();
    if ok {
        tracing::error!("worker {id:?} quarantined: {reason}");
    }
    ok
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
        drop(mark(&dir, "fine"));
        assert!(record_crash(&dir, std::process::id(), "x").is_empty());
        // A marker left by a dead process (here: left on purpose).
        let me = std::process::id();
        for round in 1..=CRASHES {
            std::mem::forget(mark(&dir, "bad"));
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

    /// Two loads of one id at once (two of its objects) each have a
    /// marker: the first to end leaves the other's; they count as one id.
    #[test]
    fn two_loads_of_one_id_keep_their_own_markers() {
        let dir =
            std::env::temp_dir().join(format!("isolet-quarantine-two-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = mark(&dir, "w");
        let second = mark(&dir, "w");
        drop(first);
        std::mem::forget(second);
        assert!(record_crash(&dir, std::process::id(), "x").is_empty());
        assert_eq!(
            std::fs::read_to_string(dir.join("crash/count/w")).unwrap(),
            "1",
            "a crash of its own"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Markers of a dead process (`pid`), one per id, as if it died in
    /// these loads.
    fn died_loading(dir: &Path, pid: u32, ids: &[&str]) -> Vec<String> {
        let inflight = dir.join("crash/inflight");
        std::fs::create_dir_all(&inflight).unwrap();
        for id in ids {
            std::fs::write(inflight.join(format!("{pid}.{id}")), b"").unwrap();
        }
        record_crash(dir, pid, "signal 6")
    }

    fn suspect(dir: &Path, id: &str) -> bool {
        dir.join("crash/suspect").join(id).exists()
    }

    /// The attack: a tenant times a neighbour's cold load with its own
    /// crashing one, again and again. Crashes with several loads in flight
    /// quarantine nobody at first; they make both suspects, whose loads
    /// then run alone, so the culprit's next crashes are its own.
    #[test]
    fn a_neighbour_loading_beside_a_crash_is_not_quarantined() {
        let dir = std::env::temp_dir().join(format!("isolet-quarantine-nb-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for _ in 1..SUSPECT_CRASHES {
            assert!(died_loading(&dir, 7, &["bad", "good"]).is_empty());
        }
        assert!(quarantined(&dir, "good").is_none());
        assert!(quarantined(&dir, "bad").is_none());
        assert!(suspect(&dir, "good") && suspect(&dir, "bad"));
        // Loaded alone now: the culprit's crash is its own, and lifts the
        // neighbour's suspicion (it was not in it).
        assert!(died_loading(&dir, 8, &["bad"]).is_empty());
        assert!(!suspect(&dir, "good"));
        assert_eq!(died_loading(&dir, 9, &["bad"]), ["bad"]);
        assert!(quarantined(&dir, "good").is_none());
        assert!(quarantined(&dir, "bad").unwrap().contains("died 2 times"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// An id present in every crash of several loads, whatever its
    /// neighbours, is quarantined after SUSPECT_CRASHES of them; the
    /// neighbours, each present once, are not (and are suspects no more).
    #[test]
    fn an_id_in_every_crash_with_others_is_quarantined() {
        let dir =
            std::env::temp_dir().join(format!("isolet-quarantine-sus-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let others: Vec<String> = (0..SUSPECT_CRASHES).map(|i| format!("n{i}")).collect();
        for (round, other) in others.iter().enumerate() {
            let q = died_loading(&dir, 100 + round as u32, &["bad", other]);
            let last = round as u32 + 1 == SUSPECT_CRASHES;
            assert_eq!(
                q,
                if last {
                    vec!["bad".to_string()]
                } else {
                    vec![]
                }
            );
        }
        assert!(
            quarantined(&dir, "bad")
                .unwrap()
                .contains("beside other workers")
        );
        for other in &others[..others.len() - 1] {
            assert!(quarantined(&dir, other).is_none(), "{other}");
            assert!(!suspect(&dir, other), "{other}");
        }
        // A neighbour present in all but one crash is not quarantined.
        let _ = std::fs::remove_dir_all(&dir);
        for round in 0..SUSPECT_CRASHES * 2 - 1 {
            let ids: &[&str] = if round == SUSPECT_CRASHES - 1 {
                &["bad", "x"]
            } else {
                &["bad", "x", "good"]
            };
            died_loading(&dir, 200 + round, ids);
        }
        assert!(quarantined(&dir, "good").is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A suspect's load waits until no other load of the process runs,
    /// and holds the others off; one that ends well lifts the suspicion.
    #[tokio::test]
    async fn a_suspects_load_runs_alone() {
        let dir =
            std::env::temp_dir().join(format!("isolet-quarantine-alone-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("crash/suspect")).unwrap();
        std::fs::write(dir.join("crash/suspect/s"), "1").unwrap();
        let other = loading(&dir, "a").await;
        let d = dir.clone();
        let mut alone = tokio::spawn(async move { loading(&d, "s").await });
        let wait = std::time::Duration::from_millis(100);
        assert!(
            tokio::time::timeout(wait, &mut alone).await.is_err(),
            "ran beside a"
        );
        drop(other);
        let alone = tokio::time::timeout(std::time::Duration::from_secs(5), alone)
            .await
            .expect("never ran")
            .unwrap();
        let d = dir.clone();
        let mut next = tokio::spawn(async move { loading(&d, "b").await });
        assert!(
            tokio::time::timeout(wait, &mut next).await.is_err(),
            "ran beside s"
        );
        alone.loaded();
        drop(alone);
        assert!(!suspect(&dir, "s"));
        drop(next.await.unwrap());
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
