//! WebSocket upgrades through `isolet serve`: a request asking to upgrade
//! (`Upgrade: websocket`) goes to the worker like any other; when the worker
//! accepts (a status 101 answer with `webSocket`), the server completes the
//! handshake (RFC 6455 4.2.2) and relays frames between the client's
//! connection and the worker's session until either side is done.

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

use crate::websocket::{WebSocket, WebSocketMessage};

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

/// Completes the handshake of `upgrade` with the worker's 101 `response`
/// and starts relaying between the client and `socket`. Messages over
/// `max_message` bytes end the connection.
pub(super) fn accept(
    upgrade: Upgrade,
    mut response: super::routes::HttpResponse,
    socket: WebSocket,
    max_message: usize,
) -> super::routes::HttpResponse {
    let accept = derive_accept_key(upgrade.key.as_bytes());
    let headers = response.headers_mut();
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    match HeaderValue::from_str(&accept) {
        Ok(v) => {
            headers.insert(header::SEC_WEBSOCKET_ACCEPT, v);
        }
        Err(_) => {
            return super::routes::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not derive the WebSocket accept key",
            );
        }
    }
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    tokio::spawn(relay(upgrade.on, socket, max_message));
    response
}

/// Moves frames between the upgraded connection and the worker's session
/// until the session ends (the worker's end is dropped) and the closing
/// handshake is flushed.
async fn relay(on: OnUpgrade, socket: WebSocket, max_message: usize) {
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
    loop {
        tokio::select! {
            frame = frames.next(), if to_worker.is_some() => {
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
                let frame = match message {
                    Some(WebSocketMessage::Text(text)) => Message::text(text),
                    Some(WebSocketMessage::Binary(bytes)) => Message::binary(bytes),
                    Some(WebSocketMessage::Close { code, reason }) => Message::Close(
                        // 1005 means "no code": a close frame without one.
                        (code != 1005).then(|| CloseFrame { code: CloseCode::from(code), reason: reason.into() }),
                    ),
                    None => break,
                };
                if let Err(e) = sink.send(frame).await {
                    tracing::debug!("WebSocket client: {e}");
                    to_worker = None;
                }
            }
        }
    }
    let _ = sink.close().await;
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
