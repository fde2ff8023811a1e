// A tail worker that calls back the worker it tails (through a service
// binding): each call is traced to it again, a loop through tail workers.
export default {
  async tail(events, env) {
    const r = await env.TAILED.fetch("https://tailed.test/again");
    console.log(`called back: ${r.status}`);
  },
};
