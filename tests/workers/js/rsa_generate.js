// RSA key generation (seconds of CPU in the engine: run with a larger CPU
// limit), then both RSA signature schemes with the new pair.
export default {
  async fetch(request) {
    const bits = Number(new URL(request.url).searchParams.get("bits") || 2048);
    const msg = new TextEncoder().encode("generated");
    const out = {};
    for (const [name, signAlg] of [["RSASSA-PKCS1-v1_5", { name: "RSASSA-PKCS1-v1_5" }], ["RSA-PSS", { name: "RSA-PSS", saltLength: 32 }]]) {
      const kp = await crypto.subtle.generateKey(
        { name, modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign", "verify"]);
      const sig = await crypto.subtle.sign(signAlg, kp.privateKey, msg);
      const jwk = await crypto.subtle.exportKey("jwk", kp.publicKey);
      const back = await crypto.subtle.importKey("jwk", jwk, { name, hash: "SHA-256" }, true, ["verify"]);
      out[name] = {
        modulusLength: kp.publicKey.algorithm.modulusLength,
        nBytes: atob(jwk.n.replace(/-/g, "+").replace(/_/g, "/")).length,
        verifies: await crypto.subtle.verify(signAlg, back, sig, msg),
        tampered: await crypto.subtle.verify(signAlg, back, sig, new TextEncoder().encode("other")),
      };
    }
    return Response.json(out);
  },
};
