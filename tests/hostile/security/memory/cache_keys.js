// Finding 3: the cache name and the URL keys were not counted against the
// cache's byte caps: a 2 MiB cache name plus a few hundred small puts held
// hundreds of MiB after the request.
export default {
  async fetch(request) {
    const out = {};
    try {
      const big = await caches.open("n".repeat(2 << 20));
      await big.put("https://k.test/a", new Response("v", { headers: { "cache-control": "max-age=600" } }));
      out.bigName = "stored";
    } catch (e) {
      out.bigName = String(e.message || e);
    }
    // Small bodies under long URL keys: the keys count now.
    const c = await caches.open("keys");
    const pad = "p".repeat(4096);
    for (let i = 0; i < 100; i++) {
      await c.put(`https://k.test/${i}/${pad}`, new Response("v", { headers: { "cache-control": "max-age=600" } }));
    }
    let hits = 0;
    for (let i = 0; i < 100; i++) {
      if (await c.match(`https://k.test/${i}/${pad}`)) hits++;
    }
    out.hits = hits;
    try {
      await c.put("https://k.test/" + "u".repeat(64 * 1024), new Response("v"));
      out.bigUrl = "stored";
    } catch (e) {
      out.bigUrl = String(e.message || e);
    }
    return Response.json(out);
  },
};
