// Renders a run's answer: status, headers, body (text, pretty JSON, HTML in
// a sandboxed iframe, binary as hex), console lines, exceptions with links to
// the editor, CPU and wall time, limit errors.

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

const LIMITS = {
  cpu: "CPU limit exceeded",
  memory: "Memory limit exceeded",
  wall_time: "Wall-clock limit exceeded",
  response_bytes: "Response size limit exceeded",
  response_header_bytes: "Response header limit exceeded",
};

export function decodeBase64(text) {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Lines of `offset  hex  ascii`, 16 bytes each (at most 64 KiB shown). */
export function hexDump(bytes) {
  const lines = [];
  const shown = Math.min(bytes.length, 65536);
  for (let off = 0; off < shown; off += 16) {
    const row = bytes.subarray(off, Math.min(off + 16, shown));
    const hex = [...row].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const ascii = [...row].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${off.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (shown < bytes.length) lines.push(`… ${bytes.length - shown} more bytes`);
  return lines.join("\n");
}

function headerValue(headers, name) {
  const found = headers.find(([k]) => k.toLowerCase() === name);
  return found ? found[1] : "";
}

/** The body view for `bytes` of content type `type`. */
export function bodyView(bytes, type) {
  const mime = type.split(";")[0].trim().toLowerCase();
  let text = null;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = null;
  }
  if (text === null) {
    return el("pre", { class: "body hex", id: "resp-body", dataset: { kind: "binary" } }, hexDump(bytes));
  }
  if (mime === "text/html") {
    // No allow-scripts and no allow-same-origin: the worker's page cannot
    // run script or reach the playground (and the page's CSP applies).
    const frame = el("iframe", { class: "html-preview", sandbox: "", title: "HTML response" });
    frame.srcdoc = text;
    const source = el("details", { class: "html-source" }, el("summary", {}, "HTML source"), el("pre", {}, text));
    return el("div", { id: "resp-body", class: "body", dataset: { kind: "html" } }, frame, source);
  }
  if (mime.endsWith("json") || mime.endsWith("+json")) {
    try {
      return el("pre", { class: "body", id: "resp-body", dataset: { kind: "json" } }, JSON.stringify(JSON.parse(text), null, 2));
    } catch {
      // not JSON after all: shown as text
    }
  }
  return el("pre", { class: "body", id: "resp-body", dataset: { kind: "text" } }, text);
}

function time(ms) {
  return new Date(ms).toISOString().slice(11, 23);
}

/** Console lines, one per entry, with level and timestamp. */
export function logLines(logs) {
  return logs.map((l) =>
    el("div", { class: `log-line level-${l.level}`, dataset: { level: l.level } },
      el("span", { class: "ts" }, time(l.timestampMs)),
      el("span", { class: "level" }, l.level),
      el("span", { class: "msg" }, l.message)));
}

const FRAME = /([\w@$.\/-]+\.(?:m?js|cjs|m?ts|tsx|jsx|py))(?::(\d+)(?::(\d+))?|", line (\d+))/g;

/** A stack trace whose `file:line` frames are links calling goTo(file, line, col). */
export function stackView(stack, files, goTo) {
  const pre = el("pre", { class: "stack" });
  let last = 0;
  for (const m of stack.matchAll(FRAME)) {
    const file = m[1];
    const line = Number(m[2] || m[4]);
    const col = Number(m[3] || 1);
    const name = files.includes(file) ? file : files.find((f) => file.endsWith(`/${f}`));
    pre.append(stack.slice(last, m.index));
    if (name) {
      pre.append(el("a", { href: "#", class: "frame", dataset: { file: name, line: String(line) },
        onclick: (e) => { e.preventDefault(); goTo(name, line, col); } }, m[0]));
    } else {
      pre.append(m[0]);
    }
    last = m.index + m[0].length;
  }
  pre.append(stack.slice(last));
  return pre;
}

function exceptionViews(exceptions, files, goTo) {
  return exceptions.map((x) =>
    el("div", { class: "exception" },
      el("div", { class: "exc-title" }, `${x.name || "Error"}: ${x.message}`),
      x.stack ? stackView(x.stack, files, goTo) : null));
}

function metrics(trace, wallTimeMs) {
  const parts = [];
  if (trace) {
    parts.push(`CPU ${trace.cpuTimeMs.toFixed(2)} ms`);
    if (trace.fuelUsed) parts.push(`fuel ${trace.fuelUsed.toLocaleString("en")}`);
    parts.push(`wall ${trace.wallTimeMs.toFixed(2)} ms`);
    parts.push(`outcome ${trace.outcome}`);
  } else if (wallTimeMs !== undefined) {
    parts.push(`round trip ${wallTimeMs.toFixed(1)} ms`);
  }
  return parts.join(" · ");
}

/**
 * Fills `out` (the result panel's parts) from an answer:
 * { status, headers, bytes, trace?, error?, wallTimeMs? }.
 */
export function showResult(out, answer, files, goTo) {
  const { status, headers = [], bytes = new Uint8Array(), trace, error } = answer;
  out.status.textContent = error ? `${status} · ${error.error}` : `${status}`;
  out.status.className = `status ${status >= 500 ? "s5" : status >= 400 ? "s4" : "s2"}`;
  out.limit.textContent = error && error.limit ? LIMITS[error.limit] || `limit: ${error.limit}` : "";
  out.limit.hidden = !(error && error.limit);
  out.metrics.textContent = metrics(trace, answer.wallTimeMs);
  out.headers.replaceChildren(...headers.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, v))));
  if (error) {
    const problems = Array.isArray(error.problems) ? error.problems : [];
    out.body.replaceChildren(el("pre", { class: "body error", id: "resp-body", dataset: { kind: "error" } },
      [error.error, ...problems].join("\n")));
  } else {
    out.body.replaceChildren(bodyView(bytes, headerValue(headers, "content-type")));
  }
  const logs = trace ? trace.logs : [];
  out.logs.replaceChildren(...(logs.length ? logLines(logs) : [el("div", { class: "empty" }, "no console output")]));
  const exceptions = trace ? trace.exceptions : [];
  out.exceptions.replaceChildren(...exceptionViews(exceptions, files, goTo));
  out.exceptions.hidden = exceptions.length === 0;
}
