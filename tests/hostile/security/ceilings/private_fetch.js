// Uploaded with "globalOutbound": {"forward": {"allowPrivate": true}}: reads
// the server's own /metrics on 127.0.0.1 (the port comes in ?port=).
export default {
  async fetch(request) {
    const port = new URL(request.url).searchParams.get("port");
    try {
      const r = await fetch(`http://127.0.0.1:${port}/metrics`);
      return new Response(`metrics ${r.status}`);
    } catch (e) {
      return new Response(`refused: ${e.message}`);
    }
  },
};
