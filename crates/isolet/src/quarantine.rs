//! Crash handling for `isolet serve`: restart backoff
//! ([`restart_delay`]) and quarantine. Quarantine: a worker whose cold load keeps
//! killing its server process is refused (503 naming why) instead of
//! taking the process, and every request that process was serving for
//! its neighbours, down again and again.
//!
//! Only what could have crashed the process is blamed. The host work a
//! tenant triggers that could kill it is parsing tenant source (oxc:
//! transpiling TypeScript, `POST /bundle`, Code Mode; `crate::deep` keeps
//! it on a large stack, this is the backstop). While such a step runs, the
//! process keeps a marker file `<data_dir>/crash/inflight/<pid>.<n>.<id>`,
//! removed when the step ends, however it ends ([`step`], [`busy`]): `id`
//! is the worker whose cold load it is, or a pseudo-id that can never be
//! quarantined for the rest (`(run)`, `(bundle)`, `(codemode)`, `(load)`
//! for loads outside a request's cold path). A marker left behind names a
//! step the process died in. The supervisor ([`record_crash`], when a
//! process of the group exits) or, with a single process, the next start
//! ([`record_dead`]) counts those.
//!
//! - A crash with one marker, a worker's, is that worker's own: it is
//!   counted in `crash/count/<id>` (one timestamp a line); [`CRASHES`]
//!   within [`WINDOW`] quarantine the id (`crash/quarantined/<id>`, read by
//!   every process). Older crashes no longer count, and a cold load of the
//!   id that ends with a worker forgets them ([`ended`]).
//! - A crash with several workers' markers blames none of them at once (a
//!   tenant could time a neighbour's cold load with its own crashing one):
//!   each becomes a suspect (`crash/suspect/<id>`, counting such crashes in
//!   a row within [`WINDOW`]: a crash without the id in it lifts its
//!   suspicion, and so does any load of it that ends, well or not). A
//!   suspect's crash-prone steps run alone in their process (no other
//!   marked step starts or still runs), so that its next crash, if it is
//!   the culprit, is its own; the turn is only the parse, not the whole
//!   load, and nobody waits for it longer than [`TURN_WAIT`]. An id present
//!   in [`SUSPECT_CRASHES`] such crashes in a row is quarantined.
//! - A crash with a pseudo-id's marker among them (a `/run`, a bundle, Code
//!   Mode) counts against nobody: the workers present only become
//!   suspects.
//!
//! Deploying the id's code again (`PUT`) or deleting it clears it all
//! ([`clear`]). A warm worker, and a cold load whose source is already
//! transpiled, never touch these files.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

/// The first restart delay of a server process that died, and the longest.
const FIRST_DELAY: Duration = Duration::from_millis(100);
const MAX_DELAY: Duration = Duration::from_secs(30);

/// How long the supervisor of `isolet serve` waits before restarting a
/// server process that died quickly `quick_deaths` times in a row (1 for
/// the first): 100 ms, doubling, at most 30 s.
///
/// ```
/// use isolet::quarantine::restart_delay;
/// use std::time::Duration;
/// assert_eq!(restart_delay(1), Duration::from_millis(100));
/// assert_eq!(restart_delay(3), Duration::from_millis(400));
/// assert_eq!(restart_delay(100), Duration::from_secs(30));
/// ```
#[doc(hidden)]
pub fn restart_delay(quick_deaths: u32) -> Duration {
    let doublings = quick_deaths.saturating_sub(1).min(16);
    FIRST_DELAY
        .checked_mul(1u32 << doublings)
        .unwrap_or(MAX_DELAY)
        .min(MAX_DELAY)
}

/// Crashes during a worker's load, with no other marked step in flight
/// in the process, within [`WINDOW`], after which it is quarantined.
///
/// ```
/// use isolet::quarantine::{busy, quarantined, record_crash, CRASHES};
/// let data = tempfile::tempdir().unwrap();
/// let (d, me) = (data.path(), std::process::id());
/// for round in 1..=CRASHES {
///     std::mem::forget(busy(Some(d), "w")); // this process "dies" in w's load
///     assert_eq!(record_crash(d, me, "signal 6").is_empty(), round < CRASHES);
/// }
/// assert!(quarantined(d, "w").unwrap().contains("died 2 times"));
/// ```
pub const CRASHES: u32 = 2;

/// Crashes in a row during loads of several workers, each with a load of
/// this one among them, within [`WINDOW`], after which it is quarantined.
///
/// ```
/// use isolet::quarantine::{busy, quarantined, record_crash, CRASHES, SUSPECT_CRASHES};
/// assert!(SUSPECT_CRASHES > CRASHES); // a shared crash weighs less than its own
/// let data = tempfile::tempdir().unwrap();
/// let (d, me) = (data.path(), std::process::id());
/// for round in 1..=SUSPECT_CRASHES {
///     std::mem::forget(busy(Some(d), "bad")); // each crash: "bad" and a new neighbour
///     std::mem::forget(busy(Some(d), &format!("n{round}")));
///     assert_eq!(record_crash(d, me, "signal 6").is_empty(), round < SUSPECT_CRASHES);
/// }
/// assert!(quarantined(d, "bad").unwrap().contains("beside other workers"));
/// ```
pub const SUSPECT_CRASHES: u32 = 4;

/// How long a crash counts (towards [`CRASHES`] and [`SUSPECT_CRASHES`],
/// and as a suspicion).
///
/// ```
/// use isolet::quarantine::{TURN_WAIT, WINDOW};
/// assert_eq!(WINDOW.as_secs(), 10 * 60);
/// assert!(TURN_WAIT < WINDOW);
/// ```
pub const WINDOW: Duration = Duration::from_secs(10 * 60);

/// The longest a crash-prone step waits for its turn (a suspect's for no
/// other step to run, the others for a suspect's to end); past it, it
/// runs anyway (a crash then has several markers: nobody's own).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(isolet::quarantine::TURN_WAIT, Duration::from_secs(5));
/// ```
pub const TURN_WAIT: Duration = Duration::from_secs(5);

/// Pseudo-ids: host work that is no worker's cold load (never a valid id,
/// never quarantined).
///
/// ```
/// use isolet::quarantine::{busy, quarantined, record_crash, CRASHES, RUN};
/// assert!(!isolet::valid_id(RUN));
/// let data = tempfile::tempdir().unwrap();
/// for _ in 0..CRASHES {
///     std::mem::forget(busy(Some(data.path()), RUN)); // a `/run` the process died in
///     assert!(record_crash(data.path(), std::process::id(), "signal 6").is_empty());
/// }
/// assert!(quarantined(data.path(), RUN).is_none());
/// ```
pub const RUN: &str = "(run)";
/// The pseudo-id of a `POST /bundle` (it parses npm packages' sources).
///
/// ```
/// use isolet::quarantine::BUNDLE;
/// assert_eq!(BUNDLE, "(bundle)");
/// assert!(!isolet::valid_id(BUNDLE));
/// ```
pub const BUNDLE: &str = "(bundle)";
/// The pseudo-id of Code Mode's parse of the code it is given.
///
/// ```
/// use isolet::quarantine::CODEMODE;
/// assert_eq!(CODEMODE, "(codemode)");
/// assert!(!isolet::valid_id(CODEMODE));
/// ```
pub const CODEMODE: &str = "(codemode)";
/// A load outside a request's cold path (a binding's, a library caller's).
///
/// ```
/// # #[tokio::main] async fn main() {
/// use isolet::quarantine::{busy, step, BUNDLE, LOAD};
/// let data = tempfile::tempdir().unwrap();
/// drop(busy(Some(data.path()), BUNDLE)); // makes `data` this process's crash dir
/// let s = step().await; // no `scope`: a load outside a request's cold path
/// let m = std::fs::read_dir(data.path().join("crash/inflight")).unwrap().next().unwrap().unwrap();
/// assert!(m.file_name().to_str().unwrap().ends_with(&format!(".{LOAD}")));
/// drop(s);
/// # }
/// ```
pub const LOAD: &str = "(load)";

fn pseudo(id: &str) -> bool {
    [RUN, BUNDLE, CODEMODE, LOAD].contains(&id)
}

/// This process's crash-prone steps: shared, or one alone (a suspect's).
static LOADS: LazyLock<Arc<RwLock<()>>> = LazyLock::new(|| Arc::new(RwLock::new(())));

/// The data directory of the server in this process (the first one that
/// marked work), for steps outside a request's [`scope`].
static CRASH_DIR: OnceLock<PathBuf> = OnceLock::new();

/// A step's turn in [`LOADS`].
enum Turn {
    Shared(#[allow(dead_code)] OwnedRwLockReadGuard<()>),
    Alone(#[allow(dead_code)] OwnedRwLockWriteGuard<()>),
}

/// Whose the crash-prone steps of a load are.
#[derive(Clone)]
struct Work {
    data_dir: PathBuf,
    id: String,
}

tokio::task_local! {
    static WORK: RefCell<Option<Work>>;
}

fn dir(data_dir: &Path, sub: &str) -> PathBuf {
    data_dir.join("crash").join(sub)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Runs `fut` (a lookup that may load a worker) with room for [`work`] to
/// say whose its crash-prone steps are. Cheap: nothing is allocated until
/// [`work`] is called (on the cold path).
///
/// ```
/// # #[tokio::main] async fn main() {
/// use isolet::quarantine::{scope, step, work};
/// let data = tempfile::tempdir().unwrap();
/// let inflight = data.path().join("crash/inflight");
/// let marked = scope(async {
///     work(data.path(), "w1");
///     let _step = step().await;
///     std::fs::read_dir(&inflight).unwrap().count()
/// }).await;
/// assert_eq!(marked, 1); // while the step ran
/// assert_eq!(std::fs::read_dir(&inflight).unwrap().count(), 0);
/// # }
/// ```
pub async fn scope<F: Future>(fut: F) -> F::Output {
    WORK.scope(RefCell::new(None), fut).await
}

/// Within a [`scope`]: the crash-prone steps from here on are `id`'s (a
/// worker id, or a pseudo-id such as [`RUN`]), marked under `data_dir`.
///
/// ```
/// # #[tokio::main] async fn main() {
/// use isolet::quarantine::{scope, step, work};
/// let data = tempfile::tempdir().unwrap();
/// let name = scope(async {
///     work(data.path(), "w1"); // the steps from here on are w1's
///     let _step = step().await;
///     let m = std::fs::read_dir(data.path().join("crash/inflight")).unwrap().next().unwrap().unwrap();
///     m.file_name().into_string().unwrap()
/// }).await;
/// assert!(name.starts_with(&format!("{}.", std::process::id())) && name.ends_with(".w1"));
/// # }
/// ```
pub fn work(data_dir: &Path, id: &str) {
    register(data_dir);
    set_work(data_dir, id);
}

fn set_work(data_dir: &Path, id: &str) {
    let _ = WORK.try_with(|w| {
        *w.borrow_mut() = Some(Work {
            data_dir: data_dir.to_path_buf(),
            id: id.to_string(),
        })
    });
}

fn register(data_dir: &Path) {
    if CRASH_DIR.get().is_none() {
        let _ = CRASH_DIR.set(data_dir.to_path_buf());
    }
}

/// A marker file, removed when dropped.
///
/// ```
/// use isolet::quarantine::{busy, Marker, BUNDLE};
/// let data = tempfile::tempdir().unwrap();
/// let inflight = data.path().join("crash/inflight");
/// let ended: Marker = busy(Some(data.path()), BUNDLE);
/// drop(ended); // the work ended: its file goes
/// std::mem::forget(busy(Some(data.path()), BUNDLE)); // the process died in it: it stays
/// assert_eq!(std::fs::read_dir(&inflight).unwrap().count(), 1);
/// ```
pub struct Marker {
    path: Option<PathBuf>,
}

impl Drop for Marker {
    fn drop(&mut self) {
        if let Some(p) = &self.path {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A crash-prone step in progress: its marker, then its turn (the marker
/// goes before the turn ends).
///
/// ```
/// # #[tokio::main] async fn main() {
/// use isolet::quarantine::{scope, step, work, Step};
/// let data = tempfile::tempdir().unwrap();
/// let d = data.path();
/// let a: Step = scope(async { work(d, "a"); step().await }).await;
/// let b: Step = scope(async { work(d, "b"); step().await }).await; // no suspect: side by side
/// assert_eq!(std::fs::read_dir(d.join("crash/inflight")).unwrap().count(), 2);
/// drop((a, b));
/// assert_eq!(std::fs::read_dir(d.join("crash/inflight")).unwrap().count(), 0);
/// # }
/// ```
pub struct Step {
    _marker: Marker,
    _turn: Option<Turn>,
}

/// Starts a crash-prone step (a parse of tenant source), once it is its
/// turn: marked as the [`work`] of its [`scope`], or as [`LOAD`] outside
/// one (nothing at all in a process with no server). A suspect's step
/// waits until no other step of this process runs, and others wait for
/// it; neither longer than [`TURN_WAIT`]. Failing to write the marker
/// only loses the quarantine, never the load.
///
/// ```
/// # #[tokio::main] async fn main() {
/// use isolet::quarantine::{scope, step, work};
/// let data = tempfile::tempdir().unwrap();
/// let inflight = data.path().join("crash/inflight");
/// scope(async {
///     work(data.path(), "w1");
///     let s = step().await; // marked while the parse runs
///     assert_eq!(std::fs::read_dir(&inflight).unwrap().count(), 1);
///     drop(s); // however the step ends, its marker goes
///     assert_eq!(std::fs::read_dir(&inflight).unwrap().count(), 0);
/// }).await;
/// # }
/// ```
pub async fn step() -> Step {
    let work = WORK.try_with(|w| w.borrow().clone()).ok().flatten();
    let (data_dir, id) = match work {
        Some(w) => (w.data_dir, w.id),
        None => match CRASH_DIR.get() {
            Some(d) => (d.clone(), LOAD.to_string()),
            None => {
                return Step {
                    _marker: Marker { path: None },
                    _turn: None,
                };
            }
        },
    };
    step_as(&data_dir, &id, TURN_WAIT).await
}

async fn step_as(data_dir: &Path, id: &str, wait: Duration) -> Step {
    let alone = isolet_code::valid_id(id) && suspected(data_dir, id, now());
    let turn = if alone {
        match tokio::time::timeout(wait, LOADS.clone().write_owned()).await {
            Ok(g) => Some(Turn::Alone(g)),
            Err(_) => {
                tracing::warn!(
                    "suspect worker {id:?} did not get its load alone within {} ms; loading it beside others",
                    wait.as_millis()
                );
                None
            }
        }
    } else {
        tokio::time::timeout(wait, LOADS.clone().read_owned())
            .await
            .ok()
            .map(Turn::Shared)
    };
    Step {
        _marker: mark(data_dir, id),
        _turn: turn,
    }
}

/// Marks host work `kind` (a pseudo-id such as [`BUNDLE`]) that may parse
/// tenant source, until dropped (no turn: it may be long). `data_dir`:
/// the server's (`None`: the one of this process, if any).
///
/// ```
/// use isolet::quarantine::{busy, BUNDLE};
/// let data = tempfile::tempdir().unwrap();
/// let inflight = data.path().join("crash/inflight");
/// let marker = busy(Some(data.path()), BUNDLE);
/// let m = std::fs::read_dir(&inflight).unwrap().next().unwrap().unwrap();
/// assert!(m.file_name().to_str().unwrap().ends_with(".(bundle)"));
/// drop(marker);
/// assert_eq!(std::fs::read_dir(&inflight).unwrap().count(), 0);
/// ```
pub fn busy(data_dir: Option<&Path>, kind: &str) -> Marker {
    if let Some(d) = data_dir {
        register(d);
    }
    match data_dir.or(CRASH_DIR.get().map(PathBuf::as_path)) {
        Some(d) => mark(d, kind),
        None => Marker { path: None },
    }
}

/// The marker alone: one file per step (`n` tells two loads of one id
/// apart, say of two of its objects).
fn mark(data_dir: &Path, id: &str) -> Marker {
    static LOAD_N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = LOAD_N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let inflight = dir(data_dir, "inflight");
    let path = inflight.join(format!("{}.{n}.{id}", std::process::id()));
    // A data directory that is gone (a test server's) is not made again.
    let ok = data_dir.is_dir()
        && std::fs::create_dir_all(&inflight).is_ok()
        && std::fs::write(&path, b"").is_ok();
    Marker {
        path: ok.then_some(path),
    }
}

/// A cold load of `id` ended without taking its process down: that lifts
/// its suspicion, and one that ended with a worker (`loaded`) also
/// forgets its crashes.
///
/// ```
/// use isolet::quarantine::{busy, ended, quarantined, record_crash};
/// let data = tempfile::tempdir().unwrap();
/// let (d, me) = (data.path(), std::process::id());
/// std::mem::forget(busy(Some(d), "w")); // a crash in w's load: counted
/// assert!(record_crash(d, me, "signal 6").is_empty());
/// ended(d, "w", true); // a later load of w made a worker: crashes forgotten
/// std::mem::forget(busy(Some(d), "w"));
/// assert!(record_crash(d, me, "signal 6").is_empty()); // one crash again, not two
/// assert!(quarantined(d, "w").is_none());
/// ```
pub fn ended(data_dir: &Path, id: &str, loaded: bool) {
    if !isolet_code::valid_id(id) {
        return;
    }
    let _ = std::fs::remove_file(dir(data_dir, "suspect").join(id));
    if loaded {
        let _ = std::fs::remove_file(dir(data_dir, "count").join(id));
    }
}

/// Why worker `id` is quarantined, if it is.
///
/// ```
/// use isolet::quarantine::{busy, quarantined, record_crash, CRASHES};
/// let data = tempfile::tempdir().unwrap();
/// assert_eq!(quarantined(data.path(), "w"), None);
/// for _ in 0..CRASHES {
///     std::mem::forget(busy(Some(data.path()), "w"));
///     record_crash(data.path(), std::process::id(), "signal 6");
/// }
/// let why = quarantined(data.path(), "w").unwrap();
/// assert!(why.starts_with("worker \"w\" is quarantined: its server process died 2 times"));
/// assert!(why.ends_with("(last: signal 6) (deploy its code again to lift this)"));
/// ```
pub fn quarantined(data_dir: &Path, id: &str) -> Option<String> {
    let text = std::fs::read_to_string(dir(data_dir, "quarantined").join(id)).ok()?;
    Some(format!(
        "worker {id:?} is quarantined: {} (deploy its code again to lift this)",
        text.trim()
    ))
}

/// Lifts the quarantine of `id` and forgets its crashes (its code was
/// replaced or deleted).
///
/// ```
/// use isolet::quarantine::{busy, clear, quarantined, record_crash, CRASHES};
/// let data = tempfile::tempdir().unwrap();
/// for _ in 0..CRASHES {
///     std::mem::forget(busy(Some(data.path()), "w"));
///     record_crash(data.path(), std::process::id(), "signal 6");
/// }
/// assert!(quarantined(data.path(), "w").is_some());
/// clear(data.path(), "w"); // its code was deployed again
/// assert!(quarantined(data.path(), "w").is_none());
/// ```
pub fn clear(data_dir: &Path, id: &str) {
    let _ = std::fs::remove_file(dir(data_dir, "quarantined").join(id));
    let _ = std::fs::remove_file(dir(data_dir, "count").join(id));
    let _ = std::fs::remove_file(dir(data_dir, "suspect").join(id));
}

/// Counts the steps server process `pid` died in (its markers), and
/// quarantines each id that reached [`CRASHES`]. Returns the ids it
/// quarantined now. `how` says how the process ended, for the reason.
///
/// ```
/// use isolet::quarantine::{busy, record_crash};
/// let data = tempfile::tempdir().unwrap();
/// let (d, me) = (data.path(), std::process::id());
/// drop(busy(Some(d), "fine")); // a step that ended leaves nothing to count
/// std::mem::forget(busy(Some(d), "bad"));
/// assert!(record_crash(d, me, "signal 6").is_empty()); // bad's first crash
/// std::mem::forget(busy(Some(d), "bad"));
/// assert_eq!(record_crash(d, me, "signal 6"), ["bad"]); // its second: quarantined now
/// ```
#[doc(hidden)]
pub fn record_crash(data_dir: &Path, pid: u32, how: &str) -> Vec<String> {
    record(data_dir, |marker_pid| marker_pid == pid, how, now())
}

/// [`record_crash`] for every marker whose process is gone (a single
/// server process, at its start: the one before it died).
///
/// ```
/// use isolet::quarantine::{quarantined, record_dead, CRASHES};
/// let data = tempfile::tempdir().unwrap();
/// let inflight = data.path().join("crash/inflight");
/// std::fs::create_dir_all(&inflight).unwrap();
/// let gone = 999_999_999; // above any system's pid_max: no such process
/// for round in 1..=CRASHES {
///     std::fs::write(inflight.join(format!("{gone}.0.w")), b"").unwrap();
///     assert_eq!(record_dead(data.path()).len(), usize::from(round == CRASHES));
/// }
/// assert!(quarantined(data.path(), "w").unwrap().contains("ended during its load"));
/// ```
#[doc(hidden)]
pub fn record_dead(data_dir: &Path) -> Vec<String> {
    let me = std::process::id();
    record(
        data_dir,
        |pid| pid != me && !alive(pid),
        "the server process ended during its load",
        now(),
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

/// [`record_crash`] at time `now` (seconds since the epoch).
fn record(data_dir: &Path, dead: impl Fn(u32) -> bool, how: &str, now: u64) -> Vec<String> {
    let mut quarantined = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir(data_dir, "inflight")) else {
        return quarantined;
    };
    // The steps each dead process was in: workers' ids, and pseudo-ids.
    let mut crashes: BTreeMap<u32, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
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
        let worker = isolet_code::valid_id(id);
        if !dead(pid) || !(worker || pseudo(id)) {
            continue;
        }
        let _ = std::fs::remove_file(entry.path());
        let (workers, others) = crashes.entry(pid).or_default();
        let set = if worker { workers } else { others };
        set.insert(id.to_string());
    }
    for (pid, (ids, others)) in crashes {
        // A suspect absent from this crash was not in every one.
        if let Ok(suspects) = std::fs::read_dir(dir(data_dir, "suspect")) {
            for s in suspects.flatten() {
                if !ids.contains(s.file_name().to_string_lossy().as_ref()) {
                    let _ = std::fs::remove_file(s.path());
                }
            }
        }
        if !others.is_empty() {
            // Host work that is no worker's was in progress: blame nobody.
            for id in &ids {
                if !suspected(data_dir, id, now) {
                    bump(data_dir, "suspect", id, now);
                }
            }
            if !ids.is_empty() {
                tracing::error!(
                    "server process {pid} died while loading {ids:?} beside {others:?} ({how}); no worker is blamed, the ones loading become suspects"
                );
            }
            continue;
        }
        if ids.len() == 1 {
            let id = ids.first().map(String::as_str).unwrap_or_default();
            let count = bump(data_dir, "count", id, now);
            tracing::error!(
                "server process {pid} died while loading worker {id:?} alone ({how}; crash {count} within {} minutes)",
                WINDOW.as_secs() / 60
            );
            if count >= CRASHES {
                let reason = format!(
                    "its server process died {count} times while loading it within {} minutes (last: {how})",
                    WINDOW.as_secs() / 60
                );
                if quarantine(data_dir, id, &reason) {
                    quarantined.push(id.to_string());
                }
            }
            continue;
        }
        for id in &ids {
            let n = bump(data_dir, "suspect", id, now);
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

/// The times (seconds since the epoch) in `crash/<sub>/<id>` that still
/// count at `now` (within [`WINDOW`]).
fn recent(data_dir: &Path, sub: &str, id: &str, now: u64) -> Vec<u64> {
    let window = WINDOW.as_secs();
    std::fs::read_to_string(dir(data_dir, sub).join(id))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse::<u64>().ok())
        .filter(|&t| now.saturating_sub(t) < window)
        .collect()
}

/// Whether `id` is a suspect at `now`.
fn suspected(data_dir: &Path, id: &str, now: u64) -> bool {
    !recent(data_dir, "suspect", id, now).is_empty()
}

/// Adds a crash at `now` to `crash/<sub>/<id>`, forgetting those that no
/// longer count; how many count now.
fn bump(data_dir: &Path, sub: &str, id: &str, now: u64) -> u32 {
    let counts = dir(data_dir, sub);
    let _ = std::fs::create_dir_all(&counts);
    let mut times = recent(data_dir, sub, id, now);
    times.push(now);
    let text: String = times.iter().map(|t| format!("{t}\n")).collect();
    let _ = std::fs::write(counts.join(id), text);
    u32::try_from(times.len()).unwrap_or(u32::MAX)
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

    /// The tests that take turns in the process's one [`LOADS`], one at a
    /// time.
    static TURNS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

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
        std::fs::create_dir_all(&dir).unwrap();
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
        std::fs::create_dir_all(&dir).unwrap();
        let first = mark(&dir, "w");
        let second = mark(&dir, "w");
        drop(first);
        std::mem::forget(second);
        assert!(record_crash(&dir, std::process::id(), "x").is_empty());
        assert_eq!(
            recent(&dir, "count", "w", now()).len(),
            1,
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

    /// A suspect's step waits until no other step of the process runs,
    /// and holds the others off; a load of it that ends lifts the
    /// suspicion.
    #[tokio::test]
    async fn a_suspects_load_runs_alone() {
        let _turns = TURNS.lock().await;
        let dir =
            std::env::temp_dir().join(format!("isolet-quarantine-alone-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("crash/suspect")).unwrap();
        std::fs::write(dir.join("crash/suspect/s"), format!("{}\n", now())).unwrap();
        let long = Duration::from_secs(60);
        let other = step_as(&dir, "a", long).await;
        let d = dir.clone();
        let mut alone = tokio::spawn(async move { step_as(&d, "s", long).await });
        let wait = Duration::from_millis(100);
        assert!(
            tokio::time::timeout(wait, &mut alone).await.is_err(),
            "ran beside a"
        );
        drop(other);
        let alone = tokio::time::timeout(Duration::from_secs(5), alone)
            .await
            .expect("never ran")
            .unwrap();
        let d = dir.clone();
        let mut next = tokio::spawn(async move { step_as(&d, "b", long).await });
        assert!(
            tokio::time::timeout(wait, &mut next).await.is_err(),
            "ran beside s"
        );
        drop(alone);
        drop(next.await.unwrap());
        ended(&dir, "s", false);
        assert!(!suspect(&dir, "s"), "a failed load lifts the suspicion");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The turn is bounded: a suspect does not wait forever for the
    /// others' steps to end, nor do they for its step.
    #[tokio::test]
    async fn nobody_waits_for_a_turn_longer_than_the_bound() {
        let _turns = TURNS.lock().await;
        let dir =
            std::env::temp_dir().join(format!("isolet-quarantine-wait-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("crash/suspect")).unwrap();
        std::fs::write(dir.join("crash/suspect/s"), format!("{}\n", now())).unwrap();
        let short = Duration::from_millis(200);
        let other = step_as(&dir, "a", short).await;
        let alone = tokio::time::timeout(Duration::from_secs(5), step_as(&dir, "s", short))
            .await
            .expect("the suspect waited past its bound");
        assert!(alone._turn.is_none(), "it runs beside a, without the turn");
        drop((alone, other));
        let alone = step_as(&dir, "s", short).await;
        assert!(matches!(alone._turn, Some(Turn::Alone(_))));
        let started = std::time::Instant::now();
        let next = tokio::time::timeout(Duration::from_secs(5), step_as(&dir, "b", short))
            .await
            .expect("b waited past its bound");
        assert!(next._turn.is_none() && started.elapsed() >= short);
        drop((next, alone));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The steps of a load are marked with the id its scope names, and
    /// only while they run.
    #[tokio::test]
    async fn a_step_is_marked_as_its_scopes_work() {
        let _turns = TURNS.lock().await;
        let dir =
            std::env::temp_dir().join(format!("isolet-quarantine-scope-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let marked = |id: &str| -> usize {
            std::fs::read_dir(dir.join("crash/inflight"))
                .map(|e| {
                    e.flatten()
                        .filter(|e| {
                            let name = e.file_name().to_string_lossy().into_owned();
                            name.starts_with(&format!("{}.", std::process::id()))
                                && name.ends_with(&format!(".{id}"))
                        })
                        .count()
                })
                .unwrap_or(0)
        };
        // (`set_work`: `work` without making `dir` the process's, which
        // would mark every other test's loads there.)
        scope(async {
            set_work(&dir, "w1");
            let s = step().await;
            assert_eq!(marked("w1"), 1);
            drop(s);
            assert_eq!(marked("w1"), 0);
        })
        .await;
        scope(async {
            set_work(&dir, RUN);
            let s = step().await;
            assert_eq!(marked(RUN), 1);
            drop(s);
        })
        .await;
        assert_eq!(marked(RUN), 0);
        let b = mark(&dir, BUNDLE);
        assert_eq!(marked(BUNDLE), 1);
        drop(b);
        assert_eq!(marked(BUNDLE), 0);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The attack: a tenant crashes the process (a `/run`, a bundle, Code
    /// Mode) while a neighbour's cold load runs alone. The crash is not the
    /// neighbour's: it is never quarantined for it, only a suspect.
    #[test]
    fn a_death_beside_host_work_is_blamed_on_no_worker() {
        let dir =
            std::env::temp_dir().join(format!("isolet-quarantine-pseudo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (round, pseudo) in [RUN, BUNDLE, CODEMODE, LOAD, RUN, RUN].iter().enumerate() {
            let q = died_loading(&dir, 300 + round as u32, &["victim", pseudo]);
            assert!(q.is_empty(), "round {round}");
            assert!(quarantined(&dir, "victim").is_none());
            assert!(recent(&dir, "count", "victim", now()).is_empty());
            assert_eq!(recent(&dir, "suspect", "victim", now()).len(), 1);
        }
        // Its markers are gone, pseudo-ids' too.
        assert_eq!(
            std::fs::read_dir(dir.join("crash/inflight"))
                .unwrap()
                .count(),
            0
        );
        // A crash of pseudo work alone blames nobody either.
        assert!(died_loading(&dir, 400, &[RUN]).is_empty());
        assert!(!suspect(&dir, "victim"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Crashes older than WINDOW no longer count, and a cold load of the
    /// id that ends with a worker forgets them.
    #[test]
    fn crash_counts_decay_and_a_good_load_resets_them() {
        let dir =
            std::env::temp_dir().join(format!("isolet-quarantine-decay-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let at = |pid: u32, id: &str, t: u64| {
            let inflight = dir.join("crash/inflight");
            std::fs::create_dir_all(&inflight).unwrap();
            std::fs::write(inflight.join(format!("{pid}.0.{id}")), b"").unwrap();
            record(&dir, |p| p == pid, "signal 6", t)
        };
        let t0 = 1_000_000;
        let window = WINDOW.as_secs();
        // Two crashes, WINDOW apart: the first no longer counts.
        assert!(at(1, "w", t0).is_empty());
        assert!(at(2, "w", t0 + window).is_empty());
        assert_eq!(recent(&dir, "count", "w", t0 + window).len(), 1);
        // A good load between two crashes: they do not add up.
        ended(&dir, "w", true);
        assert!(at(3, "w", t0 + window + 1).is_empty());
        // Two within WINDOW do.
        assert_eq!(at(4, "w", t0 + 2 * window), ["w"]);
        // A suspicion decays too, and a load that ends (even failing)
        // lifts it.
        for pid in [6, 7] {
            let inflight = dir.join("crash/inflight");
            std::fs::create_dir_all(&inflight).unwrap();
            std::fs::write(inflight.join(format!("{pid}.0.s")), b"").unwrap();
            std::fs::write(inflight.join(format!("{pid}.1.n{pid}")), b"").unwrap();
            record(&dir, |p| p == pid, "signal 6", t0);
        }
        assert!(suspected(&dir, "s", t0));
        assert!(!suspected(&dir, "s", t0 + window));
        assert_eq!(recent(&dir, "suspect", "s", t0).len(), 2);
        ended(&dir, "s", false);
        assert!(!suspected(&dir, "s", t0));
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
