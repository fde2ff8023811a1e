// Responses whose body is a ReadableStream the worker is still producing:
// the host sends the head at once and each chunk as it is enqueued.
const enc = new TextEncoder();

export default {
  async fetch(request, env, ctx) {
    const { pathname, searchParams } = new URL(request.url);
    switch (pathname) {
      // Server-sent events written after the handler returned (waitUntil),
      // with real-time pauses between them.
      case "/sse": {
        const gap = Number(searchParams.get("gap") ?? 100);
        const { readable, writable } = new TransformStream();
        const writer = writable.getWriter();
        ctx.waitUntil((async () => {
          for (let i = 0; i < 3; i++) {
            if (i > 0) await scheduler.wait(gap);
            console.log(`event ${i}`);
            await writer.write(enc.encode(`data: ${i}\n\n`));
          }
          await writer.close();
        })());
        return new Response(readable, { headers: { "content-type": "text/event-stream" } });
      }
      // One chunk, then the next only once the test's gate lets it through.
      case "/gated": {
        let pulls = 0;
        return new Response(new ReadableStream({
          start(c) { c.enqueue(enc.encode("first;")); },
          async pull(c) {
            // A host call blocks the instance: leave the read that asked
            // for this pull to deliver its chunk first.
            await scheduler.wait(0);
            await env.GATE.pass();
            pulls++;
            if (pulls === 1) c.enqueue(enc.encode("second;"));
            else c.close();
          },
        }));
      }
      // Fails after a first chunk.
      case "/error":
        return new Response(new ReadableStream({
          start(c) { c.enqueue(enc.encode("partial")); },
          pull(c) { c.error(new RangeError("the stream broke")); },
        }));
      // Never ends: a chunk every 20 ms until a limit or the reader stops it.
      case "/forever": {
        let i = 0;
        const stream = new ReadableStream({
          start(c) {
            setInterval(() => c.enqueue(enc.encode(`tick ${i++}\n`)), 20);
          },
        });
        return new Response(stream, { headers: { "content-type": "text/plain" } });
      }
      // Chunks of several kinds, empty ones skipped; a piped body.
      case "/mixed":
        return new Response(new ReadableStream({
          start(c) {
            c.enqueue(enc.encode("a"));
            c.enqueue(new Uint8Array(0));
            c.enqueue(enc.encode("bc").buffer);
            c.enqueue(new DataView(enc.encode("d").buffer));
            c.close();
          },
        }).pipeThrough(new TransformStream({ transform(chunk, c) { c.enqueue(chunk); } })));
      // Strings are not bytes: the stream fails like workerd's.
      case "/not-bytes":
        return new Response(new ReadableStream({ start(c) { c.enqueue("text"); c.close(); } }));
      // The request body upper-cased as it arrives: each chunk of the
      // answer leaves before the next chunk of the request is read.
      case "/upper": {
        const dec = new TextDecoder();
        const upper = new TransformStream({
          transform(chunk, c) { c.enqueue(enc.encode(dec.decode(chunk, { stream: true }).toUpperCase())); },
        });
        return new Response(request.body.pipeThrough(upper));
      }
      // The whole request body, and how it came.
      case "/length": {
        const text = await request.text();
        return Response.json({ length: text.length, head: text.slice(0, 5), bodyUsed: request.bodyUsed });
      }
      // A whole body of ?n= bytes.
      case "/big":
        return new Response("x".repeat(Number(searchParams.get("n"))));
      // A streamed echo of the request body.
      case "/echo":
        return new Response(request.body, { headers: { "x-streamed": "yes" } });
      default:
        return new Response("plain " + pathname);
    }
  },
};
