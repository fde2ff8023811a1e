//! Fuzzing of isolet's boundaries on stable Rust: a small mutation fuzzer
//! (no coverage feedback) over committed seed corpora (tests/fuzz/corpus/
//! <target>/), each target for a time budget.
//!
//! `cargo test --test all fuzz::` runs every target briefly (the test command);
//! `scripts/fuzz [SECS]` runs each for SECS seconds (default 60) in release
//! mode and prints executions per target. A failure prints the seed and the
//! input (escaped): add the input to the target's corpus as a regression
//! seed once fixed. `ISOLET_FUZZ_SEED` replays a run.

use crate::common::server::TestServer;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use isolet::{Request, Runtime, Value, WorkerCode};

/// xorshift64*: deterministic from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

fn seed() -> u64 {
    std::env::var("ISOLET_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        })
}

/// How long each target runs: `ISOLET_FUZZ_SECS`, else briefly.
fn budget(default_ms: u64) -> Duration {
    std::env::var("ISOLET_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_millis(default_ms))
}

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../tests/fuzz/corpus/{target}"));
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read(e.path()).ok())
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "{}: no seeds", dir.display());
    seeds
}

/// One mutation of `input`: byte flips and sets, dictionary tokens,
/// deletions, duplications, splices with another seed.
fn mutate(rng: &mut Rng, input: &[u8], seeds: &[Vec<u8>], dict: &[&[u8]]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = out.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                out[i] = rng.next() as u8;
            }
            2 if !dict.is_empty() => {
                let token = dict[rng.below(dict.len())];
                let at = rng.below(len + 1);
                out.splice(at..at, token.iter().copied());
            }
            3 if len > 0 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(16)).min(len);
                out.drain(a..b);
            }
            4 if len > 0 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(64)).min(len);
                let piece = out[a..b].to_vec();
                let at = rng.below(len + 1);
                out.splice(at..at, piece);
            }
            5 => {
                let other = &seeds[rng.below(seeds.len())];
                if !other.is_empty() {
                    let a = rng.below(other.len());
                    let b = (a + 1 + rng.below(64)).min(other.len());
                    let at = rng.below(len + 1);
                    let cut = (at + rng.below(len - at + 1)).min(len);
                    out.splice(at..cut, other[a..b].iter().copied());
                }
            }
            _ => {
                let at = rng.below(len + 1);
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                out.splice(at..at, bytes);
            }
        }
    }
    out.truncate(1 << 16);
    out
}

/// Runs `check` on mutations of the target's corpus for the budget; a
/// panic names the seed and the input. Returns the executions.
fn fuzz(
    target: &str,
    dict: &[&[u8]],
    default_ms: u64,
    check: impl Fn(&[u8]) + std::panic::RefUnwindSafe,
) -> u64 {
    let seeds = corpus(target);
    let s = seed();
    let mut rng = Rng(s);
    let until = Instant::now() + budget(default_ms);
    let mut runs = 0u64;
    let started = Instant::now();
    let mut current = seeds[0].clone();
    while runs < seeds.len() as u64 || Instant::now() < until {
        let input = if (runs as usize) < seeds.len() {
            seeds[runs as usize].clone()
        } else {
            if rng.chance(8) {
                current = seeds[rng.below(seeds.len())].clone();
            }
            current = mutate(&mut rng, &current, &seeds, dict);
            current.clone()
        };
        if std::panic::catch_unwind(|| check(&input)).is_err() {
            panic!(
                "fuzz target {target} failed (ISOLET_FUZZ_SEED={s}, run {runs}) on input:\n{}",
                input.escape_ascii()
            );
        }
        runs += 1;
    }
    eprintln!(
        "fuzz target {target}: {runs} executions in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    runs
}

const JSON_DICT: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"null",
    b"true",
    b"-0",
    b"1e999",
    b"\"\\u0000\"",
    b"\"\\ud800\"",
    b"\"$t\"",
    b"\"mainModule\"",
    b"\"modules\"",
    b"\"limits\"",
    b"\"cpuMs\"",
    b"\"globalOutbound\"",
    b"\"bindings\"",
    b"\"compatibilityDate\"",
    b"\"compatibilityFlags\"",
    b"\"../x.js\"",
    b"\"/abs.js\"",
    b"\"esm\"",
    b"\"text\"",
    b"\"data\"",
    b"\"py\"",
    b"18446744073709551616",
    b"\"2025-02-29\"",
    b"\"9999-12-31\"",
    b"\"nodejs_compat\"",
    b"\"Map\"",
    b"\"Date\"",
    b"\"BigInt\"",
];

#[test]
fn fuzz_worker_code_json() {
    fuzz(
        "worker_code",
        JSON_DICT,
        500,
        isolet::fuzz::worker_code_json,
    );
}

#[test]
fn fuzz_server_config_toml() {
    let dict: &[&[u8]] = &[
        b"=",
        b"[",
        b"]",
        b"\"",
        b"\n",
        b"listen",
        b"workers",
        b"max_instances",
        b"0",
        b"-1",
        b"99999999999999999999",
        b"[limits]",
        b"cpuMs",
        b"data_dir",
    ];
    fuzz(
        "server_config",
        dict,
        300,
        isolet_server::fuzz::server_config_toml,
    );
}

#[test]
fn fuzz_rpc_wire_decoder() {
    fuzz("wire", JSON_DICT, 500, isolet::fuzz::wire);
}

#[test]
fn fuzz_host_patterns_and_request_heads() {
    let dict: &[&[u8]] = &[
        b"*.",
        b".",
        b"\n",
        b"*",
        b"xn--",
        b"%2e",
        b"..",
        b"\xc3\xa9",
        b"http://",
        b" ",
        b"://",
        b"[::1]",
        b"@",
        b"#",
        b"?",
        b"\t",
        b"GET ",
        b"\0",
    ];
    fuzz("host_pattern", dict, 300, isolet::fuzz::host_pattern);
    fuzz("request_head", dict, 300, isolet::fuzz::request_head);
}

/// The outbound address classifier against a reference built from the
/// IANA special-purpose registries (not from the classifier's code), and
/// std's address properties.
#[test]
fn fuzz_outbound_address_classifier() {
    fn in_v4(ip: std::net::Ipv4Addr, net: [u8; 4], bits: u32) -> bool {
        let mask = if bits == 0 {
            0
        } else {
            u32::MAX << (32 - bits)
        };
        (u32::from(ip) & mask) == (u32::from_be_bytes(net) & mask)
    }
    fn in_v6(ip: std::net::Ipv6Addr, net: [u16; 8], bits: u32) -> bool {
        let mask = if bits == 0 {
            0
        } else {
            u128::MAX << (128 - bits)
        };
        let n = std::net::Ipv6Addr::new(
            net[0], net[1], net[2], net[3], net[4], net[5], net[6], net[7],
        );
        (u128::from(ip) & mask) == (u128::from(n) & mask)
    }
    // Not globally reachable (RFC 6890 and successors), plus multicast.
    let v4_blocked: &[([u8; 4], u32)] = &[
        ([0, 0, 0, 0], 8),
        ([10, 0, 0, 0], 8),
        ([100, 64, 0, 0], 10),
        ([127, 0, 0, 0], 8),
        ([169, 254, 0, 0], 16),
        ([172, 16, 0, 0], 12),
        ([192, 0, 0, 0], 24),
        ([192, 0, 2, 0], 24),
        ([192, 168, 0, 0], 16),
        ([198, 18, 0, 0], 15),
        ([198, 51, 100, 0], 24),
        ([203, 0, 113, 0], 24),
        ([224, 0, 0, 0], 4),
        ([240, 0, 0, 0], 4),
    ];
    let reference_v4 = |ip: std::net::Ipv4Addr| v4_blocked.iter().any(|(n, b)| in_v4(ip, *n, *b));
    let v6_blocked: &[([u16; 8], u32)] = &[
        ([0, 0, 0, 0, 0, 0, 0, 0], 128),
        ([0, 0, 0, 0, 0, 0, 0, 1], 128),
        ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7),
        ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10),
        ([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10),
        ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8),
        ([0x2001, 0x0db8, 0, 0, 0, 0, 0, 0], 32),
    ];
    let check = |data: &[u8]| {
        let Some((ip, private)) = isolet::fuzz::address(data) else {
            return;
        };
        let expected = match ip {
            std::net::IpAddr::V4(v4) => reference_v4(v4),
            std::net::IpAddr::V6(v6) => {
                let seg = v6.segments();
                if let Some(v4) = v6.to_ipv4_mapped() {
                    reference_v4(v4)
                } else if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                    let o = v6.octets();
                    reference_v4(std::net::Ipv4Addr::new(o[12], o[13], o[14], o[15]))
                } else {
                    v6_blocked.iter().any(|(n, b)| in_v6(v6, *n, *b))
                }
            }
        };
        assert_eq!(private, expected, "{ip}");
        // std's properties never disagree on what must be blocked.
        if let std::net::IpAddr::V4(v4) = ip
            && (v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast())
        {
            assert!(private, "{ip}");
        }
    };
    // Structured inputs: mutated seeds are mostly 4 or 16 bytes long.
    let dict: &[&[u8]] = &[
        b"\x7f",
        b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff",
        b"\x00\x64\xff\x9b",
        b"\xfe\x80",
        b"\xa9\xfe",
        b"\x0a",
        b"\xc0\xa8",
    ];
    fuzz("address", dict, 500, check);
    // And every IPv4 address's mapped form agrees with it.
    let mut rng = Rng(seed());
    for _ in 0..100_000 {
        let v4 = std::net::Ipv4Addr::from(rng.next() as u32);
        let a = isolet::fuzz::address(&v4.octets()).unwrap().1;
        let b = isolet::fuzz::address(&v4.to_ipv6_mapped().octets())
            .unwrap()
            .1;
        assert_eq!(a, b, "{v4}");
    }
}

/// TypeScript, TSX and JSX source through the host's nesting check and
/// oxc on a large-stack thread (finding 1 of the security review: deep
/// source aborted the process): the process must survive every input.
#[test]
fn fuzz_typescript_source_nesting() {
    let dict: &[&[u8]] = &[
        b"[",
        b"]",
        b"(",
        b")",
        b"{",
        b"}",
        b"`${",
        b"}`",
        b"/",
        b"'",
        b"\"",
        b"`",
        b"//",
        b"/*",
        b"*/",
        b"\n",
        b"<a>",
        b"</a>",
        b"<T,>",
        b"<T extends U>",
        b"if(a)",
        b"else ",
        b"1+",
        b"a?b:",
        b"!",
        b"x=>",
        b"new ",
        b"<!--",
        b"-->",
        b"\xe2\x80\xa8",
        b"A<a, ",
        b">",
        b"})",
        b"/]/",
        b"\\",
        b"[[[[[[[[",
        b"((((((((",
        b"!!!!!!!!",
        b"1+1+1+1+1+",
        b"`${`${`${",
        b"<a><a><a>",
        b"if(a)if(a)",
        b"?.",
        b"=>",
        b"a:",
        b"let ",
        b"await ",
        b"<T>(",
        b"\r\n",
        b"\\\n",
    ];
    fuzz("ts_source", dict, 500, isolet::fuzz::typescript_source);
}

/// A worker's SQL through `sql.exec` and the authorizer (finding 4 and the
/// TEMP trigger of the security review): no panic, no query past its
/// deadline, isolet's own tables and the temp schema untouched.
#[test]
fn fuzz_sql_through_the_authorizer() {
    let dict: &[&[u8]] = &[
        b"SELECT ",
        b"INSERT INTO ",
        b"UPDATE ",
        b"DELETE FROM ",
        b"CREATE TABLE ",
        b"CREATE TEMP ",
        b"CREATE TRIGGER ",
        b"CREATE VIEW ",
        b"DROP ",
        b"ALTER TABLE ",
        b"_isolet_kv",
        b"_isolet_fs",
        b"temp.",
        b"main.",
        b"sqlite_schema",
        b"PRAGMA ",
        b"ATTACH ",
        b"WITH RECURSIVE ",
        b"zeroblob(",
        b"randomblob(",
        b"BEGIN ",
        b"END",
        b";",
        b"(",
        b")",
        b",",
        b"'",
        b"\"",
        b" AS ",
        b" ON ",
        b" VALUES ",
        b"*",
    ];
    fuzz("sql", dict, 500, isolet::fuzz::sql);
}

/// Random and mutated JavaScript through a real instance: any outcome but a
/// host failure (loading or fetching may fail only with the script's own
/// error or a limit; any answer the worker gives, whatever its status, is
/// its own), and a well-behaved worker answers after each.
#[tokio::test]
async fn fuzz_guest_js_source() {
    let rt = Runtime::builder().build().await.unwrap();
    // The target's own seeds, and every worker the other tests load.
    let mut seeds = corpus("js_source");
    for dir in ["workers/js", "hostile/js"] {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../tests/{dir}"));
        for entry in std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()) {
            if entry.path().extension().is_some_and(|x| x == "js")
                && let Ok(src) = std::fs::read(entry.path())
            {
                seeds.push(src);
            }
        }
    }
    seeds.sort();
    let dict: &[&[u8]] = &[
        b"export default { fetch() { return new Response(\"x\") } };",
        b"for(;;){}",
        b"await ",
        b"async ",
        b"new Proxy({}, {})",
        b"Symbol.iterator",
        b"(",
        b")",
        b"{",
        b"}",
        b"=>",
        b"`${",
        b"\\u{10ffff}",
        b"import(\"x\")",
        b"throw ",
        b"new Array(1e9)",
        b"JSON.parse(",
        b"structuredClone(",
        b"x".as_slice(),
    ];
    let s = seed();
    let mut rng = Rng(s);
    let until = Instant::now() + budget(2000);
    let mut current = seeds[0].clone();
    let mut runs = 0;
    let hello = WorkerCode::js("export default { fetch() { return new Response('ok') } }");
    let good = rt.load(hello.clone()).await.unwrap();
    while runs < seeds.len() || Instant::now() < until {
        let input = if runs < seeds.len() {
            seeds[runs].clone()
        } else {
            current = mutate(&mut rng, &current, &seeds, dict);
            current.clone()
        };
        runs += 1;
        let src = String::from_utf8_lossy(&input).into_owned();
        let code = WorkerCode::js(src.clone()).limits(
            isolet::Limits::new()
                .cpu_time(Duration::from_millis(50))
                .timeout(Duration::from_secs(2)),
        );
        match rt.load(code).await {
            Ok(w) => match w.fetch(Request::get("https://fuzz.test/")).await {
                Ok(_) => {}
                Err(isolet::Error::Script(_)) => {}
                Err(e) if e.is_limit() => {}
                // A crash, an engine or capacity error, a discarded instance:
                // the host's failure, whatever the source.
                Err(e) => panic!("ISOLET_FUZZ_SEED={s}: fetching from {src:?} failed with {e:?}"),
            },
            Err(isolet::Error::Script(_) | isolet::Error::InvalidCode(_)) => {}
            Err(e) if e.is_limit() => {}
            Err(e) => panic!("ISOLET_FUZZ_SEED={s}: loading {:?} failed with {e}", src),
        }
        let r = good.fetch(Request::get("https://fuzz.test/")).await;
        assert_eq!(
            r.map(|r| r.text()).ok().as_deref(),
            Some("ok"),
            "ISOLET_FUZZ_SEED={s} after {src:?}"
        );
    }
    eprintln!("fuzz target js_source: {runs} executions");
}

/// Random RPC values through a real instance: they come back as sent.
#[tokio::test]
async fn fuzz_guest_rpc_values() {
    fn value(rng: &mut Rng, depth: usize) -> Value {
        let leaf = depth > 4 || rng.chance(3);
        match rng.below(if leaf { 8 } else { 12 }) {
            0 => Value::Null,
            1 => Value::Undefined,
            2 => Value::Bool(rng.chance(2)),
            3 => Value::Number(match rng.below(6) {
                0 => f64::NAN,
                1 => -0.0,
                2 => f64::INFINITY,
                3 => f64::MAX,
                _ => (rng.next() as i64 as f64) / 1024.0,
            }),
            4 => Value::String(
                (0..rng.below(12))
                    .map(|_| char::from_u32(rng.below(0x11000) as u32).unwrap_or('\u{fffd}'))
                    .collect(),
            ),
            5 => Value::BigInt(format!(
                "{}{}",
                if rng.chance(2) { "-" } else { "" },
                rng.next()
            )),
            6 => Value::Bytes((0..rng.below(16)).map(|_| rng.next() as u8).collect()),
            7 => Value::Date(Some((rng.next() % 4_000_000_000_000) as f64)),
            8 => Value::Array((0..rng.below(5)).map(|_| value(rng, depth + 1)).collect()),
            9 => Value::Object(
                (0..rng.below(5))
                    .map(|i| (format!("k{i}{}", rng.below(3)), value(rng, depth + 1)))
                    .collect(),
            ),
            // Keys and members distinct (a JS Map or Set keeps one of equal ones).
            10 => Value::Map(
                (0..rng.below(4))
                    .map(|i| (Value::String(format!("m{i}")), value(rng, depth + 1)))
                    .collect(),
            ),
            _ => Value::Set(
                (0..rng.below(4))
                    .map(|i| Value::String(format!("s{i}")))
                    .collect(),
            ),
        }
    }
    let rt = Runtime::builder().build().await.unwrap();
    let w = rt
        .load(WorkerCode::js("export default { echo(v) { return v } }"))
        .await
        .unwrap();
    let s = seed();
    let mut rng = Rng(s);
    let until = Instant::now() + budget(1000);
    let mut runs = 0;
    while Instant::now() < until {
        let v = value(&mut rng, 0);
        let back = w
            .entrypoint(None)
            .call("echo", vec![v.clone()])
            .await
            .unwrap_or_else(|e| panic!("ISOLET_FUZZ_SEED={s}: echo({v:?}) failed: {e}"));
        assert_eq!(back.to_wire(), v.to_wire(), "ISOLET_FUZZ_SEED={s}");
        runs += 1;
    }
    eprintln!("fuzz target rpc_values: {runs} executions");
}

/// The admin API's routes and bodies through a real `isolet serve`: every
/// answer is a client error or a success, never a server error of the
/// host's own (a 5xx only where a fuzzed worker ran, and only its own: see
/// [`workers_5xx`]), and the server keeps answering.
#[tokio::test]
async fn fuzz_admin_api_routes_and_bodies() {
    use http_body_util::{BodyExt, Full};
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path(), |_| {}).await;
    let (base, token) = (server.url(""), server.token.clone());
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<bytes::Bytes>>();
    let bodies = corpus("worker_code");
    let segments = [
        "workers",
        "w",
        "run",
        "rpc",
        "tail",
        "metrics",
        "healthz",
        "default",
        "a",
        "A-b_c",
        "",
        "..",
        "%2e%2e",
        "x".repeat(70).leak(),
        "%00",
        "\u{e9}",
        "*",
    ];
    let methods = ["GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD"];
    let s = seed();
    let mut rng = Rng(s);
    let until = Instant::now() + budget(1000);
    let mut runs = 0;
    while Instant::now() < until {
        let path: Vec<&str> = (0..1 + rng.below(4))
            .map(|_| segments[rng.below(segments.len())])
            .collect();
        let query = if rng.chance(4) {
            "?limit=0&cursor=%ff"
        } else {
            ""
        };
        let uri = format!("{base}/{}{query}", path.join("/"));
        let body = match rng.below(3) {
            0 => Vec::new(),
            1 => bodies[rng.below(bodies.len())].clone(),
            _ => {
                let base = bodies[rng.below(bodies.len())].clone();
                mutate(&mut rng, &base, &bodies, JSON_DICT)
            }
        };
        let method = methods[rng.below(methods.len())];
        let mut req = http::Request::builder().method(method).uri(&uri);
        let headers_sent = (rng.below(4) != 0).then(|| format!("Bearer {token}"));
        if let Some(auth) = headers_sent.clone() {
            req = req.header("authorization", auth);
        }
        let Ok(req) = req.body(Full::new(bytes::Bytes::from(body.clone()))) else {
            continue;
        };
        let resp = client
            .request(req)
            .await
            .unwrap_or_else(|e| panic!("ISOLET_FUZZ_SEED={s}: {method} {uri}: {e}"));
        let status = resp.status();
        let headers = resp.headers().clone();
        // A tail is an endless event stream: its head is the answer.
        let text =
            match tokio::time::timeout(Duration::from_secs(5), resp.into_body().collect()).await {
                Ok(body) => body.map(|b| b.to_bytes()).unwrap_or_default(),
                Err(_) if path.contains(&"tail") => bytes::Bytes::new(),
                Err(_) => panic!("ISOLET_FUZZ_SEED={s}: {method} {uri}: the body never ended"),
            };
        // A worker deployed by the fuzzer may throw or hit a limit on /w/
        // and /run; the admin routes themselves never fail.
        // (The server ignores leading empty segments: `//w/x` is `/w/x`.)
        let first = path.iter().find(|p| !p.is_empty());
        let invoked = first.is_some_and(|p| *p == "w" || *p == "run");
        // A HEAD answer has no body to show whose failure it was: the same
        // request as GET (same server state) shows it.
        let (headers, text) = if method == "HEAD" && invoked && status.as_u16() >= 500 {
            let mut get = http::Request::builder().method("GET").uri(&uri);
            if let Some(auth) = headers_sent.clone() {
                get = get.header("authorization", auth);
            }
            let again = client
                .request(
                    get.body(Full::new(bytes::Bytes::from(body.clone())))
                        .unwrap(),
                )
                .await
                .unwrap_or_else(|e| panic!("ISOLET_FUZZ_SEED={s}: GET {uri}: {e}"));
            assert_eq!(
                again.status(),
                status,
                "ISOLET_FUZZ_SEED={s}: GET after HEAD {uri}"
            );
            let again_headers = again.headers().clone();
            let again_text = again
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            (again_headers, again_text)
        } else {
            (headers, text)
        };
        assert!(
            status.as_u16() < 500 || (invoked && workers_5xx(status.as_u16(), &headers, &text)),
            "ISOLET_FUZZ_SEED={s}: {method} {uri} with {:?} -> {status} {headers:?}: {}",
            String::from_utf8_lossy(&body),
            String::from_utf8_lossy(&text)
        );
        runs += 1;
    }
    eprintln!("fuzz target admin_api: {runs} executions");
    server.shutdown().await;
}

/// The policy the server adds to every answer of a worker's by path
/// (`/w/{id}/...`), and to none of its own (`SHARED_ORIGIN_CSP` in
/// crates/isolet-server/src/answer.rs).
const WORKER_ANSWER_CSP: &str =
    "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads";

/// Whether a 5xx answer from a route that runs a worker (`/w/`, `/run`) is
/// the worker's doing rather than the host's failure (crates/isolet/src/error.rs and
/// `error_body` in crates/isolet-server/src/respond.rs):
/// - the worker's own answer, whatever its status (marked by
///   [`WORKER_ANSWER_CSP`]);
/// - 500 for an exception it threw (`Error::Script`: the answer names it,
///   `name` and `message`);
/// - 502 or 503 for a limit it hit (`limit` named), for an invalid
///   response it gave ("the worker returned an invalid response", "the
///   worker accepted a WebSocket ..."), or while the server has no room
///   for it (busy, with `Retry-After`).
///
/// Anything else, above all a bare 500 (`Error::Crashed`, `Engine`,
/// `Storage`, a panic caught by the router), is the host's failure.
fn workers_5xx(status: u16, headers: &http::HeaderMap, body: &[u8]) -> bool {
    let own = headers
        .get_all(http::header::CONTENT_SECURITY_POLICY)
        .iter()
        .any(|v| v == WORKER_ANSWER_CSP);
    let answer: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let text = |key: &str| {
        answer
            .as_ref()
            .and_then(|a| a.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    own || match status {
        500 => text("name").is_some() && text("message").is_some(),
        502 | 503 => {
            text("limit").is_some()
                || headers.contains_key(http::header::RETRY_AFTER)
                || text("error").is_some_and(|e| e.starts_with("the worker "))
        }
        _ => false,
    }
}

/// npm tarballs as `POST /bundle` unpacks them (finding 8 of the security
/// review: a PAX size the limit did not see): the tar stream is mutated,
/// then gzipped; what is kept stays within the limits and the package.
#[test]
fn fuzz_tar_entries() {
    let dict: &[&[u8]] = &[
        b"ustar\x0000",
        b"ustar  \x00",
        b"package/",
        b"../",
        b"./",
        b"index.js",
        b"package.json",
        b"x.node",
        b"00000000000\x00",
        b"77777777777\x00",
        b"\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10\x00",
        b"30 size=209715200\n",
        b"27 path=package/a.js\n",
        b"x",
        b"L",
        b"K",
        b"g",
        b"5",
        b"2",
    ];
    fuzz("tar", dict, 500, isolet_bundle::fuzz::tar_entries);
}

/// OpenAPI documents as `isolet mcp` turns them into tools and their
/// TypeScript declaration: `$ref`s that use each other must not expand
/// exponentially or nest past the stack.
#[test]
fn fuzz_openapi_documents() {
    let dict: &[&[u8]] = &[
        b"{\"$ref\":\"#/components/schemas/A\"}",
        b"{\"$ref\":\"#/components/schemas/B\"}",
        b"[{\"$ref\":\"#/components/schemas/A\"},{\"$ref\":\"#/components/schemas/A\"}]",
        b"\"paths\"",
        b"\"parameters\"",
        b"\"requestBody\"",
        b"\"properties\"",
        b"\"items\"",
        b"\"allOf\"",
        b"\"anyOf\"",
        b"\"type\":\"object\"",
        b"\"in\":\"path\"",
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
    ];
    fuzz(
        "openapi",
        dict,
        500,
        isolet_codemode::fuzz::openapi_document,
    );
}
