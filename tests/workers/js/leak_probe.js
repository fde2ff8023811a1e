// Reports what earlier workers may have left behind, then (on /taint) leaves
// traces of its own everywhere a reused sandbox could carry them: a global,
// built-in prototypes, module state and a large heap of secret strings.
let moduleState = null;

export default {
  fetch(request) {
    const url = new URL(request.url);
    const seen = {
      global: globalThis.__isoletLeak ?? null,
      objectProto: Object.getOwnPropertyDescriptor(Object.prototype, "__isoletLeak")?.value ?? null,
      responseProto: Object.getOwnPropertyDescriptor(Response.prototype, "__isoletLeak")?.value ?? null,
      module: moduleState,
      heap: Array.isArray(globalThis.__isoletHeap) ? globalThis.__isoletHeap.length : 0,
    };
    const secret = url.searchParams.get("secret");
    if (secret) {
      globalThis.__isoletLeak = secret;
      Object.defineProperty(Object.prototype, "__isoletLeak", { value: secret, writable: true, configurable: true });
      Response.prototype.__isoletLeak = secret;
      moduleState = secret;
      globalThis.__isoletHeap = Array.from({ length: 20000 }, (_, i) => `${secret}-${i}`);
    }
    return Response.json(seen);
  },
};
