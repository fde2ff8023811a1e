// A URL shortener keeping its links in a Map (state of a warm worker).
const links = new Map();

function makeCode(url) {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, "").slice(0, 6) || "x";
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/shorten") {
      const form = new URLSearchParams(await request.text());
      const target = form.get("url");
      if (!target || !URL.canParse(target)) {
        return Response.json({ error: "a valid absolute url is required" }, { status: 400 });
      }
      const code = makeCode(target);
      links.set(code, { target, hits: 0 });
      return Response.json({ code, short: new URL(`/${code}`, env.BASE_URL).href }, { status: 201 });
    }
    if (request.method === "GET" && url.pathname.startsWith("/stats/")) {
      const link = links.get(url.pathname.slice("/stats/".length));
      return link ? Response.json(link) : new Response("unknown code", { status: 404 });
    }
    const link = links.get(url.pathname.slice(1));
    if (!link) return new Response("unknown code", { status: 404 });
    link.hits++;
    return Response.redirect(link.target, 302);
  },
};
