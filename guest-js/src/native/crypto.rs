//! Web Crypto and `node:crypto`'s natives (webcrypto.js, `crate::webcrypto`):
//! `randomBytes`, `digest`, `hmac`, the asymmetric keys, AES, PBKDF2, HKDF,
//! RSA-OAEP, X25519, ECDH and AES-KW, and running digests (`hashOpen`, ...).

use rquickjs::{Array, ArrayBuffer, Ctx, Exception, TypedArray, Value};

use crate::convert::bytes_of;

/// `randomBytes(n)`: `n` bytes from WASI's secure random source.
pub(super) fn random_bytes<'js>(ctx: Ctx<'js>, n: usize) -> rquickjs::Result<TypedArray<'js, u8>> {
    if n > 65_536 {
        return Err(Exception::throw_range(
            &ctx,
            "randomBytes: at most 65536 bytes",
        ));
    }
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf)
        .map_err(|e| Exception::throw_internal(&ctx, &format!("random source failed: {e}")))?;
    TypedArray::new(ctx, buf)
}

fn hash_name(ctx: &Ctx<'_>, algorithm: &str) -> rquickjs::Result<&'static str> {
    match algorithm.to_ascii_uppercase().as_str() {
        "SHA-1" => Ok("SHA-1"),
        "SHA-256" => Ok("SHA-256"),
        "SHA-384" => Ok("SHA-384"),
        "SHA-512" => Ok("SHA-512"),
        _ => Err(Exception::throw_type(
            ctx,
            &format!("Unrecognized hash algorithm: {algorithm}"),
        )),
    }
}

/// `digest(algorithm, bytes)`: the hash as an ArrayBuffer.
pub(super) fn digest<'js>(
    ctx: Ctx<'js>,
    algorithm: String,
    data: Value<'js>,
) -> rquickjs::Result<ArrayBuffer<'js>> {
    let name = algorithm.to_ascii_uppercase();
    let out =
        crate::webcrypto::digest_of(&name, &bytes_of(&data)).map_err(|m| crypto_err(&ctx, m))?;
    ArrayBuffer::new(ctx, out)
}

/// `hmac(hash, key, bytes)`: the HMAC as an ArrayBuffer.
pub(super) fn hmac<'js>(
    ctx: Ctx<'js>,
    hash: String,
    key: Value<'js>,
    data: Value<'js>,
) -> rquickjs::Result<ArrayBuffer<'js>> {
    use hmac::{Hmac, Mac};
    let key = bytes_of(&key);
    let data = bytes_of(&data);
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
        let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key)
            .expect("HMAC takes keys of any length");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }
    let out = match hash_name(&ctx, &hash)? {
        "SHA-1" => run::<Hmac<sha1::Sha1>>(&key, &data),
        "SHA-256" => run::<Hmac<sha2::Sha256>>(&key, &data),
        "SHA-384" => run::<Hmac<sha2::Sha384>>(&key, &data),
        _ => run::<Hmac<sha2::Sha512>>(&key, &data),
    };
    ArrayBuffer::new(ctx, out)
}

// Web Crypto's asymmetric keys (webcrypto.js, webcrypto.rs). A key crosses as
// `(private, der)`; a failure throws a TypeError whose message starts with
// the Web Crypto error name, which webcrypto.js turns into a DOMException.

fn crypto_err(ctx: &Ctx<'_>, message: String) -> rquickjs::Error {
    Exception::throw_type(ctx, &message)
}

fn key_array<'js>(ctx: &Ctx<'js>, key: crate::webcrypto::Key) -> rquickjs::Result<Array<'js>> {
    let out = Array::new(ctx.clone())?;
    out.set(0, key.private)?;
    out.set(1, TypedArray::<u8>::new(ctx.clone(), key.der)?)?;
    Ok(out)
}

fn key_of(private: bool, der: &Value<'_>) -> crate::webcrypto::Key {
    crate::webcrypto::Key {
        private,
        der: bytes_of(der),
    }
}

/// `keyImport(kind, format, bytes)`: `[private, der]`.
pub(super) fn key_import<'js>(
    ctx: Ctx<'js>,
    kind: String,
    format: String,
    bytes: Value<'js>,
) -> rquickjs::Result<Array<'js>> {
    let key = crate::webcrypto::import(&kind, &format, &bytes_of(&bytes))
        .map_err(|m| crypto_err(&ctx, m))?;
    key_array(&ctx, key)
}

/// `keyFromParts(kind, [bytes or null...])`: `[private, der]` (JWK members).
pub(super) fn key_from_parts<'js>(
    ctx: Ctx<'js>,
    kind: String,
    parts: Array<'js>,
) -> rquickjs::Result<Array<'js>> {
    let mut list = Vec::new();
    for v in parts.iter::<Value>() {
        let v = v?;
        list.push(if v.is_null() || v.is_undefined() {
            None
        } else {
            Some(bytes_of(&v))
        });
    }
    let key = crate::webcrypto::from_parts(&kind, &list).map_err(|m| crypto_err(&ctx, m))?;
    key_array(&ctx, key)
}

/// `keyParts(kind, private, der)`: the JWK members as byte arrays.
pub(super) fn key_parts<'js>(
    ctx: Ctx<'js>,
    kind: String,
    private: bool,
    der: Value<'js>,
) -> rquickjs::Result<Array<'js>> {
    let parts =
        crate::webcrypto::parts(&kind, &key_of(private, &der)).map_err(|m| crypto_err(&ctx, m))?;
    let out = Array::new(ctx.clone())?;
    for (i, p) in parts.into_iter().enumerate() {
        out.set(i, TypedArray::<u8>::new(ctx.clone(), p)?)?;
    }
    Ok(out)
}

/// `keyPublic(kind, private, der, raw)`: the public key's SPKI DER (or raw bytes).
pub(super) fn key_public<'js>(
    ctx: Ctx<'js>,
    kind: String,
    private: bool,
    der: Value<'js>,
    raw: bool,
) -> rquickjs::Result<TypedArray<'js, u8>> {
    let out = crate::webcrypto::public_of(&kind, &key_of(private, &der), raw)
        .map_err(|m| crypto_err(&ctx, m))?;
    TypedArray::new(ctx, out)
}

/// `keyRsaInfo(private, der)`: `[modulusLength, publicExponent]`.
pub(super) fn key_rsa_info<'js>(
    ctx: Ctx<'js>,
    private: bool,
    der: Value<'js>,
) -> rquickjs::Result<Array<'js>> {
    let (bits, e) =
        crate::webcrypto::rsa_info(&key_of(private, &der)).map_err(|m| crypto_err(&ctx, m))?;
    let out = Array::new(ctx.clone())?;
    out.set(0, bits)?;
    out.set(1, TypedArray::<u8>::new(ctx.clone(), e)?)?;
    Ok(out)
}

/// `keyGenerate(kind, modulusLength, publicExponent)`: a private key's PKCS #8 DER.
pub(super) fn key_generate<'js>(
    ctx: Ctx<'js>,
    kind: String,
    bits: u32,
    exponent: Value<'js>,
) -> rquickjs::Result<TypedArray<'js, u8>> {
    let der = crate::webcrypto::generate(&kind, bits, &bytes_of(&exponent))
        .map_err(|m| crypto_err(&ctx, m))?;
    TypedArray::new(ctx, der)
}

/// An operation's `[scheme, hash, saltLength]` and a key's `[private, der]`.
fn op_and_key(
    alg: &Array<'_>,
    key: &Array<'_>,
) -> rquickjs::Result<(String, String, usize, crate::webcrypto::Key)> {
    let der: Value = key.get(1)?;
    Ok((
        alg.get(0)?,
        alg.get(1)?,
        alg.get::<u32>(2)? as usize,
        key_of(key.get(0)?, &der),
    ))
}

/// `keySign(kind, [scheme, hash, saltLength], [private, der], data)`: the signature.
pub(super) fn key_sign<'js>(
    ctx: Ctx<'js>,
    kind: String,
    alg: Array<'js>,
    key: Array<'js>,
    data: Value<'js>,
) -> rquickjs::Result<ArrayBuffer<'js>> {
    let (scheme, hash, salt, key) = op_and_key(&alg, &key)?;
    let sig = crate::webcrypto::sign(&kind, &scheme, &hash, &key, &bytes_of(&data), salt)
        .map_err(|m| crypto_err(&ctx, m))?;
    ArrayBuffer::new(ctx, sig)
}

/// `keyVerify(kind, [scheme, hash, saltLength], [private, der], signature, data)`.
pub(super) fn key_verify<'js>(
    ctx: Ctx<'js>,
    kind: String,
    alg: Array<'js>,
    key: Array<'js>,
    signature: Value<'js>,
    data: Value<'js>,
) -> rquickjs::Result<bool> {
    let (scheme, hash, salt, key) = op_and_key(&alg, &key)?;
    crate::webcrypto::verify(
        &kind,
        &scheme,
        &hash,
        &key,
        &bytes_of(&signature),
        &bytes_of(&data),
        salt,
    )
    .map_err(|m| crypto_err(&ctx, m))
}

/// `aes(encrypt, [mode, tagBits, counterBits], key, iv, additionalData, data)`.
pub(super) fn aes<'js>(
    ctx: Ctx<'js>,
    encrypt: bool,
    params: Array<'js>,
    key: Value<'js>,
    iv: Value<'js>,
    aad: Value<'js>,
    data: Value<'js>,
) -> rquickjs::Result<ArrayBuffer<'js>> {
    let mode: String = params.get(0)?;
    let out = crate::webcrypto::aes(
        encrypt,
        &mode,
        &bytes_of(&key),
        &bytes_of(&iv),
        &bytes_of(&aad),
        params.get(1)?,
        params.get(2)?,
        &bytes_of(&data),
    )
    .map_err(|m| crypto_err(&ctx, m))?;
    ArrayBuffer::new(ctx, out)
}

/// `pbkdf2(hash, password, salt, iterations, bits)`.
pub(super) fn pbkdf2<'js>(
    ctx: Ctx<'js>,
    hash: String,
    password: Value<'js>,
    salt: Value<'js>,
    iterations: u32,
    bits: u32,
) -> rquickjs::Result<ArrayBuffer<'js>> {
    let out = crate::webcrypto::pbkdf2(
        &hash,
        &bytes_of(&password),
        &bytes_of(&salt),
        iterations,
        bits,
    )
    .map_err(|m| crypto_err(&ctx, m))?;
    ArrayBuffer::new(ctx, out)
}

/// `hkdf(hash, key, salt, info, bits)`.
pub(super) fn hkdf<'js>(
    ctx: Ctx<'js>,
    hash: String,
    key: Value<'js>,
    salt: Value<'js>,
    info: Value<'js>,
    bits: u32,
) -> rquickjs::Result<ArrayBuffer<'js>> {
    let out = crate::webcrypto::hkdf(
        &hash,
        &bytes_of(&key),
        &bytes_of(&salt),
        &bytes_of(&info),
        bits,
    )
    .map_err(|m| crypto_err(&ctx, m))?;
    ArrayBuffer::new(ctx, out)
}

/// `rsaOaep(encrypt, hash, [private, der], label, data)`.
pub(super) fn rsa_oaep<'js>(
    ctx: Ctx<'js>,
    encrypt: bool,
    hash: String,
    key: Array<'js>,
    label: Value<'js>,
    data: Value<'js>,
) -> rquickjs::Result<ArrayBuffer<'js>> {
    let der: Value = key.get(1)?;
    let key = key_of(key.get(0)?, &der);
    let out = crate::webcrypto::rsa_oaep(encrypt, &hash, &key, &bytes_of(&label), &bytes_of(&data))
        .map_err(|m| crypto_err(&ctx, m))?;
    ArrayBuffer::new(ctx, out)
}

/// `x25519Import(format, bytes, d | null)`: `[private, der]`.
pub(super) fn x25519_import<'js>(
    ctx: Ctx<'js>,
    format: String,
    bytes: Value<'js>,
    d: Value<'js>,
) -> rquickjs::Result<Array<'js>> {
    let d = if d.is_null() || d.is_undefined() {
        None
    } else {
        Some(bytes_of(&d))
    };
    let key = crate::webcrypto::x25519_import(&format, &bytes_of(&bytes), d.as_deref())
        .map_err(|m| crypto_err(&ctx, m))?;
    key_array(&ctx, key)
}

/// `x25519Parts(private, der)`: `[public, private?]` raw bytes.
pub(super) fn x25519_parts<'js>(
    ctx: Ctx<'js>,
    private: bool,
    der: Value<'js>,
) -> rquickjs::Result<Array<'js>> {
    let (public, seed) =
        crate::webcrypto::x25519_parts(&key_of(private, &der)).map_err(|m| crypto_err(&ctx, m))?;
    let out = Array::new(ctx.clone())?;
    out.set(0, TypedArray::<u8>::new(ctx.clone(), public.to_vec())?)?;
    if let Some(seed) = seed {
        out.set(1, TypedArray::<u8>::new(ctx.clone(), seed.to_vec())?)?;
    }
    Ok(out)
}

/// `x25519Generate()`: a private key's PKCS #8 DER.
pub(super) fn x25519_generate(ctx: Ctx<'_>) -> rquickjs::Result<TypedArray<'_, u8>> {
    TypedArray::new(ctx, crate::webcrypto::x25519_generate())
}

/// `sharedSecret(kind, [true, der], [false, der])`: ECDH / X25519 bytes.
pub(super) fn shared_secret<'js>(
    ctx: Ctx<'js>,
    kind: String,
    ours: Array<'js>,
    theirs: Array<'js>,
) -> rquickjs::Result<ArrayBuffer<'js>> {
    let (d1, d2): (Value, Value) = (ours.get(1)?, theirs.get(1)?);
    let out = crate::webcrypto::shared_secret(
        &kind,
        &key_of(ours.get(0)?, &d1),
        &key_of(theirs.get(0)?, &d2),
    )
    .map_err(|m| crypto_err(&ctx, m))?;
    ArrayBuffer::new(ctx, out)
}

/// `aesKw(wrap, kek, data)`: AES-KW wrapping or unwrapping.
pub(super) fn aes_kw<'js>(
    ctx: Ctx<'js>,
    wrap: bool,
    kek: Value<'js>,
    data: Value<'js>,
) -> rquickjs::Result<ArrayBuffer<'js>> {
    let out = crate::webcrypto::aes_kw(wrap, &bytes_of(&kek), &bytes_of(&data))
        .map_err(|m| crypto_err(&ctx, m))?;
    ArrayBuffer::new(ctx, out)
}

/// `hashOpen(name)`: a running digest's handle (`crypto.DigestStream`).
pub(super) fn hash_open(ctx: Ctx<'_>, name: String) -> rquickjs::Result<u32> {
    crate::webcrypto::hash_open(&name).map_err(|m| crypto_err(&ctx, m))
}

/// `hashUpdate(handle, bytes)`.
pub(super) fn hash_update<'js>(
    ctx: Ctx<'js>,
    handle: u32,
    data: Value<'js>,
) -> rquickjs::Result<()> {
    crate::webcrypto::hash_update(handle, &bytes_of(&data)).map_err(|m| crypto_err(&ctx, m))
}

/// `hashFinish(handle)`: the digest.
pub(super) fn hash_finish(ctx: Ctx<'_>, handle: u32) -> rquickjs::Result<ArrayBuffer<'_>> {
    let out = crate::webcrypto::hash_finish(handle).map_err(|m| crypto_err(&ctx, m))?;
    ArrayBuffer::new(ctx, out)
}
