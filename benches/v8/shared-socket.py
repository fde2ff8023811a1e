"""N workerd processes serving one port, so a server row can
compare N isolet server processes (`isolet serve` defaults: one per CPU, one
port) with N workerd processes, not with one.

Usage: python3 shared-socket.py N PORT   (runs until SIGTERM/SIGINT)
"""
import os
import signal
import socket
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
n, port = int(sys.argv[1]), int(sys.argv[2])
bin_ = os.path.join(here, "node_modules/@cloudflare/workerd-linux-64/bin/workerd")
# One SO_REUSEPORT socket per process, as `isolet serve` does: the kernel
# spreads connections over them (one shared socket would let whichever
# process wakes first take most of them).
socks, procs = [], []
for _ in range(n):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    socks.append(sock)
    fd = sock.fileno()
    procs.append(subprocess.Popen(
        [bin_, "serve", os.path.join(here, "static.capnp"), "--experimental", "--socket-fd", f"static={fd}"],
        pass_fds=[fd],
    ))


def stop(*_):
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait()
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
# If any workerd exits on its own, the row would measure fewer processes: stop.
os.wait()
stop()
