// A parent worker (README.md, "Dynamic Workers: a parent worker with
// env.LOADER"): one child per user, kept by the loader under the user's
// name, answering with the user its parent gave it as `ctx.props`. Every
// fetch() a child makes goes through the parent's Gateway entrypoint
// (`globalOutbound: ctx.exports.Gateway(...)`), which knows whose request
// it is from its props: it sends on requests to the one host it allows
// (env.API_HOST), with an `x-user` header, and refuses the rest.
import { WorkerEntrypoint } from "cloudflare:workers";

export class Gateway extends WorkerEntrypoint {
  async fetch(req) {
    const { user } = this.ctx.props;
    if (new URL(req.url).host !== this.env.API_HOST) {
      return new Response(`${req.url} is blocked by the gateway (user ${user})`, { status: 403 });
    }
    const headers = new Headers(req.headers);
    headers.set("x-user", user);
    return fetch(new Request(req, { headers }));
  }
}

const app = `
export default {
  async fetch(req, env, ctx) {
    const url = new URL(req.url);
    if (url.pathname.endsWith("/fetch")) {
      const upstream = await fetch(url.searchParams.get("url"));
      return new Response(await upstream.text(), { status: upstream.status });
    }
    return new Response("hello " + ctx.props.user);
  },
};`;

export default {
  async fetch(req, env, ctx) {
    const user = new URL(req.url).searchParams.get("user") ?? "anonymous";
    const child = env.LOADER.get(user, () => ({
      compatibilityDate: "2025-06-01",
      mainModule: "app.js",
      modules: { "app.js": app },
      globalOutbound: ctx.exports.Gateway({ props: { user } }),
    }));
    return child.getEntrypoint(null, { props: { user } }).fetch(req);
  },
};
