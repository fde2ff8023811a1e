// A second V8 reference: isolated-vm (npm, pinned in package.json), bare V8
// isolates inside this Node process. No Workers API exists there, so the
// "worker" is the same hello module as a plain function returning
// {status, body}: these figures are V8's floor for an isolate, not a Worker
// Loader. Prints one JSON object. Usage: node ivm.mjs [heldIsolates]
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const ivm = require("isolated-vm");
const held = Number(process.argv[2] || 1000);

const hello = `
const worker = { fetch(url) { return { status: 200, body: "hello from " + url } } };
globalThis.handle = (url) => JSON.stringify(worker.fetch(url));
`;
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = () => process.hrtime.bigint();
const us = (t0, t1) => Number(t1 - t0) / 1e3;
function status(field) {
  const line = readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith(field + ":"));
  return Number(line.split(/\s+/)[1]); // kB
}

// One isolate + context + the hello code, called once: the cold path. Each
// start compiles distinct code (a unique comment), as isolet's and workerd's
// headline cold rows do, so no code cache can serve it.
let seq = 0;
function start() {
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const context = isolate.createContextSync();
  isolate.compileScriptSync(`${hello}\n// ${seq++}`).runSync(context);
  const handle = context.global.getSync("handle", { reference: true });
  const answer = handle.applySync(undefined, ["http://localhost/"]);
  if (!answer.includes("hello from http://localhost/")) throw new Error(`wrong answer: ${answer}`);
  return { isolate, context, handle };
}

for (let i = 0; i < 50; i++) start().isolate.dispose(); // warm-up
const cold = [];
for (let i = 0; i < 300; i++) {
  const t0 = now();
  const w = start();
  const t1 = now();
  w.isolate.dispose();
  cold.push(us(t0, t1));
}

const w = start();
for (let i = 0; i < 2000; i++) w.handle.applySync(undefined, ["http://localhost/"]);
const warm = [];
for (let r = 0; r < 5; r++) {
  const n = 5000;
  const t0 = now();
  for (let i = 0; i < n; i++) w.handle.applySync(undefined, ["http://localhost/"]);
  warm.push(us(t0, now()) / n);
}
w.isolate.dispose();

global.gc?.();
const anonBefore = status("RssAnon");
const rssBefore = status("VmRSS");
const keep = [];
const t0 = now();
for (let i = 0; i < held; i++) keep.push(start());
const createUs = us(t0, now()) / held;
const anonAfter = status("RssAnon");
const rssAfter = status("VmRSS");
console.log(JSON.stringify({
  isolated_vm: require("isolated-vm/package.json").version,
  node: process.version,
  cold_isolate_first_call_us: median(cold),
  method: "cold: median of 300 starts, each timed alone; warm: median of 5 means over 5,000 calls",
  warm_call_us: median(warm),
  held_isolates: held,
  create_held_us_per_isolate: createUs,
  rss_per_isolate_kib: (rssAfter - rssBefore) / held,
  rss_anon_per_isolate_kib: (anonAfter - anonBefore) / held,
}));
for (const k of keep) k.isolate.dispose();
