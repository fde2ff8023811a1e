// A Durable Object that counts the calls its instance served (in memory),
// so two live instances of one object would show as two counts.
import { DurableObject } from "cloudflare:workers";

export default class Room extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.served = 0;
  }

  fetch() {
    this.served++;
    return Response.json({ object: this.ctx.id.name, served: this.served });
  }
}
