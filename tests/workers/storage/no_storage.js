export default {
  async fetch(request, env, ctx) {
    let fsError = null;
    try { await (await import("isolet:fs")).fs.readFile("/x"); } catch (e) { fsError = e.message; }
    return Response.json({ storage: ctx.storage === undefined, fsError });
  },
};
