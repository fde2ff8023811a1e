//! WebSocket upgrades through `isolet serve`: a request asking to upgrade
//! (`Upgrade: websocket`) goes to the worker like any other; when the worker
//! accepts (a status 101 answer with `webSocket`), the server completes the
//! handshake (RFC 6455 4.2.2) and relays frames between the client's
//! connection and the worker's session until either side is done.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use hyper::body::Incoming;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};

use isolet::{WebSocket, WebSocketMessage};

/// A request's ask to become a WebSocket: its key, and the connection once
/// hyper hands it over.
pub(super) struct Upgrade {
    key: String,
    on: OnUpgrade,
}

/// The upgrade a request asks for, if it is a valid WebSocket opening
/// handshake (a GET with `Upgrade: websocket`, `Connection: upgrade`,
/// version 13 and a key).
pub(super) fn requested(req: &mut http::Request<Incoming>) -> Option<Upgrade> {
    let key = opening_key(req.method(), req.headers())?;
    Some(Upgrade {
        key,
        on: hyper::upgrade::on(req),
    })
}

fn opening_key(method: &http::Method, headers: &HeaderMap) -> Option<String> {
    let has_token = |name: header::HeaderName, token: &str| {
        headers.get_all(name).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    if method != http::Method::GET
        || !has_token(header::UPGRADE, "websocket")
        || !has_token(header::CONNECTION, "upgrade")
        || headers.get(header::SEC_WEBSOCKET_VERSION)? != "13"
    {
        return None;
    }
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)?
        .to_str()
        .ok()?
        .trim();
    // A key is 16 random bytes in base64.
    (key.len() == 24).then(|| key.to_string())
}

/// A place among the WebSockets open to one worker (and object), held for
/// as long as its socket is open (see [`reserve`]).
pub(super) struct SocketSlot {
    open: Arc<Mutex<HashMap<String, usize>>>,
    /// The entries it counts in: its worker's, and its object's if any.
    keys: Vec<String>,
}

/// The entry of `SocketSlot::open` counting the sockets of every worker.
const ALL: &str = "";

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        for key in self.keys.iter().map(String::as_str).chain([ALL]) {
            if let Some(n) = open.get_mut(key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    open.remove(key);
                }
            }
        }
    }
}

/// Reserves a place for one more WebSocket to worker `id` (its `object`),
/// once the worker exists, the caller may reach it and the upgrade
/// request's body has arrived, before the worker is asked: a 503 when the
/// object already has its socket, when the worker already has its most
/// open, its objects' sockets included
/// ([`ServerConfig::max_websockets_per_worker`](crate::ServerConfig::max_websockets_per_worker),
/// which leaves instances to HTTP requests), or when open sockets hold half
/// of this process's instances. The map holds an entry only while a
/// socket (or a reservation) is open, so it cannot grow with ids nobody
/// uses.
// The Err is the answer itself (429), sent as is.
#[allow(clippy::result_large_err)]
pub(super) fn reserve(
    state: &super::State,
    id: &str,
    object: Option<&str>,
) -> Result<SocketSlot, super::respond::HttpResponse> {
    let most = state.config.websockets_per_worker(false);
    let most_per_object = state.config.websockets_per_worker(true);
    let most_overall = usize::try_from(state.config.max_instances / 2)
        .unwrap_or(usize::MAX)
        .max(1);
    let mut keys = vec![id.to_string()];
    if let Some(name) = object {
        // NUL never appears in an id or an object name from a URL path.
        keys.push(format!("{id}\0{name}"));
    }
    let mut open = state.sockets.lock().unwrap_or_else(|p| p.into_inner());
    let count = |key: &str| open.get(key).copied().unwrap_or(0);
    let here = count(id);
    let overall = count(ALL);
    let object_taken = keys.get(1).is_some_and(|k| count(k) >= most_per_object);
    let refusal = if let (true, Some(name)) = (object_taken, object) {
        Some(format!(
            "object {name:?} of worker {id:?} already has a WebSocket open (an object runs on one instance)"
        ))
    } else if here >= most {
        Some(format!(
            "worker {id:?} already has {here} WebSocket(s) open (its objects' included), this server's most per worker (max_websockets_per_worker), so that its other instances stay free for requests"
        ))
    } else if overall >= most_overall {
        Some(format!(
            "{overall} WebSockets are open, this server's most (half of max_instances)"
        ))
    } else {
        None
    };
    if let Some(message) = refusal {
        let mut r = super::respond::error(StatusCode::SERVICE_UNAVAILABLE, message);
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return Err(r);
    }
    for key in keys.iter().map(String::as_str).chain([ALL]) {
        *open.entry(key.to_string()).or_insert(0) += 1;
    }
    Ok(SocketSlot {
        open: state.sockets.clone(),
        keys,
    })
}

/// Completes the handshake of `upgrade` with the worker's 101 `response`
/// and starts relaying between the client and `socket`, holding `slot`
/// until it ends. Messages over `max_message` bytes end the connection;
/// so does `idle` without a message either way.
pub(super) fn accept(
    upgrade: Upgrade,
    mut response: super::respond::HttpResponse,
    socket: WebSocket,
    max_message: usize,
    slot: Option<SocketSlot>,
    idle: Duration,
) -> super::respond::HttpResponse {
    let accept = derive_accept_key(upgrade.key.as_bytes());
    let headers = response.headers_mut();
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    match HeaderValue::from_str(&accept) {
        Ok(v) => {
            headers.insert(header::SEC_WEBSOCKET_ACCEPT, v);
        }
        Err(_) => {
            return super::respond::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not derive the WebSocket accept key",
            );
        }
    }
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    tokio::spawn(async move {
        relay(upgrade.on, socket, max_message, idle).await;
        drop(slot);
    });
    response
}

/// Sends `frame` to the client, waiting at most `within` for it to be
/// taken: a client that stops reading would otherwise hold the relay (and
/// its socket's place and worker instance) forever, the idle timer
/// included, which runs only between sends. Whether the client took it.
async fn send_within<S>(sink: &mut S, frame: Message, within: Duration) -> bool
where
    S: futures_util::Sink<Message> + Unpin,
    S::Error: std::fmt::Display,
{
    match tokio::time::timeout(within, sink.send(frame)).await {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::debug!("WebSocket client: {e}");
            false
        }
        Err(_) => {
            tracing::debug!(
                "WebSocket client read nothing for {} ms: dropped (websocket_idle_timeout_ms)",
                within.as_millis()
            );
            false
        }
    }
}

/// Moves frames between the upgraded connection and the worker's session
/// until the session ends (the worker's end is dropped) and the closing
/// handshake is flushed. After `idle` without a text or binary message
/// either way, the client gets a close (1001) and the worker hears that the
/// client went away (1006). A client that takes nothing sent to it for
/// `idle` is dropped at once (the worker hears 1006).
async fn relay(on: OnUpgrade, socket: WebSocket, max_message: usize, idle: Duration) {
    let upgraded = match on.await {
        Ok(u) => u,
        Err(e) => {
            // Dropping `socket` tells the worker its client went away.
            tracing::debug!("WebSocket upgrade failed: {e}");
            return;
        }
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(max_message))
        .max_frame_size(Some(max_message));
    let stream =
        WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
    let (mut sink, mut frames) = stream.split();
    let (to_worker, mut from_worker) = socket.split();
    // Dropped when the client is done: the worker then hears a 1006 close
    // unless the client's own close came first.
    let mut to_worker = Some(to_worker);
    // When the socket goes idle; `None` once it has.
    let mut idle_at = Some(tokio::time::Instant::now() + idle);
    let far = tokio::time::Instant::now() + Duration::from_secs(86_400 * 365);
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(idle_at.unwrap_or(far)), if idle_at.is_some() && to_worker.is_some() => {
                idle_at = None;
                to_worker = None;
                let reason = format!("idle for {} ms", idle.as_millis());
                let close = CloseFrame { code: CloseCode::Away, reason: reason.into() };
                if !send_within(&mut sink, Message::Close(Some(close)), idle).await {
                    return;
                }
            }
            frame = frames.next(), if to_worker.is_some() => {
                if matches!(frame, Some(Ok(Message::Text(_) | Message::Binary(_)))) {
                    idle_at = Some(tokio::time::Instant::now() + idle);
                }
                let message = match frame {
                    Some(Ok(Message::Text(text))) => WebSocketMessage::Text(text.as_str().to_string()),
                    Some(Ok(Message::Binary(bytes))) => WebSocketMessage::Binary(bytes.to_vec()),
                    Some(Ok(Message::Close(frame))) => {
                        let (code, reason) = frame
                            .map(|f| (u16::from(f.code), f.reason.as_str().to_string()))
                            .unwrap_or((1005, String::new()));
                        WebSocketMessage::Close { code, reason }
                    }
                    // Pings are answered by the protocol layer.
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => {
                        tracing::debug!("WebSocket client: {e}");
                        to_worker = None;
                        continue;
                    }
                    None => {
                        to_worker = None;
                        continue;
                    }
                };
                let closing = matches!(message, WebSocketMessage::Close { .. });
                let sender = to_worker.as_ref();
                if let Some(sender) = sender
                    && (sender.send(message).await.is_err() || closing)
                {
                    to_worker = None;
                }
            }
            message = from_worker.recv() => {
                if idle_at.is_some() && matches!(message, Some(WebSocketMessage::Text(_) | WebSocketMessage::Binary(_))) {
                    idle_at = Some(tokio::time::Instant::now() + idle);
                }
                let frame = match message {
                    Some(WebSocketMessage::Text(text)) => Message::text(text),
                    Some(WebSocketMessage::Binary(bytes)) => Message::binary(bytes),
                    Some(WebSocketMessage::Close { code, reason }) => Message::Close(
                        // 1005 means "no code": a close frame without one.
                        (code != 1005).then(|| CloseFrame { code: CloseCode::from(code), reason: reason.into() }),
                    ),
                    None => break,
                };
                if !send_within(&mut sink, frame, idle).await {
                    // Dropping both ends tells the worker its client went.
                    return;
                }
            }
        }
    }
    let _ = tokio::time::timeout(idle, sink.close()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn an_opening_handshake_needs_every_part() {
        let good = [
            ("upgrade", "websocket"),
            ("connection", "keep-alive, Upgrade"),
            ("sec-websocket-version", "13"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ];
        assert_eq!(
            opening_key(&http::Method::GET, &headers(&good)).as_deref(),
            Some("dGhlIHNhbXBsZSBub25jZQ==")
        );
        assert!(opening_key(&http::Method::POST, &headers(&good)).is_none());
        for missing in 0..good.len() {
            let partial: Vec<_> = good
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != missing)
                .map(|(_, p)| *p)
                .collect();
            assert!(opening_key(&http::Method::GET, &headers(&partial)).is_none());
        }
        let mut old = good;
        old[2] = ("sec-websocket-version", "8");
        assert!(opening_key(&http::Method::GET, &headers(&old)).is_none());
        // RFC 6455's own example.
        assert_eq!(
            derive_accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }
}
