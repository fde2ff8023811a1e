//! Web Crypto's asymmetric signatures (webcrypto.js): ECDSA on P-256 and
//! P-384, Ed25519, RSASSA-PKCS1-v1_5 and RSA-PSS, with RustCrypto.
//!
//! A key crosses to JS as DER: a private key as PKCS #8, a public key as
//! SubjectPublicKeyInfo, whatever format it was imported from. `kind` names
//! the key type: "P-256", "P-384", "Ed25519" or "RSA". Errors are messages
//! with the Web Crypto error name first ("DataError: ...").

use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer, Verifier};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};

/// The engine's randomness for key generation and RSA-PSS salts.
struct Rng;

impl rand_core::RngCore for Rng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }
    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // The host's WASI randomness does not fail.
        let _ = getrandom::fill(dest);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
impl rand_core::CryptoRng for Rng {}

fn data_error<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> String {
    move |e| format!("DataError: {what}: {e}")
}

fn bad_key<E: std::fmt::Display>(e: E) -> String {
    format!("DataError: the key data is not a valid key of this type: {e}")
}

/// A parsed key of any kind.
pub struct Key {
    pub private: bool,
    /// PKCS #8 (private) or SubjectPublicKeyInfo (public) DER.
    pub der: Vec<u8>,
}

fn to_der<T: AsRef<[u8]>>(r: Result<T, impl std::fmt::Display>) -> Result<Vec<u8>, String> {
    r.map(|d| d.as_ref().to_vec())
        .map_err(|e| format!("OperationError: {e}"))
}

/// A public key as its SubjectPublicKeyInfo DER.
fn public_key(k: &impl EncodePublicKey) -> Result<Key, String> {
    Ok(Key {
        private: false,
        der: to_der(k.to_public_key_der())?,
    })
}

/// A private key's PKCS #8 DER.
fn pkcs8_der(k: &impl EncodePrivateKey) -> Result<Vec<u8>, String> {
    to_der(k.to_pkcs8_der().map(|d| d.as_bytes().to_vec()))
}

/// A private key as its PKCS #8 DER.
fn private_key(k: &impl EncodePrivateKey) -> Result<Key, String> {
    Ok(Key {
        private: true,
        der: pkcs8_der(k)?,
    })
}

/// Imports `spki`, `pkcs8` or (public EC and Ed25519 keys) `raw` bytes.
pub fn import(kind: &str, format: &str, bytes: &[u8]) -> Result<Key, String> {
    macro_rules! ec {
        ($curve:ident) => {
            match format {
                "spki" => $curve::PublicKey::from_public_key_der(bytes)
                    .map_err(bad_key)
                    .and_then(|k| public_key(&k)),
                "pkcs8" => $curve::SecretKey::from_pkcs8_der(bytes)
                    .map_err(bad_key)
                    .and_then(|k| private_key(&k)),
                "raw" => $curve::PublicKey::from_sec1_bytes(bytes)
                    .map_err(bad_key)
                    .and_then(|k| public_key(&k)),
                _ => Err(format!(
                    "NotSupportedError: {format} is not a format for {kind} keys"
                )),
            }
        };
    }
    match kind {
        "P-256" => ec!(p256),
        "P-384" => ec!(p384),
        "P-521" => ec!(p521),
        "Ed25519" => match format {
            "spki" => ed25519_dalek::VerifyingKey::from_public_key_der(bytes)
                .map_err(bad_key)
                .and_then(|k| public_key(&k)),
            "pkcs8" => ed25519_dalek::SigningKey::from_pkcs8_der(bytes)
                .map_err(bad_key)
                .and_then(|k| private_key(&k)),
            "raw" => {
                let raw: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| "DataError: an Ed25519 public key is 32 bytes".to_string())?;
                ed25519_dalek::VerifyingKey::from_bytes(&raw)
                    .map_err(bad_key)
                    .and_then(|k| public_key(&k))
            }
            _ => Err(format!(
                "NotSupportedError: {format} is not a format for {kind} keys"
            )),
        },
        "RSA" => match format {
            "spki" => RsaPublicKey::from_public_key_der(bytes)
                .map_err(bad_key)
                .and_then(|k| public_key(&k)),
            "pkcs8" => RsaPrivateKey::from_pkcs8_der(bytes)
                .map_err(bad_key)
                .and_then(|k| private_key(&k)),
            _ => Err(format!(
                "NotSupportedError: {format} is not a format for RSA keys"
            )),
        },
        _ => Err(format!("NotSupportedError: unknown key type {kind}")),
    }
}

/// A key from its JWK members (base64url-decoded), in this order:
/// EC `x, y, d?`; Ed25519 `x, d?`; RSA `n, e, d?, p?, q?`.
pub fn from_parts(kind: &str, parts: &[Option<Vec<u8>>]) -> Result<Key, String> {
    let part = |i: usize, name: &str| -> Result<&[u8], String> {
        parts
            .get(i)
            .and_then(|p| p.as_deref())
            .ok_or_else(|| format!("DataError: the JWK has no \"{name}\""))
    };
    let private = parts
        .get(if kind == "Ed25519" { 1 } else { 2 })
        .is_some_and(Option::is_some);
    macro_rules! ec {
        ($curve:ident, $len:expr) => {{
            let (x, y) = (part(0, "x")?, part(1, "y")?);
            if x.len() != $len || y.len() != $len {
                return Err(format!(
                    "DataError: the JWK's coordinates are not {} bytes",
                    $len
                ));
            }
            let mut point = vec![4u8];
            point.extend_from_slice(x);
            point.extend_from_slice(y);
            let public = $curve::PublicKey::from_sec1_bytes(&point)
                .map_err(data_error("the JWK's point"))?;
            if private {
                let secret = $curve::SecretKey::from_slice(part(2, "d")?)
                    .map_err(data_error("the JWK's \"d\""))?;
                if secret.public_key() != public {
                    return Err(
                        "DataError: the JWK's \"d\" does not match its \"x\" and \"y\"".into(),
                    );
                }
                private_key(&secret)
            } else {
                public_key(&public)
            }
        }};
    }
    match kind {
        "P-256" => ec!(p256, 32),
        "P-384" => ec!(p384, 48),
        "P-521" => ec!(p521, 66),
        "Ed25519" => {
            let x: [u8; 32] = part(0, "x")?
                .try_into()
                .map_err(|_| "DataError: the JWK's \"x\" is not 32 bytes".to_string())?;
            let public = ed25519_dalek::VerifyingKey::from_bytes(&x)
                .map_err(data_error("the JWK's \"x\""))?;
            if private {
                let d: [u8; 32] = part(1, "d")?
                    .try_into()
                    .map_err(|_| "DataError: the JWK's \"d\" is not 32 bytes".to_string())?;
                let secret = ed25519_dalek::SigningKey::from_bytes(&d);
                if secret.verifying_key() != public {
                    return Err("DataError: the JWK's \"d\" does not match its \"x\"".into());
                }
                private_key(&secret)
            } else {
                public_key(&public)
            }
        }
        "RSA" => {
            let n = BigUint::from_bytes_be(part(0, "n")?);
            let e = BigUint::from_bytes_be(part(1, "e")?);
            if private {
                let d = BigUint::from_bytes_be(part(2, "d")?);
                let primes = match (
                    parts.get(3).and_then(|p| p.as_deref()),
                    parts.get(4).and_then(|p| p.as_deref()),
                ) {
                    (Some(p), Some(q)) => {
                        vec![BigUint::from_bytes_be(p), BigUint::from_bytes_be(q)]
                    }
                    _ => Vec::new(),
                };
                let key = RsaPrivateKey::from_components(n, e, d, primes)
                    .map_err(data_error("the JWK"))?;
                private_key(&key)
            } else {
                let key = RsaPublicKey::new(n, e).map_err(data_error("the JWK"))?;
                public_key(&key)
            }
        }
        _ => Err(format!("NotSupportedError: unknown key type {kind}")),
    }
}

/// A key's JWK members (the order of `from_parts`; RSA private keys also
/// `dp, dq, qi`).
pub fn parts(kind: &str, key: &Key) -> Result<Vec<Vec<u8>>, String> {
    macro_rules! ec {
        ($curve:ident) => {{
            use p256::elliptic_curve::sec1::ToEncodedPoint as _;
            let (public, d) = if key.private {
                let s = $curve::SecretKey::from_pkcs8_der(&key.der).map_err(data_error("key"))?;
                (s.public_key(), Some(s.to_bytes().to_vec()))
            } else {
                (
                    $curve::PublicKey::from_public_key_der(&key.der).map_err(data_error("key"))?,
                    None,
                )
            };
            let point = public.to_encoded_point(false);
            let mut out = vec![
                point.x().map(|x| x.to_vec()).unwrap_or_default(),
                point.y().map(|y| y.to_vec()).unwrap_or_default(),
            ];
            out.extend(d);
            Ok(out)
        }};
    }
    match kind {
        "P-256" => ec!(p256),
        "P-384" => ec!(p384),
        "P-521" => ec!(p521),
        "Ed25519" => {
            if key.private {
                let s = ed25519_dalek::SigningKey::from_pkcs8_der(&key.der)
                    .map_err(data_error("key"))?;
                Ok(vec![
                    s.verifying_key().to_bytes().to_vec(),
                    s.to_bytes().to_vec(),
                ])
            } else {
                let p = ed25519_dalek::VerifyingKey::from_public_key_der(&key.der)
                    .map_err(data_error("key"))?;
                Ok(vec![p.to_bytes().to_vec()])
            }
        }
        "RSA" => {
            if key.private {
                let k = RsaPrivateKey::from_pkcs8_der(&key.der).map_err(data_error("key"))?;
                let primes = k.primes();
                let big = |b: Option<&BigUint>| b.map(BigUint::to_bytes_be).unwrap_or_default();
                Ok(vec![
                    k.n().to_bytes_be(),
                    k.e().to_bytes_be(),
                    k.d().to_bytes_be(),
                    big(primes.first()),
                    big(primes.get(1)),
                    big(k.dp()),
                    big(k.dq()),
                    k.crt_coefficient()
                        .map(|c| c.to_bytes_be())
                        .unwrap_or_default(),
                ])
            } else {
                let k = RsaPublicKey::from_public_key_der(&key.der).map_err(data_error("key"))?;
                Ok(vec![k.n().to_bytes_be(), k.e().to_bytes_be()])
            }
        }
        _ => Err(format!("NotSupportedError: unknown key type {kind}")),
    }
}

/// The public key of a private one (as SubjectPublicKeyInfo DER); for
/// `raw` export, the bare point or Ed25519 key instead.
pub fn public_of(kind: &str, key: &Key, raw: bool) -> Result<Vec<u8>, String> {
    macro_rules! ec {
        ($curve:ident) => {{
            use p256::elliptic_curve::sec1::ToEncodedPoint as _;
            let public = if key.private {
                $curve::SecretKey::from_pkcs8_der(&key.der)
                    .map_err(data_error("key"))?
                    .public_key()
            } else {
                $curve::PublicKey::from_public_key_der(&key.der).map_err(data_error("key"))?
            };
            if raw {
                Ok(public.to_encoded_point(false).as_bytes().to_vec())
            } else {
                to_der(public.to_public_key_der())
            }
        }};
    }
    match kind {
        "P-256" => ec!(p256),
        "P-384" => ec!(p384),
        "P-521" => ec!(p521),
        "Ed25519" => {
            let public = if key.private {
                ed25519_dalek::SigningKey::from_pkcs8_der(&key.der)
                    .map_err(data_error("key"))?
                    .verifying_key()
            } else {
                ed25519_dalek::VerifyingKey::from_public_key_der(&key.der)
                    .map_err(data_error("key"))?
            };
            if raw {
                Ok(public.to_bytes().to_vec())
            } else {
                to_der(public.to_public_key_der())
            }
        }
        "RSA" if !raw => {
            let public = if key.private {
                RsaPrivateKey::from_pkcs8_der(&key.der)
                    .map_err(data_error("key"))?
                    .to_public_key()
            } else {
                RsaPublicKey::from_public_key_der(&key.der).map_err(data_error("key"))?
            };
            to_der(public.to_public_key_der())
        }
        _ => Err(format!("NotSupportedError: no raw format for {kind} keys")),
    }
}

/// An RSA key's modulus length in bits and public exponent.
pub fn rsa_info(key: &Key) -> Result<(u32, Vec<u8>), String> {
    let public = public_of("RSA", key, false)?;
    let k = RsaPublicKey::from_public_key_der(&public).map_err(data_error("key"))?;
    Ok(((k.n().bits()) as u32, k.e().to_bytes_be()))
}

/// A new private key (PKCS #8 DER).
pub fn generate(kind: &str, modulus_bits: u32, exponent: &[u8]) -> Result<Vec<u8>, String> {
    let mut rng = Rng;
    match kind {
        "P-256" => pkcs8_der(&p256::SecretKey::random(&mut rng)),
        "P-384" => pkcs8_der(&p384::SecretKey::random(&mut rng)),
        "P-521" => pkcs8_der(&p521::SecretKey::random(&mut rng)),
        "Ed25519" => {
            let mut seed = [0u8; 32];
            rand_core::RngCore::fill_bytes(&mut rng, &mut seed);
            pkcs8_der(&ed25519_dalek::SigningKey::from_bytes(&seed))
        }
        "RSA" => {
            if !(1024..=8192).contains(&modulus_bits) || !modulus_bits.is_multiple_of(8) {
                return Err(
                    "OperationError: modulusLength must be a multiple of 8 from 1024 to 8192"
                        .into(),
                );
            }
            let e = BigUint::from_bytes_be(exponent);
            let key = RsaPrivateKey::new_with_exp(&mut rng, modulus_bits as usize, &e)
                .map_err(|e| format!("OperationError: {e}"))?;
            pkcs8_der(&key)
        }
        _ => Err(format!("NotSupportedError: unknown key type {kind}")),
    }
}

/// Runs `$body` with `$D` bound to the digest type named by `$hash`.
macro_rules! with_hash {
    ($hash:expr, $D:ident => $body:expr) => {
        match $hash {
            "SHA-1" => {
                type $D = sha1::Sha1;
                $body
            }
            "SHA-256" => {
                type $D = sha2::Sha256;
                $body
            }
            "SHA-384" => {
                type $D = sha2::Sha384;
                $body
            }
            "SHA-512" => {
                type $D = sha2::Sha512;
                $body
            }
            other => Err(format!("NotSupportedError: unknown hash {other}")),
        }
    };
}

/// Signs `data`: `scheme` is "ECDSA", "Ed25519", "RSASSA-PKCS1-v1_5" or
/// "RSA-PSS" (with `salt_len`). ECDSA signatures are `r || s`.
pub fn sign(
    kind: &str,
    scheme: &str,
    hash: &str,
    key: &Key,
    data: &[u8],
    salt_len: usize,
) -> Result<Vec<u8>, String> {
    if !key.private {
        return Err("InvalidAccessError: signing needs a private key".into());
    }
    let op = |e: rsa::signature::Error| format!("OperationError: {e}");
    match (kind, scheme) {
        ("P-256", "ECDSA") => {
            use p256::ecdsa::signature::hazmat::PrehashSigner;
            let k = p256::ecdsa::SigningKey::from_pkcs8_der(&key.der).map_err(data_error("key"))?;
            let sig: p256::ecdsa::Signature =
                k.sign_prehash(&ecdsa_digest(hash, data, 32)?).map_err(op)?;
            Ok(sig.to_bytes().to_vec())
        }
        ("P-384", "ECDSA") => {
            use p384::ecdsa::signature::hazmat::PrehashSigner;
            let k = p384::ecdsa::SigningKey::from_pkcs8_der(&key.der).map_err(data_error("key"))?;
            let sig: p384::ecdsa::Signature =
                k.sign_prehash(&ecdsa_digest(hash, data, 48)?).map_err(op)?;
            Ok(sig.to_bytes().to_vec())
        }
        ("P-521", "ECDSA") => {
            // p521's SigningKey is a wrapper without PKCS #8 support or a
            // deterministic prehash signer: from the secret scalar, with a
            // random nonce (as browsers sign ECDSA).
            use p521::ecdsa::signature::hazmat::RandomizedPrehashSigner;
            let secret = p521::SecretKey::from_pkcs8_der(&key.der).map_err(data_error("key"))?;
            let k = p521::ecdsa::SigningKey::from_slice(&secret.to_bytes())
                .map_err(data_error("key"))?;
            let sig: p521::ecdsa::Signature = k
                .sign_prehash_with_rng(&mut Rng, &ecdsa_digest(hash, data, 66)?)
                .map_err(op)?;
            Ok(sig.to_bytes().to_vec())
        }
        ("Ed25519", "Ed25519") => {
            let k =
                ed25519_dalek::SigningKey::from_pkcs8_der(&key.der).map_err(data_error("key"))?;
            Ok(ed25519_dalek::Signer::sign(&k, data).to_bytes().to_vec())
        }
        ("RSA", "RSASSA-PKCS1-v1_5") => {
            let k = RsaPrivateKey::from_pkcs8_der(&key.der).map_err(data_error("key"))?;
            with_hash!(hash, D => Ok(rsa::pkcs1v15::SigningKey::<D>::new(k).try_sign(data).map_err(op)?.to_vec()))
        }
        ("RSA", "RSA-PSS") => {
            let k = RsaPrivateKey::from_pkcs8_der(&key.der).map_err(data_error("key"))?;
            with_hash!(hash, D => Ok(rsa::pss::SigningKey::<D>::new_with_salt_len(k, salt_len)
                .try_sign_with_rng(&mut Rng, data).map_err(op)?.to_vec()))
        }
        _ => Err(format!(
            "InvalidAccessError: a {kind} key cannot be used with {scheme}"
        )),
    }
}

/// Verifies `signature` over `data` (a private key verifies with its public
/// half); `false` for a signature of the wrong shape.
#[allow(clippy::too_many_arguments)]
pub fn verify(
    kind: &str,
    scheme: &str,
    hash: &str,
    key: &Key,
    signature: &[u8],
    data: &[u8],
    salt_len: usize,
) -> Result<bool, String> {
    let public = public_of(kind, key, false)?;
    match (kind, scheme) {
        ("P-256", "ECDSA") => {
            use p256::ecdsa::signature::hazmat::PrehashVerifier;
            let k = p256::ecdsa::VerifyingKey::from_public_key_der(&public)
                .map_err(data_error("key"))?;
            let Ok(sig) = p256::ecdsa::Signature::from_slice(signature) else {
                return Ok(false);
            };
            Ok(k.verify_prehash(&ecdsa_digest(hash, data, 32)?, &sig)
                .is_ok())
        }
        ("P-384", "ECDSA") => {
            use p384::ecdsa::signature::hazmat::PrehashVerifier;
            let k = p384::ecdsa::VerifyingKey::from_public_key_der(&public)
                .map_err(data_error("key"))?;
            let Ok(sig) = p384::ecdsa::Signature::from_slice(signature) else {
                return Ok(false);
            };
            Ok(k.verify_prehash(&ecdsa_digest(hash, data, 48)?, &sig)
                .is_ok())
        }
        ("P-521", "ECDSA") => {
            use p521::ecdsa::signature::hazmat::PrehashVerifier;
            let p = p521::PublicKey::from_public_key_der(&public).map_err(data_error("key"))?;
            let k = p521::ecdsa::VerifyingKey::from_affine(*p.as_affine())
                .map_err(data_error("key"))?;
            let Ok(sig) = p521::ecdsa::Signature::from_slice(signature) else {
                return Ok(false);
            };
            Ok(k.verify_prehash(&ecdsa_digest(hash, data, 66)?, &sig)
                .is_ok())
        }
        ("Ed25519", "Ed25519") => {
            let k = ed25519_dalek::VerifyingKey::from_public_key_der(&public)
                .map_err(data_error("key"))?;
            let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
                return Ok(false);
            };
            Ok(k.verify_strict(data, &sig).is_ok())
        }
        ("RSA", "RSASSA-PKCS1-v1_5") => {
            let k = RsaPublicKey::from_public_key_der(&public).map_err(data_error("key"))?;
            let Ok(sig) = rsa::pkcs1v15::Signature::try_from(signature) else {
                return Ok(false);
            };
            with_hash!(hash, D => Ok(rsa::pkcs1v15::VerifyingKey::<D>::new(k).verify(data, &sig).is_ok()))
        }
        ("RSA", "RSA-PSS") => {
            let k = RsaPublicKey::from_public_key_der(&public).map_err(data_error("key"))?;
            let Ok(sig) = rsa::pss::Signature::try_from(signature) else {
                return Ok(false);
            };
            with_hash!(hash, D => Ok(rsa::pss::VerifyingKey::<D>::new_with_salt_len(k, salt_len).verify(data, &sig).is_ok()))
        }
        _ => Err(format!(
            "InvalidAccessError: a {kind} key cannot be used with {scheme}"
        )),
    }
}

// ---------------------------------------------------------------- AES, PBKDF2, HKDF

/// AES in `mode` ("AES-GCM", "AES-CBC", "AES-CTR") with a 16, 24 or 32
/// byte key. `iv` is GCM's IV (12 or 16 bytes), CBC's IV or CTR's counter
/// block (16 bytes); `aad` and `tag_bits` are GCM's, `counter_bits` CTR's.
#[allow(clippy::too_many_arguments)]
pub fn aes(
    encrypt: bool,
    mode: &str,
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    tag_bits: u32,
    counter_bits: u32,
    data: &[u8],
) -> Result<Vec<u8>, String> {
    match key.len() {
        16 => aes_with::<aes::Aes128>(encrypt, mode, key, iv, aad, tag_bits, counter_bits, data),
        24 => aes_with::<aes::Aes192>(encrypt, mode, key, iv, aad, tag_bits, counter_bits, data),
        32 => aes_with::<aes::Aes256>(encrypt, mode, key, iv, aad, tag_bits, counter_bits, data),
        _ => Err("DataError: an AES key is 128, 192 or 256 bits".into()),
    }
}

#[allow(clippy::too_many_arguments)]
fn aes_with<C>(
    encrypt: bool,
    mode: &str,
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    tag_bits: u32,
    counter_bits: u32,
    data: &[u8],
) -> Result<Vec<u8>, String>
where
    C: aes::cipher::BlockCipher
        + aes::cipher::BlockEncrypt
        + aes::cipher::BlockDecrypt
        + aes::cipher::KeyInit
        + aes::cipher::BlockSizeUser<BlockSize = aes::cipher::consts::U16>
        + Clone,
{
    use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyInit, KeyIvInit};
    let op = |what: &str| format!("OperationError: {what}");
    match mode {
        "AES-GCM" => {
            use aes_gcm::aead::consts::{U12, U13, U14, U15, U16};
            use aes_gcm::aead::{Aead, Payload};
            macro_rules! gcm {
                ($nonce:ty, $tag:ty) => {{
                    let cipher = aes_gcm::AesGcm::<C, $nonce, $tag>::new_from_slice(key).map_err(|_| op("bad key"))?;
                    let nonce = aes_gcm::Nonce::<$nonce>::from_slice(iv);
                    let payload = Payload { msg: data, aad };
                    if encrypt {
                        cipher.encrypt(nonce, payload)
                    } else {
                        cipher.decrypt(nonce, payload)
                    }
                    .map_err(|_| {
                        op(if encrypt {
                            "encryption failed"
                        } else {
                            "the data could not be decrypted (wrong key, IV, additional data or tag)"
                        })
                    })
                }};
            }
            macro_rules! gcm_tag {
                ($nonce:ty) => {
                    match tag_bits {
                        128 => gcm!($nonce, U16),
                        120 => gcm!($nonce, U15),
                        112 => gcm!($nonce, U14),
                        104 => gcm!($nonce, U13),
                        96 => gcm!($nonce, U12),
                        32 | 64 => Err(format!(
                            "NotSupportedError: a {tag_bits}-bit AES-GCM tag is not supported"
                        )),
                        _ => Err(format!(
                            "OperationError: {tag_bits} is not a valid AES-GCM tagLength"
                        )),
                    }
                };
            }
            match iv.len() {
                12 => gcm_tag!(U12),
                16 => gcm_tag!(U16),
                n => Err(format!(
                    "NotSupportedError: a {n}-byte AES-GCM IV is not supported (12 or 16)"
                )),
            }
        }
        "AES-CBC" => {
            if iv.len() != 16 {
                return Err(op("the AES-CBC iv must be 16 bytes"));
            }
            if encrypt {
                let c = cbc::Encryptor::<C>::new_from_slices(key, iv).map_err(|_| op("bad key"))?;
                Ok(c.encrypt_padded_vec_mut::<aes::cipher::block_padding::Pkcs7>(data))
            } else {
                let c = cbc::Decryptor::<C>::new_from_slices(key, iv).map_err(|_| op("bad key"))?;
                c.decrypt_padded_vec_mut::<aes::cipher::block_padding::Pkcs7>(data)
                    .map_err(|_| op("the data could not be decrypted (bad padding)"))
            }
        }
        "AES-CTR" => {
            // The counter is the block's rightmost `counter_bits` bits,
            // wrapping within them (so the keystream repeats after 2^bits
            // blocks: the spec makes that an error).
            if iv.len() != 16 {
                return Err(op("the AES-CTR counter must be 16 bytes"));
            }
            if !(1..=128).contains(&counter_bits) {
                return Err(op("the AES-CTR length must be from 1 to 128"));
            }
            let blocks = data.len().div_ceil(16) as u128;
            if counter_bits < 128 && blocks > (1u128 << counter_bits) {
                return Err(op("the data is longer than the counter allows"));
            }
            let cipher = C::new_from_slice(key).map_err(|_| op("bad key"))?;
            let block = u128::from_be_bytes(iv.try_into().map_err(|_| op("bad counter"))?);
            let mask = if counter_bits == 128 {
                u128::MAX
            } else {
                (1u128 << counter_bits) - 1
            };
            let mut out = Vec::with_capacity(data.len());
            for (i, chunk) in data.chunks(16).enumerate() {
                let counter = (block & mask).wrapping_add(i as u128) & mask;
                let mut keystream = aes::cipher::generic_array::GenericArray::clone_from_slice(
                    &((block & !mask) | counter).to_be_bytes(),
                );
                cipher.encrypt_block(&mut keystream);
                out.extend(chunk.iter().zip(keystream.iter()).map(|(a, b)| a ^ b));
            }
            Ok(out)
        }
        _ => Err(format!("NotSupportedError: {mode} is not supported")),
    }
}

/// PBKDF2 with HMAC-`hash`: `bits` of key material.
pub fn pbkdf2(
    hash: &str,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    bits: u32,
) -> Result<Vec<u8>, String> {
    if iterations == 0 {
        return Err("OperationError: PBKDF2 needs at least one iteration".into());
    }
    let mut out = vec![0u8; (bits / 8) as usize];
    with_hash!(hash, D => {
        pbkdf2::pbkdf2_hmac::<D>(password, salt, iterations, &mut out);
        Ok(out)
    })
}

/// HKDF with `hash`: `bits` of key material.
pub fn hkdf(
    hash: &str,
    key: &[u8],
    salt: &[u8],
    info: &[u8],
    bits: u32,
) -> Result<Vec<u8>, String> {
    let mut out = vec![0u8; (bits / 8) as usize];
    with_hash!(hash, D => {
        hkdf::Hkdf::<D>::new(Some(salt), key)
            .expand(info, &mut out)
            .map_err(|_| "OperationError: HKDF cannot derive that many bits with this hash".to_string())?;
        Ok(out)
    })
}

// ---------------------------------------------------------------- RSA-OAEP, ECDH, X25519

/// RSA-OAEP with `hash` and `label` (the rsa crate takes labels as text: a
/// label that is not UTF-8 is refused).
pub fn rsa_oaep(
    encrypt: bool,
    hash: &str,
    key: &Key,
    label: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, String> {
    let label = std::str::from_utf8(label)
        .map_err(|_| {
            "NotSupportedError: an RSA-OAEP label must be UTF-8 text in isolet".to_string()
        })?
        .to_string();
    macro_rules! padding {
        () => {
            with_hash!(hash, D => Ok::<_, String>(if label.is_empty() { rsa::Oaep::new::<D>() } else { rsa::Oaep::new_with_label::<D, _>(label.clone()) }))
        };
    }
    if encrypt {
        if key.private {
            return Err("InvalidAccessError: encrypting needs a public key".into());
        }
        let k = RsaPublicKey::from_public_key_der(&key.der).map_err(data_error("key"))?;
        k.encrypt(&mut Rng, padding!()?, data)
            .map_err(|e| format!("OperationError: {e}"))
    } else {
        if !key.private {
            return Err("InvalidAccessError: decrypting needs a private key".into());
        }
        let k = RsaPrivateKey::from_pkcs8_der(&key.der).map_err(data_error("key"))?;
        k.decrypt(padding!()?, data)
            .map_err(|_| "OperationError: the data could not be decrypted".to_string())
    }
}

const X25519_SPKI: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
];
const X25519_PKCS8: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
];

/// An X25519 key from `spki`, `pkcs8`, `raw` (public) or JWK members
/// (`x`, `d?`), as DER.
pub fn x25519_import(format: &str, bytes: &[u8], d: Option<&[u8]>) -> Result<Key, String> {
    let bad = || "DataError: the key data is not a valid X25519 key".to_string();
    let public: [u8; 32] = match format {
        "spki" => bytes
            .strip_prefix(&X25519_SPKI[..])
            .and_then(|r| r.try_into().ok())
            .ok_or_else(bad)?,
        "pkcs8" => {
            let seed: [u8; 32] = bytes
                .strip_prefix(&X25519_PKCS8[..])
                .and_then(|r| r.try_into().ok())
                .ok_or_else(bad)?;
            return Ok(Key {
                private: true,
                der: [&X25519_PKCS8[..], &seed].concat(),
            });
        }
        "raw" | "jwk" => bytes.try_into().map_err(|_| bad())?,
        _ => {
            return Err(format!(
                "NotSupportedError: {format} is not a format for X25519 keys"
            ));
        }
    };
    if let Some(d) = d {
        let seed: [u8; 32] = d.try_into().map_err(|_| bad())?;
        let derived = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(seed));
        if derived.as_bytes() != &public {
            return Err("DataError: the JWK's \"d\" does not match its \"x\"".into());
        }
        return Ok(Key {
            private: true,
            der: [&X25519_PKCS8[..], &seed].concat(),
        });
    }
    Ok(Key {
        private: false,
        der: [&X25519_SPKI[..], &public].concat(),
    })
}

/// An X25519 key's public bytes, and its private bytes if it has them.
pub fn x25519_parts(key: &Key) -> Result<([u8; 32], Option<[u8; 32]>), String> {
    let bad = || "DataError: not an X25519 key".to_string();
    if key.private {
        let seed: [u8; 32] = key
            .der
            .strip_prefix(&X25519_PKCS8[..])
            .and_then(|r| r.try_into().ok())
            .ok_or_else(bad)?;
        let public = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(seed));
        Ok((*public.as_bytes(), Some(seed)))
    } else {
        let public: [u8; 32] = key
            .der
            .strip_prefix(&X25519_SPKI[..])
            .and_then(|r| r.try_into().ok())
            .ok_or_else(bad)?;
        Ok((public, None))
    }
}

/// A new X25519 private key (PKCS #8 DER).
pub fn x25519_generate() -> Vec<u8> {
    let mut seed = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut Rng, &mut seed);
    [&X25519_PKCS8[..], &seed].concat()
}

/// The shared secret of `private` (ours) and `public` (theirs): ECDH on
/// P-256/P-384 (the x coordinate) or X25519.
pub fn shared_secret(kind: &str, private: &Key, public: &Key) -> Result<Vec<u8>, String> {
    if !private.private || public.private {
        return Err(
            "InvalidAccessError: key agreement needs our private key and their public key".into(),
        );
    }
    macro_rules! ecdh {
        ($curve:ident) => {{
            let ours =
                $curve::SecretKey::from_pkcs8_der(&private.der).map_err(data_error("key"))?;
            let theirs = $curve::PublicKey::from_public_key_der(&public.der)
                .map_err(data_error("public key"))?;
            Ok(
                $curve::ecdh::diffie_hellman(ours.to_nonzero_scalar(), theirs.as_affine())
                    .raw_secret_bytes()
                    .to_vec(),
            )
        }};
    }
    match kind {
        "P-256" => ecdh!(p256),
        "P-384" => ecdh!(p384),
        "P-521" => ecdh!(p521),
        "X25519" => {
            let (_, seed) = x25519_parts(private)?;
            let (theirs, _) = x25519_parts(public)?;
            let seed = seed.ok_or("InvalidAccessError: not a private key")?;
            let shared = x25519_dalek::StaticSecret::from(seed)
                .diffie_hellman(&x25519_dalek::PublicKey::from(theirs));
            if shared.as_bytes().iter().all(|b| *b == 0) {
                return Err("OperationError: the X25519 shared secret is all zeros (a small-order public key)".into());
            }
            Ok(shared.as_bytes().to_vec())
        }
        _ => Err(format!("NotSupportedError: no key agreement for {kind}")),
    }
}

/// AES-KW (RFC 3394) key wrapping with a 16, 24 or 32 byte key encryption key.
pub fn aes_kw(wrap: bool, kek: &[u8], data: &[u8]) -> Result<Vec<u8>, String> {
    macro_rules! kw {
        ($kek:ty) => {{
            let kek = <$kek>::try_from(kek).map_err(|_| "DataError: bad AES-KW key".to_string())?;
            if wrap {
                kek.wrap_vec(data).map_err(|_| {
                    "OperationError: AES-KW wraps multiples of 8 bytes, at least 16".to_string()
                })
            } else {
                kek.unwrap_vec(data).map_err(|_| {
                    "OperationError: the data could not be unwrapped (wrong key or corrupted)"
                        .to_string()
                })
            }
        }};
    }
    match kek.len() {
        16 => kw!(aes_kw::KekAes128),
        24 => kw!(aes_kw::KekAes192),
        32 => kw!(aes_kw::KekAes256),
        _ => Err("DataError: an AES key is 128, 192 or 256 bits".into()),
    }
}

// ---------------------------------------------------------------- digests

thread_local! {
    static HASHERS: std::cell::RefCell<crate::handles::Handles<Box<dyn sha2::digest::DynDigest>>> =
        std::cell::RefCell::default();
}

fn hasher(name: &str) -> Result<Box<dyn sha2::digest::DynDigest>, String> {
    Ok(match name {
        "MD5" => Box::new(md5::Md5::default()),
        "SHA-1" => Box::new(sha1::Sha1::default()),
        "SHA-256" => Box::new(sha2::Sha256::default()),
        "SHA-384" => Box::new(sha2::Sha384::default()),
        "SHA-512" => Box::new(sha2::Sha512::default()),
        _ => return Err(format!("NotSupportedError: unknown hash {name}")),
    })
}

/// The digest of `data` (SHA-1/256/384/512, and MD5 as Workers allows).
/// The hash ECDSA signs on a curve whose field is `size` bytes: a shorter
/// hash (SHA-1 or SHA-256 on P-384 or P-521) is left-padded with zeros,
/// which keeps its value as an integer (SEC 1 uses it whole); the crates
/// refuse a prehash shorter than half the field.
fn ecdsa_digest(hash: &str, data: &[u8], size: usize) -> Result<Vec<u8>, String> {
    let d = digest_of(hash, data)?;
    if d.len() >= size {
        return Ok(d);
    }
    let mut padded = vec![0u8; size - d.len()];
    padded.extend_from_slice(&d);
    Ok(padded)
}

pub fn digest_of(name: &str, data: &[u8]) -> Result<Vec<u8>, String> {
    let mut h = hasher(name)?;
    h.update(data);
    Ok(h.finalize().to_vec())
}

/// A running digest (`crypto.DigestStream`): its handle.
pub fn hash_open(name: &str) -> Result<u32, String> {
    let h = hasher(name)?;
    Ok(HASHERS.with(|m| m.borrow_mut().insert(h)))
}

/// Adds `data` to a running digest.
pub fn hash_update(handle: u32, data: &[u8]) -> Result<(), String> {
    HASHERS.with(|m| match m.borrow_mut().get_mut(handle) {
        Some(h) => {
            h.update(data);
            Ok(())
        }
        None => Err("InvalidStateError: the digest stream is closed".into()),
    })
}

/// Ends a running digest: the digest.
pub fn hash_finish(handle: u32) -> Result<Vec<u8>, String> {
    HASHERS
        .with(|m| m.borrow_mut().remove(handle))
        .map(|h| h.finalize().to_vec())
        .ok_or_else(|| "InvalidStateError: the digest stream is closed".into())
}
