// The smallest useful worker: answers every request with a greeting and the
// path it was asked for.
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    console.log(`${request.method} ${url.pathname}`);
    return new Response(`Hello from isolet! You asked for ${url.pathname}\n`, {
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  },
};
