// A tail worker that logs each delivery (finding 6's fan-out is counted by
// its traces).
export default {
  fetch() {
    return new Response("tail");
  },
  tail(events) {
    console.log(`delivered ${events.length}`);
  },
};
