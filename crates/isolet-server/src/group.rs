//! Several server processes on one port (`isolet serve --workers N`): each
//! process also listens on a private control socket through which the
//! others reach it, for what must span all of them — evicting a worker whose
//! code changed, summing metrics, and tails of every process's events.
//!
//! Control sockets are Linux abstract-namespace Unix sockets named after a
//! random group key; both ends check that the peer runs as the same user.
//! One request per connection, a line of text:
//! - `evict <id>` → `ok`
//! - `metrics` → the process's Prometheus text, then EOF
//! - `tail <id>` → an empty frame once subscribed, then Server-Sent Events
//!   frames for that worker, each as a big-endian `u32` length and the
//!   bytes, until either side closes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use super::State;
use super::store::valid_id;
use super::tail_hub::sse_frame;

/// How long a peer has to answer a control request.
const PEER_TIMEOUT: Duration = Duration::from_secs(2);
/// The most bytes one tail frame or one metrics answer may have.
const MAX_FRAME: usize = 64 << 20;

/// A TCP socket bound to `addr` with `SO_REUSEPORT`, so that every process
/// of a group can listen on the same port (used by `isolet serve`).
#[doc(hidden)]
pub fn shared_port_socket(addr: SocketAddr) -> std::io::Result<tokio::net::TcpSocket> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.set_reuseport(true)?;
    socket.bind(addr)?;
    Ok(socket)
}

/// This process's place in a group of server processes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    key: String,
    pub index: usize,
    pub count: usize,
    /// The address every process of the group listens on.
    pub listen: SocketAddr,
}

impl Group {
    /// The environment value `isolet serve` hands each process it starts.
    pub fn spec(key: &str, index: usize, count: usize, listen: SocketAddr) -> String {
        format!("{key}:{index}:{count}:{listen}")
    }

    /// Parses [`Group::spec`]'s format.
    pub fn parse(spec: &str) -> Result<Group, String> {
        let bad = || format!("invalid process group {spec:?}");
        let mut parts = spec.splitn(4, ':');
        let key = parts
            .next()
            .filter(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric()))
            .ok_or_else(bad)?;
        let index: usize = parts.next().and_then(|v| v.parse().ok()).ok_or_else(bad)?;
        let count: usize = parts.next().and_then(|v| v.parse().ok()).ok_or_else(bad)?;
        let listen: SocketAddr = parts.next().and_then(|v| v.parse().ok()).ok_or_else(bad)?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Group {
            key: key.to_string(),
            index,
            count,
            listen,
        })
    }

    fn peers(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.count).filter(move |i| *i != self.index)
    }

    #[cfg(target_os = "linux")]
    fn address(&self, index: usize) -> std::io::Result<std::os::unix::net::SocketAddr> {
        use std::os::linux::net::SocketAddrExt;
        std::os::unix::net::SocketAddr::from_abstract_name(format!("isolet-{}-{index}", self.key))
    }

    #[cfg(not(target_os = "linux"))]
    fn address(&self, _index: usize) -> std::io::Result<std::os::unix::net::SocketAddr> {
        Err(std::io::Error::other("several server processes need Linux"))
    }

    /// Binds this process's control socket.
    pub fn bind(&self) -> std::io::Result<UnixListener> {
        let listener = std::os::unix::net::UnixListener::bind_addr(&self.address(self.index)?)?;
        listener.set_nonblocking(true)?;
        UnixListener::from_std(listener)
    }

    async fn connect(&self, index: usize) -> std::io::Result<UnixStream> {
        let addr = self.address(index)?;
        // A Unix-socket connect completes at once or fails.
        let stream = std::os::unix::net::UnixStream::connect_addr(&addr)?;
        stream.set_nonblocking(true)?;
        let stream = UnixStream::from_std(stream)?;
        same_user(&stream)?;
        Ok(stream)
    }

    async fn request(&self, index: usize, line: &str) -> std::io::Result<UnixStream> {
        let mut stream = tokio::time::timeout(PEER_TIMEOUT, self.connect(index))
            .await
            .map_err(|_| std::io::Error::other("timed out"))??;
        stream.write_all(format!("{line}\n").as_bytes()).await?;
        Ok(stream)
    }

    /// Evicts worker `id` in every other process (its code changed or was
    /// deleted); returns once each has done so or failed to answer.
    pub async fn evict(&self, id: &str) {
        let calls = self.peers().map(|i| async move {
            let answer = tokio::time::timeout(PEER_TIMEOUT, async {
                let mut stream = self.request(i, &format!("evict {id}")).await?;
                let mut answer = String::new();
                (&mut stream).take(16).read_to_string(&mut answer).await?;
                Ok::<_, std::io::Error>(answer)
            })
            .await;
            match answer {
                Ok(Ok(a)) if a == "ok\n" => {}
                Ok(Ok(a)) => tracing::error!("server process {i} answered {a:?} to evict {id}"),
                Ok(Err(e)) => tracing::error!("server process {i} could not evict {id}: {e}"),
                Err(_) => tracing::error!("server process {i} did not evict {id} in time"),
            }
        });
        in_turn(calls).await;
    }

    /// The Prometheus text of every other process that answers.
    pub async fn metrics(&self) -> Vec<String> {
        let calls = self.peers().map(|i| async move {
            tokio::time::timeout(PEER_TIMEOUT, async {
                let stream = self.request(i, "metrics").await?;
                let mut text = String::new();
                stream
                    .take(MAX_FRAME as u64)
                    .read_to_string(&mut text)
                    .await?;
                Ok::<_, std::io::Error>(text)
            })
            .await
            .map_err(|_| std::io::Error::other("timed out"))
            .and_then(|r| r)
            .inspect_err(|e| tracing::warn!("metrics of server process {i}: {e}"))
            .ok()
        });
        in_turn(calls).await.into_iter().flatten().collect()
    }

    /// Tail frames of worker `id` from every other process, into `tx`,
    /// until `tx` closes. Returns how many processes could not be reached.
    pub async fn tail(self: &Arc<Self>, id: &str, tx: tokio::sync::mpsc::Sender<Bytes>) -> usize {
        let mut unreachable = 0;
        for i in self.peers() {
            let subscribed = async {
                let mut stream = self.request(i, &format!("tail {id}")).await?;
                // Wait until the peer has subscribed, so no event of a
                // request sent after this call returns is missed.
                let ack = read_frame(&mut stream).await?;
                if !ack.is_empty() {
                    return Err(std::io::Error::other("unexpected tail answer"));
                }
                Ok::<_, std::io::Error>(stream)
            };
            let mut stream = match tokio::time::timeout(PEER_TIMEOUT, subscribed)
                .await
                .map_err(|_| std::io::Error::other("timed out"))
                .and_then(|r| r)
            {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!("tail of server process {i}: {e}");
                    unreachable += 1;
                    continue;
                }
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                loop {
                    let frame = tokio::select! {
                        f = read_frame(&mut stream) => f,
                        () = tx.closed() => break,
                    };
                    match frame {
                        Ok(bytes) => {
                            if tx.send(bytes).await.is_err() {
                                break;
                            }
                        }
                        Err(_) => break,
                    }
                }
            });
        }
        unreachable
    }

    /// Answers the other processes' requests until the listener fails.
    pub async fn serve(listener: UnixListener, state: Arc<State>) {
        loop {
            let stream = match listener.accept().await {
                Ok((s, _)) => s,
                Err(e) => {
                    tracing::warn!("control socket: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let state = state.clone();
            tokio::spawn(async move {
                if let Err(e) = answer(stream, &state).await {
                    tracing::debug!("control request: {e}");
                }
            });
        }
    }
}

async fn answer(stream: UnixStream, state: &State) -> std::io::Result<()> {
    same_user(&stream)?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    tokio::time::timeout(PEER_TIMEOUT, (&mut reader).take(256).read_line(&mut line))
        .await
        .map_err(|_| std::io::Error::other("request timed out"))??;
    let mut stream = reader.into_inner();
    let line = line.trim_end();
    let (verb, arg) = line.split_once(' ').unwrap_or((line, ""));
    match verb {
        "evict" if valid_id(arg) => {
            state.runtime.evict(arg);
            stream.write_all(b"ok\n").await
        }
        "metrics" => {
            let text = state.metrics.render(&state.runtime);
            stream.write_all(text.as_bytes()).await
        }
        "tail" if valid_id(arg) => {
            let mut rx = state.hub.subscribe(arg);
            // An empty frame: subscribed (events from now on are sent).
            stream.write_all(&0u32.to_be_bytes()).await?;
            let (mut read_half, mut write_half) = stream.into_split();
            let mut ignored = [0u8; 64];
            loop {
                let item = tokio::select! {
                    item = rx.recv() => item,
                    // The subscriber closed its end.
                    _ = read_half.read(&mut ignored) => return Ok(()),
                };
                let frame = match item {
                    Ok(event) => sse_frame(Ok(&event)),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => sse_frame(Err(n)),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return Ok(()),
                };
                let len = u32::try_from(frame.len()).map_err(std::io::Error::other)?;
                write_half.write_all(&len.to_be_bytes()).await?;
                write_half.write_all(frame.as_bytes()).await?;
            }
        }
        _ => Err(std::io::Error::other(format!(
            "unknown control request {line:?}"
        ))),
    }
}

async fn read_frame(stream: &mut UnixStream) -> std::io::Result<Bytes> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(std::io::Error::other("tail frame too large"));
    }
    let mut buf = vec![0u8; len];
    stream.read_exact(&mut buf).await?;
    Ok(Bytes::from(buf))
}

/// Refuses a control connection from another user (abstract sockets have
/// no file permissions).
fn same_user(stream: &UnixStream) -> std::io::Result<()> {
    let cred = stream.peer_cred()?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if cred.uid() == me {
        Ok(())
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!("control connection from uid {}", cred.uid()),
        ))
    }
}

/// Runs peer requests one after another: peers are few (one per CPU) and
/// answer in microseconds; one that hangs costs its timeout.
async fn in_turn<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut out = Vec::new();
    for f in futures {
        out.push(f.await);
    }
    out
}

/// Sums Prometheus texts of several processes: samples with the same name
/// and labels add up; families stay grouped under their `# HELP`/`# TYPE`
/// lines in the order they first appear.
pub(crate) fn merge_metrics(texts: &[String]) -> String {
    struct Family {
        header: Vec<String>,
        samples: Vec<(String, String)>,
    }
    let mut families: Vec<Family> = Vec::new();
    let mut by_name: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for text in texts {
        let mut current: Option<usize> = None;
        for line in text.lines() {
            if let Some(rest) = line
                .strip_prefix("# HELP ")
                .or_else(|| line.strip_prefix("# TYPE "))
            {
                let name = rest.split(' ').next().unwrap_or("").to_string();
                let idx = *by_name.entry(name).or_insert_with(|| {
                    families.push(Family {
                        header: Vec::new(),
                        samples: Vec::new(),
                    });
                    families.len() - 1
                });
                if !families[idx].header.iter().any(|h| h == line) {
                    families[idx].header.push(line.to_string());
                }
                current = Some(idx);
            } else if let Some((key, value)) = line.rsplit_once(' ') {
                let idx = match current {
                    Some(i) => i,
                    None => {
                        families.push(Family {
                            header: Vec::new(),
                            samples: Vec::new(),
                        });
                        current = Some(families.len() - 1);
                        families.len() - 1
                    }
                };
                let samples = &mut families[idx].samples;
                match samples.iter_mut().find(|(k, _)| k == key) {
                    Some((_, v)) => *v = add(v, value),
                    None => samples.push((key.to_string(), value.to_string())),
                }
            }
        }
    }
    let mut out = String::new();
    for f in families {
        for h in f.header {
            out.push_str(&h);
            out.push('\n');
        }
        for (k, v) in f.samples {
            out.push_str(&k);
            out.push(' ');
            out.push_str(&v);
            out.push('\n');
        }
    }
    out
}

/// Adds two sample values, keeping integers integral.
fn add(a: &str, b: &str) -> String {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.saturating_add(y).to_string(),
        _ => (a.parse::<f64>().unwrap_or(0.0) + b.parse::<f64>().unwrap_or(0.0)).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_round_trip_and_bad_ones_are_refused() {
        let addr: SocketAddr = "[::1]:8080".parse().unwrap();
        let g = Group::parse(&Group::spec("abc123", 1, 2, addr)).unwrap();
        assert_eq!((g.index, g.count, g.listen), (1, 2, addr));
        for bad in [
            "",
            "abc:2:2:127.0.0.1:1",
            "abc:0:0:127.0.0.1:1",
            "a-b:0:1:127.0.0.1:1",
            "abc:x:1:127.0.0.1:1",
            "abc:0:1:nowhere",
        ] {
            assert!(Group::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn metrics_of_processes_add_up_by_family() {
        let a = "# HELP x_total X.\n# TYPE x_total counter\nx_total{r=\"a\"} 2\nx_total{r=\"b\"} 1\n# HELP s Sum.\n# TYPE s gauge\ns 0.5\n";
        let b = "# HELP x_total X.\n# TYPE x_total counter\nx_total{r=\"c\"} 4\nx_total{r=\"a\"} 3\n# HELP s Sum.\n# TYPE s gauge\ns 0.25\n# HELP y Y.\n# TYPE y gauge\ny 7\n";
        assert_eq!(
            merge_metrics(&[a.to_string(), b.to_string()]),
            "# HELP x_total X.\n# TYPE x_total counter\nx_total{r=\"a\"} 5\nx_total{r=\"b\"} 1\nx_total{r=\"c\"} 4\n\
             # HELP s Sum.\n# TYPE s gauge\ns 0.75\n# HELP y Y.\n# TYPE y gauge\ny 7\n"
        );
    }
}
