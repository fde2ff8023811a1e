# The static hello worker alone, for benches/v8/shared-socket.py: N workerd
# processes serving one listening socket (passed with --socket-fd static=FD),
# the way `isolet serve` runs one server process per CPU on one port.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "hello", worker = .helloWorker) ],
  sockets = [ (name = "static", address = "127.0.0.1:0", http = (), service = "hello") ],
);

const helloWorker :Workerd.Worker = (
  modules = [ (name = "hello.js", esModule = embed "hello.js") ],
  compatibilityDate = "2025-06-01",
);
