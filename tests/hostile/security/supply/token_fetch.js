// A worker holding a token for one API: fetches ?target= with it, following
// redirects, and answers what came back.
export default {
  async fetch(request) {
    const target = new URL(request.url).searchParams.get("target");
    const resp = await fetch(target, {
      headers: { authorization: "Bearer api-token", cookie: "session=1", "x-keep": "yes" },
    });
    return new Response(`${resp.status} ${await resp.text()}`);
  },
};
