// The playground page: wires the editor, the request form, the result
// panels, deployed workers and the live tail to isolet serve's API.

import * as api from "./api.js";
import { Editor } from "./editor.js";
import { fromTemplate, fromWorkerCode, toRunRequest, toWorkerCode } from "./project.js";
import { decodeBase64, el, logLines, showResult } from "./render.js";
import { decodeProject, encodeProject } from "./share.js";

const $ = (id) => document.getElementById(id);
const DRAFT_KEY = "isolet.draft";
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const nonce = document.querySelector('meta[name="csp-nonce"]')?.content || "";
let project = fromTemplate("js");
let tailAbort = null;

const editor = new Editor($("editor"), nonce, () => saveDraftSoon());

/** Shows `content` (text or a node) in the notice bar; `kind`: info, ok or error. */
function notice(content, kind = "info") {
  const box = $("notice");
  box.replaceChildren(content);
  box.className = kind;
  box.hidden = false;
}

function clearNotice() {
  $("notice").hidden = true;
}

// ---- project <-> form -------------------------------------------------------

const SETTINGS = {
  compatibilityDate: "compat-date", env: "env", outbound: "outbound", allowHosts: "allow-hosts",
  cpuMs: "limit-cpu", memoryMb: "limit-memory", timeoutMs: "limit-timeout",
};

function loadProject(p) {
  project = p;
  editor.setFiles(p.files, p.main);
  for (const [key, id] of Object.entries(SETTINGS)) $(id).value = p.settings[key] ?? "";
  $("nodejs-compat").checked = !!p.settings.nodejsCompat;
  $("method").value = p.request.method;
  $("path").value = p.request.path;
  $("req-headers").value = p.request.headers;
  $("req-body").value = p.request.body;
  renderTabs();
}

function readProject() {
  const settings = {};
  for (const [key, id] of Object.entries(SETTINGS)) settings[key] = $(id).value;
  settings.nodejsCompat = $("nodejs-compat").checked;
  const files = editor.files();
  const main = files[project.main] !== undefined ? project.main : Object.keys(files)[0];
  project = {
    main,
    files,
    kinds: Object.fromEntries(Object.entries(project.kinds || {}).filter(([n]) => n in files)),
    settings,
    request: {
      method: $("method").value,
      path: $("path").value || "/",
      headers: $("req-headers").value,
      body: $("req-body").value,
    },
  };
  return project;
}

let draftTimer = null;
function saveDraftSoon() {
  clearTimeout(draftTimer);
  draftTimer = setTimeout(() => localStorage.setItem(DRAFT_KEY, JSON.stringify(readProject())), 400);
}

// ---- file tabs ----------------------------------------------------------------

function renderTabs() {
  const names = editor.names();
  const tabs = names.map((name) => {
    const tab = el("div", { class: `tab${name === editor.current ? " active" : ""}`, role: "tab", dataset: { file: name } },
      el("span", { class: "name", title: "click to open, double-click to rename" },
        name === project.main ? `★ ${name}` : name),
      el("button", { class: "rename-file", title: `rename ${name}`, "aria-label": `rename ${name}` }, "✎"),
      names.length > 1 ? el("button", { class: "close", title: `delete ${name}`, "aria-label": `delete ${name}` }, "×") : null);
    tab.querySelector(".name").addEventListener("click", () => { editor.open(name); renderTabs(); });
    tab.querySelector(".name").addEventListener("dblclick", () => startRename(tab, name));
    tab.querySelector(".rename-file").addEventListener("click", () => startRename(tab, name));
    tab.querySelector(".close")?.addEventListener("click", () => {
      if (!confirm(`Delete ${name}?`)) return;
      editor.remove(name);
      if (project.main === name) project.main = editor.names()[0];
      renderTabs();
      saveDraftSoon();
    });
    return tab;
  });
  tabs.push(el("button", { id: "add-file", class: "small", title: "add a module" }, "+"));
  $("tabs").replaceChildren(...tabs);
  $("add-file").addEventListener("click", () => {
    $("new-file").hidden = false;
    $("new-file-name").value = "";
    $("new-file-name").focus();
  });
  $("main-module").replaceChildren(...names.map((n) => el("option", { value: n }, n)));
  $("main-module").value = project.main;
}

function checkName(name, except) {
  if (!name) return "a module needs a name";
  if (name.startsWith("/") || name.split("/").some((p) => p === "" || p === "." || p === "..")) {
    return `${name}: use a relative path like lib/util.js`;
  }
  if (name !== except && editor.names().includes(name)) return `${name} already exists`;
  return null;
}

function startRename(tab, name) {
  const input = el("input", { class: "rename", value: name, spellcheck: "false" });
  tab.replaceChildren(input);
  input.focus();
  input.select();
  let done = false;
  const finish = (commit) => {
    if (done) return;
    done = true;
    const to = input.value.trim();
    if (commit && to !== name) {
      const problem = checkName(to, name);
      if (problem) notice(problem, "error");
      else {
        editor.rename(name, to);
        if (project.main === name) project.main = to;
        if (project.kinds?.[name]) { project.kinds[to] = project.kinds[name]; delete project.kinds[name]; }
        saveDraftSoon();
      }
    }
    renderTabs();
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") finish(true);
    if (e.key === "Escape") finish(false);
  });
  input.addEventListener("blur", () => finish(true));
}

$("new-file-name").addEventListener("keydown", (e) => {
  if (e.key === "Escape") { $("new-file").hidden = true; return; }
  if (e.key !== "Enter") return;
  const name = $("new-file-name").value.trim();
  const problem = checkName(name);
  if (problem) { notice(problem, "error"); return; }
  $("new-file").hidden = true;
  editor.add(name, "");
  renderTabs();
  saveDraftSoon();
});

$("main-module").addEventListener("change", () => { project.main = $("main-module").value; renderTabs(); saveDraftSoon(); });
$("template").addEventListener("change", () => {
  const t = $("template").value;
  $("template").value = "";
  if (t && confirm("Replace the editor's files with the template?")) {
    loadProject({ ...fromTemplate(t), request: readProject().request });
    saveDraftSoon();
  }
});
for (const id of [...Object.values(SETTINGS), "nodejs-compat", "method", "path", "req-headers", "req-body"]) {
  $(id).addEventListener("input", saveDraftSoon);
}

// ---- login --------------------------------------------------------------------

function askToken(message) {
  $("login-error").textContent = message || "";
  $("login-error").hidden = !message;
  $("token-input").value = "";
  if (!$("login").open) $("login").showModal();
  $("token-input").focus();
}

$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const token = $("token-input").value.trim();
  if (!token) return;
  api.auth.save(token, $("invoke-token-input").value.trim());
  try {
    await api.admin("GET", "/workers?limit=1");
  } catch (err) {
    api.auth.clear();
    askToken(err.status === 401 ? "That token was refused." : err.message);
    return;
  }
  $("login").close();
  refreshWorkers();
});
$("login").addEventListener("cancel", (e) => { if (!api.auth.token()) e.preventDefault(); });

$("logout").addEventListener("click", () => {
  stopTail();
  api.auth.clear();
  $("workers-list").replaceChildren();
  askToken("Logged out: the token was removed from this browser.");
});

/** Runs `f`; a 401 asks for the token again, other errors become a notice. */
async function guarded(f) {
  try {
    return await f();
  } catch (err) {
    if (err.status === 401) askToken("The server refused the token.");
    else notice(err.message, "error");
    return undefined;
  }
}

// ---- run ----------------------------------------------------------------------

function resultParts() {
  return {
    status: $("status"), limit: $("limit"), metrics: $("metrics"), headers: $("resp-headers"),
    body: $("body-box"), logs: $("logs"), exceptions: $("exceptions"),
  };
}

function goTo(file, line, col) {
  editor.goTo(file, line, col);
  renderTabs();
}

async function run() {
  clearNotice();
  const p = readProject();
  let code, request;
  try {
    code = toWorkerCode(p);
    request = toRunRequest(p.request);
  } catch (err) {
    notice(err.message, "error");
    return;
  }
  $("run").disabled = true;
  $("status").textContent = "running…";
  $("status").className = "status";
  try {
    const target = $("target").value;
    let answer;
    if (target) {
      const r = await api.invoke(target, request);
      answer = { status: r.status, headers: r.headers, bytes: r.bytes, wallTimeMs: r.wallTimeMs };
      // isolet's own answer to a limit names it (a worker's JSON is shown as it is).
      if (r.status >= 500) {
        try {
          const body = JSON.parse(new TextDecoder().decode(r.bytes));
          if (body && typeof body.error === "string" && typeof body.limit === "string") answer.error = body;
        } catch { /* not JSON: the worker's own body */ }
      }
    } else {
      const r = await api.run(code, request);
      if (r.status === 401) throw new api.ApiError(401, r.body);
      if (r.ok) {
        const resp = r.body.response;
        const bytes = resp.body !== undefined ? new TextEncoder().encode(resp.body) : decodeBase64(resp.bodyBase64 || "");
        answer = { status: resp.status, headers: resp.headers, bytes, trace: r.body.trace };
      } else {
        const trace = r.body?.trace;
        if (trace && !trace.exceptions.length && r.body.name) {
          trace.exceptions = [{ name: r.body.name, message: r.body.message, stack: r.body.stack || "" }];
        }
        answer = { status: r.status, error: r.body || { error: `HTTP ${r.status}` }, trace };
      }
    }
    showResult(resultParts(), answer, editor.names(), goTo);
  } catch (err) {
    if (err.status === 401) askToken("The server refused the token.");
    else {
      $("status").textContent = "failed";
      notice(`The request failed: ${err.message}`, "error");
    }
  } finally {
    $("run").disabled = false;
  }
}

$("run").addEventListener("click", run);
document.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
});

// ---- deploy, list, open, delete -------------------------------------------------

async function deploy() {
  clearNotice();
  const id = $("deploy-id").value.trim();
  if (!ID_PATTERN.test(id)) {
    notice("A worker id is 1-64 letters, digits, '-' or '_', starting with a letter or digit.", "error");
    return;
  }
  let code;
  try {
    code = toWorkerCode(readProject());
  } catch (err) {
    notice(err.message, "error");
    return;
  }
  const done = await guarded(async () => {
    await api.admin("PUT", `/workers/${encodeURIComponent(id)}`, code);
    return true;
  });
  if (!done) return;
  notice(`Deployed ${id}: it answers at ${location.origin}/w/${id}/`, "ok");
  await refreshWorkers();
  $("target").value = id;
}

$("deploy").addEventListener("click", deploy);

async function refreshWorkers() {
  if (!api.auth.token()) return;
  const list = await guarded(() => api.admin("GET", "/workers?limit=1000"));
  if (!list) return;
  const ids = list.workers;
  $("workers-list").replaceChildren(...(ids.length ? ids.map(workerItem) : [el("li", { class: "empty" }, "none yet")]));
  const target = $("target").value;
  $("target").replaceChildren(el("option", { value: "" }, "fresh sandbox (POST /run)"),
    ...ids.map((id) => el("option", { value: id }, `deployed: ${id} (/w/${id})`)));
  $("target").value = ids.includes(target) ? target : "";
}

function workerItem(id) {
  return el("li", { dataset: { id } },
    el("span", { class: "wid" }, id),
    el("button", { class: "small", title: "load its code into the editor", onclick: () => openWorker(id) }, "open"),
    el("button", { class: "small", title: "follow its console output and outcomes", onclick: () => startTail(id) }, "tail"),
    el("button", { class: "small danger", title: "DELETE /workers/{id}", onclick: () => deleteWorker(id) }, "delete"));
}

async function openWorker(id) {
  const code = await guarded(() => api.admin("GET", `/workers/${encodeURIComponent(id)}`));
  if (!code) return;
  loadProject(fromWorkerCode(code, readProject()));
  $("deploy-id").value = id;
  notice(`Opened ${id}.`, "ok");
  saveDraftSoon();
}

async function deleteWorker(id) {
  if (!confirm(`Delete worker ${id}?`)) return;
  const done = await guarded(async () => { await api.admin("DELETE", `/workers/${encodeURIComponent(id)}`); return true; });
  if (!done) return;
  if ($("tail-id").textContent === id) stopTail();
  notice(`Deleted ${id}.`, "ok");
  refreshWorkers();
}

$("refresh").addEventListener("click", refreshWorkers);

// ---- live tail --------------------------------------------------------------------

function stopTail() {
  if (tailAbort) tailAbort.abort();
  tailAbort = null;
  $("tail-state").textContent = "stopped";
}

function ms(duration) {
  return duration ? duration.secs * 1000 + duration.nanos / 1e6 : 0;
}

function tailEntry(event) {
  const info = event.event || {};
  const what = info.type === "fetch" ? `${info.method} ${info.url}` : info.type === "rpc" ? `rpc ${info.method}` : info.type;
  const head = el("div", { class: `tail-event outcome-${event.outcome}`, dataset: { outcome: event.outcome } },
    el("span", { class: "ts" }, new Date(event.eventTimestampMs).toISOString().slice(11, 23)),
    el("span", { class: "outcome" }, event.outcome),
    el("span", { class: "msg" }, `${what} · CPU ${ms(event.cpuTime).toFixed(2)} ms · wall ${ms(event.wallTime).toFixed(2)} ms`));
  const lines = logLines(event.logs || []);
  const exceptions = (event.exceptions || []).map((x) => el("div", { class: "log-line level-error" }, `${x.name}: ${x.message}`));
  return el("div", { class: "tail-item" }, head, ...lines, ...exceptions);
}

async function startTail(id) {
  stopTail();
  const controller = new AbortController();
  tailAbort = controller;
  $("tail-box").hidden = false;
  $("tail-id").textContent = id;
  $("tail-state").textContent = "connecting…";
  $("tail-log").replaceChildren();
  try {
    const connected = api.tail(id, controller.signal, (name, data) => {
      if (name === "trace") $("tail-log").prepend(tailEntry(data));
      else if (name === "lagged") $("tail-log").prepend(el("div", { class: "log-line level-warn" }, `${data.dropped} events dropped (the tail fell behind)`));
    });
    $("tail-state").textContent = "live";
    $("tail-state").dataset.state = "live";
    await connected;
    if (tailAbort === controller) $("tail-state").textContent = "ended";
  } catch (err) {
    if (controller.signal.aborted) return;
    $("tail-state").textContent = "failed";
    if (err.status === 401) askToken("The server refused the token.");
    else notice(`Tail of ${id} failed: ${err.message}`, "error");
  }
}

$("tail-stop").addEventListener("click", stopTail);
$("tail-clear").addEventListener("click", () => $("tail-log").replaceChildren());

// ---- share ---------------------------------------------------------------------------

$("share").addEventListener("click", async () => {
  const hash = await encodeProject(readProject());
  history.replaceState(null, "", hash);
  const url = location.href;
  const field = el("input", { id: "share-url", readonly: "", value: url });
  notice(el("span", {}, "Link to this code (the code is in the URL's fragment, never sent to the server): ", field), "ok");
  field.select();
  try {
    await navigator.clipboard.writeText(url);
  } catch {
    // not allowed here: the field is selected for copying by hand
  }
});

// ---- start ---------------------------------------------------------------------------

async function start() {
  let initial = null;
  try {
    initial = await decodeProject(location.hash);
    if (initial) initial = { ...fromTemplate("js"), ...initial };
  } catch (err) {
    notice(`The shared link could not be read: ${err.message}`, "error");
  }
  if (!initial) {
    try {
      initial = JSON.parse(localStorage.getItem(DRAFT_KEY) || "null");
    } catch {
      initial = null;
    }
  }
  loadProject(initial && initial.files && Object.keys(initial.files).length ? initial : fromTemplate("js"));
  if (api.auth.token()) refreshWorkers();
  else askToken();
  document.body.dataset.ready = "true";
}

start();
