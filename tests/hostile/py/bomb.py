# 8 MiB byte strings kept until something gives.
from workers import WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        hoard = []
        while True:
            hoard.append(bytes(8 << 20))
