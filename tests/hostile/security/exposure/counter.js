// Counts requests in module state: a warm worker answers 1, 2, 3, ...; a
// new instance would start over at 1 (review finding 12).
let n = 0;
export default {
  fetch() {
    return new Response(String(++n));
  },
};
