//! `isolet serve` with several server processes (`--workers N`): this
//! process reserves the port, starts N copies of itself that each listen on
//! it with `SO_REUSEPORT` and one request thread, restarts one that dies,
//! and stops them all on SIGTERM or Ctrl-C.
//!
//! Processes beat threads here: measured on 2 vCPUs (BENCHMARKS.md), two
//! single-threaded processes serve a warm worker ~20% faster than one
//! process with two threads (no instance or cache line moves between cores,
//! no cross-core TLB shootdowns when a slot is reset).

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use tokio::process::Command;
use tokio::sync::mpsc;

/// The environment variable that makes an `isolet serve` process one of a
/// group (its value is `ServerConfig::process_group_spec`).
pub const GROUP_ENV: &str = "ISOLET_PROCESS_GROUP";

/// A process that dies within this long of its start counts as failing to
/// start; after `MAX_QUICK_FAILURES` of those in a row the server stops.
const QUICK: Duration = Duration::from_secs(10);
const MAX_QUICK_FAILURES: u32 = 3;

struct Process {
    pid: Option<u32>,
    started: Instant,
    quick_failures: u32,
    running: bool,
}

pub async fn run(cfg: isolet::ServerConfig, count: usize) -> Result<ExitCode, String> {
    let token = cfg.prepare()?;
    // The port stays bound (not listening: it takes no connections) for as
    // long as the group runs, so a restarted process gets it back and a
    // `:0` port is chosen once for all.
    let reserved = isolet::shared_port_socket(cfg.listen)
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
            isolet::ServerConfig::process_group_spec(&key, index, count, addr),
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
            quick_failures: 0,
            running: false,
        })
        .collect();
    let start = |index: usize, procs: &mut [Process]| -> Result<(), String> {
        let (pid, child) = spawn(index)?;
        procs[index] = Process {
            pid: Some(pid),
            started: Instant::now(),
            quick_failures: procs[index].quick_failures,
            running: true,
        };
        watch(index, pid, child);
        tracing::info!("server process {index} started (pid {pid})");
        Ok(())
    };

    // The first process alone until it listens: it compiles the engines
    // into the shared cache if they are not there yet, so the others load
    // them instead of compiling them too.
    start(0, &mut procs)?;
    let mut shutdown = std::pin::pin!(super::shutdown_signal());
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

    let result = loop {
        tokio::select! {
            () = &mut shutdown => break Ok(ExitCode::SUCCESS),
            Some((index, pid, status)) = exits.recv() => {
                if procs[index].pid != Some(pid) {
                    continue;
                }
                procs[index].running = false;
                let quick = procs[index].started.elapsed() < QUICK;
                procs[index].quick_failures = if quick { procs[index].quick_failures + 1 } else { 0 };
                tracing::error!("server process {index} (pid {pid}) exited ({}); restarting it", describe(&status));
                if procs[index].quick_failures >= MAX_QUICK_FAILURES {
                    break Err(format!(
                        "server process {index} keeps exiting right after it starts ({}); stopping",
                        describe(&status)
                    ));
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
                if let Err(e) = start(index, &mut procs) {
                    break Err(e);
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
