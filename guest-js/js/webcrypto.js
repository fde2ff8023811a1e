// isolet's Web Crypto (https://w3c.github.io/webcrypto/): `crypto`
// (getRandomValues, randomUUID, subtle), `CryptoKey`, `SubtleCrypto`.
// digest (SHA-1/256/384/512); sign/verify for HMAC, ECDSA (P-256, P-384, P-521),
// Ed25519, RSASSA-PKCS1-v1_5 and RSA-PSS; encrypt/decrypt and
// wrapKey/unwrapKey with AES-GCM, AES-CBC, AES-CTR and RSA-OAEP (and
// AES-KW for wrapping only);
// deriveBits/deriveKey with PBKDF2, HKDF, ECDH (P-256, P-384, P-521) and X25519; importKey/exportKey/generateKey for all of them in
// the formats each allows (raw, spki, pkcs8, jwk); and Cloudflare's
// timingSafeEqual. The arithmetic is Rust in the engine
// (guest-js/src/webcrypto.rs); asymmetric keys cross as DER.
//
// Evaluated at build time after the prelude; a function of the engine's
// internal `lib` object and the native hooks.
(function (lib, native) {
  "use strict";

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  const DOMException = globalThis.DOMException;
  const fail = (name, message) => { throw new DOMException(message, name); };
  // Engine errors come as TypeErrors "DataError: ..."; Web Crypto names them.
  function engine(fn) {
    try { return fn(); } catch (e) {
      const m = e instanceof TypeError && /^([A-Za-z]+Error): ([\s\S]*)$/.exec(e.message);
      if (m) throw new DOMException(m[2], m[1]);
      throw e;
    }
  }

  const viewBytes = lib.bufferBytes;
  const copyBytes = (data, what) => viewBytes(data, what).slice();
  const b64u = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  function unb64u(s, member) {
    if (typeof s !== "string" || !/^[A-Za-z0-9_-]*$/.test(s)) fail("DataError", `The JWK member "${member}" is not base64url`);
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  // ------------------------------------------------------------ algorithm names
  const NAMES = ["MD5", "HMAC", "ECDSA", "Ed25519", "RSASSA-PKCS1-v1_5", "RSA-PSS", "SHA-1", "SHA-256", "SHA-384", "SHA-512",
    "AES-GCM", "AES-CBC", "AES-CTR", "AES-KW", "RSA-OAEP", "ECDH", "X25519", "PBKDF2", "HKDF"];
  const CANONICAL = new Map(NAMES.map((n) => [n.toUpperCase(), n]));
  function normalize(alg) {
    const dict = typeof alg === "string" ? { name: alg } : alg;
    if (dict === null || typeof dict !== "object" || typeof dict.name !== "string") {
      throw new TypeError("An algorithm must be a name or an object with a name");
    }
    const name = CANONICAL.get(dict.name.toUpperCase());
    if (name === undefined) fail("NotSupportedError", `Unrecognized algorithm name: ${dict.name}`);
    return { dict, name };
  }
  const HASHES = ["SHA-1", "SHA-256", "SHA-384", "SHA-512"];
  // digest() and DigestStream also take MD5, as Workers does.
  const DIGESTS = ["MD5", ...HASHES];
  function hashOf(h, what = "hash") {
    if (h === undefined) throw new TypeError(`The algorithm needs a ${what}`);
    const { name } = normalize(h);
    if (!HASHES.includes(name)) fail("NotSupportedError", `${name} is not a hash`);
    return name;
  }
  const SIGNATURE_ALGS = ["HMAC", "ECDSA", "Ed25519", "RSASSA-PKCS1-v1_5", "RSA-PSS"];
  const AES = ["AES-GCM", "AES-CBC", "AES-CTR", "AES-KW"];
  const aesUsages = (name) => (name === "AES-KW" ? ["wrapKey", "unwrapKey"] : ["encrypt", "decrypt", "wrapKey", "unwrapKey"]);
  const KDF = ["PBKDF2", "HKDF"];
  const CURVES = ["P-256", "P-384", "P-521"];
  const RSA = (name) => name === "RSASSA-PKCS1-v1_5" || name === "RSA-PSS" || name === "RSA-OAEP";
  // Asymmetric algorithms: what each key type may be used for.
  const ASYMMETRIC = {
    ECDSA: [["verify"], ["sign"]],
    Ed25519: [["verify"], ["sign"]],
    "RSASSA-PKCS1-v1_5": [["verify"], ["sign"]],
    "RSA-PSS": [["verify"], ["sign"]],
    "RSA-OAEP": [["encrypt", "wrapKey"], ["decrypt", "unwrapKey"]],
    ECDH: [[], ["deriveKey", "deriveBits"]],
    X25519: [[], ["deriveKey", "deriveBits"]],
  };
  const allowedUsages = (name, type) => ASYMMETRIC[name][type === "private" ? 1 : 0];
  const jwkUse = (name) => (name === "RSA-OAEP" || name === "ECDH" || name === "X25519" ? "enc" : "sig");
  // The key type name webcrypto.rs knows.
  const kindOf = (alg) => (alg.name === "ECDSA" || alg.name === "ECDH" ? alg.namedCurve
    : alg.name === "Ed25519" || alg.name === "X25519" ? alg.name : "RSA");

  // ------------------------------------------------------------ CryptoKey
  const keyKey = Symbol("CryptoKey");
  let keyState;
  class CryptoKey {
    #s;
    constructor(key, state) {
      if (key !== keyKey) throw new TypeError("Illegal constructor");
      this.#s = state;
    }
    static { keyState = (k) => k.#s; }
    get type() { return this.#s.type; }
    get extractable() { return this.#s.extractable; }
    get algorithm() { return this.#s.algorithmView; }
    get usages() { return this.#s.usagesView; }
  }
  Object.defineProperty(CryptoKey.prototype, Symbol.toStringTag, { value: "CryptoKey", configurable: true });
  const isKey = (k) => { try { keyState(k); return true; } catch { return false; } };
  // type: "secret" | "public" | "private"; material: the HMAC secret, or
  // [private, der] of an asymmetric key.
  function makeKey(type, extractable, algorithm, usages, material) {
    const algorithmView = Object.freeze({ ...algorithm, ...(algorithm.hash ? { hash: Object.freeze({ ...algorithm.hash }) } : {}) });
    return new CryptoKey(keyKey, { type, extractable: !!extractable, algorithm, algorithmView, usages, usagesView: Object.freeze([...usages]), material });
  }
  const ALL_USAGES = ["encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"];
  function usagesOf(usages, allowed, what) {
    if (usages === null || typeof usages !== "object" || typeof usages[Symbol.iterator] !== "function") throw new TypeError("keyUsages must be a sequence");
    const out = [];
    for (const u of usages) {
      const s = String(u);
      if (!ALL_USAGES.includes(s)) throw new TypeError(`Unknown key usage: ${s}`);
      if (!allowed.includes(s)) fail("SyntaxError", `${what} keys cannot be used to ${s}`);
      if (!out.includes(s)) out.push(s);
    }
    return out;
  }

  // ------------------------------------------------------------ JWK
  const aesJwkAlg = (name, bits) => `A${bits}${name.slice(4)}`;
  const JWK_ALG = {
    HMAC: { "SHA-1": "HS1", "SHA-256": "HS256", "SHA-384": "HS384", "SHA-512": "HS512" },
    "RSASSA-PKCS1-v1_5": { "SHA-1": "RS1", "SHA-256": "RS256", "SHA-384": "RS384", "SHA-512": "RS512" },
    "RSA-PSS": { "SHA-1": "PS1", "SHA-256": "PS256", "SHA-384": "PS384", "SHA-512": "PS512" },
    "RSA-OAEP": { "SHA-1": "RSA-OAEP", "SHA-256": "RSA-OAEP-256", "SHA-384": "RSA-OAEP-384", "SHA-512": "RSA-OAEP-512" },
  };
  function checkJwk(jwk, kty, extractable, usages, use = "sig") {
    if (jwk === null || typeof jwk !== "object" || ArrayBuffer.isView(jwk) || jwk instanceof ArrayBuffer) throw new TypeError("A jwk key must be an object");
    if (jwk.kty !== kty) fail("DataError", `The JWK's kty must be "${kty}"`);
    if (jwk.use !== undefined && jwk.use !== use && usages.length) fail("DataError", `The JWK's "use" is not "${use}"`);
    if (jwk.key_ops !== undefined) {
      if (!Array.isArray(jwk.key_ops)) fail("DataError", "The JWK's key_ops must be an array");
      for (const u of usages) if (!jwk.key_ops.includes(u)) fail("DataError", `The JWK's key_ops do not allow ${u}`);
    }
    if (jwk.ext === false && extractable) fail("DataError", "The JWK is not extractable");
  }

  // ------------------------------------------------------------ operations
  function importKey(format, keyData, algorithm, extractable, keyUsages) {
    const { dict, name } = normalize(algorithm);
    if (!SIGNATURE_ALGS.includes(name) && !AES.includes(name) && !KDF.includes(name) && !ASYMMETRIC[name]) {
      fail("NotSupportedError", `importKey for ${name} is not supported yet`);
    }
    format = String(format);
    if (!["raw", "spki", "pkcs8", "jwk"].includes(format)) throw new TypeError(`Unknown key format: ${format}`);
    if (format !== "jwk") keyData = copyBytes(keyData, "keyData");

    if (AES.includes(name)) {
      const usages = usagesOf(keyUsages, aesUsages(name), name);
      let secret;
      if (format === "raw") secret = keyData;
      else if (format === "jwk") {
        checkJwk(keyData, "oct", extractable, usages);
        secret = unb64u(keyData.k, "k");
        if (keyData.alg !== undefined && keyData.alg !== aesJwkAlg(name, secret.length * 8)) fail("DataError", `The JWK's alg ${keyData.alg} does not match a ${secret.length * 8}-bit ${name} key`);
      } else fail("NotSupportedError", `${name} keys cannot be imported from ${format}`);
      if (![16, 24, 32].includes(secret.length)) fail("DataError", "An AES key is 128, 192 or 256 bits");
      if (usages.length === 0) fail("SyntaxError", "A secret key needs at least one usage");
      return makeKey("secret", extractable, { name, length: secret.length * 8 }, usages, secret);
    }
    if (KDF.includes(name)) {
      if (format !== "raw") fail("NotSupportedError", `${name} keys are imported from raw only`);
      if (extractable) fail("SyntaxError", `${name} keys cannot be extractable`);
      const usages = usagesOf(keyUsages, ["deriveKey", "deriveBits"], name);
      if (usages.length === 0) fail("SyntaxError", "A secret key needs at least one usage");
      return makeKey("secret", false, { name }, usages, keyData);
    }

    if (name === "HMAC") {
      const hash = hashOf(dict.hash);
      const usages = usagesOf(keyUsages, ["sign", "verify"], "HMAC");
      let secret;
      if (format === "raw") secret = keyData;
      else if (format === "jwk") {
        checkJwk(keyData, "oct", extractable, usages);
        secret = unb64u(keyData.k, "k");
        if (keyData.alg !== undefined && keyData.alg !== JWK_ALG.HMAC[hash]) fail("DataError", `The JWK's alg ${keyData.alg} does not match ${hash}`);
      } else fail("NotSupportedError", `HMAC keys cannot be imported from ${format}`);
      if (secret.length === 0) fail("DataError", "An HMAC key cannot be empty");
      let length = secret.length * 8;
      if (dict.length !== undefined) {
        length = Number(dict.length);
        if (length > secret.length * 8 || length <= (secret.length - 1) * 8) fail("DataError", "The HMAC length does not match the key data");
      }
      if (usages.length === 0) fail("SyntaxError", "A secret key needs at least one usage");
      return makeKey("secret", extractable, { name, hash: { name: hash }, length }, usages, secret);
    }

    let algo;
    if (name === "ECDSA" || name === "ECDH") {
      if (!CURVES.includes(dict.namedCurve)) fail("NotSupportedError", `Unsupported namedCurve: ${dict.namedCurve}`);
      algo = { name, namedCurve: dict.namedCurve };
    } else if (name === "Ed25519" || name === "X25519") {
      algo = { name };
    } else {
      algo = { name, hash: { name: hashOf(dict.hash) } };
    }
    const kind = kindOf(algo);
    let imported;
    if (format === "jwk") {
      const jwk = keyData;
      const priv = jwk && jwk.d !== undefined;
      const usages = usagesOf(keyUsages, allowedUsages(name, priv ? "private" : "public"), name);
      if (name === "ECDSA" || name === "ECDH") {
        checkJwk(jwk, "EC", extractable, usages, jwkUse(name));
        if (jwk.crv !== algo.namedCurve) fail("DataError", `The JWK's crv ${jwk.crv} is not ${algo.namedCurve}`);
        imported = engine(() => native.keyFromParts(kind, [unb64u(jwk.x, "x"), unb64u(jwk.y, "y"), priv ? unb64u(jwk.d, "d") : null]));
      } else if (name === "Ed25519") {
        checkJwk(jwk, "OKP", extractable, usages);
        if (jwk.crv !== "Ed25519") fail("DataError", "The JWK's crv is not Ed25519");
        if (jwk.alg !== undefined && jwk.alg !== "EdDSA" && jwk.alg !== "Ed25519") fail("DataError", `The JWK's alg ${jwk.alg} is not EdDSA`);
        imported = engine(() => native.keyFromParts(kind, [unb64u(jwk.x, "x"), priv ? unb64u(jwk.d, "d") : null]));
      } else if (name === "X25519") {
        checkJwk(jwk, "OKP", extractable, usages, "enc");
        if (jwk.crv !== "X25519") fail("DataError", "The JWK's crv is not X25519");
        imported = engine(() => native.x25519Import("jwk", unb64u(jwk.x, "x"), priv ? unb64u(jwk.d, "d") : null));
      } else {
        checkJwk(jwk, "RSA", extractable, usages, jwkUse(name));
        if (jwk.alg !== undefined && jwk.alg !== JWK_ALG[name][algo.hash.name]) fail("DataError", `The JWK's alg ${jwk.alg} does not match ${name} with ${algo.hash.name}`);
        const opt = (m) => (jwk[m] === undefined ? null : unb64u(jwk[m], m));
        imported = engine(() => native.keyFromParts(kind, [unb64u(jwk.n, "n"), unb64u(jwk.e, "e"), priv ? unb64u(jwk.d, "d") : null, priv ? opt("p") : null, priv ? opt("q") : null]));
      }
    } else {
      if (format === "raw" && RSA(name)) fail("NotSupportedError", `${name} keys cannot be imported from raw`);
      imported = name === "X25519" ? engine(() => native.x25519Import(format, keyData, null)) : engine(() => native.keyImport(kind, format, keyData));
    }
    const type = imported[0] ? "private" : "public";
    const usages = usagesOf(keyUsages, allowedUsages(name, type), `${name} ${type}`);
    if (type === "private" && usages.length === 0) fail("SyntaxError", "A private key needs at least one usage");
    if (RSA(name)) {
      const [modulusLength, publicExponent] = engine(() => native.keyRsaInfo(imported[0], imported[1]));
      Object.assign(algo, { modulusLength, publicExponent });
    }
    return makeKey(type, extractable, algo, usages, imported);
  }

  function exportKey(format, key) {
    format = String(format);
    if (!isKey(key)) throw new TypeError("exportKey needs a CryptoKey");
    const s = keyState(key);
    if (!s.extractable) fail("InvalidAccessError", "The key is not extractable");
    const alg = s.algorithm;
    if (AES.includes(alg.name)) {
      if (format === "raw") return s.material.slice().buffer;
      if (format === "jwk") return { kty: "oct", k: b64u(s.material), alg: aesJwkAlg(alg.name, alg.length), key_ops: [...s.usages], ext: true };
      fail("NotSupportedError", `${alg.name} keys cannot be exported as ${format}`);
    }
    if (alg.name === "HMAC") {
      if (format === "raw") return s.material.slice().buffer;
      if (format === "jwk") return { kty: "oct", k: b64u(s.material), alg: JWK_ALG.HMAC[alg.hash.name], key_ops: [...s.usages], ext: true };
      fail("NotSupportedError", `HMAC keys cannot be exported as ${format}`);
    }
    const kind = kindOf(alg);
    const [priv, der] = s.material;
    if (format === "spki") {
      if (priv) fail("InvalidAccessError", "A private key is not exported as spki");
      return der.slice().buffer;
    }
    if (format === "pkcs8") {
      if (!priv) fail("InvalidAccessError", "A public key is not exported as pkcs8");
      return der.slice().buffer;
    }
    if (format === "raw") {
      if (priv || RSA(alg.name)) fail("InvalidAccessError", `A ${alg.name} ${s.type} key is not exported as raw`);
      if (alg.name === "X25519") return engine(() => native.x25519Parts(false, der))[0].buffer;
      return engine(() => native.keyPublic(kind, false, der, true)).buffer;
    }
    if (format !== "jwk") throw new TypeError(`Unknown key format: ${format}`);
    if (alg.name === "X25519") {
      const [x, d] = engine(() => native.x25519Parts(priv, der));
      return { kty: "OKP", crv: "X25519", x: b64u(x), ...(priv ? { d: b64u(d) } : {}), key_ops: [...s.usages], ext: true };
    }
    const parts = engine(() => native.keyParts(kind, priv, der));
    const common = { key_ops: [...s.usages], ext: true };
    if (alg.name === "ECDSA" || alg.name === "ECDH") {
      return { kty: "EC", crv: alg.namedCurve, x: b64u(parts[0]), y: b64u(parts[1]), ...(priv ? { d: b64u(parts[2]) } : {}), ...common };
    }
    if (alg.name === "Ed25519") return { kty: "OKP", crv: "Ed25519", alg: "Ed25519", x: b64u(parts[0]), ...(priv ? { d: b64u(parts[1]) } : {}), ...common };
    const jwk = { kty: "RSA", n: b64u(parts[0]), e: b64u(parts[1]), alg: JWK_ALG[alg.name][alg.hash.name], ...common };
    if (priv) ["d", "p", "q", "dp", "dq", "qi"].forEach((m, i) => { jwk[m] = b64u(parts[i + 2]); });
    return jwk;
  }

  function generateKey(algorithm, extractable, keyUsages) {
    const { dict, name } = normalize(algorithm);
    if (name === "HMAC") {
      const hash = hashOf(dict.hash);
      const usages = usagesOf(keyUsages, ["sign", "verify"], "HMAC");
      if (usages.length === 0) fail("SyntaxError", "A secret key needs at least one usage");
      const length = dict.length === undefined ? (hash === "SHA-384" || hash === "SHA-512" ? 1024 : 512) : Number(dict.length);
      if (!(length > 0) || length % 8 !== 0) fail("OperationError", "The HMAC length must be a positive multiple of 8");
      return makeKey("secret", extractable, { name, hash: { name: hash }, length }, usages, native.randomBytes(length / 8));
    }
    if (AES.includes(name)) {
      const usages = usagesOf(keyUsages, aesUsages(name), name);
      if (usages.length === 0) fail("SyntaxError", "A secret key needs at least one usage");
      const length = Number(dict.length);
      if (![128, 192, 256].includes(length)) fail("OperationError", "An AES key length is 128, 192 or 256");
      return makeKey("secret", extractable, { name, length }, usages, native.randomBytes(length / 8));
    }
    if (!ASYMMETRIC[name]) fail("NotSupportedError", `generateKey for ${name} is not supported yet`);
    const [publicAllowed, privateAllowed] = ASYMMETRIC[name];
    const usages = usagesOf(keyUsages, [...publicAllowed, ...privateAllowed], name);
    let algo;
    if (name === "ECDSA" || name === "ECDH") {
      if (!CURVES.includes(dict.namedCurve)) fail("NotSupportedError", `Unsupported namedCurve: ${dict.namedCurve}`);
      algo = { name, namedCurve: dict.namedCurve };
    } else if (name === "Ed25519" || name === "X25519") algo = { name };
    else {
      if (dict.modulusLength === undefined) throw new TypeError("RSA key generation needs a modulusLength");
      if (!(dict.publicExponent instanceof Uint8Array)) throw new TypeError("RSA key generation needs a publicExponent (a Uint8Array)");
      const exponent = dict.publicExponent;
      algo = { name, hash: { name: hashOf(dict.hash) }, modulusLength: Number(dict.modulusLength), publicExponent: exponent.slice() };
    }
    const kind = kindOf(algo);
    let der, pub;
    if (name === "X25519") {
      der = native.x25519Generate();
      pub = engine(() => native.x25519Import("raw", native.x25519Parts(true, der)[0], null))[1];
    } else {
      der = engine(() => native.keyGenerate(kind, algo.modulusLength || 0, algo.publicExponent || new Uint8Array(0)));
      pub = engine(() => native.keyPublic(kind, true, der, false));
    }
    const privateUsages = usages.filter((u) => privateAllowed.includes(u));
    if (privateUsages.length === 0) fail("SyntaxError", `The private key needs one of ${privateAllowed.join(", ")}`);
    return {
      publicKey: makeKey("public", true, algo, usages.filter((u) => publicAllowed.includes(u)), [false, pub]),
      privateKey: makeKey("private", extractable, algo, privateUsages, [true, der]),
    };
  }

  // The key and parameters of a sign/verify call.
  function signing(algorithm, key, usage) {
    const { dict, name } = normalize(algorithm);
    if (!isKey(key)) throw new TypeError(`${usage} needs a CryptoKey`);
    const s = keyState(key);
    if (s.algorithm.name !== name) fail("InvalidAccessError", `The key is a ${s.algorithm.name} key, not ${name}`);
    if (!s.usages.includes(usage)) fail("InvalidAccessError", `The key does not allow ${usage === "sign" ? "signing" : "verifying"}`);
    let hash = s.algorithm.hash ? s.algorithm.hash.name : "SHA-256", salt = 0;
    if (name === "ECDSA") hash = hashOf(dict.hash);
    if (name === "RSA-PSS") {
      salt = Number(dict.saltLength);
      if (!Number.isInteger(salt) || salt < 0) throw new TypeError("RSA-PSS needs a saltLength");
    }
    return { s, name, hash, salt };
  }
  const timingSafe = (x, y) => {
    if (x.byteLength !== y.byteLength) return false;
    let diff = 0;
    for (let i = 0; i < x.byteLength; i++) diff |= x[i] ^ y[i];
    return diff === 0;
  };
  function sign(algorithm, key, data) {
    const { s, name, hash, salt } = signing(algorithm, key, "sign");
    data = copyBytes(data, "data");
    if (name === "HMAC") return native.hmac(hash, s.material, data);
    return engine(() => native.keySign(kindOf(s.algorithm), [name, hash, salt], s.material, data));
  }
  function verify(algorithm, key, signature, data) {
    const { s, name, hash, salt } = signing(algorithm, key, "verify");
    signature = copyBytes(signature, "signature");
    data = copyBytes(data, "data");
    if (name === "HMAC") return timingSafe(new Uint8Array(native.hmac(hash, s.material, data)), signature);
    return engine(() => native.keyVerify(kindOf(s.algorithm), [name, hash, salt], s.material, signature, data));
  }

  function cipherOp(algorithm, key, data, usage) {
    const { dict, name } = normalize(algorithm);
    if (!AES.includes(name) && name !== "RSA-OAEP") fail("NotSupportedError", `${usage} with ${name} is not supported yet`);
    if (name === "AES-KW" && usage !== "wrapKey" && usage !== "unwrapKey") fail("NotSupportedError", `AES-KW cannot ${usage}`);
    if (!isKey(key)) throw new TypeError(`${usage} needs a CryptoKey`);
    const s = keyState(key);
    if (s.algorithm.name !== name) fail("InvalidAccessError", `The key is a ${s.algorithm.name} key, not ${name}`);
    if (!s.usages.includes(usage)) fail("InvalidAccessError", `The key does not allow ${usage}`);
    data = copyBytes(data, "data");
    if (name === "AES-KW") {
      return engine(() => native.aesKw(usage === "wrapKey", s.material, data));
    }
    if (name === "RSA-OAEP") {
      const label = dict.label === undefined ? new Uint8Array(0) : copyBytes(dict.label, "label");
      return engine(() => native.rsaOaep(usage === "encrypt" || usage === "wrapKey", s.algorithm.hash.name, s.material, label, data));
    }
    let iv, aad = new Uint8Array(0), tag = 128, counterBits = 0;
    if (name === "AES-CTR") {
      if (dict.counter === undefined) throw new TypeError("AES-CTR needs a counter");
      iv = copyBytes(dict.counter, "counter");
      if (iv.length !== 16) fail("OperationError", "The AES-CTR counter must be 16 bytes");
      counterBits = Number(dict.length);
      if (!(counterBits >= 1 && counterBits <= 128)) fail("OperationError", "The AES-CTR length must be from 1 to 128");
    } else {
      if (dict.iv === undefined) throw new TypeError(`${name} needs an iv`);
      iv = copyBytes(dict.iv, "iv");
      if (name === "AES-CBC" && iv.length !== 16) fail("OperationError", "The AES-CBC iv must be 16 bytes");
      if (name === "AES-GCM") {
        if (dict.additionalData !== undefined) aad = copyBytes(dict.additionalData, "additionalData");
        if (dict.tagLength !== undefined) tag = Number(dict.tagLength);
        if (![32, 64, 96, 104, 112, 120, 128].includes(tag)) fail("OperationError", `${dict.tagLength} is not a valid AES-GCM tagLength`);
      }
    }
    return engine(() => native.aes(usage === "encrypt" || usage === "wrapKey", [name, tag, counterBits], s.material, iv, aad, data));
  }
  const encrypt = (algorithm, key, data) => cipherOp(algorithm, key, data, "encrypt");
  const decrypt = (algorithm, key, data) => cipherOp(algorithm, key, data, "decrypt");

  // The bytes a KDF derives (`usage` is the base key's: deriveBits or deriveKey).
  function derive(algorithm, baseKey, length, usage) {
    const { dict, name } = normalize(algorithm);
    if (!KDF.includes(name) && name !== "ECDH" && name !== "X25519") fail("NotSupportedError", `${usage} with ${name} is not supported yet`);
    if (!isKey(baseKey)) throw new TypeError(`${usage} needs a CryptoKey`);
    const s = keyState(baseKey);
    if (s.algorithm.name !== name) fail("InvalidAccessError", `The key is a ${s.algorithm.name} key, not ${name}`);
    if (!s.usages.includes(usage)) fail("InvalidAccessError", `The key does not allow ${usage}`);
    if (name === "ECDH" || name === "X25519") {
      // Key agreement: our private key and their public key of the same kind.
      if (!isKey(dict.public)) throw new TypeError(`${name} needs the other party's public key`);
      const theirs = keyState(dict.public);
      if (theirs.type !== "public" || theirs.algorithm.name !== name || theirs.algorithm.namedCurve !== s.algorithm.namedCurve) {
        fail("InvalidAccessError", `The public key is not a ${name} public key of the same kind`);
      }
      const secret = new Uint8Array(engine(() => native.sharedSecret(kindOf(s.algorithm), s.material, theirs.material)));
      if (length === null || length === undefined) return secret.buffer;
      length = Number(length);
      if (!Number.isInteger(length) || length < 0 || length > secret.length * 8) fail("OperationError", `${name} derives at most ${secret.length * 8} bits`);
      const out = secret.slice(0, Math.ceil(length / 8));
      if (length % 8) out[out.length - 1] &= 0xff << (8 - (length % 8));
      return out.buffer;
    }
    if (length === null || length === undefined) fail("OperationError", `${name} needs a length`);
    length = Number(length);
    if (!Number.isInteger(length) || length < 0 || length % 8 !== 0) fail("OperationError", "The length must be a multiple of 8");
    const hash = hashOf(dict.hash);
    if (dict.salt === undefined) throw new TypeError(`${name} needs a salt`);
    const salt = copyBytes(dict.salt, "salt");
    if (name === "PBKDF2") {
      const iterations = Number(dict.iterations);
      if (!Number.isInteger(iterations) || iterations <= 0) fail("OperationError", "PBKDF2 needs iterations above 0");
      return engine(() => native.pbkdf2(hash, s.material, salt, iterations, length));
    }
    if (dict.info === undefined) throw new TypeError("HKDF needs info");
    return engine(() => native.hkdf(hash, s.material, salt, copyBytes(dict.info, "info"), length));
  }
  const deriveBits = (algorithm, baseKey, length) => derive(algorithm, baseKey, length, "deriveBits");
  function deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
    const { dict, name } = normalize(derivedKeyType);
    let length;
    if (AES.includes(name)) {
      length = Number(dict.length);
      if (![128, 192, 256].includes(length)) fail("OperationError", "An AES key length is 128, 192 or 256");
    } else if (name === "HMAC") {
      const hash = hashOf(dict.hash);
      length = dict.length === undefined ? (hash === "SHA-384" || hash === "SHA-512" ? 1024 : 512) : Number(dict.length);
    } else fail("NotSupportedError", `deriveKey cannot make ${name} keys`);
    const bits = derive(algorithm, baseKey, length, "deriveKey");
    return importKey("raw", bits, derivedKeyType, extractable, keyUsages);
  }

  // wrapKey = exportKey then encrypt; unwrapKey = decrypt then importKey.
  function wrapKey(format, key, wrappingKey, wrapAlgorithm) {
    const exported = exportKey(format, key);
    const bytes = format === "jwk" ? new TextEncoder().encode(JSON.stringify(exported)) : exported;
    return cipherOp(wrapAlgorithm, wrappingKey, bytes, "wrapKey");
  }
  function unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, keyUsages) {
    const bytes = cipherOp(unwrapAlgorithm, unwrappingKey, wrappedKey, "unwrapKey");
    let keyData = bytes;
    if (format === "jwk") {
      try { keyData = JSON.parse(new TextDecoder().decode(bytes)); } catch { fail("DataError", "The unwrapped key is not a JWK"); }
    }
    return importKey(format, keyData, unwrappedKeyAlgorithm, extractable, keyUsages);
  }

  // Every method answers with a promise; argument errors reject it.
  const later = (fn) => function (...args) {
    try { return Promise.resolve(fn.apply(this, args)); } catch (e) { return Promise.reject(e); }
  };
  const subtleKey = Symbol("SubtleCrypto");
  class SubtleCrypto {
    constructor(key) { if (key !== subtleKey) throw new TypeError("Illegal constructor"); }
    // Cloudflare's extension: compares in time independent of where the
    // inputs differ.
    timingSafeEqual(a, b) {
      const x = viewBytes(a, "a"), y = viewBytes(b, "b");
      if (x.byteLength !== y.byteLength) throw new TypeError("timingSafeEqual: the inputs must have the same byte length");
      return timingSafe(x, y);
    }
  }
  Object.assign(SubtleCrypto.prototype, {
    digest: later((algorithm, data) => {
      const { name } = normalize(algorithm);
      if (!DIGESTS.includes(name)) fail("NotSupportedError", `Unrecognized hash name: ${name}`);
      return native.digest(name, copyBytes(data, "data"));
    }),
    importKey: later(importKey),
    exportKey: later(exportKey),
    generateKey: later(generateKey),
    sign: later(sign),
    verify: later(verify),
    encrypt: later(encrypt),
    decrypt: later(decrypt),
    deriveBits: later(deriveBits),
    deriveKey: later(deriveKey),
    wrapKey: later(wrapKey),
    unwrapKey: later(unwrapKey),
  });
  const subtle = new SubtleCrypto(subtleKey);

  // Workers' crypto.DigestStream: a WritableStream of bytes whose `digest`
  // promise gives their hash once the stream closes.
  class DigestStream extends globalThis.WritableStream {
    #digest;
    constructor(algorithm) {
      const { name } = normalize(algorithm);
      if (!DIGESTS.includes(name)) fail("NotSupportedError", `Unrecognized hash name: ${name}`);
      const handle = native.hashOpen(name);
      let settle;
      const digest = new Promise((resolve, reject) => { settle = { resolve, reject }; });
      digest.catch(() => {});
      super({
        write(chunk) {
          if (typeof chunk === "string") chunk = new TextEncoder().encode(chunk);
          native.hashUpdate(handle, viewBytes(chunk, "A DigestStream chunk"));
        },
        close() { settle.resolve(native.hashFinish(handle)); },
        abort(reason) {
          try { native.hashFinish(handle); } catch { /* already ended */ }
          settle.reject(reason);
        },
      });
      this.#digest = digest;
    }
    get digest() { return this.#digest; }
  }

  const cryptoKey = Symbol("Crypto");
  class Crypto {
    constructor(key) { if (key !== cryptoKey) throw new TypeError("Illegal constructor"); }
    get subtle() { return subtle; }
    get DigestStream() { return DigestStream; }
    getRandomValues(array) {
      if (!(array instanceof Int8Array || array instanceof Uint8Array || array instanceof Uint8ClampedArray || array instanceof Int16Array ||
            array instanceof Uint16Array || array instanceof Int32Array || array instanceof Uint32Array ||
            array instanceof BigInt64Array || array instanceof BigUint64Array)) {
        throw new DOMException("The data argument must be an integer-type TypedArray", "TypeMismatchError");
      }
      if (array.byteLength > 65536) throw new DOMException(`The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of bytes of entropy available via this API (65536)`, "QuotaExceededError");
      new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(native.randomBytes(array.byteLength));
      return array;
    }
    randomUUID() {
      const b = native.randomBytes(16);
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
  }
  define("crypto", new Crypto(cryptoKey));
  define("Crypto", Crypto);
  define("CryptoKey", CryptoKey);
  define("SubtleCrypto", SubtleCrypto);
});
