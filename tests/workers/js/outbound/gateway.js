// A gateway worker: receives every request the untrusted worker makes, adds
// credentials the untrusted code never sees, and forwards it (under its own
// outbound policy) — or refuses.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/forbidden")) {
      return new Response("refused by gateway", { status: 403 });
    }
    const headers = new Headers(request.headers);
    headers.set("authorization", `Bearer ${env.API_TOKEN}`);
    console.log(`gateway forwarding ${request.method} ${url.pathname}`);
    return fetch(new Request(request, { headers }));
  },
};
