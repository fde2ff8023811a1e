// A parent worker (README.md, "A parent worker in JavaScript: env.LOADER"):
// one child per user, kept by the loader under the user's name, each
// answering with the user its parent gave it as `ctx.props`.
export default {
  async fetch(req, env) {
    const user = new URL(req.url).searchParams.get("user") ?? "anonymous";
    const child = env.LOADER.get(user, () => ({
      compatibilityDate: "2025-06-01",
      mainModule: "app.js",
      modules: { "app.js": "export default { fetch(req, env, ctx) { return new Response(`hello ${ctx.props.user}`) } }" },
      globalOutbound: null,            // no network for the child
    }));
    return child.getEntrypoint(null, { props: { user } }).fetch(req);
  },
};
