// The Node.js modules a worker cannot have (no filesystem, sockets,
// processes or threads): importing them works, so code that only touches
// them on some paths loads; calling any function throws a clear error.
// Pure helpers that need no host (net.isIP, http.STATUS_CODES) work.
(function (lib, native, require) {
  "use strict";
  const WHY = {
    fs: "workers have no filesystem", "fs/promises": "workers have no filesystem",
    net: "workers cannot open sockets (use fetch())", tls: "workers cannot open sockets (use fetch())",
    dgram: "workers cannot open sockets", dns: "workers cannot resolve names (fetch() does)",
    "dns/promises": "workers cannot resolve names (fetch() does)",
    http: "workers make HTTP requests with fetch() and answer them from their fetch handler",
    https: "workers make HTTP requests with fetch() and answer them from their fetch handler",
    http2: "workers make HTTP requests with fetch()",
    child_process: "workers cannot start processes", cluster: "workers cannot start processes",
    worker_threads: "workers have no threads", vm: "workers cannot create new JavaScript contexts",
    v8: "workers do not run on V8", inspector: "workers have no inspector", repl: "workers have no terminal",
    readline: "workers have no terminal", tty: "workers have no terminal", module: "workers have no module loader to extend",
  };
  const FUNCTIONS = {
    fs: ["readFileSync", "writeFileSync", "existsSync", "readFile", "writeFile", "readdirSync", "readdir", "statSync", "stat",
      "lstatSync", "lstat", "mkdirSync", "mkdir", "unlinkSync", "unlink", "rmSync", "rm", "rmdirSync", "rmdir", "createReadStream",
      "createWriteStream", "accessSync", "access", "appendFileSync", "appendFile", "copyFileSync", "copyFile", "renameSync", "rename",
      "realpathSync", "realpath", "watch", "watchFile", "openSync", "open", "closeSync", "close", "readSync", "read", "writeSync",
      "write", "mkdtempSync", "mkdtemp", "symlinkSync", "readlinkSync", "chmodSync", "chmod", "opendirSync", "cpSync", "cp"],
    "fs/promises": ["readFile", "writeFile", "readdir", "stat", "lstat", "mkdir", "rm", "rmdir", "unlink", "access", "appendFile",
      "copyFile", "rename", "open", "realpath", "mkdtemp", "cp", "chmod", "readlink", "symlink", "opendir", "watch"],
    net: ["createServer", "createConnection", "connect", "Socket", "Server", "BlockList", "SocketAddress"],
    tls: ["connect", "createServer", "createSecureContext", "TLSSocket", "Server", "getCiphers"],
    dgram: ["createSocket", "Socket"],
    dns: ["lookup", "lookupService", "resolve", "resolve4", "resolve6", "resolveMx", "resolveTxt", "resolveSrv", "resolveNs",
      "resolveCname", "reverse", "setServers", "getServers", "Resolver"],
    "dns/promises": ["lookup", "lookupService", "resolve", "resolve4", "resolve6", "resolveMx", "resolveTxt", "reverse", "Resolver"],
    http: ["request", "get", "createServer", "Agent", "Server", "ClientRequest", "IncomingMessage", "ServerResponse", "OutgoingMessage", "validateHeaderName", "validateHeaderValue"],
    https: ["request", "get", "createServer", "Agent", "Server"],
    http2: ["connect", "createServer", "createSecureServer"],
    child_process: ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork", "ChildProcess"],
    cluster: ["fork", "setupPrimary", "setupMaster", "disconnect"],
    worker_threads: ["Worker", "MessageChannel", "receiveMessageOnPort", "markAsUntransferable", "moveMessagePortToContext", "getEnvironmentData", "setEnvironmentData"],
    vm: ["Script", "createContext", "runInContext", "runInNewContext", "runInThisContext", "compileFunction", "isContext"],
    v8: ["serialize", "deserialize", "getHeapStatistics", "getHeapSnapshot", "setFlagsFromString", "writeHeapSnapshot"],
    inspector: ["open", "close", "url", "waitForDebugger", "Session"],
    repl: ["start"],
    readline: ["createInterface", "clearLine", "clearScreenDown", "cursorTo", "moveCursor", "emitKeypressEvents", "Interface"],
    tty: ["ReadStream", "WriteStream"],
    module: ["createRequire", "register", "syncBuiltinESMExports", "findSourceMap"],
  };
  function thrower(module, name) {
    const fn = function () {
      const e = new Error(`node:${module}'s ${name} is not available in isolet: ${WHY[module]}`);
      e.code = "ERR_NOT_AVAILABLE";
      throw e;
    };
    Object.defineProperty(fn, "name", { value: name });
    return fn;
  }
  const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
  function isIPv6(s) {
    if (typeof s !== "string" || !s.includes(":")) return false;
    try { return new URL(`http://[${s}]/`).hostname.length > 2; } catch { return false; }
  }
  const isIPv4 = (s) => typeof s === "string" && IPV4.test(s);
  const EXTRAS = {
    net: { isIP: (s) => (isIPv4(s) ? 4 : isIPv6(s) ? 6 : 0), isIPv4, isIPv6 },
    http: { METHODS: ["ACL", "BIND", "CHECKOUT", "CONNECT", "COPY", "DELETE", "GET", "HEAD", "LINK", "LOCK", "M-SEARCH", "MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL", "MOVE", "NOTIFY", "OPTIONS", "PATCH", "POST", "PROPFIND", "PROPPATCH", "PURGE", "PUT", "QUERY", "REBIND", "REPORT", "SEARCH", "SOURCE", "SUBSCRIBE", "TRACE", "UNBIND", "UNLINK", "UNLOCK", "UNSUBSCRIBE"],
      STATUS_CODES: { 100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints", 200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information", 204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status", 208: "Already Reported", 226: "IM Used", 300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified", 305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required", 408: "Request Timeout", 409: "Conflict", 410: "Gone", 411: "Length Required", 412: "Precondition Failed", 413: "Payload Too Large", 414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable", 417: "Expectation Failed", 418: "I'm a Teapot", 421: "Misdirected Request", 422: "Unprocessable Entity", 423: "Locked", 424: "Failed Dependency", 425: "Too Early", 426: "Upgrade Required", 428: "Precondition Required", 429: "Too Many Requests", 431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons", 500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported", 506: "Variant Also Negotiates", 507: "Insufficient Storage", 508: "Loop Detected", 509: "Bandwidth Limit Exceeded", 510: "Not Extended", 511: "Network Authentication Required" } },
    fs: { constants: { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1 } },
  };
  EXTRAS.https = { METHODS: EXTRAS.http.METHODS, STATUS_CODES: EXTRAS.http.STATUS_CODES };
  // The module `name` (one of WHY's keys).
  return function unavailableModule(name) {
    const m = { ...(EXTRAS[name] || {}) };
    for (const fn of FUNCTIONS[name]) m[fn] = thrower(name, fn);
    if (name === "fs") m.promises = unavailableModule("fs/promises");
    if (name === "dns") m.promises = unavailableModule("dns/promises");
    return m;
  };
})
