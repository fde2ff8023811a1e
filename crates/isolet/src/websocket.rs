//! WebSockets a worker accepts: the host's end of the socket (what the
//! embedder or the server's client holds), and the messages that cross it.
//!
//! A worker accepts a WebSocket the Workers way, answering a request with
//! `new Response(null, {status: 101, webSocket: client})` after
//! `server.accept()` on the other end of a `new WebSocketPair()`. The answer
//! arrives as a [`StreamingResponse`](crate::StreamingResponse) whose
//! `web_socket` is this end; the invocation lasts as long as the socket (see
//! `worker.rs`, `run_socket`).

use tokio::sync::mpsc;

use crate::error::{Error, Result};

/// A WebSocket message, either way, or the closing handshake.
///
/// ```
/// use isolet::WebSocketMessage;
/// let m = WebSocketMessage::Text("hi".into());
/// assert_ne!(m, WebSocketMessage::Binary(b"hi".to_vec()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebSocketMessage {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
    /// A close frame: its code (1005 when the frame had none) and reason.
    /// Nothing follows it in the same direction.
    Close {
        /// The close code, e.g. 1000 (normal closure).
        code: u16,
        /// The reason, at most 123 bytes of UTF-8.
        reason: String,
    },
}

/// Messages either way may queue this far ahead of their reader.
pub(crate) const MESSAGES_AHEAD: usize = 16;

/// The client's end of a WebSocket a worker accepted: send it the client's
/// messages, receive the worker's. Its session with the worker ends when
/// both sides have closed (a [`Close`](WebSocketMessage::Close) each way);
/// dropping this end is the client going away (the worker sees a close
/// with code 1006).
///
/// ```no_run
/// # async fn demo(worker: isolet::Worker) -> isolet::Result<()> {
/// use isolet::{Request, WebSocketMessage};
/// let resp = worker
///     .entrypoint(None)
///     .fetch_streaming(Request::get("https://x/chat").header("upgrade", "websocket"))
///     .await?;
/// let mut socket = resp.web_socket.expect("the worker accepted a WebSocket");
/// socket.send(WebSocketMessage::Text("hello".into())).await?;
/// while let Some(message) = socket.recv().await {
///     println!("{message:?}");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct WebSocket {
    sender: WebSocketSender,
    receiver: WebSocketReceiver,
}

/// The sending half of a [`WebSocket`] (see [`WebSocket::split`]).
#[derive(Debug, Clone)]
pub struct WebSocketSender {
    to_worker: mpsc::Sender<WebSocketMessage>,
}

/// The receiving half of a [`WebSocket`] (see [`WebSocket::split`]).
#[derive(Debug)]
pub struct WebSocketReceiver {
    from_worker: mpsc::Receiver<WebSocketMessage>,
}

impl WebSocket {
    /// The host's end, and the session's ends of the two channels.
    pub(crate) fn channel() -> (
        WebSocket,
        mpsc::Receiver<WebSocketMessage>,
        mpsc::Sender<WebSocketMessage>,
    ) {
        let (to_worker, from_client) = mpsc::channel(MESSAGES_AHEAD);
        let (to_client, from_worker) = mpsc::channel(MESSAGES_AHEAD);
        let socket = WebSocket {
            sender: WebSocketSender { to_worker },
            receiver: WebSocketReceiver { from_worker },
        };
        (socket, from_client, to_client)
    }

    /// Sends a message (or the client's close) to the worker; waits while
    /// the worker is behind.
    pub async fn send(&self, message: WebSocketMessage) -> Result<()> {
        self.sender.send(message).await
    }

    /// The worker's next message, its close, or `None` once the session is
    /// over (after the worker's close, or when it failed: then the last
    /// message is a close with code 1011 and the reason).
    pub async fn recv(&mut self) -> Option<WebSocketMessage> {
        self.receiver.recv().await
    }

    /// The two halves, to send and receive from different tasks.
    ///
    /// ```no_run
    /// # async fn demo(socket: isolet::WebSocket) {
    /// let (tx, mut rx) = socket.split();
    /// tokio::spawn(async move { let _ = tx.send(isolet::WebSocketMessage::Text("ping".into())).await; });
    /// while let Some(m) = rx.recv().await { println!("{m:?}"); }
    /// # }
    /// ```
    pub fn split(self) -> (WebSocketSender, WebSocketReceiver) {
        (self.sender, self.receiver)
    }
}

impl WebSocketSender {
    /// Sends a message (or the client's close) to the worker; waits while
    /// the worker is behind. [`Error::WebSocketClosed`] once the session is
    /// over.
    pub async fn send(&self, message: WebSocketMessage) -> Result<()> {
        self.to_worker
            .send(message)
            .await
            .map_err(|_| Error::WebSocketClosed)
    }
}

impl WebSocketReceiver {
    /// The worker's next message, its close, or `None` once the session is
    /// over.
    pub async fn recv(&mut self) -> Option<WebSocketMessage> {
        self.from_worker.recv().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_halves_reach_the_session_ends() {
        let (socket, mut from_client, to_client) = WebSocket::channel();
        let (tx, mut rx) = socket.split();
        tx.send(WebSocketMessage::Text("a".into())).await.unwrap();
        assert_eq!(
            from_client.recv().await,
            Some(WebSocketMessage::Text("a".into()))
        );
        to_client
            .send(WebSocketMessage::Binary(vec![1]))
            .await
            .unwrap();
        drop(to_client);
        assert_eq!(rx.recv().await, Some(WebSocketMessage::Binary(vec![1])));
        assert_eq!(rx.recv().await, None);
        drop(from_client);
        assert!(matches!(
            tx.send(WebSocketMessage::Text("late".into())).await,
            Err(Error::WebSocketClosed)
        ));
    }
}
