// The storage API's surface, each part reported in one JSON answer.
export default {
  async fetch(request, env, ctx) {
    const s = ctx.storage;
    const out = {};
    const attempt = (f) => { try { return { ok: f() }; } catch (e) { return { error: String(e.message ?? e) }; } };

    // SQL: several statements, bindings, cursors.
    s.sql.exec(`
      CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT, price REAL, data BLOB, big INTEGER);
      DELETE FROM items;
    `);
    const ins = s.sql.exec("INSERT INTO items (name, price, data, big) VALUES (?, ?, ?, ?), (?, ?, ?, ?)",
      "apple", 1.5, new Uint8Array([1, 2, 3]), 9007199254740993n, "pear", 2, null, 7);
    out.rowsWritten = ins.rowsWritten;
    const cur = s.sql.exec("SELECT id, name, price FROM items ORDER BY id");
    out.columnNames = cur.columnNames;
    out.first = cur.next().value;
    out.rest = cur.toArray();
    out.raw = s.sql.exec("SELECT name, price FROM items ORDER BY id").raw().toArray();
    const row = s.sql.exec("SELECT data, big FROM items WHERE name = ?", "apple").one();
    out.blob = row.data instanceof ArrayBuffer ? [...new Uint8Array(row.data)] : typeof row.data;
    out.big = typeof row.big === "bigint" ? row.big.toString() : row.big;
    const names = [];
    for (const r of s.sql.exec("SELECT name FROM items ORDER BY name DESC")) names.push(r.name);
    out.iterated = names;
    out.rowsRead = s.sql.exec("SELECT * FROM items").rowsRead;
    out.oneOfNone = attempt(() => s.sql.exec("SELECT * FROM items WHERE 0").one());
    out.syntax = attempt(() => s.sql.exec("SELEC nonsense"));
    out.noTable = attempt(() => s.sql.exec("SELECT * FROM missing"));
    out.badBinding = attempt(() => s.sql.exec("SELECT ?", {}));
    out.bindingCount = attempt(() => s.sql.exec("SELECT ?, ?", 1));

    // Refused by the authorizer.
    out.attach = attempt(() => s.sql.exec("ATTACH DATABASE '/tmp/x.db' AS x"));
    out.pragma = attempt(() => s.sql.exec("PRAGMA journal_mode = DELETE"));
    out.pragmaInfo = attempt(() => s.sql.exec("PRAGMA table_info(items)").toArray().map((c) => c.name));
    out.begin = attempt(() => s.sql.exec("BEGIN"));
    out.internal = attempt(() => s.sql.exec("SELECT * FROM _isolet_kv"));
    out.extension = attempt(() => s.sql.exec("SELECT load_extension('/lib/x.so')"));
    out.schemaWrite = attempt(() => s.sql.exec("UPDATE sqlite_schema SET sql = 'x'"));

    // Key-value.
    await s.deleteAll();
    await s.put("b", { nested: [1, "two"], when: new Date(0) });
    await s.put({ a: 1, c: "three", "c/1": true, d: new Map([["k", 1]]) });
    out.get = await s.get("b");
    out.getMissing = (await s.get("nope")) === undefined;
    out.getMany = [...(await s.get(["a", "c", "nope"])).entries()];
    out.list = [...(await s.list()).keys()];
    out.listPrefix = [...(await s.list({ prefix: "c" })).keys()];
    out.listRange = [...(await s.list({ start: "b", end: "d", reverse: true, limit: 2 })).keys()];
    out.deleted = [await s.delete("a"), await s.delete("a"), await s.delete(["b", "c", "x"])];
    out.kvSync = (s.kv.put("sync", 42), s.kv.get("sync"));
    out.mapBack = (await s.get("d")) instanceof Map;
    out.tooBigKey = attempt(() => s.kv.put("k".repeat(3000), 1));
    out.undefinedValue = attempt(() => s.kv.put("u", undefined));

    // Transactions.
    s.sql.exec("CREATE TABLE t (x INTEGER)");
    out.txSync = attempt(() => s.transactionSync(() => { s.sql.exec("INSERT INTO t VALUES (1)"); throw new Error("undo"); }));
    s.transactionSync(() => s.sql.exec("INSERT INTO t VALUES (2)"));
    await s.transaction(async (txn) => { s.sql.exec("INSERT INTO t VALUES (3)"); txn.rollback(); });
    await s.transaction(async () => { await null; s.sql.exec("INSERT INTO t VALUES (4)"); });
    out.afterTx = s.sql.exec("SELECT x FROM t ORDER BY x").raw().toArray().flat();

    // deleteAll drops the worker's tables too.
    await s.deleteAll();
    out.tablesAfterDeleteAll = s.sql.exec("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'").toArray();
    out.kvAfterDeleteAll = (await s.list()).size;
    out.size = s.sql.databaseSize > 0;
    return Response.json(out);
  },
};
