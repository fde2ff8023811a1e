from workers import Response, WorkerEntrypoint


def check(n):
    if n > 1:
        raise ValueError(f"n is too big: {n}")
    return n


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        print("checking", request.method)
        return Response(str(check(2)))
