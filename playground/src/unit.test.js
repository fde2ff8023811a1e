// Unit tests of the playground's pure parts (node --test playground/src/*.test.js,
// run by scripts/test): WorkerCode mapping, headers, share links, SSE frames,
// hex dumps.

import { test } from "node:test";
import assert from "node:assert/strict";

import { fromTemplate, fromWorkerCode, parseHeaders, toRunRequest, toWorkerCode } from "./project.js";
import { decodeProject, encodeProject } from "./share.js";
import { parseSseFrame } from "./api.js";
import { hexDump } from "./render.js";

test("a template maps to WorkerCode with env, outbound and limits", () => {
  const p = fromTemplate("js");
  p.settings.outbound = "forward";
  p.settings.allowHosts = "api.example.com\n*.example.org, x.test";
  p.settings.cpuMs = "50";
  p.settings.memoryMb = "64";
  p.settings.nodejsCompat = true;
  const code = toWorkerCode(p);
  assert.equal(code.mainModule, "main.js");
  assert.deepEqual(code.env, { NAME: "isolet" });
  assert.deepEqual(code.globalOutbound, { forward: { allowHosts: ["api.example.com", "*.example.org", "x.test"] } });
  assert.deepEqual(code.limits, { cpuMs: 50, memoryBytes: 64 * 1024 * 1024 });
  assert.deepEqual(code.compatibilityFlags, ["nodejs_compat"]);
  assert.equal(typeof code.modules["main.js"], "string");
});

test("bad settings are refused with a message", () => {
  const p = fromTemplate("js");
  p.settings.env = "[1]";
  assert.throws(() => toWorkerCode(p), /env must be a JSON object/);
  p.settings.env = "{nope";
  assert.throws(() => toWorkerCode(p), /env is not JSON/);
  p.settings.env = "{}";
  p.settings.cpuMs = "-3";
  assert.throws(() => toWorkerCode(p), /CPU ms must be a positive number/);
});

test("headers parse line by line; a bad line is named", () => {
  assert.deepEqual(parseHeaders("a: 1\n\n  B:two:three  "), [["a", "1"], ["B", "two:three"]]);
  assert.throws(() => parseHeaders("ok: 1\nno colon"), /header line 2/);
  const req = toRunRequest({ method: "GET", path: "x?y=1", headers: "", body: "ignored" });
  assert.equal(req.url, "http://playground.local/x?y=1");
  assert.equal(req.body, undefined, "GET sends no body");
});

test("a deployed worker's modules keep kinds the name does not imply", () => {
  const code = {
    mainModule: "main.js",
    compatibilityDate: "2025-06-01",
    modules: {
      "main.js": { js: "export default {}" },
      "data.json": { json: { a: [1, 2] } },
      "notes.txt": { text: "hello" },
      "legacy.js": { cjs: "module.exports = 1" },
    },
    env: { K: "v" },
    limits: { cpuMs: 20, memoryBytes: 32 * 1024 * 1024 },
    globalOutbound: { forward: { allowHosts: ["a.test"] } },
  };
  const p = fromWorkerCode(code);
  assert.equal(p.files["data.json"], '{\n  "a": [\n    1,\n    2\n  ]\n}');
  assert.deepEqual(p.kinds, { "legacy.js": "cjs" });
  assert.equal(p.settings.memoryMb, 32);
  const back = toWorkerCode(p);
  assert.deepEqual(back.modules["legacy.js"], { cjs: "module.exports = 1" });
  assert.equal(back.modules["main.js"], "export default {}");
  assert.deepEqual(back.limits, { cpuMs: 20, memoryBytes: 32 * 1024 * 1024 });
  assert.deepEqual(back.globalOutbound, code.globalOutbound);
  assert.deepEqual(back.env, { K: "v" });
});

test("a share link round-trips the project and refuses junk", async () => {
  const p = fromTemplate("py");
  p.files["util.py"] = "X = 'é ✓ ' * 100\n";
  const hash = await encodeProject(p);
  assert.match(hash, /^#code=[A-Za-z0-9_-]+$/);
  assert.deepEqual(await decodeProject(hash), p);
  assert.equal(await decodeProject("#other"), null);
  await assert.rejects(decodeProject("#code=AAAA"));
});

test("SSE frames: event name, JSON data, comments", () => {
  assert.deepEqual(parseSseFrame('event: trace\ndata: {"a":1}'), { event: "trace", data: { a: 1 } });
  assert.equal(parseSseFrame(": keepalive"), null);
  assert.deepEqual(parseSseFrame("data: plain"), { event: "message", data: "plain" });
});

test("hex dump: offset, bytes, printable text", () => {
  const dump = hexDump(new Uint8Array([0x00, 0x41, 0x42, 0xff]));
  assert.equal(dump, "00000000  00 41 42 ff" + " ".repeat(36) + "  .AB.");
});
