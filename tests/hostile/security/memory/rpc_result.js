// A binding call's result is held whole by the host before the guest gets
// it: within the host memory budget. `?uncaught` lets the error end the
// invocation.
export default {
  async fetch(request, env) {
    if (new URL(request.url).search === "?uncaught") {
      await env.SVC.big();
    }
    try {
      const r = await env.SVC.big();
      return new Response(`got ${r.length}`);
    } catch (e) {
      return new Response(`refused: ${e.message}`);
    }
  },
};
