// Echoes the request's method, path, query and headers back as text.
export default {
  fetch(request) {
    const url = new URL(request.url);
    const lines = [
      `method=${request.method}`,
      `path=${url.pathname}`,
      `q=${url.searchParams.get("q")}`,
      `x-custom=${request.headers.get("X-Custom")}`,
    ];
    return new Response(lines.join("\n"), {
      status: 200,
      headers: { "content-type": "text/plain", "x-echo-path": url.pathname },
    });
  },
};
