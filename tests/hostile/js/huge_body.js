// A 4 MiB body, whole or (?stream) as a stream of 64 KiB chunks.
export default {
  fetch(request) {
    const chunk = new Uint8Array(64 << 10).fill(120);
    if (!new URL(request.url).searchParams.has("stream")) {
      return new Response(new Uint8Array(4 << 20).fill(120));
    }
    let sent = 0;
    return new Response(new ReadableStream({
      pull(controller) {
        if (sent >= 4 << 20) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    }));
  },
};
