import { eq, throws, suite } from "./harness.js";

export default suite(() => {
  const enc = new TextEncoder();
  eq("encode ascii", [...enc.encode("hi")], [104, 105]);
  eq("encode multibyte", [...enc.encode("é€😀")], [195, 169, 226, 130, 172, 240, 159, 152, 128]);
  eq("encoding name", enc.encoding, "utf-8");
  const dec = new TextDecoder();
  eq("decode", dec.decode(new Uint8Array([226, 130, 172])), "€");
  eq("decode ArrayBuffer", dec.decode(new Uint8Array([104, 105]).buffer), "hi");
  eq("decode empty", dec.decode(), "");
  eq("invalid utf-8 replaced", dec.decode(new Uint8Array([0x68, 0xff, 0x69])), "h\uFFFDi");
  eq("truncated sequence replaced", dec.decode(new Uint8Array([0xe2, 0x82])), "\uFFFD");
  eq("BOM stripped", dec.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), "A");
  eq("BOM kept with ignoreBOM", new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), "\uFEFFA");
  throws("fatal rejects invalid", () => new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xc3])), "TypeError");
  eq("label utf8", new TextDecoder("UTF8").encoding, "utf-8");
  throws("unknown label", () => new TextDecoder("bogus"), "RangeError");
  throws("utf-7 is not in the standard", () => new TextDecoder("utf-7"), "RangeError");
  // Labels the standard maps to its "replacement" encoding are refused too.
  throws("replacement encoding", () => new TextDecoder("iso-2022-kr"), "RangeError");
  throws("replacement encoding by another label", () => new TextDecoder("csiso2022kr"), "RangeError");

  // Legacy encodings (https://encoding.spec.whatwg.org/): labels resolve to
  // the standard's names, in lowercase; expected text is from the standard's
  // index tables (cross-checked with Python's codecs).
  for (const [label, name] of [["latin1", "windows-1252"], ["ascii", "windows-1252"], ["LATIN2", "iso-8859-2"],
    ["sjis", "shift_jis"], [" utf-16 ", "utf-16le"], ["UTF-16BE", "utf-16be"], ["x-user-defined", "x-user-defined"],
    ["gbk", "gbk"], ["gb18030", "gb18030"], ["big5", "big5"], ["euc-kr", "euc-kr"], ["koi8-r", "koi8-r"],
    ["euc-jp", "euc-jp"], ["iso-2022-jp", "iso-2022-jp"], ["ibm866", "ibm866"], ["macintosh", "macintosh"]]) {
    eq(`label ${JSON.stringify(label)}`, new TextDecoder(label).encoding, name);
  }
  const bytes = (...b) => new Uint8Array(b);
  eq("windows-1252", new TextDecoder("windows-1252").decode(bytes(0x80, 0xe9, 0x9f)), "€éŸ");
  eq("latin1 0x81 is U+0081", new TextDecoder("latin1").decode(bytes(0x81)), "\u0081");
  eq("iso-8859-2", new TextDecoder("iso-8859-2").decode(bytes(0xa1)), "Ą");
  eq("koi8-r", new TextDecoder("koi8-r").decode(bytes(0xc1)), "а");
  eq("shift_jis", new TextDecoder("shift_jis").decode(bytes(0x93, 0xfa, 0x96, 0x7b)), "日本");
  eq("euc-kr", new TextDecoder("euc-kr").decode(bytes(0xc7, 0xd1)), "한");
  eq("gbk", new TextDecoder("gbk").decode(bytes(0xd6, 0xd0)), "中");
  eq("big5", new TextDecoder("big5").decode(bytes(0xa4, 0xa4)), "中");
  eq("x-user-defined", new TextDecoder("x-user-defined").decode(bytes(0x41, 0x80)), "A\uF780");
  eq("utf-16le BOM stripped", new TextDecoder("utf-16le").decode(bytes(0xff, 0xfe, 0x41, 0x00)), "A");
  eq("utf-16le BOM kept with ignoreBOM", new TextDecoder("utf-16le", { ignoreBOM: true }).decode(bytes(0xff, 0xfe, 0x41, 0x00)), "\uFEFFA");
  eq("utf-16be", new TextDecoder("utf-16be").decode(bytes(0x00, 0x41, 0xd8, 0x3d, 0xde, 0x00)), "A😀");
  eq("utf-16le odd byte replaced", new TextDecoder("utf-16le").decode(bytes(0x41, 0x00, 0x42)), "A\uFFFD");
  eq("shift_jis truncated replaced", new TextDecoder("shift_jis").decode(bytes(0x93)), "\uFFFD");
  throws("shift_jis truncated, fatal", () => new TextDecoder("shift_jis", { fatal: true }).decode(bytes(0x93)), "TypeError");
  eq("fatal decoder", new TextDecoder("sjis", { fatal: true }).fatal, true);
  // Streaming: a character split across calls; the decoder resets after the
  // call that ends the stream, and after a fatal error.
  const sj = new TextDecoder("shift_jis");
  eq("stream part 1", sj.decode(bytes(0x93), { stream: true }), "");
  eq("stream part 2", sj.decode(bytes(0xfa, 0x96), { stream: true }), "日");
  eq("stream end", sj.decode(bytes(0x7b)), "本");
  eq("next stream starts fresh", sj.decode(bytes(0x93, 0xfa)), "日");
  const u16 = new TextDecoder("utf-16le");
  eq("utf-16 stream BOM", u16.decode(bytes(0xff, 0xfe, 0x41), { stream: true }), "");
  eq("utf-16 stream rest", u16.decode(bytes(0x00)), "A");
  const fatal = new TextDecoder("euc-kr", { fatal: true });
  throws("fatal in a stream", () => fatal.decode(bytes(0xc7, 0x00), { stream: true }), "TypeError");
  eq("decoder usable after a fatal error", fatal.decode(bytes(0xc7, 0xd1)), "한");
  eq("decode subarray view", dec.decode(new Uint8Array([0, 104, 105, 0]).subarray(1, 3)), "hi");

  eq("btoa", btoa("hello"), "aGVsbG8=");
  eq("btoa binary", btoa("\u00ff\u0000"), "/wA=");
  eq("atob", atob("aGVsbG8="), "hello");
  eq("atob no padding", atob("aGVsbG8"), "hello");
  eq("atob whitespace", atob(" aGVs bG8= "), "hello");
  throws("btoa non-latin1", () => btoa("€"), "InvalidCharacterError");
  throws("atob invalid", () => atob("a$b"), "InvalidCharacterError");
  // TextEncoder.encodeInto: whole characters only, counts in UTF-16 units and bytes.
  const into = new Uint8Array(5);
  eq("encodeInto fits", new TextEncoder().encodeInto("h\u00e9", into), { read: 2, written: 3 });
  eq("encodeInto bytes", Array.from(into.subarray(0, 3)), [104, 195, 169]);
  eq("encodeInto stops before a character that does not fit", new TextEncoder().encodeInto("ab\u20ac\u20ac", new Uint8Array(6)), { read: 3, written: 5 });
  eq("encodeInto surrogate pair", new TextEncoder().encodeInto("\ud83d\ude00", new Uint8Array(4)), { read: 2, written: 4 });
  eq("encodeInto pair that does not fit", new TextEncoder().encodeInto("\ud83d\ude00", new Uint8Array(3)), { read: 0, written: 0 });
  const lone = new Uint8Array(3);
  eq("encodeInto lone surrogate is U+FFFD", [new TextEncoder().encodeInto("\ud800", lone), Array.from(lone)], [{ read: 1, written: 3 }, [0xef, 0xbf, 0xbd]]);
  throws("encodeInto needs a Uint8Array", () => new TextEncoder().encodeInto("x", [0]), "TypeError");
});
