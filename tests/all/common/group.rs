//! `isolet serve --workers 2`: the real binary, its supervisor and two
//! server processes on one port.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

/// A running group (killed when dropped).
pub struct ServeGroup {
    pub child: std::process::Child,
    pub addr: SocketAddr,
    pub token: String,
}

impl ServeGroup {
    /// Starts it with `dir` as its data directory; returns once it serves.
    pub fn start(dir: &Path) -> ServeGroup {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_isolet"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--workers",
                "2",
                "--data-dir",
            ])
            .arg(dir)
            .env("RUST_LOG", "warn")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // Keep draining stderr (every process of the group writes to it).
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                eprintln!("[serve] {line}");
                if let Some(rest) = line.strip_prefix("isolet serving on http://") {
                    let _ = tx.send(rest.split(' ').next().unwrap_or("").to_string());
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(600))
            .expect("the server group did not start")
            .parse()
            .unwrap();
        let token = std::fs::read_to_string(dir.join("admin-token"))
            .unwrap()
            .trim()
            .to_string();
        ServeGroup { child, addr, token }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The server processes the supervisor runs now.
    pub fn processes(&self) -> Vec<u32> {
        let pid = self.child.id();
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect()
    }
}

impl Drop for ServeGroup {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
