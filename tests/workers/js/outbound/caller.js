// Untrusted worker: fetches the URL in ?target= and reports what happened,
// with the names in its own env (what the host gave it, as it sees them).
export default {
  async fetch(request, env) {
    const target = new URL(request.url).searchParams.get("target");
    const envKeys = Object.keys(env).sort();
    try {
      const resp = await fetch(target, { headers: { "x-from": "untrusted" } });
      const text = await resp.text();
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      return Response.json({
        ok: true,
        status: resp.status,
        body,
        contentType: resp.headers.get("content-type"),
        cookies: resp.headers.getSetCookie(),
        url: resp.url,
        envKeys,
      });
    } catch (e) {
      return Response.json({ ok: false, error: `${e.name}: ${e.message}`, envKeys });
    }
  },
};
