# What a Python tenant can find of the host: files, environment, sockets,
# subprocesses.
import json
import os

from workers import Response, WorkerEntrypoint


def attempt(fn):
    try:
        return f"ok: {fn()!r}"[:80]
    except BaseException as e:  # noqa: BLE001 - report whatever it was
        return type(e).__name__


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        def connect():
            import socket

            return socket.create_connection(("127.0.0.1", 80), timeout=1)

        def spawn():
            import subprocess

            return subprocess.run(["ls"])

        out = {
            "environ": sorted(os.environ.keys()),
            "read /etc/passwd": attempt(lambda: open("/etc/passwd").read()),
            "listdir /": attempt(lambda: os.listdir("/")),
            "write /tmp/x": attempt(lambda: open("/tmp/x", "w").write("x")),
            "socket": attempt(connect),
            "subprocess": attempt(spawn),
            "getpid": attempt(os.getpid),
        }
        return Response(json.dumps(out), headers={"content-type": "application/json"})
