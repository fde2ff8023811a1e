// A TypeScript worker: types, an enum, a class with parameter properties,
// extension-less and `.js` imports of TypeScript modules, JSX in view.tsx.
import { greet, Tone, type Greeting } from "./lib/greet";
import { Counter } from "./lib/counter.js";
import { page } from "./view.js";

interface Env {
  NAME: string;
}

const counter = new Counter<string>(10);

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/html":
        return new Response(page(env.NAME, ["a", "b & c"]), {
          headers: { "content-type": "text/html" },
        });
      case "/throw":
        return fail(url.pathname);
      default: {
        const tone = (url.searchParams.get("tone") ?? "warm") as Tone;
        const greeting: Greeting = greet(env.NAME, tone);
        return Response.json({ ...greeting, count: counter.add(url.pathname) });
      }
    }
  },
} satisfies ExportedHandler<Env>;

function fail(path: string): never {
  const why = <const>`no route for ${path}`;
  throw new TypeError(why);
}
