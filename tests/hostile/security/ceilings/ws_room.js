// Review 2, item 8: a Durable Object that accepts a WebSocket per object
// name (greeting it with "hello"). With `expose.objects`, anyone names
// objects: their sockets count toward the worker's socket cap.
import { DurableObject } from "cloudflare:workers";

export default class Room extends DurableObject {
  fetch() {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.send("hello");
    return new Response(null, { status: 101, webSocket: client });
  }
}
