// The parent worker of the V8 reference: drives workerd's Worker Loader
// (env.LOADER) the way isolet's benches drive Runtime::load / get.
//   /cold?n=N   N loads of distinct code (nothing cached), each + one fetch
//   /same?n=N   N loads of the same code (a new worker each time; whatever
//               workerd caches about code it has seen, it may use), each + one fetch
//   /warm?n=N   N fetches through LOADER.get of one id (warm)
//   /hold?n=N&from=K   create N held workers with ids K..K+N (for RSS)
const code = (tag) =>
  `export default { async fetch(request) { return new Response("hello " + request.url + " ${tag}") } }`;
const spec = (tag) => ({
  compatibilityDate: "2025-06-01",
  mainModule: "main.js",
  modules: { "main.js": code(tag) },
  globalOutbound: null,
});
let seq = 0;

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") || 1);
    if (url.pathname === "/cold") {
      for (let i = 0; i < n; i++) {
        const w = env.LOADER.load(spec(`cold-${Date.now()}-${seq++}-${Math.random()}`));
        await (await w.getEntrypoint().fetch("http://x/")).text();
      }
      return new Response("ok");
    }
    if (url.pathname === "/same") {
      for (let i = 0; i < n; i++) {
        const w = env.LOADER.load(spec("same"));
        await (await w.getEntrypoint().fetch("http://x/")).text();
      }
      return new Response("ok");
    }
    if (url.pathname === "/warm") {
      for (let i = 0; i < n; i++) {
        const w = env.LOADER.get("warm", () => spec("warm"));
        await (await w.getEntrypoint().fetch("http://x/")).text();
      }
      return new Response("ok");
    }
    if (url.pathname === "/hold") {
      const from = Number(url.searchParams.get("from") || 0);
      for (let i = 0; i < n; i++) {
        const id = `held-${from + i}`;
        const w = env.LOADER.get(id, () => spec(id));
        await (await w.getEntrypoint().fetch("http://x/")).text();
      }
      return new Response("ok");
    }
    return new Response("not found", { status: 404 });
  },
};
