from helpers import shout
from pkg.math_utils import double

from workers import Response, WorkerEntrypoint

COUNTER = {"n": 0}


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        COUNTER["n"] += 1
        return Response(f"{shout(self.env.NAME)} {double(21)} n={COUNTER['n']}")
