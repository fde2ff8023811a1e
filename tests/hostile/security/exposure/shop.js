// A shop whose fetch handler is its public face; its RPC methods (the
// default export's and Admin's) are for code that binds to it, not for
// anyone on the internet (review finding 16). The fetch handler reports
// what of the request reached it (Authorization, Cookie) and tries to set
// a cookie for the whole origin (finding 9).
import { WorkerEntrypoint } from "cloudflare:workers";

export default class Shop extends WorkerEntrypoint {
  fetch(request) {
    const seen = {
      authorization: request.headers.get("authorization"),
      cookie: request.headers.get("cookie"),
    };
    return new Response(`<h1>shop</h1><pre>${JSON.stringify(seen)}</pre>`, {
      headers: {
        "content-type": "text/html",
        "set-cookie": "sid=evil; Path=/",
        "x-seen": JSON.stringify(seen),
      },
    });
  }

  price(item) {
    return `${item}: 10`;
  }
}

export class Admin extends WorkerEntrypoint {
  secret() {
    return "the admin secret";
  }
}
