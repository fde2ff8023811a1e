// node:os — what a worker can truthfully say about its "machine": a
// sandbox with no host details (no CPUs, hostname or memory figures).
(function (lib, native, require) {
  "use strict";
  return {
    EOL: "\n",
    devNull: "/dev/null",
    platform: () => "linux",
    type: () => "Linux",
    arch: () => "x64",
    machine: () => "x86_64",
    release: () => "",
    version: () => "",
    hostname: () => "isolet",
    homedir: () => "/",
    tmpdir: () => "/tmp",
    endianness: () => "LE",
    cpus: () => [],
    availableParallelism: () => 1,
    totalmem: () => 0,
    freemem: () => 0,
    uptime: () => 0,
    loadavg: () => [0, 0, 0],
    networkInterfaces: () => ({}),
    userInfo: () => ({ uid: 0, gid: 0, username: "isolet", homedir: "/", shell: null }),
    getPriority: () => 0,
    setPriority: () => {},
    constants: { signals: {}, errno: {}, priority: {} },
  };
})
