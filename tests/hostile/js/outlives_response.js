// waitUntil work that can never settle, and some that settles after a
// timer: the response still goes out, the settling work still runs.
export default {
  fetch(request, env, ctx) {
    ctx.waitUntil(new Promise(() => {}));
    ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, 10)).then(() => console.log("late work done")));
    return new Response("sent");
  },
};
