// Reads the bodies of outbound and service-binding responses as they arrive.
// ?target= names the URL (or, for /service, the path on env.STREAMER).
let kept = null;
const dec = new TextDecoder();

async function failure(fn) {
  try {
    return await fn();
  } catch (e) {
    return Response.json({ error: e.name, message: e.message });
  }
}

export default {
  async fetch(request, env) {
    const { pathname, searchParams } = new URL(request.url);
    const target = searchParams.get("target");
    switch (pathname) {
      // The first chunk, without waiting for the rest (the upstream holds it back).
      case "/first": {
        const resp = await fetch(target);
        const reader = resp.body.getReader();
        const { value } = await reader.read();
        await reader.cancel("enough");
        let immutable = null;
        try { resp.headers.set("x-added", "1"); } catch (e) { immutable = `${e.name}: ${e.message}`; }
        const copy = new Response(null, resp);
        copy.headers.set("x-added", "1");
        return Response.json({
          status: resp.status, first: dec.decode(value), type: resp.headers.get("content-type"),
          immutable, copyMutable: copy.headers.get("x-added") === "1",
        });
      }
      // The upstream's response as this worker's own.
      case "/proxy":
        return fetch(target);
      // Read with a BYOB reader in views of 1,000 bytes.
      case "/byob": {
        const reader = (await fetch(target)).body.getReader({ mode: "byob" });
        let total = 0, reads = 0, largest = 0;
        for (;;) {
          const { value, done } = await reader.read(new Uint8Array(1000));
          if (done) break;
          total += value.byteLength;
          largest = Math.max(largest, value.byteLength);
          reads++;
        }
        return Response.json({ total, reads, largest });
      }
      case "/text":
        return failure(async () => Response.json({ length: (await (await fetch(target)).text()).length }));
      // Keeps a response whose body is still arriving for the next request.
      case "/keep":
        kept = await fetch(target);
        return new Response("kept");
      case "/later":
        return failure(async () => new Response(await kept.text()));
      // A service binding's streamed body: its first chunk.
      case "/service": {
        const resp = await env.STREAMER.fetch(`https://streamer.test${target}`);
        const reader = resp.body.getReader();
        const { value } = await reader.read();
        reader.releaseLock();
        return Response.json({ status: resp.status, first: dec.decode(value) });
      }
      // A service binding's streamed body as this worker's own.
      case "/service-proxy":
        return env.STREAMER.fetch(`https://streamer.test${target}`);
      default:
        return new Response("no such path", { status: 404 });
    }
  },
};
