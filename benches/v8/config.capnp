using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "parent", worker = .parentWorker),
    (name = "hello", worker = .helloWorker),
    (name = "cpu", worker = .cpuWorker),
  ],
  sockets = [
    (name = "loader", address = "127.0.0.1:8911", http = (), service = "parent"),
    (name = "static", address = "127.0.0.1:8912", http = (), service = "hello"),
    (name = "cpu", address = "127.0.0.1:8913", http = (), service = "cpu"),
  ],
);

const parentWorker :Workerd.Worker = (
  modules = [ (name = "parent.js", esModule = embed "parent.js") ],
  compatibilityDate = "2025-06-01",
  bindings = [ (name = "LOADER", workerLoader = (id = "loader1")) ],
);

const helloWorker :Workerd.Worker = (
  modules = [ (name = "hello.js", esModule = embed "hello.js") ],
  compatibilityDate = "2025-06-01",
);

const cpuWorker :Workerd.Worker = (
  modules = [ (name = "cpu.js", esModule = embed "cpu.js") ],
  compatibilityDate = "2025-06-01",
);
