// A well-behaved neighbour: it must keep answering while others attack.
export default {
  fetch() {
    return new Response("neighbour ok");
  },
};
