# A Durable Object in Python: SQL and key-value through self.ctx.storage.
from workers import DurableObject, Response


class Default(DurableObject):
    def __init__(self, ctx, env):
        super().__init__(ctx, env)
        self.served = 0
        ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS counts (name TEXT PRIMARY KEY, n INTEGER NOT NULL)")

    async def fetch(self, request):
        self.served += 1
        storage = self.ctx.storage
        n = storage.sql.exec(
            "INSERT INTO counts VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET n = n + 1 RETURNING n", "hits"
        ).one()["n"]
        previous = await storage.get("last")
        await storage.put("last", {"n": n, "tags": ["a", "b"]})
        listed = await storage.list(prefix="la")
        rows = storage.sql.exec("SELECT name, n FROM counts").to_array()
        try:
            storage.sql.exec("ATTACH DATABASE 'x' AS x")
            refused = None
        except RuntimeError as e:
            refused = str(e)
        return Response.json({
            "n": n,
            "previous": previous,
            "listed": list(listed.keys()),
            "rows": rows,
            "served": self.served,
            "refused": refused,
        })
