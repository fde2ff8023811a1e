// 10,000 log lines of 1 KB each: the trace keeps the first ones, then a marker.
export default {
  fetch() {
    const line = "y".repeat(1000);
    for (let i = 0; i < 10000; i++) console.log(`line ${i} ${line}`);
    return new Response("flooded");
  },
};
