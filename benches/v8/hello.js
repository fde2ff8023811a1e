// The static hello worker both servers run for the throughput comparison
// (the same source isolet serves as /w/hello/).
export default {
  async fetch(request) {
    return new Response("hello " + request.url);
  },
};
