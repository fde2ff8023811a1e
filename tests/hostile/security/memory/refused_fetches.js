// Finding 2: with the default deny policy, re-fetch one Request with a long
// URL many times. Every refusal used to keep the URL and the error text in
// the invocation's outbound records, without bound. `?forever` keeps going
// until a limit stops it (a refusal must not be free).
export default {
  async fetch(request) {
    const forever = new URL(request.url).search === "?forever";
    const req = new Request("https://example.com/" + "u".repeat(64 * 1024));
    let refused = 0;
    for (let i = 0; forever || i < 200; i++) {
      try {
        await fetch(req);
      } catch (e) {
        refused++;
      }
    }
    return new Response(`refused ${refused}`);
  },
};
