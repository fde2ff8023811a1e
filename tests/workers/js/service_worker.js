// Cloudflare's service-worker syntax: no default export, a fetch listener
// registered at the top level; env values are globals.
let count = 0;

addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.pathname === "/ignore") return; // a later listener answers
  if (url.pathname === "/throw") throw new RangeError("listener failed");
  if (url.pathname === "/none") return;
  count++;
  event.waitUntil(Promise.resolve().then(() => console.log("after response", count)));
  event.respondWith(handle(event.request));
});

addEventListener("fetch", (event) => {
  if (new URL(event.request.url).pathname === "/ignore") {
    event.respondWith(new Response("second listener"));
    try {
      event.respondWith(new Response("again"));
    } catch (e) {
      console.log("second respondWith:", e.name);
    }
  }
});

async function handle(request) {
  return Response.json({ greeting: GREETING, method: request.method, count, isEvent: typeof FetchEvent });
}
