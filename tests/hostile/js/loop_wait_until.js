// The response is ready, but waitUntil work loops forever.
export default {
  fetch(request, env, ctx) {
    ctx.waitUntil((async () => { for (;;) await null; })());
    return new Response("sent");
  },
};
