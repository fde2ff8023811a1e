//! Text decoding: `utf8Decode` (UTF-8 with WHATWG semantics), and the legacy
//! encodings (`encodingFor`, `legacyDecode`, see `crate::encoding`).

use rquickjs::function::Opt;
use rquickjs::{Array, Ctx, Exception, Value};

use crate::convert::bytes_of;

/// UTF-8 decoding with WHATWG semantics: replacement characters, or a
/// TypeError when `fatal`. A leading BOM is removed unless `ignoreBOM`.
pub(super) fn utf8_decode(
    ctx: Ctx<'_>,
    bytes: Value<'_>,
    fatal: Opt<bool>,
    ignore_bom: Opt<bool>,
) -> rquickjs::Result<String> {
    let bytes = bytes_of(&bytes);
    let mut slice = bytes.as_slice();
    if !ignore_bom.0.unwrap_or(false) && slice.starts_with(&[0xEF, 0xBB, 0xBF]) {
        slice = &slice[3..];
    }
    if fatal.0.unwrap_or(false) {
        std::str::from_utf8(slice).map(str::to_owned).map_err(|_| {
            Exception::throw_type(&ctx, "The encoded data was not valid for encoding utf-8")
        })
    } else {
        Ok(String::from_utf8_lossy(slice).into_owned())
    }
}

/// `encodingFor(label)`: the encoding's lowercase name, or `null` for a label
/// `TextDecoder` must refuse.
pub(super) fn encoding_for(label: String) -> Option<String> {
    crate::encoding::name_for_label(&label)
}

/// `legacyDecode(name, handle, bytes, fatal, ignoreBOM, last)`:
/// `[text, handle]` (see `encoding::decode`).
#[allow(clippy::too_many_arguments)]
pub(super) fn legacy_decode<'js>(
    ctx: Ctx<'js>,
    name: String,
    handle: u32,
    bytes: Value<'js>,
    fatal: bool,
    ignore_bom: bool,
    last: bool,
) -> rquickjs::Result<Array<'js>> {
    let (text, next) =
        crate::encoding::decode(&name, handle, &bytes_of(&bytes), fatal, ignore_bom, last)
            .map_err(|m| Exception::throw_type(&ctx, &m))?;
    let out = Array::new(ctx)?;
    out.set(0, text)?;
    out.set(1, next)?;
    Ok(out)
}
