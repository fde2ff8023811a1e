// A service whose body arrives after 5 s (real time: a streamed body's
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
        await new Promise((resolve) => setTimeout(resolve, 5000));
        sent = true;
        controller.enqueue(new TextEncoder().encode("slow"));
      },
    });
    return new Response(body);
  },
};
