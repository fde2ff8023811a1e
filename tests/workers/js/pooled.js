// Which instance served a request, and how many requests it served: lets
// tests see when overlapping requests get their own instances.
const instance = crypto.randomUUID();
let served = 0;

export default {
  async fetch(request, env) {
    served++;
    await env.GATE.pass();
    return Response.json({ instance, served });
  },
};
