# Imports one module at load time and another only when a request needs it,
# and keeps a count in module state.
from workers import Response, WorkerEntrypoint

import greeting

LOADS = {"n": 0}
LOADS["n"] += 1


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        import late

        return Response(f"{greeting.hello()} {late.answer()} loads={LOADS['n']} name={__name__}")
