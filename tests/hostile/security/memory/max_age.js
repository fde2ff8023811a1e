// Finding 14: a max-age far past what the clock can represent panicked
// the host (Instant + Duration) and dropped the connection.
export default {
  async fetch() {
    const c = await caches.open("ages");
    const ages = ["18446744073709551615", "9223372036854775807", "99999999999999999999999"];
    const out = [];
    for (const [i, age] of ages.entries()) {
      const url = `https://age.test/${i}`;
      await c.put(url, new Response("kept " + i, { headers: { "cache-control": `max-age=${age}` } }));
      const hit = await c.match(url);
      out.push(hit ? await hit.text() : "miss");
    }
    const expires = new Response("far", { headers: { "cache-control": "max-age=60, s-maxage=18446744073709551615" } });
    await c.put("https://age.test/s", expires);
    const s = await c.match("https://age.test/s");
    out.push(s ? await s.text() : "miss");
    return Response.json(out);
  },
};
