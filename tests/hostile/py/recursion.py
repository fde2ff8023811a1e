# Runaway recursion: Python's RecursionError, caught with ?catch.
from workers import Response, WorkerEntrypoint


def deeper(n):
    return deeper(n + 1) + 1


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        if "catch" in request.url:
            try:
                deeper(0)
            except RecursionError as e:
                return Response(f"RecursionError: {e}")
        return Response(str(deeper(0)))
