// Awaits timers, promise chains and an async helper before answering.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function slowDouble(n) {
  await sleep(50);
  return n * 2;
}

export default {
  async fetch(request) {
    const order = [];
    const a = sleep(20).then(() => order.push("a"));
    const b = sleep(10).then(() => order.push("b"));
    await Promise.all([a, b]);
    queueMicrotask(() => order.push("micro"));
    const doubled = await slowDouble(21);
    const bytes = await new Response("buffered").arrayBuffer();
    return Response.json({ order, doubled, bytes: bytes.byteLength });
  },
};
