// Finding 17: one 4 MiB response header passed; the 128 KiB check ran only
// for responses with more than 64 headers.
export default {
  fetch(request) {
    if (new URL(request.url).pathname === "/small") return new Response("fine");
    return new Response("x", { headers: { "x-big": "h".repeat(4 << 20) } });
  },
};
