// A service whose body arrives after 2 s (real time: a streamed body's
// timers wait).
export default {
  fetch() {
    let sent = false;
    const body = new ReadableStream({
      async pull(controller) {
        if (sent) {
          controller.close();
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 2000));
        sent = true;
        controller.enqueue(new TextEncoder().encode("slow"));
      },
    });
    return new Response(body);
  },
};
