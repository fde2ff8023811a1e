//! `TextDecoder` for the WHATWG Encoding Standard's legacy encodings
//! (everything but UTF-8, which js/prelude/encoding.js decodes itself):
//! encoding_rs does the label lookup and the decoders. A streaming decode
//! keeps its decoder by handle until the call that ends the stream.

use std::cell::RefCell;

use encoding_rs::{CoderResult, Decoder, DecoderResult, Encoding};

use crate::handles::Handles;

thread_local! {
    static DECODERS: RefCell<Handles<Decoder>> = RefCell::default();
}

/// The encoding a label names (its name in lowercase, as
/// `TextDecoder.prototype.encoding` gives it), or `None` for a label the
/// standard does not know or maps to the replacement encoding (both a
/// `RangeError` for `TextDecoder`).
pub fn name_for_label(label: &str) -> Option<String> {
    let encoding = Encoding::for_label(label.as_bytes())?;
    (encoding != encoding_rs::REPLACEMENT).then(|| encoding.name().to_ascii_lowercase())
}

/// Decodes `bytes` with the decoder `handle` (0: a new one for `name`);
/// returns the text and the handle to pass with the next chunk (0 once the
/// stream ended with `last`, or after an error).
pub fn decode(
    name: &str,
    handle: u32,
    bytes: &[u8],
    fatal: bool,
    ignore_bom: bool,
    last: bool,
) -> Result<(String, u32), String> {
    let mut decoder = match take(handle) {
        Some(d) => d,
        None => {
            let encoding = Encoding::for_label(name.as_bytes())
                .filter(|e| *e != encoding_rs::REPLACEMENT)
                .ok_or_else(|| format!("The \"{name}\" encoding is not supported"))?;
            if ignore_bom {
                encoding.new_decoder_without_bom_handling()
            } else {
                encoding.new_decoder_with_bom_removal()
            }
        }
    };
    let mut out = String::new();
    if fatal {
        let cap = decoder
            .max_utf8_buffer_length_without_replacement(bytes.len())
            .ok_or("The input is too long to decode")?;
        out.reserve(cap);
        let (result, _read) = decoder.decode_to_string_without_replacement(bytes, &mut out, last);
        match result {
            DecoderResult::InputEmpty => {}
            DecoderResult::Malformed(..) => {
                return Err(format!(
                    "The encoded data was not valid for encoding {}",
                    decoder.encoding().name().to_ascii_lowercase()
                ));
            }
            DecoderResult::OutputFull => return Err("decoder output buffer too small".into()),
        }
    } else {
        let cap = decoder
            .max_utf8_buffer_length(bytes.len())
            .ok_or("The input is too long to decode")?;
        out.reserve(cap);
        let (result, _read, _replaced) = decoder.decode_to_string(bytes, &mut out, last);
        if result == CoderResult::OutputFull {
            return Err("decoder output buffer too small".into());
        }
    }
    let next = if last { 0 } else { keep(decoder) };
    Ok((out, next))
}

fn take(handle: u32) -> Option<Decoder> {
    if handle == 0 {
        return None;
    }
    DECODERS.with(|d| d.borrow_mut().remove(handle))
}

fn keep(decoder: Decoder) -> u32 {
    DECODERS.with(|d| d.borrow_mut().insert(decoder))
}
