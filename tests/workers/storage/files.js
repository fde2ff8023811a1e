// isolet:fs: the object's files, as node:fs/promises.
import { fs } from "isolet:fs";
import { readFile } from "isolet:fs";

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/read") {
      return new Response(await readFile(url.searchParams.get("path"), "utf8"));
    }
    const out = {};
    const attempt = async (f) => { try { return { ok: await f() }; } catch (e) { return { code: e.code, message: e.message }; } };
    await fs.rm("/", { recursive: true, force: true }).catch(() => {});
    for (const e of await fs.readdir("/")) await fs.rm("/" + e, { recursive: true, force: true });
    out.mkdir = await fs.mkdir("/notes/2026/nov", { recursive: true });
    await fs.writeFile("/notes/2026/nov/a.md", "# A\n");
    await fs.appendFile("/notes/2026/nov/a.md", "more\n");
    await fs.writeFile("notes/b.txt", new Uint8Array([104, 105]));
    out.read = await fs.readFile("/notes/2026/nov/a.md", { encoding: "utf8" });
    out.bytes = [...(await fs.readFile("/notes/b.txt"))];
    out.readdir = await fs.readdir("/notes");
    out.recursive = await fs.readdir("/notes", { recursive: true });
    out.dirents = (await fs.readdir("/notes", { withFileTypes: true })).map((d) => [d.name, d.isDirectory(), d.parentPath]);
    const st = await fs.stat("/notes/2026/nov/a.md");
    out.stat = [st.isFile(), st.isDirectory(), st.size, st.mtime instanceof Date];
    out.exists = [await fs.exists("/notes/b.txt"), await fs.exists("/nope")];
    await fs.rename("/notes/2026", "/archive");
    out.afterRename = await fs.readdir("/", { recursive: true });
    out.glob = await fs.glob("**/*.md");
    out.globBraces = await fs.glob(["/notes/*.{txt,md}"]);
    await fs.copyFile("/notes/b.txt", "/copy.txt");
    out.missing = await attempt(() => fs.readFile("/nope.txt"));
    out.notEmpty = await attempt(() => fs.rmdir("/archive"));
    out.exists2 = await attempt(() => fs.mkdir("/archive"));
    out.noParent = await attempt(() => fs.writeFile("/no/such/dir.txt", "x"));
    out.isDir = await attempt(() => fs.readFile("/archive"));
    out.intoItself = await attempt(() => fs.rename("/archive", "/archive/nov/x"));
    await fs.rm("/archive", { recursive: true });
    out.final = await fs.readdir("/", { recursive: true });
    return Response.json(out);
  },
};
