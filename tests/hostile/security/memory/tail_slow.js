// Review 2, item 4: a tail worker that takes its time (it waits 5 s for a
// slow service's body). Each traced invocation's deliveries waited for
// it, each with its own copy of the trace, nothing bounding how many were
// in flight.
export default {
  fetch() {
    return new Response("tail");
  },
  async tail(events, env) {
    const r = await env.SLOW.fetch("https://slow.test/");
    await r.text();
  },
};
