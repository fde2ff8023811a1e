// Measures workerd's Worker Loader from outside the isolate (V8's timers are
// coarsened inside): each HTTP request makes N loads/calls; per-operation
// time = (T(N) - T(1)) / (N - 1), median of several rounds. RSS from /proc.
// Prints one JSON object. Usage: node run.mjs [loaderPort] [staticPort]
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const loaderPort = process.argv[2] || "8911";
const staticPort = process.argv[3] || "8912";
const keep = process.argv.includes("--keep-static");
const config = readFileSync(join(here, "config.capnp.in"), "utf8")
  .replace("@LOADER_PORT@", loaderPort)
  .replace("@STATIC_PORT@", staticPort)
  .replace("@CPU_PORT@", String(Number(staticPort) + 1));
writeFileSync(join(here, "config.capnp"), config);
const bin = join(here, "node_modules/@cloudflare/workerd-linux-64/bin/workerd");
const child = spawn(bin, ["serve", join(here, "config.capnp"), "--experimental"], { stdio: ["ignore", "ignore", "inherit"] });

const base = `http://127.0.0.1:${loaderPort}`;
async function get(path) {
  const t0 = process.hrtime.bigint();
  const r = await fetch(base + path);
  await r.text();
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e3; // µs
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function status(field) {
  const s = readFileSync(`/proc/${child.pid}/status`, "utf8");
  const line = s.split("\n").find((l) => l.startsWith(field + ":"));
  return Number(line.split(/\s+/)[1]); // kB
}

async function perOp(path, n, rounds) {
  const per = [];
  for (let r = 0; r < rounds; r++) {
    const t1 = await get(`${path}?n=1`);
    const tn = await get(`${path}?n=${n}`);
    per.push((tn - t1) / (n - 1));
  }
  return median(per);
}

try {
  for (let i = 0; i < 100; i++) {
    try { await get("/warm?n=1"); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  await perOp("/cold", 20, 2); // warm-up
  const coldUs = await perOp("/cold", 200, 5);
  await perOp("/same", 20, 2); // warm-up
  const sameUs = await perOp("/same", 200, 5);
  const warmUs = await perOp("/warm", 2000, 5);
  const oneShot = [];
  for (let i = 0; i < 50; i++) oneShot.push(await get("/cold?n=1"));
  const rssBefore = status("VmRSS");
  const anonBefore = status("RssAnon");
  const K = 1000;
  const t0 = process.hrtime.bigint();
  for (let from = 0; from < K; from += 100) await get(`/hold?n=100&from=${from}`);
  const createUs = Number(process.hrtime.bigint() - t0) / 1e3 / K;
  const rssAfter = status("VmRSS");
  const anonAfter = status("RssAnon");
  console.log(JSON.stringify({
    cold_load_first_fetch_us: coldUs,
    cold_load_same_code_us: sameUs,
    // How each figure is taken, for the report's labels.
    method: "median of 5 rounds of (T(N) - T(1)) / (N - 1), N = 200 for loads and 2,000 for warm calls, T timed from outside workerd over HTTP",
    cold_one_request_p50_us: median(oneShot),
    warm_get_fetch_us: warmUs,
    held_workers: K,
    rss_per_worker_kib: (rssAfter - rssBefore) / K,
    rss_anon_per_worker_kib: (anonAfter - anonBefore) / K,
    create_held_us_per_worker: createUs,
  }));
} finally {
  if (!keep) child.kill("SIGTERM");
}
if (keep) {
  // Leave workerd serving the static hello worker for the throughput run.
  writeFileSync(join(here, "workerd.pid"), String(child.pid));
  child.unref();
}
