//! The codecs behind `CompressionStream` and `DecompressionStream`
//! (compression.js): gzip (RFC 1952), deflate (the zlib format, RFC 1950)
//! and deflate-raw (RFC 1951), on flate2's pure-Rust backend. Each stream
//! holds one codec by handle; chunks go in, whatever output is ready comes
//! out, and `finish` checks that a compressed input was complete.

use std::cell::RefCell;
use std::io::Write;

use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
use flate2::{Compression, Decompress, FlushDecompress, Status};

use crate::handles::Handles;

enum Codec {
    Gzip(GzEncoder<Vec<u8>>),
    Zlib(ZlibEncoder<Vec<u8>>),
    Raw(DeflateEncoder<Vec<u8>>),
    Inflate(Box<Inflate>),
}

/// A decompressor that knows where its stream ends.
struct Inflate {
    z: Decompress,
    gzip: Option<Gzip>,
    ended: bool,
}

/// Gzip framing around the raw deflate data: the header (parsed once whole)
/// and the trailer (CRC-32 and size of the output, checked at the end).
struct Gzip {
    header: Vec<u8>,
    header_done: bool,
    trailer: Vec<u8>,
    crc: crc32fast::Hasher,
    size: u32,
}

thread_local! {
    static CODECS: RefCell<Handles<Codec>> = RefCell::default();
}

/// Opens a codec for `format`; its handle.
pub fn open(format: &str, decompress: bool) -> Result<u32, String> {
    let level = Compression::default();
    let codec = match (format, decompress) {
        ("gzip", false) => Codec::Gzip(GzEncoder::new(Vec::new(), level)),
        ("deflate", false) => Codec::Zlib(ZlibEncoder::new(Vec::new(), level)),
        ("deflate-raw", false) => Codec::Raw(DeflateEncoder::new(Vec::new(), level)),
        ("gzip" | "deflate" | "deflate-raw", true) => Codec::Inflate(Box::new(Inflate {
            z: Decompress::new(format == "deflate"),
            gzip: (format == "gzip").then(|| Gzip {
                header: Vec::new(),
                header_done: false,
                trailer: Vec::new(),
                crc: crc32fast::Hasher::new(),
                size: 0,
            }),
            ended: false,
        })),
        _ => {
            return Err(format!(
                "Unsupported compression format: '{format}' (gzip, deflate or deflate-raw)"
            ));
        }
    };
    Ok(CODECS.with(|c| c.borrow_mut().insert(codec)))
}

fn with<T>(handle: u32, f: impl FnOnce(&mut Codec) -> Result<T, String>) -> Result<T, String> {
    CODECS.with(|c| match c.borrow_mut().get_mut(handle) {
        Some(codec) => f(codec),
        None => Err("the compression stream is closed".into()),
    })
}

/// Feeds one chunk; the output ready so far. An error closes the codec.
pub fn push(handle: u32, input: &[u8]) -> Result<Vec<u8>, String> {
    let out = with(handle, |codec| {
        match codec {
            Codec::Gzip(e) => e.write_all(input).map(|()| std::mem::take(e.get_mut())),
            Codec::Zlib(e) => e.write_all(input).map(|()| std::mem::take(e.get_mut())),
            Codec::Raw(e) => e.write_all(input).map(|()| std::mem::take(e.get_mut())),
            Codec::Inflate(d) => return d.push(input),
        }
        .map_err(|e| e.to_string())
    });
    if out.is_err() {
        close(handle);
    }
    out
}

/// Ends the input: the rest of the output. Closes the codec.
pub fn finish(handle: u32) -> Result<Vec<u8>, String> {
    let out = with(handle, |codec| {
        match codec {
            Codec::Gzip(e) => e.try_finish().map(|()| std::mem::take(e.get_mut())),
            Codec::Zlib(e) => e.try_finish().map(|()| std::mem::take(e.get_mut())),
            Codec::Raw(e) => e.try_finish().map(|()| std::mem::take(e.get_mut())),
            Codec::Inflate(d) => return d.finish(),
        }
        .map_err(|e| e.to_string())
    });
    close(handle);
    out
}

/// Drops a codec (its stream was canceled or errored).
pub fn close(handle: u32) {
    CODECS.with(|c| c.borrow_mut().remove(handle));
}

impl Inflate {
    fn push(&mut self, input: &[u8]) -> Result<Vec<u8>, String> {
        let owned: Vec<u8>;
        let mut input = input;
        if let Some(g) = &mut self.gzip
            && !g.header_done
        {
            g.header.extend_from_slice(input);
            let Some(len) = gzip_header_len(&g.header)? else {
                return Ok(Vec::new());
            };
            g.header_done = true;
            owned = g.header.split_off(len);
            input = &owned;
        }
        let mut out = Vec::new();
        if !self.ended {
            loop {
                if out.capacity() - out.len() < 4096 {
                    out.reserve(input.len().saturating_mul(2).clamp(4096, 1 << 20));
                }
                let (in0, out0) = (self.z.total_in(), self.z.total_out());
                let status = self
                    .z
                    .decompress_vec(input, &mut out, FlushDecompress::None)
                    .map_err(|e| format!("The compressed data is invalid: {e}"))?;
                input = &input[(self.z.total_in() - in0) as usize..];
                if status == Status::StreamEnd {
                    self.ended = true;
                    break;
                }
                // Done with this chunk once all of it went in and the output
                // buffer did not fill up (nothing more is waiting).
                let progressed = self.z.total_in() != in0 || self.z.total_out() != out0;
                if !progressed || (input.is_empty() && out.len() < out.capacity()) {
                    break;
                }
            }
            if let Some(g) = &mut self.gzip {
                g.crc.update(&out);
                g.size = g.size.wrapping_add(out.len() as u32);
            }
        }
        if self.ended && !input.is_empty() {
            match &mut self.gzip {
                Some(g) if g.trailer.len() + input.len() <= 8 => {
                    g.trailer.extend_from_slice(input);
                }
                _ => return Err("Junk found after the end of the compressed data".into()),
            }
        }
        Ok(out)
    }

    fn finish(&mut self) -> Result<Vec<u8>, String> {
        if !self.ended {
            return Err("The compressed data ended before the end of its stream".into());
        }
        if let Some(g) = &self.gzip {
            if g.trailer.len() < 8 {
                return Err("The gzip data ended before its trailer".into());
            }
            let crc = u32::from_le_bytes([g.trailer[0], g.trailer[1], g.trailer[2], g.trailer[3]]);
            let size = u32::from_le_bytes([g.trailer[4], g.trailer[5], g.trailer[6], g.trailer[7]]);
            if crc != g.crc.clone().finalize() || size != g.size {
                return Err("The gzip data's checksum does not match".into());
            }
        }
        Ok(Vec::new())
    }
}

/// The length of a complete gzip header at the start of `b`, `None` when
/// more bytes are needed.
fn gzip_header_len(b: &[u8]) -> Result<Option<usize>, String> {
    if b.len() >= 2 && (b[0], b[1]) != (0x1f, 0x8b) {
        return Err("The data is not in the gzip format".into());
    }
    if b.len() < 10 {
        return Ok(None);
    }
    if b[2] != 8 {
        return Err("The gzip data uses an unknown compression method".into());
    }
    let flags = b[3];
    let mut at = 10;
    if flags & 0x04 != 0 {
        // FEXTRA: a length, then that many bytes.
        let Some(x) = b.get(at..at + 2) else {
            return Ok(None);
        };
        at += 2 + u16::from_le_bytes([x[0], x[1]]) as usize;
    }
    for flag in [0x08, 0x10] {
        // FNAME, FCOMMENT: zero-terminated.
        if flags & flag != 0 {
            match b.get(at..).and_then(|r| r.iter().position(|&c| c == 0)) {
                Some(end) => at += end + 1,
                None => return Ok(None),
            }
        }
    }
    if flags & 0x02 != 0 {
        at += 2; // FHCRC
    }
    Ok((b.len() >= at).then_some(at))
}
