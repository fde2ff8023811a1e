// Uses a capability binding (env.CHAT_ROOM, backed by Rust).
export default {
  async fetch(request, env) {
    const posted = await env.CHAT_ROOM.post("hello", { from: "worker", tags: new Set(["a"]) });
    const history = await env.CHAT_ROOM.history();
    let missing = null;
    try {
      await env.CHAT_ROOM.explode();
    } catch (e) {
      missing = e.message;
    }
    return Response.json({ posted, history, missing, hasOther: typeof env.OTHER });
  },
};
