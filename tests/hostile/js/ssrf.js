// Tries each URL of the ?urls= list (comma-separated) and reports what
// fetch() said.
export default {
  async fetch(request) {
    const urls = new URL(request.url).searchParams.get("urls").split(",");
    const out = {};
    for (const url of urls) {
      try {
        const r = await fetch(url);
        out[url] = `status ${r.status}`;
      } catch (e) {
        out[url] = `${e.name}: ${e.message}`;
      }
    }
    return Response.json(out);
  },
};
