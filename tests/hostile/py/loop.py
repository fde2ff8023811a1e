# An infinite loop in a Python handler.
from workers import WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        while True:
            pass
