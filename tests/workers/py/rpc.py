from datetime import datetime, timezone

from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return Response(f"store {self.env.STORE}")

    async def add(self, a, b):
        return a + b

    def describe(self, items, tags):
        return {"count": len(items), "tags": sorted(tags), "when": datetime(2025, 1, 2, tzinfo=timezone.utc)}

    async def greet(self, name):
        room = await self.env.CHAT_ROOM.post(f"hello {name}")
        return {"greeting": f"hi {name}", "posted": room}

    def _private(self):
        return "no"
