// POST /run, twice with the same code: the first run stores a secret in the
// Cache API; a second run must not see it (each run has a cache of its own).
export default {
  async fetch(request) {
    const cache = await caches.open("secrets");
    const key = "https://run.test/secret";
    const hit = await cache.match(key);
    if (hit) return new Response("saw " + (await hit.text()));
    await cache.put(key, new Response("run 1's secret", { headers: { "cache-control": "max-age=3600" } }));
    const stored = await cache.match(key);
    return new Response(stored ? "stored" : "not stored");
  },
};
