// Review 2, item 7: on "flood", sends its client 64 MiB in 32 KiB text
// messages (2 MiB per timer tick), whether or not the client reads them.
// Any other text comes back as it is.
export default {
  fetch() {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.send("hello");
    server.addEventListener("message", (event) => {
      if (event.data !== "flood") {
        server.send(String(event.data));
        return;
      }
      const piece = "x".repeat(32 << 10);
      let ticks = 0;
      const tick = () => {
        try {
          for (let i = 0; i < 64; i++) server.send(piece);
        } catch {
          return;
        }
        if (++ticks < 32) setTimeout(tick, 1);
      };
      tick();
    });
    return new Response(null, { status: 101, webSocket: client });
  },
};
