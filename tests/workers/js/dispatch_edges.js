// Edge cases of the engine's fetch dispatch: what a handler may return, and
// request headers built lazily from what the host sent.
export default {
  fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    switch (path) {
      case "/thenable":
        return { then(resolve) { resolve(new Response("from a thenable")); } };
      case "/not-a-response":
        return 42;
      case "/async-not-a-response":
        return (async () => "text")();
      case "/headers":
        return Response.json({
          mixed: request.headers.get("X-Mixed-Case"),
          names: [...request.headers.keys()],
          same: request.headers === request.headers,
        });
      case "/late-header": {
        // Headers read and changed after construction reach the client.
        const r = new Response("late", { status: 201 });
        r.headers.set("x-late", "1");
        return r;
      }
      case "/no-headers-read":
        return new Response("plain", { status: 202, statusText: "Accepted" });
      case "/null-init":
        return new Response("null init", null);
      case "/wait-until":
        return (async () => {
          ctx.waitUntil((async () => { await null; console.log("waitUntil ran"); })());
          await null;
          return new Response("answered");
        })();
      default:
        return new Response("?", { status: 404 });
    }
  },
};
