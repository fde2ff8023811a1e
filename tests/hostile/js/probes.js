// What a tenant can find of the host: each probe's result.
export default {
  async fetch() {
    const out = {};
    for (const name of ["process", "require", "module", "Deno", "Bun", "std", "os", "scriptArgs", "WebAssembly", "__native", "native", "lib", "Buffer"]) {
      out[name] = typeof globalThis[name];
    }
    for (const spec of ["std", "os", "node:fs", "fs", "qjs:std", "wasi:filesystem/types"]) {
      try {
        await import(spec);
        out[`import ${spec}`] = "imported";
      } catch (e) {
        out[`import ${spec}`] = e.name;
      }
    }
    out.ownGlobals = Object.getOwnPropertyNames(globalThis).filter((k) => /native|isolet|wasi|host/i.test(k));
    out.symbols = Object.getOwnPropertySymbols(globalThis).map(String);
    return Response.json(out);
  },
};
