// Calls to isolet serve's HTTP API. The admin token is never in the page:
// the user enters it once; it is kept in localStorage until "Log out".

const TOKEN_KEY = "isolet.adminToken";
const INVOKE_KEY = "isolet.invokeToken";

export const auth = {
  token: () => localStorage.getItem(TOKEN_KEY) || "",
  invokeToken: () => localStorage.getItem(INVOKE_KEY) || "",
  save(token, invokeToken) {
    localStorage.setItem(TOKEN_KEY, token);
    if (invokeToken) localStorage.setItem(INVOKE_KEY, invokeToken);
    else localStorage.removeItem(INVOKE_KEY);
  },
  clear() {
    localStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(INVOKE_KEY);
  },
};

/** An answer the API gave that was not a success, with its JSON body. */
export class ApiError extends Error {
  constructor(status, body) {
    super(describe(status, body));
    this.status = status;
    this.body = body;
  }
}

function describe(status, body) {
  if (body && typeof body.error === "string") {
    const problems = Array.isArray(body.problems) ? `: ${body.problems.join("; ")}` : "";
    return `${status}: ${body.error}${problems}`;
  }
  return `HTTP ${status}`;
}

function headers(extra = {}) {
  return { authorization: `Bearer ${auth.token()}`, ...extra };
}

async function readJson(resp) {
  const text = await resp.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { error: text };
  }
}

/** An admin call; resolves to the JSON answer, throws ApiError otherwise. */
export async function admin(method, path, body) {
  const init = { method, headers: headers() };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["content-type"] = "application/json";
  }
  const resp = await fetch(path, init);
  const json = await readJson(resp);
  if (!resp.ok) throw new ApiError(resp.status, json);
  return json;
}

/**
 * POST /run: resolves to { ok, status, body } where body is the run answer
 * ({response, trace}) or the error answer ({error, limit?, trace?}).
 */
export async function run(code, request) {
  const resp = await fetch("/run", {
    method: "POST",
    headers: headers({ "content-type": "application/json" }),
    body: JSON.stringify({ code, request }),
  });
  return { ok: resp.ok, status: resp.status, body: await readJson(resp) };
}

/** Sends `request` to deployed worker `id`; resolves to a run-shaped answer. */
export async function invoke(id, request) {
  const init = { method: request.method, headers: { ...request.headers } };
  const invokeToken = auth.invokeToken();
  if (invokeToken) init.headers.authorization = `Bearer ${invokeToken}`;
  if (request.body && !["GET", "HEAD"].includes(request.method)) init.body = request.body;
  const path = new URL(request.url).pathname + new URL(request.url).search;
  const started = performance.now();
  const resp = await fetch(`/w/${encodeURIComponent(id)}${path}`, init);
  const bytes = new Uint8Array(await resp.arrayBuffer());
  const wallTimeMs = performance.now() - started;
  const hdrs = [...resp.headers.entries()];
  return { status: resp.status, headers: hdrs, bytes, wallTimeMs };
}

/**
 * Follows GET /workers/{id}/tail (Server-Sent Events) with fetch, since
 * EventSource cannot send the Authorization header. Calls onEvent(name,
 * data) per event until the signal aborts; rejects when the stream fails.
 */
export async function tail(id, signal, onEvent) {
  const resp = await fetch(`/workers/${encodeURIComponent(id)}/tail`, {
    headers: headers(),
    signal,
  });
  if (!resp.ok) throw new ApiError(resp.status, await readJson(resp));
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const parsed = parseSseFrame(frame);
      if (parsed) onEvent(parsed.event, parsed.data);
    }
  }
}

/** One SSE frame's event name and JSON data; null for comments. */
export function parseSseFrame(frame) {
  let event = "message";
  const data = [];
  for (const line of frame.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return null;
  try {
    return { event, data: JSON.parse(data.join("\n")) };
  } catch {
    return { event, data: data.join("\n") };
  }
}
