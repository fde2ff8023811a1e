// A service that answers with a large streamed body and a large RPC result.
export default {
  fetch() {
    const chunk = new Uint8Array(64 * 1024).fill(120);
    let left = 32; // 2 MiB
    const body = new ReadableStream({
      pull(controller) {
        if (left-- === 0) controller.close();
        else controller.enqueue(chunk);
      },
    });
    return new Response(body);
  },
  big() {
    return "r".repeat(2 << 20);
  },
};
