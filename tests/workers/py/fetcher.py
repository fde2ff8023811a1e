from workers import Response, WorkerEntrypoint, fetch


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        try:
            resp = await fetch("https://example.com/")
            return Response(f"status {resp.status}")
        except RuntimeError as e:
            return Response(f"refused: {e}", status=502)
