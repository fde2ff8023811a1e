// The Cache API: `caches.default` and `caches.open(name)`, each a Cache with
// `match`, `put` and `delete`. The responses are kept by the host, per
// worker (see crates/isolet/src/cache.rs for what is stored and for how long).
//
// Evaluated at build time after the prelude; takes the engine's internal
// `lib` object and the natives.
(function (lib, native) {
  "use strict";

  const illegal = Symbol("internal");
  // A Request for what cache methods take: a Request or a URL.
  function requestOf(input) {
    return input instanceof Request ? input : new Request(input);
  }
  function ignoresMethod(options) {
    return options !== undefined && options !== null && !!options.ignoreMethod;
  }

  class Cache {
    #name;
    constructor(key, name) {
      if (key !== illegal) throw new TypeError("Illegal constructor");
      this.#name = name;
    }
    async match(request, options) {
      const req = requestOf(request);
      if (req.method !== "GET" && !ignoresMethod(options)) return undefined;
      const found = native.cacheLookup(this.#name, req.url, req.headers._flat());
      if (found === null) return undefined;
      return Response._fromWire(found[0], Headers._fromFlat(found[1]), found[2], req.url);
    }
    async put(request, response) {
      const req = requestOf(request);
      if (req.method !== "GET") throw new TypeError("Cannot cache response to non-GET request.");
      if (!(response instanceof Response)) throw new TypeError("Cache.put() needs a Response");
      if (response.status === 206) throw new TypeError("Cannot cache response to a range request (206 Partial Content).");
      const vary = response.headers.get("vary");
      if (vary !== null && vary.split(",").some((v) => v.trim() === "*")) throw new TypeError("Cannot cache response with 'Vary: *' header.");
      if (response.bodyUsed) throw new TypeError("Response body is already used");
      const body = new Uint8Array(await response.arrayBuffer());
      native.cachePut(this.#name, req.url, response.status, response.headers._flat(), body);
    }
    async delete(request, options) {
      const req = requestOf(request);
      if (req.method !== "GET" && !ignoresMethod(options)) return false;
      return native.cacheDelete(this.#name, req.url);
    }
  }

  const byName = new Map();
  const defaultCache = new Cache(illegal, "");
  class CacheStorage {
    constructor(key) { if (key !== illegal) throw new TypeError("Illegal constructor"); }
    get default() { return defaultCache; }
    async open(name) {
      name = String(name);
      let cache = byName.get(name);
      if (cache === undefined) byName.set(name, (cache = new Cache(illegal, name)));
      return cache;
    }
  }
  Object.defineProperty(globalThis, "caches", { value: new CacheStorage(illegal), writable: true, configurable: true, enumerable: false });
  Object.defineProperty(globalThis, "Cache", { value: Cache, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(globalThis, "CacheStorage", { value: CacheStorage, writable: true, configurable: true, enumerable: false });
});
