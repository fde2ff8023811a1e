// isolet's CommonJS modules: `require` inside a worker's CommonJS module
// (its own modules, or a node:* built-in through node.js), and `commonjs`,
// which loads one (src/modules.rs's wrappers call it through dispatch.js's
// `isolet.workers` object).
//
// Evaluated at build time in the prelude, after rpc.js; takes the engine's
// internal `lib` object and the natives.
(function (lib, native) {
  "use strict";

  // lib.node (node.js, evaluated after the prelude) is looked up when a
  // require runs.
  const cjsCache = new Map();

  function requireFrom(importer) {
    const dir = importer.includes("/") ? importer.slice(0, importer.lastIndexOf("/")) : "";
    return (spec) => {
      spec = String(spec);
      const builtin = lib.node.require(spec);
      if (builtin !== undefined) return builtin;
      const resolved = spec.startsWith("./") || spec.startsWith("../") ? normalizePath(dir + "/" + spec) : normalizePath(spec);
      const found = native.moduleSource(resolved);
      if (found === undefined) throw new TypeError(`Module not found: "${spec}" required from "${importer}"`);
      const [kind, text] = found;
      if (kind === "commonjs") return commonjs(resolved);
      if (kind === "json") return JSON.parse(text);
      if (kind === "text") return text;
      if (kind === "data") return native.dataModule(resolved);
      throw new TypeError(`require("${spec}") from "${importer}": "${resolved}" is an ES module; use import instead`);
    };
  }
  function commonjs(name) {
    if (cjsCache.has(name)) return cjsCache.get(name).exports;
    const found = native.moduleSource(name);
    if (found === undefined || found[0] !== "commonjs") throw new TypeError(`Module not found: "${name}"`);
    const module = { exports: {}, id: name, filename: name, loaded: false };
    cjsCache.set(name, module);
    const dir = name.includes("/") ? name.slice(0, name.lastIndexOf("/")) : "";
    const fn = (0, eval)(`(function (exports, require, module, __filename, __dirname) {${found[1]}\n})`);
    fn.call(module.exports, module.exports, requireFrom(name), module, name, dir);
    module.loaded = true;
    return module.exports;
  }
  function normalizePath(p) {
    const out = [];
    for (const s of p.split("/")) { if (s === "" || s === ".") continue; if (s === "..") out.pop(); else out.push(s); }
    return out.join("/");
  }

  lib.commonjs = commonjs; // for dispatch.js
});
