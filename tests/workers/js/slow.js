// Busy for about `ms` real milliseconds (query ?ms=), then answers: used to
// check that shutdown lets in-flight requests finish.
export default {
  fetch(request) {
    const ms = Number(new URL(request.url).searchParams.get("ms") || 300);
    const until = Date.now() + ms;
    let spins = 0;
    while (Date.now() < until) spins++;
    return new Response(`done after ${ms} ms`);
  },
};
