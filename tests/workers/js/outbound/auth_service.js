// A service other workers reach through a service binding.
export default {
  async fetch(request) {
    const token = request.headers.get("authorization");
    return Response.json({ path: new URL(request.url).pathname, authorized: token === "Bearer good" }, { status: token === "Bearer good" ? 200 : 401 });
  },
  check(token) {
    return { valid: token === "good", checkedAt: new Date(0) };
  },
};
