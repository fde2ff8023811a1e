// WebSockets the Workers way: `new WebSocketPair()` makes two connected
// ends; the worker accepts one (`server.accept()`) and answers the upgrade
// request with the other (`new Response(null, {status: 101, webSocket:
// client})`). From then on the host relays that end: what the worker sends
// goes to the real client, what the client sends arrives here as events
// (see socketEvent). Both ends may also stay in the worker (a local pair).
//
// Evaluated at build time after the prelude; takes the engine's internal
// `lib` object and the natives.
(function (lib, native) {
  "use strict";

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });

  const CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3;
  const internal = Symbol("WebSocketPair");
  // Close codes an endpoint may send (RFC 6455 7.4; 1004-1006 and 1015
  // are reserved for reporting).
  const sendable = (code) => code === 1000 || (code >= 1001 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
  const utf8 = new TextEncoder();
  let ends; // set by WebSocket's static block

  class WebSocket extends EventTarget {
    #peer = null; // the other end of the pair
    #hosted = false; // this end went out in a response: the host is its peer's peer
    #accepted = false;
    #queue = []; // events that arrived before accept()
    #state = OPEN;
    #closeSent = false;
    #closeReceived = false;

    constructor(url, protocols) {
      super();
      if (url !== internal) {
        throw new TypeError("new WebSocket(url) (a WebSocket to another server) is not available in isolet; a worker accepts WebSockets with new WebSocketPair()");
      }
    }
    get readyState() { return this.#state; }
    get url() { return null; }
    get protocol() { return ""; }
    get extensions() { return ""; }

    accept() {
      if (this.#hosted) throw new TypeError("Can't accept() a WebSocket that was already used in a response.");
      if (this.#accepted) return;
      this.#accepted = true;
      const queued = this.#queue;
      this.#queue = null;
      // Listeners added right after accept() still hear these.
      for (const event of queued) Promise.resolve().then(() => this.#deliver(event));
    }
    send(message) {
      if (this.#hosted) throw new TypeError("Can't call send() on a WebSocket that was used in a response.");
      if (!this.#accepted) throw new TypeError("You must call accept() on this WebSocket before sending messages.");
      if (this.#closeSent) throw new TypeError("Can't call WebSocket send() after close().");
      let data;
      if (typeof message === "string") data = message;
      else if (message instanceof ArrayBuffer) data = new Uint8Array(message.slice(0));
      else if (ArrayBuffer.isView(message)) data = new Uint8Array(message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength));
      else throw new TypeError("WebSocket send() takes a string, an ArrayBuffer or an ArrayBufferView.");
      const peer = this.#peer;
      if (peer.#hosted) native.wsSend(data);
      else peer.#arrive("message", data);
    }
    close(code, reason) {
      if (this.#hosted) throw new TypeError("Can't call close() on a WebSocket that was used in a response.");
      if (code === undefined) {
        if (reason !== undefined) throw new TypeError("A WebSocket close reason needs a close code.");
        code = 1005;
      } else {
        code = Number(code);
        if (!Number.isInteger(code) || !sendable(code)) throw new TypeError(`Invalid WebSocket close code: ${code}.`);
      }
      reason = reason === undefined ? "" : String(reason);
      if (utf8.encode(reason).length > 123) throw new TypeError("A WebSocket close reason may be at most 123 bytes of UTF-8.");
      if (this.#closeSent) return;
      this.#closeSent = true;
      this.#state = this.#closeReceived ? CLOSED : CLOSING;
      const peer = this.#peer;
      if (peer.#hosted) native.wsClose(code, reason);
      else peer.#arrive("close", code, reason, true);
    }

    // Something from the peer (another end here, or the host): kept until
    // accept(), then delivered as a task of its own (never inside the
    // sender's call).
    #arrive(kind, data, reason, clean) {
      const event = [kind, data, reason, clean];
      if (this.#queue !== null) this.#queue.push(event);
      else Promise.resolve().then(() => this.#deliver(event));
    }
    #deliver([kind, data, reason, clean]) {
      if (kind === "message") {
        if (this.#closeReceived) return;
        this.dispatchEvent(new MessageEvent("message", { data: typeof data === "string" ? data : data.buffer }));
        return;
      }
      if (this.#closeReceived) return;
      this.#closeReceived = true;
      // The close is answered with the same code (as workerd does with
      // web_socket_auto_reply_to_close), unless this end closed first.
      if (!this.#closeSent) {
        this.#closeSent = true;
        const peer = this.#peer;
        if (!peer.#hosted) peer.#arrive("close", data, reason, clean);
      }
      this.#state = CLOSED;
      this.dispatchEvent(new CloseEvent("close", { code: data, reason, wasClean: clean }));
      if (this === session?.server) sessionClosed();
    }
    // What the rest of this file may do with an end's private state (kept
    // off the class, so worker code cannot reach it).
    static {
      ends = {
        link(a, b) { a.#peer = b; b.#peer = a; },
        // The end a response hands to the host: the worker's end of the
        // pair now talks to the host.
        handOff(ws) {
          if (!(ws instanceof WebSocket)) throw new TypeError("The webSocket of a Response must be a WebSocket.");
          if (ws.#hosted || ws.#accepted) throw new TypeError("This WebSocket was already accepted or used in a response; return the other end of the WebSocketPair.");
          ws.#hosted = true;
          // What the worker's end sent before the answer goes out first.
          for (const [kind, data, reason] of ws.#queue) {
            if (kind === "message") native.wsSend(data);
            else native.wsClose(data, reason);
          }
          ws.#queue = null;
          return ws.#peer;
        },
        // A message or the close from the real client, to the worker's end.
        fromHost(server, kind, data, reason, clean) { server.#arrive(kind, data, reason, clean); },
      };
    }
  }
  for (const [name, value] of [["CONNECTING", CONNECTING], ["OPEN", OPEN], ["CLOSING", CLOSING], ["CLOSED", CLOSED],
    ["READY_STATE_CONNECTING", CONNECTING], ["READY_STATE_OPEN", OPEN], ["READY_STATE_CLOSING", CLOSING], ["READY_STATE_CLOSED", CLOSED]]) {
    Object.defineProperty(WebSocket, name, { value, enumerable: true });
    Object.defineProperty(WebSocket.prototype, name, { value, enumerable: true });
  }

  class WebSocketPair {
    constructor() {
      const client = new WebSocket(internal), server = new WebSocket(internal);
      ends.link(client, server);
      Object.defineProperty(this, 0, { value: client, enumerable: true });
      Object.defineProperty(this, 1, { value: server, enumerable: true });
    }
  }
  define("WebSocket", WebSocket);
  define("WebSocketPair", WebSocketPair);

  // The session of the WebSocket the last fetch answer accepted: the
  // worker's end and the invocation's waitUntil promises.
  let session = null;
  function sessionClosed() {
    const s = session;
    if (s.pending === null) s.finished = true;
    else lib.finishPending(s.pending).then(() => { s.finished = true; });
  }
  // complete() hands the response's webSocket here: the worker's end of the
  // pair now talks to the host.
  lib.acceptSocket = (client, pending) => {
    const server = ends.handOff(client);
    session = { server, pending, finished: false, base: Date.now() - lib.virtualNow() };
  };
  // Timers of a session run in real time: virtual time catches up with the
  // time since the answer before each event (see socket-event).
  lib.socketClock = () => {
    if (session !== null) lib.advanceVirtualNow(Date.now() - session.base);
  };
  // An event from the host's side of the socket (see socket-event).
  lib.socketEvent = (kind, data, reason, clean) => {
    if (session === null) throw new Error("no WebSocket is open");
    ends.fromHost(session.server, kind === "close" ? "close" : "message", data, reason, clean);
  };
  // Whether the session is over: closed both ways, waitUntil work done.
  lib.socketDone = () => {
    if (session === null || !session.finished) return false;
    session = null;
    return true;
  };
  lib.isWebSocket = (v) => v instanceof WebSocket;
});
