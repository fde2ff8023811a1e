// Logs at every level, with objects formatted like Node's console.
export default {
  fetch(request) {
    console.log("hello", 42, { a: 1, b: [1, 2] });
    console.info("info line");
    console.warn("warn line");
    console.error("error line", new Map([["k", "v"]]));
    console.debug("debug line");
    return new Response("logged");
  },
};
