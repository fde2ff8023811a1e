// Untrusted worker: fetches the URL in ?target= and reports what happened.
export default {
  async fetch(request) {
    const target = new URL(request.url).searchParams.get("target");
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
      });
    } catch (e) {
      return Response.json({ ok: false, error: `${e.name}: ${e.message}` });
    }
  },
};
