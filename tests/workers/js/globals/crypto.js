import { eq, ok, throws, rejects, suite } from "./harness.js";

const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

export default suite(async () => {
  const data = new TextEncoder().encode("abc");
  eq("sha-1", hex(await crypto.subtle.digest("SHA-1", data)), "a9993e364706816aba3e25717850c26c9cd0d89d");
  eq("sha-256", hex(await crypto.subtle.digest("SHA-256", data)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  eq("sha-384", hex(await crypto.subtle.digest({ name: "SHA-384" }, data)).slice(0, 16), "cb00753f45a35e8b");
  eq("sha-512", hex(await crypto.subtle.digest("sha-512", data.buffer)).slice(0, 16), "ddaf35a193617aba");
  eq("empty input", hex(await crypto.subtle.digest("SHA-256", new Uint8Array())), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  await rejects("unknown hash", crypto.subtle.digest("SHA-3", data), "NotSupportedError");
  await rejects("bad data", crypto.subtle.digest("SHA-256", "abc"), "TypeError");

  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("key"), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  const sig = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode("The quick brown fox jumps over the lazy dog"));
  eq("hmac-sha256", hex(sig), "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  eq("hmac verify", await crypto.subtle.verify("HMAC", key, sig, new TextEncoder().encode("The quick brown fox jumps over the lazy dog")), true);
  eq("hmac verify wrong", await crypto.subtle.verify("HMAC", key, sig, new TextEncoder().encode("tampered")), false);

  const a = crypto.getRandomValues(new Uint8Array(32));
  const b = crypto.getRandomValues(new Uint8Array(32));
  ok("random differs", hex(a) !== hex(b));
  ok("random fills", a.some((x) => x !== 0));
  eq("returns same array", crypto.getRandomValues(a) === a, true);
  ok("Uint32Array works", crypto.getRandomValues(new Uint32Array(4)).length === 4);
  throws("float arrays rejected", () => crypto.getRandomValues(new Float64Array(2)), "TypeMismatchError");
  throws("quota", () => crypto.getRandomValues(new Uint8Array(65537)), "QuotaExceededError");
  const id = crypto.randomUUID();
  ok("uuid v4 shape", /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id));
  ok("uuids differ", id !== crypto.randomUUID());
  // crypto.subtle.timingSafeEqual (Cloudflare's extension)
  ok("timingSafeEqual equal", crypto.subtle.timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]).buffer));
  ok("timingSafeEqual differs", !crypto.subtle.timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4])));
  throws("timingSafeEqual needs equal lengths", () => crypto.subtle.timingSafeEqual(new Uint8Array(1), new Uint8Array(2)), "TypeError");
  throws("timingSafeEqual needs buffers", () => crypto.subtle.timingSafeEqual("a", "a"), "TypeError");
});
