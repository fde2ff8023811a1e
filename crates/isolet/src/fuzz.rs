//! The crate-internal entry points of isolet's fuzz targets (driven by
//! `tests/all/fuzz.rs` and `scripts/fuzz`). Each takes arbitrary bytes, must
//! never panic, and checks a property of what it parsed. Not a stable API.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use isolet_code::WorkerCode;

/// `WorkerCode` from JSON, then its validation; what parses must survive a
/// round trip through its own JSON unchanged.
pub fn worker_code_json(data: &[u8]) {
    let Ok(code) = serde_json::from_slice::<WorkerCode>(data) else {
        return;
    };
    let verdict = code.validate();
    let again: WorkerCode = serde_json::to_vec(&code)
        .ok()
        .and_then(|text| serde_json::from_slice(&text).ok())
        .expect("a parsed WorkerCode serializes to JSON that parses again");
    assert_eq!(again, code, "the round trip changed the code");
    assert_eq!(again.validate(), verdict);
}

/// The RPC wire decoder: what decodes encodes to the same wire JSON.
pub fn wire(data: &[u8]) {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(value) = crate::Value::from_wire(json) else {
        return;
    };
    let wire = value.to_wire();
    let again = crate::Value::from_wire(wire.clone()).expect("an encoded value decodes");
    assert_eq!(
        again.to_wire(),
        wire,
        "the wire round trip changed the value"
    );
}

/// The address `data` names (4 bytes: IPv4, 16: IPv6, else none) and
/// whether the outbound policy calls it private.
pub fn address(data: &[u8]) -> Option<(IpAddr, bool)> {
    let ip = match data.len() {
        4 => IpAddr::V4(Ipv4Addr::new(data[0], data[1], data[2], data[3])),
        16 => {
            let mut b = [0u8; 16];
            b.copy_from_slice(data);
            IpAddr::V6(Ipv6Addr::from(b))
        }
        _ => return None,
    };
    Some((ip, crate::outbound::address::is_private(ip)))
}

/// Host allow/deny patterns: a host matches itself and `*.` + its parent,
/// never the parent's bare name through a wildcard.
pub fn host_pattern(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (pattern, host) = text.split_once('\n').unwrap_or((text, text));
    let _ = crate::outbound::address::host_matches(pattern, host);
    // A well-formed name: labels between dots, none empty.
    let name = host.strip_suffix('.').unwrap_or(host);
    if !name.is_empty() && !name.contains('*') && name.split('.').all(|l| !l.is_empty()) {
        assert!(crate::outbound::address::host_matches(host, host));
        if let Some((_, parent)) = name.split_once('.') {
            assert!(crate::outbound::address::host_matches(
                &format!("*.{parent}"),
                host
            ));
            assert!(!crate::outbound::address::host_matches(
                &format!("*.{parent}"),
                parent
            ));
        }
    }
}

/// What the host checks of a request before a worker sees it (method and
/// URL): accepted ones have a token method and an absolute URL.
pub fn request_head(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (method, url) = text.split_once(' ').unwrap_or(("GET", &text));
    let request = crate::Request::new(method, url);
    if let Ok(checked) = crate::worker::validate_request_for_fuzz(request) {
        assert!(!checked.0.is_empty());
        assert!(url::Url::parse(&checked.1).is_ok());
    }
}

/// Tenant TypeScript/TSX/JSX source through the nesting check and then
/// oxc (parse, semantic analysis, transform, codegen), as the host runs
/// them: on a large-stack thread. The first byte picks the module's name
/// (`.ts`, `.tsx`, `.jsx`). The process must never abort (a stack overflow
/// is an abort), and a source the check refuses as too deep stays refused
/// with more nesting around it.
#[cfg(feature = "typescript")]
pub fn typescript_source(data: &[u8]) {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let name = ["m.ts", "m.tsx", "m.jsx"][kind as usize % 3];
    let source = String::from_utf8_lossy(rest);
    // What the check accepts, oxc parses no deeper than a small multiple of
    // the estimate (the stack bound rests on it).
    if let Some((estimate, depth)) = crate::typescript::estimate_and_depth(name, &source) {
        assert!(
            depth <= 2 * estimate as usize + 4,
            "the tree is {depth} deep, the estimate {estimate}"
        );
    }
    if let Err(e) = crate::typescript::transpile_one(name, &source)
        && e.message.contains("nested too deeply")
        && !source.starts_with("#!")
    {
        let wrapped = format!("[\n{source}\n]");
        assert!(
            crate::typescript::transpile_one(name, &wrapped).is_err(),
            "more nesting passed the check"
        );
    }
}

/// A worker's SQL through `sql.exec` and SQLite's authorizer (finding 4 of
/// the security review and the TEMP trigger): never a panic, never past its
/// deadline, never a change to isolet's own tables or the temp schema.
#[cfg(feature = "storage")]
pub fn sql(data: &[u8]) {
    crate::storage::fuzz::sql(data)
}
