# The suspected finding: Python's env.SVC.fetch collected the callee's whole
# body (up to 1 GiB) outside the caller's outbound byte limit.
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        try:
            r = await self.env.SVC.fetch("https://svc.test/")
            text = await r.text()
            return Response(f"got {len(text)}")
        except Exception as e:
            return Response(f"refused: {e}")
