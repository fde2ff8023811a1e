// Module state: a counter that survives between requests on a warm worker.
let count = 0;
export default {
  fetch() {
    count += 1;
    return new Response(String(count));
  },
};
