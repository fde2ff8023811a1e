// Review 2, item 3: a service whose RPC result is small as wire text and
// large once parsed (2 bytes of text a value).
export default {
  fetch() {
    return new Response("callee");
  },
  count(list) {
    return list.length;
  },
  zeros(n) {
    return new Array(n).fill(0);
  },
};
