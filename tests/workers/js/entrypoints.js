// A default export object plus a named entrypoint and RPC methods.
import { WorkerEntrypoint } from "cloudflare:workers";

export default {
  fetch() {
    return new Response("default");
  },
  add(a, b) {
    return a + b;
  },
};

export class Admin extends WorkerEntrypoint {
  fetch(request) {
    return new Response(`admin sees ${this.env.ROLE}`);
  }
  async greet(name) {
    return { greeting: `hello ${name}`, role: this.env.ROLE };
  }
  _secret() {
    return "private";
  }
}
