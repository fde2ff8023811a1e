// Answers after `?ms=` milliseconds of real waiting: it fetches the test's
// sleeper upstream (`?upstream=`), which answers after that long. (A timer
// would not do: timers run in virtual time and end at once.) A request to
// it holds its worker's concurrency slot for as long as the test wants.
export default {
  async fetch(request) {
    const url = new URL(request.url);
    const ms = Number(url.searchParams.get("ms") ?? 0);
    const upstream = url.searchParams.get("upstream");
    const r = await fetch(`${upstream}/?ms=${ms}`);
    await r.text();
    return new Response(`waited ${ms}`);
  },
};
