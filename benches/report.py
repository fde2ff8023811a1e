"""Renders target/compare/* (written by benches/compare.sh) as BENCHMARKS.md."""
import datetime
import glob
import json
import os
import platform
import re
import subprocess
import sys

out, command = sys.argv[1], sys.argv[2]


def criterion(name):
    path = f"target/criterion/{name}/new/estimates.json"
    if not os.path.exists(path):
        return None
    return json.load(open(path))["median"]["point_estimate"] / 1000.0  # µs


def wrk_sections():
    text = open(os.path.join(out, "wrk.txt")).read()
    sections = {}
    for block in text.split("### ")[1:]:
        title, _, body = block.partition("\n")
        rps = re.search(r"Requests/sec:\s+([\d.]+)", body)
        p50 = re.search(r"\s50%\s+([\d.]+)(us|ms|s)", body)
        p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", body)
        mx = re.search(r"Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)", body)

        def ms(m):
            if not m:
                return None
            v = float(m.group(1))
            return {"us": v / 1000, "ms": v, "s": v * 1000}[m.group(2)]

        errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", body)
        sections[title.strip()] = {
            # A run with error responses measures the errors, not the server.
            "rps": float(rps.group(1)) if rps and not errors else None,
            "p50": ms(p50),
            "p99": ms(p99),
            "max": ms(mx),
        }
    return sections


v8 = json.load(open(os.path.join(out, "v8.json")))
density = [json.loads(l) for l in open(os.path.join(out, "density.jsonl")) if l.strip().startswith("{")]
wrk = wrk_sections()


def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if v >= 100:
        return f"{v:,.0f}{unit}"
    return f"{v:.2f}{unit}" if v < 10 else f"{v:.1f}{unit}"


def load_json(name):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return {}
    try:
        return json.loads(open(path).read().strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {}


def ratio(a, b, higher_is_better=False):
    if a is None or b is None or a == 0 or b == 0:
        return "n/a"
    r = (a / b) if higher_is_better else (b / a)
    return f"{r:.1f}x"


rows = []
# The headline cold row loads distinct code each time on both sides, so
# nothing about the code can be cached (workerd's harness does the same).
cold = criterion("js_hello_cold_load_distinct_code")
rows.append(("JS cold load → first response, distinct code each time (µs, median)", cold, v8["cold_load_first_fetch_us"], ratio(cold, v8["cold_load_first_fetch_us"]), "≤ 30 µs"))
cold_same = criterion("js_hello_cold_load_same_code")
rows.append(("  same code each time (isolet: its bytecode cache; workerd: whatever it caches) (µs)", cold_same, v8.get("cold_load_same_code_us"), ratio(cold_same, v8.get("cold_load_same_code_us")), ""))
cold_kr = criterion("js_hello_cold_load_distinct_code_no_keep_resident")
rows.append(("  distinct code, no pool slot memory kept resident (keep_resident_bytes 0) (µs)", cold_kr, v8["cold_load_first_fetch_us"], ratio(cold_kr, v8["cold_load_first_fetch_us"]), ""))
cold_probe, cold_probe_nokr = load_json("cold.json"), load_json("cold-no-keep-resident.json")
rows.append(("  page faults per cold start, same code (probe; keep_resident default / 0)",
             f"{fmt(cold_probe.get('faults_per_start'))} / {fmt(cold_probe_nokr.get('faults_per_start'))}", None, "", ""))
warm = criterion("js_hello_warm_get_fetch")
rows.append(("JS warm get → response (µs)", warm, v8["warm_get_fetch_us"], ratio(warm, v8["warm_get_fetch_us"]), "≤ 5 µs"))
rows.append(("JS warm fetch on a held handle (µs)", criterion("js_hello_warm_fetch"), None, "", ""))
fuel = load_json("fuel.json")
if fuel:
    rows.append(("  guest wasm instructions per warm fetch (fuel; the same on every run)", f"{fuel['warm_fetch_fuel']:,}", None, "", ""))
    rows.append(("  guest wasm instructions per first fetch of a fresh instance (fuel)", f"{fuel['first_fetch_fuel']:,}", None, "", ""))
    if "init_fuel" in fuel:
        rows.append(("  guest wasm instructions per init (hello + one console.log)", f"{fuel['init_fuel']:,}", None, "", ""))
rows.append(("JS 50 KB bundle cold load → response, cached bytecode (µs)", criterion("js_bundle50k_cold_load_first_fetch_cached_bytecode"), None, "", ""))
rows.append(("JS 50 KB bundle cold load → response, distinct code (µs)", criterion("js_bundle50k_cold_load_first_fetch_distinct_code"), None, "", ""))
rows.append(("Instance creation + init only (µs)", criterion("js_instance_create_and_init_only"), None, "", ""))
rows.append(("RPC round trip, warm (µs)", criterion("js_rpc_round_trip_warm"), None, "", ""))
rows.append(("Outbound-denied fetch, warm (µs)", criterion("js_outbound_denied_fetch_warm"), None, "", ""))
if cold:
    rows.append(("Fresh one-shot JS workers per second per core", 1e6 / cold, None, "", "≥ 30,000"))
rows.append(("Python hello cold load → first response (µs)", criterion("py_hello_cold_load_first_fetch"), None, "", "≤ 1 ms"))
py_probe = load_json("py-cold.json")
if py_probe:
    rows.append(("  page faults per Python cold start (probe)", fmt(py_probe.get("faults_per_start")), None, "", ""))
rows.append(("Python hello warm fetch (µs)", criterion("py_hello_warm_fetch"), None, "", ""))
for d in density:
    lang = "JS" if d["kind"] == "js" else "Python"
    cmp = d["n"] == 1000 and d["kind"] == "js"
    rows.append((f"Private RSS per idle live {lang} worker, N={d['n']} (KiB)", d["rss_anon_per_worker_kib"],
                 v8["rss_anon_per_worker_kib"] if cmp else None,
                 ratio(d["rss_anon_per_worker_kib"], v8["rss_anon_per_worker_kib"]) if cmp else "",
                 "≤ 150 KB" if d["kind"] == "js" else "≤ 2.5 MB"))
    if d.get("total_rss_anon_mib") is not None and d["n"] >= 10000:
        rows.append((f"  total private RSS of {d['n']:,} live {lang} workers (GiB)", d["total_rss_anon_mib"] / 1024, None, "",
                     "50,000 in ≤ 8 GB" if d["kind"] == "js" else ""))
    rows.append((f"Time to create a held {lang} worker, N={d['n']} (µs)", d["create_us_per_worker"],
                 v8["create_held_us_per_worker"] if cmp else None,
                 ratio(d["create_us_per_worker"], v8["create_held_us_per_worker"]) if cmp else "", ""))
procs = open(os.path.join(out, "procs.txt")).read().strip().split("=")[1] if os.path.exists(os.path.join(out, "procs.txt")) else "N"
for suffix, label in (("-1proc", "one process each"), ("", f"{procs} processes each (isolet's default, one per CPU)")):
    for c in (1, 10, 50):
        i, w = wrk.get(f"isolet-warm{suffix} c={c}", {}), wrk.get(f"workerd-static{suffix} c={c}", {})
        rows.append((f"Server req/s, warm hello, {label}, c={c}", i.get("rps"), w.get("rps"), ratio(i.get("rps"), w.get("rps"), True),
                     "≥ 3x at c=50" if c == 50 and suffix == "" else ""))
        rows.append((f"  p50 / p99 / max latency, c={c} (ms)", f"{fmt(i.get('p50'))} / {fmt(i.get('p99'))} / {fmt(i.get('max'))}",
                     f"{fmt(w.get('p50'))} / {fmt(w.get('p99'))} / {fmt(w.get('max'))}", "", "p99 ≤ 2 ms, max ≤ 20 ms" if c == 50 and suffix == "" else ""))
z = wrk.get("isolet-zipf100 c=50", {})
rows.append(("Server req/s, 100 worker ids (Zipf), c=50", z.get("rps"), None, "", ""))
rows.append(("  p50 / p99 / max latency (ms)", f"{fmt(z.get('p50'))} / {fmt(z.get('p99'))} / {fmt(z.get('max'))}", None, "", ""))
o = wrk.get("isolet-oneshot c=50", {})
rows.append((f"Server req/s, fresh instance per request (POST /run), c=50 (workerd: static hello, {procs} processes)", o.get("rps"), wrk.get("workerd-static c=50", {}).get("rps"),
             ratio(o.get("rps"), wrk.get("workerd-static c=50", {}).get("rps"), True), "≥ workerd static"))
f = wrk.get("isolet-fresh-deployed c=50", {})
rows.append((f"Server req/s, fresh instance per request (deployed with freshInstancePerRequest), c=50 (workerd: static hello, {procs} processes)", f.get("rps"), wrk.get("workerd-static c=50", {}).get("rps"),
             ratio(f.get("rps"), wrk.get("workerd-static c=50", {}).get("rps"), True), "≥ workerd static"))
rows.append(("  p50 / p99 / max latency (ms)", f"{fmt(f.get('p50'))} / {fmt(f.get('p99'))} / {fmt(f.get('max'))}", None, "", ""))
f1 = wrk.get("isolet-fresh-deployed-1proc c=50", {})
if f1:
    rows.append(("  same, one server process (`--workers 1`)", f1.get("rps"), None, "", ""))

cpu_rows = load_json("cpu.json")
for route, label in (("json", "JSON parse + stringify of ~100 KB"), ("regex", "regex pass over ~100 KB of text"), ("sha256", "SHA-256 in JS over 1 MiB")):
    r = cpu_rows.get(route)
    if not r:
        continue
    same = "" if r.get("same_answer") else " (answers differ!)"
    rows.append((f"CPU-bound: {label} (ms per request){same}", r.get("isolet_ms"), r.get("workerd_ms"),
                 ratio(r.get("isolet_ms"), r.get("workerd_ms")), "V8's JIT wins"))

cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
mem = subprocess.run(["sh", "-c", "grep MemTotal /proc/meminfo | awk '{print $2/1048576 \" GiB\"}'"], capture_output=True, text=True).stdout.strip()
lines = [
    "# Benchmarks: isolet (Wasm) vs workerd (V8)",
    "",
    f"Command: `{command}` — date {datetime.date.today()} — machine: {os.cpu_count()} vCPU ({cpu}), {mem}, {platform.platform()}.",
    "",
    "**How each side is measured.** isolet's per-worker times are criterion medians: the median of 100",
    "samples, each sample the mean time of one batch of iterations (benches/startup.rs). workerd's are the",
    f"median of 5 rounds of (T(N) - T(1)) / (N - 1), N = 200 loads or 2,000 warm calls per HTTP request to a",
    "parent worker that drives its Worker Loader (benches/v8/run.mjs, parent.js). Memory rows are the growth",
    "of the process's RssAnon (private resident memory) per held worker on both sides. Server rows: `wrk -t1",
    "--latency` on 127.0.0.1, sharing the cores with the server; p50/p99/max are wrk's percentiles over every",
    "request of the run. The ratios compare like with like where it can be done: distinct code against distinct",
    f"code, one server process against one, {procs} against {procs} (each of workerd's {procs} on its own SO_REUSEPORT",
    "socket, as isolet's, benches/v8/shared-socket.py); the fresh-instance rows compare with workerd's warm static",
    "worker (the speed a fresh sandbox should reach), the isolated-vm rows with a bare V8 call.",
    "",
    "**What cannot be made equal.** (1) isolet is called in-process from Rust, workerd's loader only from a",
    "parent worker: the differencing removes the HTTP request but workerd's figures still carry the parent's",
    "JavaScript loop and its RPC into the child. (2) Through the server, isolet serves a worker uploaded at run",
    "time on `/w/{id}/` (routing, access check, the dynamic worker's lookup), workerd a static service fixed",
    "in its config; a dynamic worker behind workerd's loader would add the parent's hop, so this favours",
    "workerd. (3) The Python rows have no V8 counterpart here (workerd's Python needs Pyodide downloads).",
    "(4) The CPU-bound rows compare QuickJS's interpreter with V8's JIT: isolet loses them by design.",
    "",
    "| metric | isolet | workerd | isolet advantage | target |",
    "|---|---|---|---|---|",
]
for name, a, b, r, t in rows:
    a = a if isinstance(a, str) else fmt(a)
    b = b if isinstance(b, str) else fmt(b)
    lines.append(f"| {name} | {a} | {b} | {r} | {t} |")
ivm = load_json("ivm.json")
if ivm:
    js_1000 = next((d for d in density if d["kind"] == "js" and d["n"] == 1000), {})
    lines += [
        "",
        f"A second V8 reference: isolated-vm {ivm.get('isolated_vm')} (bare V8 isolates in Node {ivm.get('node')},",
        "benches/v8/ivm.mjs). It has no Workers API: its \"worker\" is the hello module as a plain function,",
        "so these are V8's floor for an isolate, not a Worker Loader, while isolet's column runs the full",
        "Workers dispatch (Request, Response, headers).",
        "",
        "| metric | isolet | isolated-vm | isolet advantage |",
        "|---|---|---|---|",
    ]
    for name, a, b in (
        ("Cold: new isolate + context + distinct code + first call (µs; isolated-vm: median of 300 starts)", cold, ivm.get("cold_isolate_first_call_us")),
        ("Warm call (µs; isolated-vm: median of 5 means of 5,000 calls)", warm, ivm.get("warm_call_us")),
        (f"Private RSS per held isolate/worker, N={ivm.get('held_isolates')} (KiB)", js_1000.get("rss_anon_per_worker_kib"), ivm.get("rss_anon_per_isolate_kib")),
        (f"Time to create a held isolate/worker, N={ivm.get('held_isolates')} (µs)", js_1000.get("create_us_per_worker"), ivm.get("create_held_us_per_isolate")),
    ):
        lines.append(f"| {name} | {fmt(a)} | {fmt(b)} | {ratio(a, b)} |")
noisy_path = os.path.join(out, "noisy.jsonl")
noisy = [json.loads(l) for l in open(noisy_path) if l.strip().startswith("{")] if os.path.exists(noisy_path) else []
phases = [n for n in noisy if "phase" in n]
if phases:
    lines += [
        "",
        "## Noisy neighbours (isolet only)",
        "",
        "`cargo bench --bench noisy -- --rate R --secs 10` (benches/noisy.rs): 10 well-behaved workers served",
        "through `isolet serve` (in-process, loopback HTTP, open loop: latency counted from when each request",
        "was due), alone, then with every tenth request going to a hostile worker from tests/hostile/ in turn:",
        "a CPU loop (its `cpuMs` 50), the array memory bomb (default 128 MiB / 1 s) and a 10,000-line log flood.",
        "",
        "| rate (req/s) | phase | well-behaved p50 (ms) | p99 (ms) | max (ms) | failed | hostile answers |",
        "|---|---|---|---|---|---|---|",
    ]
    for n in phases:
        statuses = ", ".join(f"{k}: " + " ".join(f"{c}x{s}" for s, c in v.items()) for k, v in sorted(n.get("hostile_statuses", {}).items())) or "-"
        lines.append(f"| {n['rate']} | {n['phase']} | {fmt(n['p50_ms'])} | {fmt(n['p99_ms'])} | {fmt(n['max_ms'])} | {n['failures']} | {statuses} |")
    ratios = [n["p99_ratio"] for n in noisy if "p99_ratio" in n]
    rss = [n["rss_kib"] for n in noisy if "rss_kib" in n]
    if ratios:
        lines += ["", "p99 with the attack / p99 alone: " + ", ".join(f"{r:.2f}x" for r in ratios) + " (goal: within 2x)."]
    if rss:
        lines += ["Process RSS (MiB) start → after the quiet phase → after the hostile phase: " + "; ".join(
            f"{r['start'] / 1024:.0f} → {r['after_alone'] / 1024:.0f} → {r['after_hostile'] / 1024:.0f}" for r in rss) + "."]
tokens = load_json("tokens.json")
if tokens:
    lines += [
        "",
        "## Code Mode: tokens a model reads to know an API",
        "",
        f"`cargo bench --bench tokens` (benches/tokens.rs): a GitHub-like API of {tokens['tools']} tools",
        "(benches/codemode/github_tools.json: repositories, issues, pull requests, reviews, files, commits, branches,",
        "Actions runs, code search), described as JSON-schema tool definitions (compact JSON, as MCP `tools/list` or",
        "an LLM API's `tools` parameter carries them) and as the TypeScript declaration Code Mode puts in the prompt",
        "(`isolet_codemode::typescript_api`: input and output types with JSDoc, then `declare const codemode`).",
        "",
        "| description of the API | cl100k_base tokens | o200k_base tokens |",
        "|---|---|---|",
    ]
    names = [
        ("json_tools_input_schemas", "JSON tool definitions, input schemas (MCP `tools/list` shape)"),
        ("openai_functions", "JSON tool definitions, OpenAI `functions` shape"),
        ("json_tools_input_and_output_schemas", "JSON tool definitions, input and output schemas"),
        ("typescript_api_inputs_only", "Code Mode TypeScript declaration, input types only"),
        ("typescript_api", "Code Mode TypeScript declaration, input and output types"),
    ]
    for key, label in names:
        lines.append(f"| {label} | {tokens['cl100k_base'][key]:,} | {tokens['o200k_base'][key]:,} |")
    for enc in ("cl100k_base", "o200k_base"):
        t = tokens[enc]
        lines.append("")
        lines.append(f"{enc}: TypeScript / JSON, input types only: {t['typescript_api_inputs_only'] / t['json_tools_input_schemas']:.2f}x; "
                     f"with output types: {t['typescript_api'] / t['json_tools_input_and_output_schemas']:.2f}x.")
    lines += ["", "The declaration is about as long as the JSON it replaces: the descriptions dominate both. What Code Mode",
              "saves is elsewhere: `isolet mcp` lists three small tools instead of every operation, the model reads only the",
              "declarations `search` finds, and a program's intermediate results stay in the sandbox instead of passing",
              "through the model between tool calls."]
lines += ["", "Raw outputs: target/compare/ (criterion.txt, cold.json, py-cold.json, fuel.json, density.jsonl, noisy.jsonl, tokens.json, v8.json, ivm.json, wrk.txt, cpu.json)."]
notes = os.path.join(os.path.dirname(__file__), "NOTES.md")
if os.path.exists(notes):
    lines += ["", open(notes).read().strip()]
print("\n".join(lines))
