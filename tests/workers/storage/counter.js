// A Durable Object counter: SQL for the count, the key-value API for the
// last caller, in-memory state to show the instance is kept per object.
import { DurableObject } from "cloudflare:workers";

export default class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.served = 0;
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS counts (name TEXT PRIMARY KEY, n INTEGER NOT NULL)");
  }

  async fetch(request) {
    this.served++;
    const url = new URL(request.url);
    const by = url.searchParams.get("by") ?? "anonymous";
    const n = this.ctx.storage.sql
      .exec("INSERT INTO counts VALUES ('hits', 1) ON CONFLICT(name) DO UPDATE SET n = n + 1 RETURNING n")
      .one().n;
    const previous = await this.ctx.storage.get("last");
    await this.ctx.storage.put("last", by);
    if (url.pathname === "/fail") throw new Error(`failed after counting ${n}`);
    if (url.pathname === "/spin") { for (;;) {} }
    return Response.json({ n, previous: previous ?? null, object: this.ctx.id.name, served: this.served });
  }

  // RPC: the count without adding to it.
  count() {
    return this.ctx.storage.sql.exec("SELECT n FROM counts WHERE name = 'hits'").toArray()[0]?.n ?? 0;
  }
}
