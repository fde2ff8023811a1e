// Unbounded recursion must end in a catchable RangeError (as in V8), with
// the instance intact afterwards. /uncaught lets it escape the handler.
let depth = 0;
function down(n) {
  depth = n;
  return down(n + 1) + 1;
}

export default {
  fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/uncaught") down(0);
    if (path === "/ok") return new Response("still here");
    try {
      down(0);
      return new Response("no error?");
    } catch (e) {
      return Response.json({ name: e.name, message: e.message, depth });
    }
  },
};
