// A small JSON API: POST /sum adds numbers, anything else is 404 JSON.
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/sum") {
      const body = await request.json();
      if (!Array.isArray(body.numbers)) {
        return Response.json({ error: "numbers must be an array" }, { status: 400 });
      }
      const sum = body.numbers.reduce((a, b) => a + b, 0);
      return Response.json({ sum, count: body.numbers.length });
    }
    return Response.json({ error: "not found", path: url.pathname }, { status: 404 });
  },
};
