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
  throws("unsupported label", () => new TextDecoder("latin2"), "RangeError");
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
