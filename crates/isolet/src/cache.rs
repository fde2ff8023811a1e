//! The storage behind the Cache API (`caches.default`, `caches.open(name)`):
//! per worker, in memory, least recently used first out, with a byte cap
//! per worker and one for the runtime. What is stored and for how long
//! follows the response's `Cache-Control` (`s-maxage`, then `max-age`;
//! `no-store`, `no-cache`, `private` or a `Set-Cookie` keep it out) and
//! `Expires`; a lookup answers `If-None-Match`, `If-Modified-Since` and a
//! single `Range`, as Workers' cache does.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use lru::LruCache;

use crate::budget::{HEADER_OVERHEAD_BYTES, header_list_bytes};
use crate::http::{Response, find_header};

/// Longest cache name `caches.open()` may use, in bytes: names are part of
/// every entry's key.
pub(crate) const MAX_CACHE_NAME_BYTES: usize = 1024;
/// Longest URL an entry may be stored under, in bytes (Cloudflare's URL
/// limit is 16 KB).
pub(crate) const MAX_CACHE_URL_BYTES: usize = 16 * 1024;
/// Most headers an entry may have, and most bytes they may take counted
/// as [`header_list_bytes`] counts them (each header's overhead included):
/// a response's header limit.
pub(crate) const MAX_CACHE_HEADERS: usize = 128;
pub(crate) const MAX_CACHE_HEADER_BYTES: usize = crate::limits::MAX_RESPONSE_HEADER_BYTES as usize;
/// What the host reckons an entry costs besides its strings and body.
const ENTRY_OVERHEAD_BYTES: usize = 64;

/// The bytes an entry of `body_len` body bytes stored under `name` and
/// `url` with `headers` counts against the caps (keys included: they are
/// held as long as the entry; each header with its overhead).
pub(crate) fn entry_bytes(
    name: &str,
    url: &str,
    headers: &[(String, String)],
    body_len: usize,
) -> usize {
    name.len()
        .saturating_add(url.len())
        .saturating_add(body_len)
        .saturating_add(header_list_bytes(headers))
        .saturating_add(ENTRY_OVERHEAD_BYTES)
}

/// Why a response with `headers` cannot be stored, if so (checked before
/// anything else: the host call that stores it can be made directly,
/// with any list).
pub(crate) fn headers_problem(headers: &[(String, String)]) -> Option<String> {
    if headers.len() > MAX_CACHE_HEADERS {
        return Some(format!(
            "the response has {} headers; the most is {MAX_CACHE_HEADERS}",
            headers.len()
        ));
    }
    let bytes = header_list_bytes(headers);
    if bytes > MAX_CACHE_HEADER_BYTES {
        return Some(format!(
            "the response's headers take {bytes} bytes ({HEADER_OVERHEAD_BYTES} counted per header besides its name and value); the most is {MAX_CACHE_HEADER_BYTES}"
        ));
    }
    None
}

/// Why `name` or `url` cannot be a cache key, if so.
fn key_problem(name: &str, url: &str) -> Option<String> {
    if name.len() > MAX_CACHE_NAME_BYTES {
        return Some(format!(
            "cache name is {} bytes; the most is {MAX_CACHE_NAME_BYTES}",
            name.len()
        ));
    }
    if url.len() > MAX_CACHE_URL_BYTES {
        return Some(format!(
            "cache key URL is {} bytes; the most is {MAX_CACHE_URL_BYTES}",
            url.len()
        ));
    }
    None
}

/// One worker's caches.
struct WorkerCaches {
    entries: LruCache<(String, String), Entry>,
    bytes: usize,
}

struct Entry {
    /// Bytes of its key (cache name and URL).
    key_bytes: usize,
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    stored: Instant,
    expires: Option<Instant>,
}

impl Entry {
    fn size(&self) -> usize {
        entry_bytes("", "", &self.headers, self.body.len()).saturating_add(self.key_bytes)
    }
}

pub(crate) struct CacheStore {
    inner: Mutex<Inner>,
    per_worker: usize,
    total: usize,
}

struct Inner {
    workers: LruCache<String, WorkerCaches>,
    bytes: usize,
}

/// Whether a response may be stored, and until when (`Some(None)`: no
/// expiry of its own; it stays until evicted).
fn freshness(headers: &[(String, String)], now: SystemTime) -> Option<Option<Duration>> {
    if find_header(headers, "set-cookie").is_some() {
        return None;
    }
    let mut max_age = None;
    let mut s_maxage = None;
    for (k, v) in headers {
        if !k.eq_ignore_ascii_case("cache-control") {
            continue;
        }
        for directive in v.split(',') {
            let directive = directive.trim();
            let (name, value) = match directive.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
                None => (directive, None),
            };
            let name = name.to_ascii_lowercase();
            let seconds = || value.and_then(|v| v.parse::<u64>().ok());
            match name.as_str() {
                "no-store" | "no-cache" | "private" => return None,
                "max-age" => max_age = seconds(),
                "s-maxage" => s_maxage = seconds(),
                _ => {}
            }
        }
    }
    if let Some(secs) = s_maxage.or(max_age) {
        return (secs > 0).then_some(Some(Duration::from_secs(secs)));
    }
    if let Some(expires) = find_header(headers, "expires") {
        let at = httpdate::parse_http_date(expires).ok()?;
        let left = at.duration_since(now).ok()?;
        return (!left.is_zero()).then_some(Some(left));
    }
    Some(None)
}

impl CacheStore {
    pub fn new(total: usize, per_worker: usize) -> Self {
        CacheStore {
            inner: Mutex::new(Inner {
                workers: LruCache::unbounded(),
                bytes: 0,
            }),
            per_worker,
            total,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores `response` for `url` in `worker`'s cache `name` if its
    /// headers allow; `Ok(false)` when they do not (as Workers, silently).
    /// `Err` for what Workers refuses with a `TypeError`.
    pub fn put(
        &self,
        worker: &str,
        name: &str,
        url: &str,
        response: Response,
    ) -> Result<bool, String> {
        if let Some(problem) = key_problem(name, url).or_else(|| headers_problem(&response.headers))
        {
            return Err(format!("Cache.put(): {problem}"));
        }
        if response.status == 206 {
            return Err("Cannot cache a 206 Partial Content response".into());
        }
        if response
            .headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("vary") && v.split(',').any(|p| p.trim() == "*"))
        {
            return Err("Cannot cache a response with 'Vary: *'".into());
        }
        let now = Instant::now();
        let Some(ttl) = freshness(&response.headers, SystemTime::now()) else {
            self.delete(worker, name, url);
            return Ok(false);
        };
        let entry = Entry {
            key_bytes: name.len() + url.len(),
            status: response.status,
            headers: response.headers,
            body: response.body,
            stored: now,
            expires: expiry(now, ttl),
        };
        let size = entry.size();
        if size > self.per_worker || size > self.total {
            return Ok(false);
        }
        let mut inner = self.lock();
        let inner = &mut *inner;
        if !inner.workers.contains(worker) {
            inner.workers.put(
                worker.to_string(),
                WorkerCaches {
                    entries: LruCache::unbounded(),
                    bytes: 0,
                },
            );
        }
        let caches = inner.workers.get_mut(worker).expect("just inserted");
        if let Some(old) = caches
            .entries
            .put((name.to_string(), url.to_string()), entry)
        {
            caches.bytes -= old.size();
            inner.bytes -= old.size();
        }
        caches.bytes += size;
        inner.bytes += size;
        // This worker's own oldest entries go first...
        while caches.bytes > self.per_worker {
            let Some((_, old)) = caches.entries.pop_lru() else {
                break;
            };
            caches.bytes -= old.size();
            inner.bytes -= old.size();
        }
        // ...then, over the runtime's cap, the least recently used workers'.
        while inner.bytes > self.total {
            let Some((key, lru_worker)) = inner.workers.peek_lru() else {
                break;
            };
            if key == worker {
                let caches = inner.workers.get_mut(worker).expect("present");
                let Some((_, old)) = caches.entries.pop_lru() else {
                    break;
                };
                caches.bytes -= old.size();
                inner.bytes -= old.size();
            } else {
                let freed = lru_worker.bytes;
                inner.workers.pop_lru();
                inner.bytes -= freed;
            }
        }
        Ok(true)
    }

    /// The stored response for `url`, answering the request's conditional
    /// and range headers, with `cf-cache-status: HIT` and `age`.
    pub fn lookup(
        &self,
        worker: &str,
        name: &str,
        url: &str,
        request_headers: &[(String, String)],
    ) -> Option<Response> {
        if key_problem(name, url).is_some() {
            return None; // never stored
        }
        let mut inner = self.lock();
        let key = (name.to_string(), url.to_string());
        let caches = inner.workers.get_mut(worker)?;
        let now = Instant::now();
        if caches
            .entries
            .peek(&key)
            .is_some_and(|e| e.expires.is_some_and(|at| at <= now))
        {
            if let Some(old) = caches.entries.pop(&key) {
                caches.bytes -= old.size();
                inner.bytes -= old.size();
            }
            return None;
        }
        let entry = caches.entries.get(&key)?;
        let mut headers = entry.headers.clone();
        headers.retain(|(k, _)| {
            !k.eq_ignore_ascii_case("age") && !k.eq_ignore_ascii_case("cf-cache-status")
        });
        headers.push(("cf-cache-status".into(), "HIT".into()));
        headers.push((
            "age".into(),
            now.duration_since(entry.stored).as_secs().to_string(),
        ));
        if not_modified(&entry.headers, request_headers) {
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-length"));
            return Some(Response {
                status: 304,
                headers,
                body: Vec::new(),
            });
        }
        if entry.status == 200
            && let Some(range) = find_header(request_headers, "range")
        {
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-length"));
            let len = entry.body.len();
            return Some(match byte_range(range, len) {
                Some((start, end)) => {
                    headers.push(("content-range".into(), format!("bytes {start}-{end}/{len}")));
                    Response {
                        status: 206,
                        headers,
                        body: entry.body[start..=end].to_vec(),
                    }
                }
                None => {
                    headers.push(("content-range".into(), format!("bytes */{len}")));
                    Response {
                        status: 416,
                        headers,
                        body: Vec::new(),
                    }
                }
            });
        }
        Some(Response {
            status: entry.status,
            headers,
            body: entry.body.clone(),
        })
    }

    /// Removes `url` from `worker`'s cache `name`; whether it was there.
    pub fn delete(&self, worker: &str, name: &str, url: &str) -> bool {
        if key_problem(name, url).is_some() {
            return false; // never stored
        }
        let mut inner = self.lock();
        let Some(caches) = inner.workers.get_mut(worker) else {
            return false;
        };
        match caches.entries.pop(&(name.to_string(), url.to_string())) {
            Some(old) => {
                caches.bytes -= old.size();
                inner.bytes -= old.size();
                true
            }
            None => false,
        }
    }

    /// Drops every entry of `worker` (a one-shot worker's, when it ends:
    /// nothing can read them again).
    pub fn forget(&self, worker: &str) {
        let mut inner = self.lock();
        if let Some(caches) = inner.workers.pop(worker) {
            inner.bytes = inner.bytes.saturating_sub(caches.bytes);
        }
    }
}

/// When an entry stored at `now` for `ttl` expires: `None` (kept until
/// evicted) when it has no expiry of its own or one too far away to
/// represent (`max-age=18446744073709551615` must not overflow the clock).
fn expiry(now: Instant, ttl: Option<Duration>) -> Option<Instant> {
    now.checked_add(ttl?)
}

/// Whether the request's validators match the stored response.
fn not_modified(stored: &[(String, String)], request: &[(String, String)]) -> bool {
    if let Some(want) = find_header(request, "if-none-match") {
        let Some(etag) = find_header(stored, "etag") else {
            return false;
        };
        let weak = |t: &str| t.trim().trim_start_matches("W/").to_string();
        return want.trim() == "*" || want.split(',').any(|t| weak(t) == weak(etag));
    }
    if let (Some(since), Some(modified)) = (
        find_header(request, "if-modified-since"),
        find_header(stored, "last-modified"),
    ) && let (Ok(since), Ok(modified)) = (
        httpdate::parse_http_date(since),
        httpdate::parse_http_date(modified),
    ) {
        return modified <= since;
    }
    false
}

/// A single `bytes=` range of a body of `len` bytes, inclusive; `None`
/// when it cannot be satisfied.
fn byte_range(header: &str, len: usize) -> Option<(usize, usize)> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || len == 0 {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        let n: usize = b.parse().ok()?;
        if n == 0 {
            return None;
        }
        return Some((len.saturating_sub(n), len - 1));
    }
    let start: usize = a.parse().ok()?;
    let end = if b.is_empty() {
        len - 1
    } else {
        b.parse::<usize>().ok()?.min(len - 1)
    };
    (start <= end && start < len).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status: 200,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn cache_control_decides_what_is_stored_and_for_how_long() {
        let now = SystemTime::now();
        let h = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            freshness(&h(&[("Cache-Control", "public, max-age=60")]), now),
            Some(Some(Duration::from_secs(60)))
        );
        assert_eq!(
            freshness(&h(&[("cache-control", "max-age=60, s-maxage=5")]), now),
            Some(Some(Duration::from_secs(5)))
        );
        assert_eq!(freshness(&h(&[("cache-control", "max-age=0")]), now), None);
        assert_eq!(freshness(&h(&[("cache-control", "no-store")]), now), None);
        assert_eq!(
            freshness(&h(&[("cache-control", "private, max-age=60")]), now),
            None
        );
        assert_eq!(
            freshness(
                &h(&[("set-cookie", "a=1"), ("cache-control", "max-age=60")]),
                now
            ),
            None
        );
        assert_eq!(freshness(&h(&[]), now), Some(None));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(120));
        let got = freshness(&h(&[("expires", &later)]), now).unwrap().unwrap();
        assert!(
            got > Duration::from_secs(110) && got <= Duration::from_secs(120),
            "{got:?}"
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(5));
        assert_eq!(freshness(&h(&[("expires", &past)]), now), None);
    }

    #[test]
    fn a_max_age_past_the_clock_is_no_expiry_not_a_panic() {
        let now = Instant::now();
        let huge = vec![(
            "cache-control".to_string(),
            "max-age=18446744073709551615".to_string(),
        )];
        let ttl = freshness(&huge, SystemTime::now()).unwrap();
        assert_eq!(ttl, Some(Duration::from_secs(u64::MAX)));
        assert_eq!(expiry(now, ttl), None);
        assert_eq!(expiry(now, None), None);
        assert_eq!(
            expiry(now, Some(Duration::from_secs(60))),
            Some(now + Duration::from_secs(60))
        );
        let store = CacheStore::new(10_000, 10_000);
        let r = resp(&[("cache-control", "max-age=18446744073709551615")], "x");
        assert!(store.put("w", "", "u", r).unwrap());
        assert_eq!(store.lookup("w", "", "u", &[]).unwrap().body, b"x");
    }

    #[test]
    fn names_and_urls_count_against_the_caps_and_are_capped() {
        let store = CacheStore::new(10_000, 1_000);
        let name = "n".repeat(400);
        assert!(store.put("w", &name, "u1", resp(&[], "")).unwrap());
        assert!(store.put("w", &name, "u2", resp(&[], "")).unwrap());
        // Two entries of ~470 bytes fit in 1,000; a third evicts the first.
        assert!(store.put("w", &name, "u3", resp(&[], "")).unwrap());
        assert!(store.lookup("w", &name, "u1", &[]).is_none());
        assert!(store.lookup("w", &name, "u3", &[]).is_some());
        // An entry whose key alone passes the cap is not stored.
        assert!(
            !store
                .put("w", "", &"u".repeat(1_000), resp(&[], ""))
                .unwrap()
        );
        let long = "n".repeat(MAX_CACHE_NAME_BYTES + 1);
        let e = store.put("w", &long, "u", resp(&[], "")).unwrap_err();
        assert!(
            e.contains("cache name is 1025 bytes; the most is 1024"),
            "{e}"
        );
        let e = store
            .put("w", "", &"u".repeat(MAX_CACHE_URL_BYTES + 1), resp(&[], ""))
            .unwrap_err();
        assert!(e.contains("the most is 16384"), "{e}");
        assert!(store.lookup("w", &long, "u", &[]).is_none());
        assert!(!store.delete("w", &long, "u"));
    }

    #[test]
    fn each_header_counts_its_overhead_and_their_number_is_capped() {
        let store = CacheStore::new(1 << 20, 64 << 10);
        let headers = |n: usize| -> Vec<(String, String)> {
            (0..n).map(|i| (format!("h{i}"), String::new())).collect()
        };
        let with = |n: usize| Response {
            status: 200,
            headers: headers(n),
            body: b"v".to_vec(),
        };
        // 100 empty headers count ~6.8 KB, not ~300 bytes: at most 9
        // such entries fit in 64 KiB (it was ~170).
        for i in 0..50 {
            assert!(store.put("w", "", &format!("u{i}"), with(100)).unwrap());
        }
        let kept = (0..50)
            .filter(|i| store.lookup("w", "", &format!("u{i}"), &[]).is_some())
            .count();
        assert!((1..=9).contains(&kept), "{kept}");
        let e = store
            .put("w", "", "many", with(MAX_CACHE_HEADERS + 1))
            .unwrap_err();
        assert!(e.contains("has 129 headers; the most is 128"), "{e}");
        // A few huge ones pass the count but not the bytes.
        let big = Response {
            status: 200,
            headers: vec![("x".to_string(), "v".repeat(100 << 10)); 2],
            body: Vec::new(),
        };
        let e = store.put("w", "", "big", big).unwrap_err();
        assert!(e.contains("the most is 131072"), "{e}");
        let empty = vec![(String::new(), String::new()); 5_000];
        assert_eq!(
            entry_bytes("", "", &empty, 0),
            5_000 * HEADER_OVERHEAD_BYTES + ENTRY_OVERHEAD_BYTES
        );
    }

    #[test]
    fn ranges() {
        assert_eq!(byte_range("bytes=0-4", 10), Some((0, 4)));
        assert_eq!(byte_range("bytes=5-", 10), Some((5, 9)));
        assert_eq!(byte_range("bytes=-3", 10), Some((7, 9)));
        assert_eq!(byte_range("bytes=8-20", 10), Some((8, 9)));
        assert_eq!(byte_range("bytes=10-12", 10), None);
        assert_eq!(byte_range("bytes=0-1,3-4", 10), None);
        assert_eq!(byte_range("items=0-1", 10), None);
    }

    #[test]
    fn caps_evict_the_oldest_entries_then_the_least_recent_workers() {
        let store = CacheStore::new(1_000, 600);
        let body = "x".repeat(200);
        for i in 0..3 {
            assert!(
                store
                    .put("a", "", &format!("u{i}"), resp(&[], &body))
                    .unwrap()
            );
        }
        // a: 3 entries of ~264 bytes > 600: the oldest went.
        assert!(store.lookup("a", "", "u0", &[]).is_none());
        assert!(store.lookup("a", "", "u2", &[]).is_some());
        for i in 0..2 {
            store
                .put("b", "", &format!("u{i}"), resp(&[], &body))
                .unwrap();
        }
        store.put("c", "", "u0", resp(&[], &body)).unwrap();
        // Over 1,000 bytes in all: the least recently used worker (a) went.
        assert!(store.lookup("a", "", "u2", &[]).is_none());
        assert!(store.lookup("b", "", "u1", &[]).is_some());
        assert!(store.lookup("c", "", "u0", &[]).is_some());
        // Caches of one worker are apart by name, and workers by id.
        assert!(store.lookup("c", "other", "u0", &[]).is_none());
        assert!(store.lookup("d", "", "u0", &[]).is_none());
    }

    #[test]
    fn lookups_answer_validators_and_ranges() {
        let store = CacheStore::new(10_000, 10_000);
        store
            .put(
                "w",
                "",
                "u",
                resp(
                    &[("etag", "\"v1\""), ("content-length", "10")],
                    "0123456789",
                ),
            )
            .unwrap();
        let hit = store.lookup("w", "", "u", &[]).unwrap();
        assert_eq!(hit.header("cf-cache-status"), Some("HIT"));
        assert_eq!(hit.body, b"0123456789");
        let cond = [("if-none-match".to_string(), "W/\"v1\"".to_string())];
        assert_eq!(store.lookup("w", "", "u", &cond).unwrap().status, 304);
        let range = [("range".to_string(), "bytes=2-4".to_string())];
        let part = store.lookup("w", "", "u", &range).unwrap();
        assert_eq!(
            (
                part.status,
                part.body.as_slice(),
                part.header("content-range")
            ),
            (206, &b"234"[..], Some("bytes 2-4/10"))
        );
        let bad = [("range".to_string(), "bytes=20-".to_string())];
        assert_eq!(store.lookup("w", "", "u", &bad).unwrap().status, 416);
        assert!(
            store
                .put(
                    "w",
                    "",
                    "p",
                    Response {
                        status: 206,
                        ..resp(&[], "")
                    }
                )
                .is_err()
        );
        assert!(
            store
                .put("w", "", "v", resp(&[("vary", "Accept, *")], ""))
                .is_err()
        );
        assert!(store.delete("w", "", "u"));
        assert!(!store.delete("w", "", "u"));
    }
}
