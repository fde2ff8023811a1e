// Rewrites an HTML page with string operations: sets the title, makes links
// absolute, adds rel=noopener to external links and injects a banner.
const PAGE = `<!doctype html>
<html><head><title>Old title</title></head>
<body>
<a href="/about">About</a>
<a href="https://other.example/">Elsewhere</a>
<p>Hello &amp; welcome</p>
</body></html>`;

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const title = url.searchParams.get("title") || "Untitled";
    let html = PAGE.replace(/<title>[^<]*<\/title>/, `<title>${escapeHtml(title)}</title>`);
    html = html.replace(/<a href="([^"]+)">/g, (whole, href) => {
      const abs = new URL(href, env.ORIGIN);
      const external = abs.origin !== new URL(env.ORIGIN).origin;
      return `<a href="${abs.href}"${external ? ' rel="noopener"' : ""}>`;
    });
    html = html.replace("<body>", `<body>\n<div class="banner">Preview of ${escapeHtml(url.pathname)}</div>`);
    return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
  },
};
