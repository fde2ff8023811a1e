// Hostile storage use: a runaway query, a database past its size limit.
export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    const sql = ctx.storage.sql;
    if (path === "/forever") {
      return Response.json(sql.exec("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c").one());
    }
    if (path === "/setup") {
      sql.exec("CREATE TABLE IF NOT EXISTS blobs (b BLOB)");
      sql.exec("INSERT INTO blobs VALUES (x'00')");
      return new Response("ok");
    }
    if (path === "/fill") {
      try {
        for (let i = 0; i < 100; i++) sql.exec("INSERT INTO blobs VALUES (randomblob(100000))");
        return new Response("not full");
      } catch (e) {
        return new Response(e.message, { status: 507 });
      }
    }
    if (path === "/count") {
      return new Response(String(sql.exec("SELECT count(*) AS n FROM blobs").one().n));
    }
    return new Response("?", { status: 404 });
  },
};
