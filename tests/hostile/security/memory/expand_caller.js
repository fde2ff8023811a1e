// Review 2, item 3: wire text between workers was parsed into two value
// trees, uncharged: `[0,0,0,…]` takes ~75 times its size once parsed. The
// arguments are now charged to the caller's budget before they are
// parsed, and a result is checked against the callee's before it is.
export default {
  async fetch(request, env) {
    const out = {};
    const attempt = async (key, f) => {
      try {
        out[key] = await f();
      } catch (e) {
        out[key] = `refused: ${e.message}`;
      }
    };
    await attempt("bigArgs", () => env.SVC.count(new Array(500_000).fill(0)));
    await attempt("bigResult", async () => (await env.SVC.zeros(500_000)).length);
    await attempt(
      "small",
      async () => `${await env.SVC.count(new Array(20_000).fill(0))} ${(await env.SVC.zeros(20_000)).length}`,
    );
    return Response.json(out);
  },
};
