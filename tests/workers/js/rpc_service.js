// An RPC service: a WorkerEntrypoint class with several methods, taking and
// returning values beyond JSON (Map, Set, Date, BigInt, bytes, undefined).
import { WorkerEntrypoint } from "cloudflare:workers";

export default class Inventory extends WorkerEntrypoint {
  async fetch(request) {
    return new Response(`inventory for ${this.env.STORE}`);
  }

  async add(a, b) {
    return a + b;
  }

  describe(value) {
    return {
      type: Object.prototype.toString.call(value),
      isMap: value instanceof Map,
      size: value && value.size,
    };
  }

  totals(stock) {
    const out = new Map();
    for (const [item, counts] of stock) out.set(item, counts.reduce((a, b) => a + b, 0));
    return out;
  }

  echo(...args) {
    return args;
  }

  // What its caller told it: ctx.props.
  whoCalls(greeting) {
    return `${greeting}, ${this.ctx.props.user ?? "nobody"}`;
  }

  bigSum(a, b) {
    return a + b;
  }

  checksum(bytes) {
    let sum = 0;
    for (const b of bytes) sum = (sum + b) % 65521;
    return { sum, length: bytes.length, copy: bytes.slice(0, 2) };
  }

  async later(ms) {
    await new Promise((r) => setTimeout(r, ms));
    this.ctx.waitUntil(Promise.resolve().then(() => console.log("background work done")));
    return new Date(Date.UTC(2025, 0, 2));
  }

  fail(message) {
    throw new RangeError(message);
  }

  _internal() {
    return "private";
  }
}

export class Admin extends WorkerEntrypoint {
  whoami() {
    return `admin of ${this.env.STORE}`;
  }
}
