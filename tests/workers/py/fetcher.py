from urllib.parse import parse_qs, urlparse

from workers import Response, WorkerEntrypoint, fetch


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        # ?target= names the URL to fetch; its body is read whole.
        query = parse_qs(urlparse(request.url).query)
        target = query.get("target", ["https://example.com/"])[0]
        try:
            resp = await fetch(target)
            body = await resp.bytes()
            return Response(f"status {resp.status} length {len(body)} first {body[:1].decode()}")
        except RuntimeError as e:
            return Response(f"refused: {e}", status=502)
