// ctx.storage's key-value entries and isolet:fs files at their limits.
// Writes answer `{ ok }` or `{ error, code }`; reads answer what is stored,
// so that the test tells a refused write from lost data.
import { fs } from "isolet:fs";

async function attempt(f) {
  try {
    const ok = await f();
    return { ok: ok === undefined ? null : ok };
  } catch (e) {
    return { error: String(e && e.message), code: (e && e.code) ?? null };
  }
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const q = (k) => url.searchParams.get(k);
    const len = Number(q("len") ?? 0);
    const key = q("key") ?? "k";
    const path = q("path") ?? "/f";
    const s = ctx.storage;
    let out;
    switch (url.pathname) {
      // A string of `len` characters is `len + 2` bytes serialized (its quotes).
      case "/kv/put":
        out = await attempt(() => s.put(key, "x".repeat(len)));
        break;
      case "/kv/put-sync":
        out = await attempt(() => s.kv.put(key, "y".repeat(len)));
        break;
      // One put() of two entries: a small one, then `key` of `len` characters.
      case "/kv/put-two":
        out = await attempt(() => s.put({ small: 1, [key]: "z".repeat(len) }));
        break;
      // The stored value: a string's length, or null when there is none.
      case "/kv/get": {
        const v = await s.get(key);
        out = v === undefined ? null : typeof v === "string" ? v.length : v;
        break;
      }
      case "/fs/write":
        out = await attempt(() => fs.writeFile(path, "f".repeat(len)));
        break;
      case "/fs/append":
        out = await attempt(() => fs.appendFile(path, "a".repeat(len)));
        break;
      case "/fs/mkdir":
        out = await attempt(() => fs.mkdir(path, { recursive: true }));
        break;
      case "/fs/rm":
        out = await attempt(() => fs.rm(path, { recursive: true }));
        break;
      case "/fs/copy":
        out = await attempt(() => fs.copyFile(path, q("to")));
        break;
      // Every entry: a file's size, or "dir".
      case "/fs/sizes": {
        out = {};
        for (const name of await fs.readdir("/", { recursive: true })) {
          const st = await fs.stat("/" + name);
          out[name] = st.isDirectory() ? "dir" : st.size;
        }
        break;
      }
      default:
        return new Response("no such route", { status: 404 });
    }
    return Response.json(out);
  },
};
