import json

from workers import Response, WorkerEntrypoint


def parse(text):
    return json.loads(text)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        if "loop" in request.url:
            while True:
                pass
        if "bomb" in request.url:
            hoard = bytearray(10**9)
            return Response(str(len(hoard)))
        if "missing" in request.url:
            import not_a_module  # noqa: F401
        return Response(str(parse("{broken")))
