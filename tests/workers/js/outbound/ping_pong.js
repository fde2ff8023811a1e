// Calls its PEER binding's ping(), which calls back: A -> B -> A -> ... must
// be stopped by the depth limit with a clear error.
import { WorkerEntrypoint } from "cloudflare:workers";

export default class PingPong extends WorkerEntrypoint {
  async fetch() {
    try {
      await this.env.PEER.ping(1);
      return new Response("no error?");
    } catch (e) {
      return new Response(e.message, { status: 508 });
    }
  }

  async ping(n) {
    return this.env.PEER.ping(n + 1);
  }
}
