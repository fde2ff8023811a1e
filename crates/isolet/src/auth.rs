//! Bearer-token checks for isolet's HTTP front ends (`isolet-server`'s
//! admin and invoke tokens, `isolet mcp --http`): one constant-time
//! comparison, so no front end grows its own.

use http::header;

/// Whether `req` carries `Authorization: Bearer <token>` (a non-empty
/// token, compared in constant time).
///
/// ```
/// let req = http::Request::get("/").header("authorization", "Bearer s3cret").body(()).unwrap();
/// assert!(isolet::auth::bearer_ok(&req, "s3cret"));
/// assert!(!isolet::auth::bearer_ok(&req, "other"));
/// assert!(!isolet::auth::bearer_ok(&http::Request::get("/").body(()).unwrap(), ""));
/// ```
pub fn bearer_ok<B>(req: &http::Request<B>, token: &str) -> bool {
    use subtle::ConstantTimeEq;
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compare fixed-length digests so the comparison time does not depend on
    // where (or whether) the lengths differ.
    use sha2::{Digest, Sha256};
    let ok: bool = Sha256::digest(given.as_bytes())
        .ct_eq(&Sha256::digest(token.as_bytes()))
        .into();
    ok && !given.is_empty()
}
