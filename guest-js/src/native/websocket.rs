//! The accepted WebSocket's host side: `wsSend`, `wsClose`.

use rquickjs::{Ctx, Exception, Value};

use crate::convert::bytes_of;
use crate::isolet::worker::{types, websocket};

/// `wsSend(data)`: a message for the client of the accepted WebSocket (a
/// string is a text message, bytes a binary one).
pub(super) fn ws_send<'js>(ctx: Ctx<'js>, data: Value<'js>) -> rquickjs::Result<()> {
    let message = match data.as_string() {
        Some(s) => types::Message::Text(s.to_string()?),
        None => types::Message::Binary(bytes_of(&data)),
    };
    websocket::send(&message).map_err(|message| Exception::throw_type(&ctx, &message))
}

/// `wsClose(code, reason)`: the worker closes the accepted WebSocket.
pub(super) fn ws_close(code: u16, reason: String) {
    websocket::close(code, &reason);
}
