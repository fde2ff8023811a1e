import json
from urllib.parse import urlsplit

from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        path = urlsplit(request.url).path
        if request.method == "POST" and path == "/sum":
            body = await request.json()
            numbers = body.get("numbers")
            if not isinstance(numbers, list):
                return Response.json({"error": "numbers must be a list"}, status=400)
            return Response.json({"sum": sum(numbers), "count": len(numbers)})
        return Response.json({"error": "not found", "path": path}, status=404)
