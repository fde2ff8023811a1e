// A WebSocket worker the Workers way: accepts the server end of a
// WebSocketPair and answers the upgrade with the client end.
//
// Protocol (client → worker): any text comes back upper-cased; binary comes
// back reversed; "later" answers "timer fired" after a real 50 ms timer;
// "count" answers how many messages this socket got; "throw" throws in the
// listener (reported, the socket stays open); "spin" loops forever (the CPU
// limit ends the session); "bye" closes with 1000 and a reason.
// /local exercises a pair whose both ends stay in the worker.
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/local") return Response.json(await localPair());
    if (url.pathname === "/errors") return Response.json(errors());
    if (request.headers.get("upgrade") !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const pair = new WebSocketPair();
    const [client, server] = Object.values(pair);
    server.accept();
    // Sent before the answer: the client gets it first.
    server.send("hello");
    let count = 0;
    server.addEventListener("message", (event) => {
      count++;
      if (typeof event.data !== "string") {
        server.send(new Uint8Array(event.data).reverse());
        return;
      }
      switch (event.data) {
        case "bye":
          server.close(1000, `bye after ${count}`);
          return;
        case "later":
          setTimeout(() => server.send("timer fired"), 50);
          return;
        case "count":
          server.send(String(count));
          return;
        case "throw":
          throw new Error("listener failed");
        case "spin":
          for (;;) {}
        default:
          server.send(event.data.toUpperCase());
      }
    });
    server.addEventListener("close", (event) => {
      console.log(`closed ${event.code} "${event.reason}" clean=${event.wasClean} state=${server.readyState}`);
    });
    ctx.waitUntil(new Promise((resolve) => server.addEventListener("close", resolve)).then(() => console.log("waitUntil done")));
    return new Response(null, { status: 101, webSocket: client, headers: { "x-chat": "1" } });
  },
};

async function localPair() {
  const [a, b] = Object.values(new WebSocketPair());
  const log = [];
  // Sent before b accepts: kept until then.
  a.accept();
  a.send("early");
  b.accept();
  b.addEventListener("message", (e) => {
    log.push(`b got ${e.data}`);
    if (e.data === "early") b.send("re:" + e.data);
  });
  const closed = new Promise((resolve) => a.addEventListener("close", (e) => {
    log.push(`a close ${e.code} ${e.reason} ${e.wasClean} state=${a.readyState}`);
    resolve();
  }));
  const replied = new Promise((resolve) => a.addEventListener("message", (e) => {
    log.push(`a got ${e.data}`);
    resolve();
  }));
  b.addEventListener("close", (e) => log.push(`b close ${e.code} ${e.reason} state=${b.readyState}`));
  await replied;
  a.send(new Uint8Array([1, 2, 3]));
  await new Promise((r) => setTimeout(r, 1));
  b.close(4000, "done here");
  const afterClose = b.readyState;
  await closed;
  let sendAfterClose;
  try { b.send("x"); } catch (e) { sendAfterClose = `${e.name}: ${e.message}`; }
  return { log, afterClose, sendAfterClose, keys: Object.keys(new WebSocketPair()), constants: [WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED] };
}

function errors() {
  const out = {};
  const attempt = (name, fn) => {
    try { fn(); out[name] = "no error"; } catch (e) { out[name] = `${e.name}: ${e.message}`; }
  };
  const [client, server] = Object.values(new WebSocketPair());
  attempt("sendBeforeAccept", () => server.send("x"));
  attempt("badCode", () => { server.accept(); server.close(999); });
  attempt("longReason", () => server.close(1000, "x".repeat(124)));
  attempt("sendBlob", () => server.send({}));
  attempt("status101NoSocket", () => new Response(null, { status: 101 }));
  attempt("socketNot101", () => new Response(null, { status: 200, webSocket: client }));
  attempt("notASocket", () => new Response(null, { status: 101, webSocket: {} }));
  attempt("outboundSocket", () => new WebSocket("wss://example.com/"));
  out.webSocketOfPlainResponse = new Response("x").webSocket;
  out.webSocketKept = new Response(null, { status: 101, webSocket: client }).webSocket === client;
  return out;
}
