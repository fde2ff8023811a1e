from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return Response.json({
            "method": request.method,
            "mixed": request.headers.get("X-Mixed-Case"),
            "lower": request.headers.get("x-mixed-case"),
            "names": [k for k, _ in request.headers],
            "body": await request.text(),
        })
