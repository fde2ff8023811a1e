// A JSON API router: an in-memory todo list with REST routes.
const todos = new Map();
let nextId = 1;

function json(data, status = 200) {
  return Response.json(data, { status });
}

const routes = [
  ["GET", /^\/todos$/, () => json([...todos.values()])],
  ["POST", /^\/todos$/, async (req) => {
    const body = await req.json().catch(() => null);
    if (!body || typeof body.title !== "string" || !body.title.trim()) {
      return json({ error: "title is required" }, 400);
    }
    const todo = { id: nextId++, title: body.title.trim(), done: false };
    todos.set(todo.id, todo);
    return json(todo, 201);
  }],
  ["GET", /^\/todos\/(\d+)$/, (req, [id]) => {
    const todo = todos.get(Number(id));
    return todo ? json(todo) : json({ error: `todo ${id} not found` }, 404);
  }],
  ["PATCH", /^\/todos\/(\d+)$/, async (req, [id]) => {
    const todo = todos.get(Number(id));
    if (!todo) return json({ error: `todo ${id} not found` }, 404);
    Object.assign(todo, await req.json());
    return json(todo);
  }],
  ["DELETE", /^\/todos\/(\d+)$/, (req, [id]) => {
    return todos.delete(Number(id)) ? new Response(null, { status: 204 }) : json({ error: `todo ${id} not found` }, 404);
  }],
];

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    let pathMatched = false;
    for (const [method, pattern, handler] of routes) {
      const m = pathname.match(pattern);
      if (!m) continue;
      pathMatched = true;
      if (method === request.method) return handler(request, m.slice(1));
    }
    return pathMatched
      ? json({ error: `method ${request.method} not allowed` }, 405)
      : json({ error: "no such route" }, 404);
  },
};
