// The Cache API: each path does one thing, so the test can check what
// another invocation, instance or worker sees.
export default {
  async fetch(request) {
    const { pathname, searchParams } = new URL(request.url);
    const key = `https://cache.test/item/${searchParams.get("key") || "a"}`;
    const cache = searchParams.get("cache") ? await caches.open(searchParams.get("cache")) : caches.default;
    const errorOf = async (fn) => { try { await fn(); return null; } catch (e) { return `${e.name}: ${e.message}`; } };
    switch (pathname) {
      case "/put": {
        const headers = { "content-type": "text/plain", etag: '"v1"' };
        const cc = searchParams.get("cc");
        if (cc) headers["cache-control"] = cc;
        await cache.put(key, new Response(searchParams.get("body") || "stored body", { headers }));
        return new Response("put");
      }
      case "/match": {
        const headers = {};
        for (const h of ["range", "if-none-match"]) if (searchParams.get(h)) headers[h] = searchParams.get(h);
        const hit = await cache.match(new Request(key, { headers }));
        if (hit === undefined) return Response.json({ hit: false });
        return Response.json({
          hit: true, status: hit.status, body: await hit.text(),
          cfCacheStatus: hit.headers.get("cf-cache-status"), contentRange: hit.headers.get("content-range"),
          etag: hit.headers.get("etag"),
        });
      }
      case "/delete":
        return Response.json({ deleted: await cache.delete(key) });
      case "/errors":
        return Response.json({
          post: await errorOf(() => cache.put(new Request(key, { method: "POST" }), new Response("x"))),
          partial: await errorOf(() => cache.put(key, new Response("x", { status: 206 }))),
          varyStar: await errorOf(() => cache.put(key, new Response("x", { headers: { vary: "*" } }))),
          notAResponse: await errorOf(() => cache.put(key, "x")),
          matchPost: await cache.match(new Request(key, { method: "POST" })) === undefined,
          matchPostIgnoringMethod: (await cache.match(new Request(key, { method: "POST" }), { ignoreMethod: true })) !== undefined,
          sameObject: (await caches.open("x")) === (await caches.open("x")),
          defaultIsACache: caches.default instanceof Cache,
        });
      default:
        return new Response("no such path", { status: 404 });
    }
  },
};
