// The playground's project (files, settings, request) and its mapping to
// isolet's WorkerCode JSON.

export const TEMPLATES = {
  js: {
    main: "main.js",
    files: {
      "main.js": `export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    console.log("request", request.method, url.pathname);
    return Response.json({ hello: env.NAME ?? "world", path: url.pathname });
  },
};
`,
    },
    env: '{\n  "NAME": "isolet"\n}',
  },
  ts: {
    main: "main.ts",
    files: {
      "main.ts": `interface Env { NAME: string }

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const name: string = env.NAME;
    console.info("typed hello for", name);
    return new Response(\`<h1>Hello, \${name}!</h1>\`, { headers: { "content-type": "text/html" } });
  },
};
`,
    },
    env: '{\n  "NAME": "isolet"\n}',
  },
  py: {
    main: "main.py",
    files: {
      "main.py": `from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        print("python saw", request.url)
        return Response("hello from Python")
`,
    },
    env: "{}",
  },
};

export function today() {
  return new Date().toISOString().slice(0, 10);
}

/** A new project from a template name. */
export function fromTemplate(name) {
  const t = TEMPLATES[name] || TEMPLATES.js;
  return {
    main: t.main,
    files: { ...t.files },
    kinds: {},
    settings: {
      compatibilityDate: "2025-06-01",
      nodejsCompat: false,
      env: t.env,
      outbound: "deny",
      allowHosts: "",
      cpuMs: "",
      memoryMb: "",
      timeoutMs: "",
    },
    request: { method: "GET", path: "/", headers: "", body: "" },
  };
}

/** Parses "Name: value" lines into [[name, value]]; throws on a bad line. */
export function parseHeaders(text) {
  const out = [];
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error(`header line ${i + 1} is not "Name: value"`);
    out.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return out;
}

function positiveNumber(value, what) {
  const text = String(value ?? "").trim();
  if (!text) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${what} must be a positive number`);
  return n;
}

/** The WorkerCode JSON for `project` (files as the editor holds them). */
export function toWorkerCode(project) {
  const s = project.settings;
  let env;
  try {
    env = s.env.trim() ? JSON.parse(s.env) : {};
  } catch (e) {
    throw new Error(`env is not JSON: ${e.message}`);
  }
  if (!env || typeof env !== "object" || Array.isArray(env)) throw new Error("env must be a JSON object");
  const modules = {};
  for (const [name, text] of Object.entries(project.files)) {
    const kind = project.kinds?.[name];
    if (kind === "json") {
      try {
        modules[name] = { json: JSON.parse(text) };
      } catch (e) {
        throw new Error(`${name} is not JSON: ${e.message}`);
      }
    } else if (kind === "data") {
      modules[name] = { data: text.trim() };
    } else if (kind) {
      modules[name] = { [kind]: text };
    } else {
      modules[name] = text;
    }
  }
  const code = {
    mainModule: project.main,
    compatibilityDate: s.compatibilityDate || today(),
    modules,
    env,
  };
  if (s.nodejsCompat) code.compatibilityFlags = ["nodejs_compat"];
  if (s.outbound === "forward") {
    const allowHosts = s.allowHosts.split(/[\s,]+/).filter(Boolean);
    code.globalOutbound = { forward: { allowHosts } };
  }
  const limits = {};
  const cpuMs = positiveNumber(s.cpuMs, "CPU ms");
  const memoryMb = positiveNumber(s.memoryMb, "memory MiB");
  const timeoutMs = positiveNumber(s.timeoutMs, "timeout ms");
  if (cpuMs) limits.cpuMs = Math.round(cpuMs);
  if (memoryMb) limits.memoryBytes = Math.round(memoryMb * 1024 * 1024);
  if (timeoutMs) limits.timeoutMs = Math.round(timeoutMs);
  if (Object.keys(limits).length) code.limits = limits;
  return code;
}

/** The request the Run button sends, in /run's shape. */
export function toRunRequest(request) {
  const path = request.path.startsWith("/") ? request.path : `/${request.path}`;
  const req = {
    method: request.method,
    url: `http://playground.local${path}`,
    headers: parseHeaders(request.headers),
  };
  if (request.body && !["GET", "HEAD"].includes(request.method)) req.body = request.body;
  return req;
}

/** A project holding a deployed worker's WorkerCode (GET /workers/{id}). */
export function fromWorkerCode(code, base) {
  const files = {};
  const kinds = {};
  for (const [name, source] of Object.entries(code.modules || {})) {
    if (typeof source === "string") {
      files[name] = source;
      continue;
    }
    const [kind, value] = Object.entries(source)[0] || ["text", ""];
    files[name] = kind === "json" ? JSON.stringify(value, null, 2) : String(value);
    // Keep the kind only where the name would not imply it.
    if (!impliedKind(name, kind)) kinds[name] = kind;
  }
  const limits = code.limits || {};
  const forward = code.globalOutbound && code.globalOutbound.forward;
  return {
    main: code.mainModule,
    files,
    kinds,
    settings: {
      compatibilityDate: code.compatibilityDate || today(),
      nodejsCompat: (code.compatibilityFlags || []).includes("nodejs_compat"),
      env: JSON.stringify(code.env || {}, null, 2),
      outbound: forward ? "forward" : "deny",
      allowHosts: forward ? (forward.allowHosts || []).join("\n") : "",
      cpuMs: limits.cpuMs ?? "",
      memoryMb: limits.memoryBytes ? limits.memoryBytes / (1024 * 1024) : "",
      timeoutMs: limits.timeoutMs ?? "",
    },
    request: base ? base.request : fromTemplate("js").request,
  };
}

function impliedKind(name, kind) {
  const ext = (name.split(".").pop() || "").toLowerCase();
  const implied = { js: "js", mjs: "js", ts: "ts", mts: "ts", tsx: "ts", jsx: "ts", cjs: "cjs", py: "py", json: "json" }[ext];
  return implied ? implied === kind : kind === "text";
}
