// node:process — the `process` object: env (the worker's string env
// values), nextTick, hrtime, versions, an EventEmitter; no real process
// behind it (exit/kill/chdir throw).
(function (lib, native, require) {
  "use strict";
  const EventEmitter = require("events");

  function unavailable(name) {
    return () => {
      const e = new Error(`process.${name}() is not available in isolet: a worker is not a process`);
      e.code = "ERR_NOT_AVAILABLE";
      throw e;
    };
  }
  const started = performance.now();
  function hrtime(previous) {
    const now = performance.now();
    let sec = Math.floor(now / 1000), ns = Math.round((now % 1000) * 1e6);
    if (previous) {
      sec -= previous[0];
      ns -= previous[1];
      if (ns < 0) { sec--; ns += 1e9; }
    }
    return [sec, ns];
  }
  hrtime.bigint = () => BigInt(Math.round(performance.now() * 1e6));
  const stream = (level) => ({
    write(chunk, encoding, cb) {
      const text = typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
      console[level](text.endsWith("\n") ? text.slice(0, -1) : text);
      if (typeof encoding === "function") encoding();
      else if (typeof cb === "function") cb();
      return true;
    },
    isTTY: false,
    fd: level === "log" ? 1 : 2,
  });

  const process = new EventEmitter();
  Object.assign(process, {
    title: "isolet",
    version: "v22.14.0",
    versions: { node: "22.14.0", isolet: "0.1.0" },
    arch: "x64",
    platform: "linux",
    release: { name: "node" },
    argv: ["node"],
    argv0: "node",
    execArgv: [],
    execPath: "/usr/bin/node",
    pid: 1,
    ppid: 0,
    exitCode: undefined,
    config: { variables: {} },
    features: {},
    env: lib.processEnv(),
    cwd: () => "/",
    chdir: unavailable("chdir"),
    umask: () => 0o22,
    uptime: () => (performance.now() - started) / 1000,
    hrtime,
    nextTick: (fn, ...args) => {
      if (typeof fn !== "function") { const e = new TypeError('The "callback" argument must be of type function'); e.code = "ERR_INVALID_ARG_TYPE"; throw e; }
      queueMicrotask(() => fn(...args));
    },
    emitWarning: (warning, type) => {
      const name = typeof type === "string" ? type : (warning && warning.name) || "Warning";
      console.warn(`${name}: ${warning && warning.message !== undefined ? warning.message : warning}`);
    },
    memoryUsage: Object.assign(() => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }), { rss: () => 0 }),
    cpuUsage: () => ({ user: 0, system: 0 }),
    resourceUsage: () => ({}),
    exit: unavailable("exit"),
    abort: unavailable("abort"),
    kill: unavailable("kill"),
    getuid: () => 0, getgid: () => 0, geteuid: () => 0, getegid: () => 0,
    stdout: stream("log"),
    stderr: stream("error"),
    stdin: null,
    binding: unavailable("binding"),
  });
  return process;
})
