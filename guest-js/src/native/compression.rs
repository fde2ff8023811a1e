//! The Compression Streams' codecs (compression.js, `crate::compression`):
//! `zOpen`, `zPush`, `zFinish` (`zClose` is `crate::compression::close`
//! itself).

use rquickjs::{ArrayBuffer, Ctx, Exception, Value};

use crate::convert::bytes_of;

/// `zOpen(format, decompress)`: a compression codec's handle (compression.js).
pub(super) fn z_open(ctx: Ctx<'_>, format: String, decompress: bool) -> rquickjs::Result<u32> {
    crate::compression::open(&format, decompress).map_err(|m| Exception::throw_type(&ctx, &m))
}

/// `zPush(handle, bytes)`: the output ready after this chunk, as an ArrayBuffer.
pub(super) fn z_push<'js>(
    ctx: Ctx<'js>,
    handle: u32,
    data: Value<'js>,
) -> rquickjs::Result<ArrayBuffer<'js>> {
    let out = crate::compression::push(handle, &bytes_of(&data))
        .map_err(|m| Exception::throw_type(&ctx, &m))?;
    ArrayBuffer::new(ctx, out)
}

/// `zFinish(handle)`: the rest of the output; throws if a compressed input was incomplete.
pub(super) fn z_finish(ctx: Ctx<'_>, handle: u32) -> rquickjs::Result<ArrayBuffer<'_>> {
    let out = crate::compression::finish(handle).map_err(|m| Exception::throw_type(&ctx, &m))?;
    ArrayBuffer::new(ctx, out)
}
