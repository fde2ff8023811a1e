// Review 2, item 9: reaches worker "peek" through a service binding (a
// nested load through the code store), passing the request on.
export default {
  async fetch(request, env) {
    try {
      const r = await env.PEEK.fetch(request);
      return new Response(await r.text());
    } catch (e) {
      return new Response(`refused: ${e.message}`);
    }
  },
};
