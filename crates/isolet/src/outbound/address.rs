//! "Is this allowed?" for outbound requests: host allow/deny patterns and
//! the private-address block (SSRF protection), kept apart from the HTTP code.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `host` matches `pattern`: exact (case-insensitive) or
/// `*.example.com` for any subdomain of example.com (not example.com itself).
/// A name's one trailing dot (the root) is ignored on both sides; a pattern
/// with an empty name (`"*."`, `"."`) matches nothing.
///
/// ```
/// use isolet::outbound::address::host_matches;
/// assert!(host_matches("example.com", "EXAMPLE.com."));
/// assert!(host_matches("*.example.com", "a.b.example.com"));
/// assert!(!host_matches("*.example.com", "example.com"));
/// assert!(!host_matches("*.example.com", "badexample.com"));
/// assert!(!host_matches("*.", "anything.test")); // an empty name matches nothing
/// ```
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(&host);
    let pattern = pattern.to_ascii_lowercase();
    if pattern == "*" {
        return true;
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            let suffix = suffix.strip_suffix('.').unwrap_or(suffix);
            !suffix.is_empty()
                && host.len() > suffix.len() + 1
                && host.ends_with(suffix)
                && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
        }
        None => {
            let name = pattern.strip_suffix('.').unwrap_or(&pattern);
            !name.is_empty() && host == name
        }
    }
}

/// Loopback, private (RFC 1918, ULA), link-local (incl. cloud metadata at
/// 169.254.169.254), CGNAT 100.64/10, unspecified, multicast, broadcast,
/// documentation and benchmarking ranges; IPv4-mapped and NAT64 IPv6 forms
/// of those too.
///
/// ```
/// use isolet::outbound::address::is_private;
/// let private = |ip: &str| is_private(ip.parse().unwrap());
/// assert!(private("10.1.2.3") && private("169.254.169.254") && private("::1"));
/// assert!(private("::ffff:127.0.0.1")); // IPv4-mapped loopback
/// assert!(private("64:ff9b::a9fe:a9fe")); // NAT64 form of 169.254.169.254
/// assert!(!private("1.1.1.1") && !private("2606:4700:4700::1111"));
/// ```
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private_v4(v4);
            }
            let seg = v6.segments();
            // 64:ff9b::/96 NAT64 embeds an IPv4 address.
            if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2..6] == [0, 0, 0, 0] {
                let v4 = Ipv4Addr::new(
                    (seg[6] >> 8) as u8,
                    seg[6] as u8,
                    (seg[7] >> 8) as u8,
                    seg[7] as u8,
                );
                return is_private_v4(v4);
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // fc00::/7 unique local
                || (seg[0] & 0xffc0) == 0xfe80 // fe80::/10 link-local
                || (seg[0] & 0xffc0) == 0xfec0 // fec0::/10 site-local (deprecated)
                || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
                || v6 == Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 1)
        }
    }
}

fn is_private_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0 // 0.0.0.0/8
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64.0.0/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0.0/24
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18.0.0/15
        || o[0] >= 240 // reserved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(host_matches("example.com", "EXAMPLE.com"));
        assert!(host_matches("*.example.com", "api.example.com"));
        assert!(host_matches("*.example.com", "a.b.example.com"));
        assert!(!host_matches("*.example.com", "example.com"));
        assert!(!host_matches("*.example.com", "badexample.com"));
        assert!(!host_matches("example.com", "example.com.evil.test"));
        assert!(host_matches("*", "anything.test"));
        assert!(host_matches("example.com.", "example.com"));
        assert!(host_matches("example.com", "example.com."));
        // Found by tests/all/fuzz.rs: trailing dots trimmed whole made "*." and
        // "*.." the match-everything "*".
        for empty in ["*.", "*..", ".", "..", ""] {
            assert!(!host_matches(empty, "api.example.com"), "{empty:?}");
        }
    }

    #[test]
    fn private_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "224.0.0.1",
            "255.255.255.255",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip} should be blocked");
        }
        for ip in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_private(ip.parse().unwrap()), "{ip} should be allowed");
        }
    }
}
