// Review 2, item 5: a Cache API entry's headers were counted as their
// names' and values' bytes only: empty headers were free (a pair costs the
// host ~48 bytes and more), and their number was not capped.
export default {
  async fetch() {
    const c = await caches.open("headers");
    const headers = (n) => {
      const h = new Headers({ "cache-control": "max-age=600" });
      for (let i = 0; i < n; i++) h.set(`h${i}`, "");
      return h;
    };
    for (let i = 0; i < 50; i++) {
      await c.put(`https://k.test/${i}`, new Response("v", { headers: headers(100) }));
    }
    let hits = 0;
    for (let i = 0; i < 50; i++) {
      if (await c.match(`https://k.test/${i}`)) hits++;
    }
    const out = { hits };
    try {
      await c.put("https://k.test/many", new Response("v", { headers: headers(200) }));
      out.many = "stored";
    } catch (e) {
      out.many = String(e.message || e);
    }
    return Response.json(out);
  },
};
