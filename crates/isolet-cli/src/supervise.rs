//! `isolet serve` with several server processes (`--workers N`): this
//! process reserves the port, starts N copies of itself that each listen on
//! it with `SO_REUSEPORT` and one request thread, restarts one that dies,
//! and stops them all on SIGTERM or Ctrl-C.
//!
//! A process that dies is always restarted: the port is never left without
//! a server. Restarts back off (`isolet::quarantine::restart_delay`):
//! 100 ms after the first quick death, doubling up to 30 s while the process keeps dying within
//! [`QUICK`] of its start, back to 100 ms once one stays up that long. Only
//! the very first process failing to come up at startup (a bad config, a
//! port in use) ends the supervisor. When a process dies, the crash-prone
//! work it died in (parses of tenant source, each marked) is counted
//! (`isolet::quarantine`): a worker whose cold load was the only such work
//! in it is blamed, and an id that keeps crashing its process (twice
//! within 10 minutes) is quarantined instead of taking its neighbours down
//! with it again; a death beside a `/run`, a bundle or Code Mode is no
//! worker's.
//!
//! Processes beat threads here: measured on 2 vCPUs (BENCHMARKS.md), two
//! single-threaded processes serve a warm worker ~20% faster than one
//! process with two threads (no instance or cache line moves between cores,
//! no cross-core TLB shootdowns when a slot is reset).

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use isolet::quarantine::restart_delay;
use tokio::process::Command;
use tokio::sync::mpsc;

/// The environment variable that makes an `isolet serve` process one of a
/// group (its value is `ServerConfig::process_group_spec`).
pub const GROUP_ENV: &str = "ISOLET_PROCESS_GROUP";

/// A process that dies within this long of its start died quickly: its
/// next restart waits longer.
const QUICK: Duration = Duration::from_secs(10);

struct Process {
    pid: Option<u32>,
    started: Instant,
    quick_deaths: u32,
    running: bool,
    /// When to start it again, after it died.
    restart_at: Option<tokio::time::Instant>,
}

pub async fn run(cfg: isolet_server::ServerConfig, count: usize) -> Result<ExitCode, String> {
    let token = cfg.prepare()?;
    // Loads an earlier group died in (its supervisor killed too).
    isolet::quarantine::record_dead(&cfg.data_dir);
    // The port stays bound (not listening: it takes no connections) for as
    // long as the group runs, so a restarted process gets it back and a
    // `:0` port is chosen once for all.
    let reserved = isolet_server::shared_port_socket(cfg.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", cfg.listen))?;
    let addr = reserved.local_addr().map_err(|e| e.to_string())?;
    let mut key = [0u8; 12];
    getrandom::fill(&mut key).map_err(|e| format!("random group key: {e}"))?;
    let key = hex::encode(key);
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the isolet binary: {e}"))?;
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let spawn = |index: usize| -> Result<(u32, tokio::process::Child), String> {
        let mut cmd = Command::new(&exe);
        cmd.args(&args).env(
            GROUP_ENV,
            isolet_server::ServerConfig::process_group_spec(&key, index, count, addr),
        );
        // SAFETY: the closure runs in the forked child before exec and only
        // makes async-signal-safe calls (prctl, getppid).
        let parent = std::process::id();
        unsafe {
            cmd.pre_exec(move || {
                // A process of the group ends with the supervisor.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0
                    || libc::getppid() as u32 != parent
                {
                    return Err(std::io::Error::other("supervisor gone"));
                }
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start server process {index}: {e}"))?;
        let pid = child.id().ok_or("server process exited at once")?;
        Ok((pid, child))
    };

    let (exits_tx, mut exits) =
        mpsc::unbounded_channel::<(usize, u32, std::io::Result<std::process::ExitStatus>)>();
    let watch = |index: usize, pid: u32, mut child: tokio::process::Child| {
        let tx = exits_tx.clone();
        tokio::spawn(async move {
            let status = child.wait().await;
            let _ = tx.send((index, pid, status));
        });
    };
    let mut procs: Vec<Process> = (0..count)
        .map(|_| Process {
            pid: None,
            started: Instant::now(),
            quick_deaths: 0,
            running: false,
            restart_at: None,
        })
        .collect();
    let start = |index: usize, procs: &mut [Process]| -> Result<(), String> {
        let (pid, child) = spawn(index)?;
        procs[index] = Process {
            pid: Some(pid),
            started: Instant::now(),
            quick_deaths: procs[index].quick_deaths,
            running: true,
            restart_at: None,
        };
        watch(index, pid, child);
        tracing::info!("server process {index} started (pid {pid})");
        Ok(())
    };

    // The first process alone until it listens: it compiles the engines
    // into the shared cache if they are not there yet, so the others load
    // them instead of compiling them too.
    start(0, &mut procs)?;
    let mut shutdown = std::pin::pin!(crate::shutdown::signal());
    let ready = async {
        loop {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::select! {
        () = ready => {}
        Some((_, _, status)) = exits.recv() => {
            return Err(format!("server process 0 exited while starting ({})", describe(&status)));
        }
        () = &mut shutdown => {
            stop(&mut procs, &mut exits, cfg.shutdown_grace_ms).await;
            return Ok(ExitCode::SUCCESS);
        }
    }
    for index in 1..count {
        start(index, &mut procs)?;
    }
    eprintln!(
        "isolet serving on http://{addr} with {count} processes\n  admin token: {token} (from {}/admin-token unless configured)",
        cfg.data_dir.display()
    );
    if cfg.playground {
        eprintln!("  playground: http://{addr}/playground/");
    }

    let data_dir = cfg.data_dir.clone();
    let result = loop {
        let next_restart = procs.iter().filter_map(|p| p.restart_at).min();
        let restart_due = async {
            match next_restart {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = &mut shutdown => break Ok(ExitCode::SUCCESS),
            Some((index, pid, status)) = exits.recv() => {
                if procs[index].pid != Some(pid) {
                    continue;
                }
                let p = &mut procs[index];
                p.running = false;
                p.quick_deaths = if p.started.elapsed() < QUICK { p.quick_deaths.saturating_add(1) } else { 1 };
                let delay = restart_delay(p.quick_deaths);
                p.restart_at = Some(tokio::time::Instant::now() + delay);
                let how = describe(&status);
                let quarantined = isolet::quarantine::record_crash(&data_dir, pid, &how);
                tracing::error!(
                    "server process {index} (pid {pid}) exited ({how}); restarting it in {} ms{}",
                    delay.as_millis(),
                    if quarantined.is_empty() { String::new() } else { format!("; quarantined {quarantined:?}") }
                );
            }
            () = restart_due => {
                let now = tokio::time::Instant::now();
                for index in 0..procs.len() {
                    if procs[index].restart_at.is_some_and(|at| at <= now) {
                        procs[index].restart_at = None;
                        if let Err(e) = start(index, &mut procs) {
                            // Could not even start it (out of processes, the
                            // binary replaced): try again later.
                            let p = &mut procs[index];
                            p.quick_deaths = p.quick_deaths.saturating_add(1);
                            let delay = restart_delay(p.quick_deaths);
                            p.restart_at = Some(now + delay);
                            tracing::error!("{e}; trying again in {} ms", delay.as_millis());
                        }
                    }
                }
            }
        }
    };
    stop(&mut procs, &mut exits, cfg.shutdown_grace_ms).await;
    drop(reserved);
    result
}

/// Asks every running process to shut down gracefully (SIGTERM), waits for
/// them (their grace period and a little more), then kills any left.
async fn stop(
    procs: &mut [Process],
    exits: &mut mpsc::UnboundedReceiver<(usize, u32, std::io::Result<std::process::ExitStatus>)>,
    grace_ms: u64,
) {
    for p in procs.iter().filter(|p| p.running) {
        if let Some(pid) = p.pid {
            // SAFETY: kill has no memory-safety preconditions.
            unsafe { libc::kill(pid as i32, libc::SIGTERM) };
        }
    }
    let deadline =
        tokio::time::Instant::now() + Duration::from_millis(grace_ms) + Duration::from_secs(5);
    while procs.iter().any(|p| p.running) {
        match tokio::time::timeout_at(deadline, exits.recv()).await {
            Ok(Some((index, pid, _))) => {
                if procs[index].pid == Some(pid) {
                    procs[index].running = false;
                }
            }
            Ok(None) => break,
            Err(_) => {
                for p in procs.iter().filter(|p| p.running) {
                    if let Some(pid) = p.pid {
                        tracing::warn!("server process pid {pid} did not stop in time; killing it");
                        // SAFETY: as above.
                        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
                    }
                }
                break;
            }
        }
    }
}

fn describe(status: &std::io::Result<std::process::ExitStatus>) -> String {
    match status {
        Ok(s) => s.to_string(),
        Err(e) => e.to_string(),
    }
}
