// Durable storage: `ctx.storage` (a Durable Object's storage API: `sql.exec`,
// the async key-value methods and their synchronous `kv` twins,
// transactions, `deleteAll`) and the `isolet:fs` file system. Everything is
// kept by the host in the object's SQLite database (crates/isolet/src/storage/);
// each call is one `bindings.call` on the internal "isolet:storage" binding.
//
// Evaluated the first time a worker the host gave storage reaches for
// `ctx.storage`, `ctx.id` or `isolet:fs` (dispatch.js's storageApi), not at
// init; takes the engine's internal `lib` object and the natives.
(function (lib, native) {
  "use strict";

  const illegal = Symbol("internal");
  function call(method, args) {
    if (!lib.hasStorage) {
      throw new Error("This worker has no storage: ctx.storage and isolet:fs need a worker loaded by id or an object, on a host with a storage directory");
    }
    return lib.bindingCall("isolet:storage", method, args);
  }

  // ------------------------------------------------------------------ SQL
  class SqlStorageCursor {
    #columns; #rows; #at = 0;
    constructor(key, result) {
      if (key !== illegal) throw new TypeError("Illegal constructor");
      this.#columns = result.columns;
      this.#rows = result.rows;
      this.rowsRead = result.rowsRead;
      this.rowsWritten = result.rowsWritten;
    }
    get columnNames() { return this.#columns.slice(); }
    #object(row) {
      const o = {};
      for (let i = 0; i < this.#columns.length; i++) o[this.#columns[i]] = row[i];
      return o;
    }
    next() {
      if (this.#at >= this.#rows.length) return { done: true, value: undefined };
      return { done: false, value: this.#object(this.#rows[this.#at++]) };
    }
    [Symbol.iterator]() { return this; }
    toArray() {
      const out = [];
      while (this.#at < this.#rows.length) out.push(this.#object(this.#rows[this.#at++]));
      return out;
    }
    one() {
      const left = this.#rows.length - this.#at;
      if (left === 0) throw new Error("Expected exactly one result from SQL query, but got no results.");
      if (left > 1) throw new Error("Expected exactly one result from SQL query, but got multiple results.");
      return this.#object(this.#rows[this.#at++]);
    }
    // The rows as arrays, in column order.
    raw() {
      const cursor = this;
      const rows = this.#rows;
      const it = {
        next() {
          if (cursor.#at >= rows.length) return { done: true, value: undefined };
          return { done: false, value: rows[cursor.#at++].slice() };
        },
        [Symbol.iterator]() { return this; },
        toArray() {
          const out = [];
          while (cursor.#at < rows.length) out.push(rows[cursor.#at++].slice());
          return out;
        },
        get columnNames() { return cursor.columnNames; },
      };
      return it;
    }
  }

  class SqlStorage {
    constructor(key) { if (key !== illegal) throw new TypeError("Illegal constructor"); }
    exec(query, ...bindings) {
      if (typeof query !== "string") throw new TypeError("exec() needs the SQL query as a string");
      return new SqlStorageCursor(illegal, call("exec", [query, bindings]));
    }
    get databaseSize() { return call("size", []); }
  }

  // ------------------------------------------------------------ key-value
  function keyList(keys, what) {
    if (typeof keys === "string") return [keys];
    if (Array.isArray(keys)) {
      if (keys.length > 128) throw new RangeError(`${what}() takes at most 128 keys`);
      for (const k of keys) if (typeof k !== "string") throw new TypeError(`${what}(): keys must be strings`);
      return keys;
    }
    throw new TypeError(`${what}() needs a key or an array of keys`);
  }
  function getSync(keys) {
    const many = Array.isArray(keys);
    const found = call("get", [keyList(keys, "get")]);
    if (!many) return found.length === 0 ? undefined : found[0][1];
    return new Map(found);
  }
  function putSync(key, value) {
    if (typeof key === "string") {
      if (value === undefined) throw new TypeError("put() needs a value (undefined cannot be stored)");
      call("put", [[[key, value]]]);
    } else if (key !== null && typeof key === "object") {
      const entries = Object.entries(key);
      if (entries.length > 128) throw new RangeError("put() takes at most 128 entries");
      call("put", [entries]);
    } else {
      throw new TypeError("put() needs a key and a value, or an object of entries");
    }
  }
  function deleteSync(keys) {
    const n = call("delete", [keyList(keys, "delete")]);
    return Array.isArray(keys) ? n : n > 0;
  }
  function listOptions(options) {
    if (options === undefined || options === null) return {};
    if (typeof options !== "object") throw new TypeError("list() options must be an object");
    const { prefix, start, startAfter, end, limit, reverse } = options;
    return { prefix, start, startAfter, end, limit, reverse: !!reverse };
  }
  function listSync(options) { return new Map(call("list", [listOptions(options)])); }

  // ctx.storage.kv: the same entries, synchronously.
  class SyncKvStorage {
    constructor(key) { if (key !== illegal) throw new TypeError("Illegal constructor"); }
    get(key) { return getSync(key); }
    put(key, value) { putSync(key, value); }
    delete(key) { return deleteSync(key); }
    list(options) { return listSync(options)[Symbol.iterator](); }
  }

  class DurableObjectStorage {
    #sql = new SqlStorage(illegal);
    #kv = new SyncKvStorage(illegal);
    constructor(key) { if (key !== illegal) throw new TypeError("Illegal constructor"); }
    get sql() { return this.#sql; }
    get kv() { return this.#kv; }
    async get(keys) { return getSync(keys); }
    async put(key, value) { putSync(key, value); }
    async delete(keys) { return deleteSync(keys); }
    async list(options) { return listSync(options); }
    async deleteAll() { call("deleteAll", []); }
    // Writes are durable before the response leaves (the host's output
    // gate): nothing to wait for.
    async sync() {}
    transactionSync(fn) {
      if (typeof fn !== "function") throw new TypeError("transactionSync() needs a function");
      call("begin", []);
      let result;
      try {
        result = fn();
      } catch (e) {
        call("rollback", []);
        throw e;
      }
      call("commit", []);
      return result;
    }
    async transaction(fn) {
      if (typeof fn !== "function") throw new TypeError("transaction() needs a function");
      call("begin", []);
      let rolledBack = false;
      const txn = Object.create(this);
      txn.rollback = () => { if (!rolledBack) { rolledBack = true; call("rollback", []); } };
      let result;
      try {
        result = await fn(txn);
      } catch (e) {
        if (!rolledBack) call("rollback", []);
        throw e;
      }
      if (!rolledBack) call("commit", []);
      return result;
    }
    async getAlarm() { return null; }
    async setAlarm() { throw new Error("Alarms are not supported by isolet yet"); }
    async deleteAlarm() {}
  }

  let storage = null;
  lib.storage = () => {
    if (!lib.hasStorage) return undefined;
    if (storage === null) storage = new DurableObjectStorage(illegal);
    return storage;
  };
  let objectId = null;
  lib.objectId = () => {
    if (!lib.hasStorage) return undefined;
    if (objectId === null) {
      const name = call("info", []).name;
      objectId = Object.freeze({ name, toString() { return name; }, equals(o) { return o !== null && typeof o === "object" && o.name === name; } });
    }
    return objectId;
  };

  // ---------------------------------------------------------- isolet:fs
  // node:fs/promises' shape over the object's files.
  function fsCall(method, args) {
    try {
      return call(method, args);
    } catch (e) {
      const m = /^(E[A-Z]+): /.exec(e && e.message);
      if (m) { e.code = m[1]; e.syscall = method.slice(3); }
      throw e;
    }
  }
  function pathOf(p) {
    if (p instanceof URL) p = p.pathname;
    if (typeof p !== "string") throw new TypeError("The path must be a string");
    return p;
  }
  function encodingOf(options) {
    if (typeof options === "string") return options;
    return options !== null && typeof options === "object" ? options.encoding : undefined;
  }
  function dataOf(data) {
    if (typeof data === "string") return data;
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return new Uint8Array(lib.bufferBytes(data, "data"));
    throw new TypeError("The data must be a string, an ArrayBuffer or an ArrayBufferView");
  }
  class Stats {
    #dir;
    constructor(key, st) {
      if (key !== illegal) throw new TypeError("Illegal constructor");
      this.#dir = st.dir;
      this.size = st.size;
      this.mtimeMs = st.mtimeMs;
      this.mtime = new Date(st.mtimeMs);
    }
    isFile() { return !this.#dir; }
    isDirectory() { return this.#dir; }
    isSymbolicLink() { return false; }
  }
  class Dirent {
    #dir;
    constructor(key, name, parentPath, dir) {
      if (key !== illegal) throw new TypeError("Illegal constructor");
      this.name = name;
      this.parentPath = parentPath;
      this.#dir = dir;
    }
    isFile() { return !this.#dir; }
    isDirectory() { return this.#dir; }
    isSymbolicLink() { return false; }
  }
  const fs = Object.freeze({
    async readFile(path, options) {
      const bytes = fsCall("fs.readFile", [pathOf(path)]);
      const enc = encodingOf(options);
      if (enc === undefined || enc === null) return bytes;
      return new lib.TextDecoder(enc).decode(bytes);
    },
    async writeFile(path, data) { fsCall("fs.writeFile", [pathOf(path), dataOf(data), false]); },
    async appendFile(path, data) { fsCall("fs.writeFile", [pathOf(path), dataOf(data), true]); },
    async readdir(path, options) {
      const o = options !== null && typeof options === "object" ? options : {};
      const p = pathOf(path);
      const list = fsCall("fs.readdir", [p, !!o.recursive]);
      if (!o.withFileTypes) return list.map(([name]) => name);
      const base = p.replace(/\/+$/, "") || "/";
      return list.map(([name, dir]) => {
        const i = name.lastIndexOf("/");
        const parent = i < 0 ? base : `${base === "/" ? "" : base}/${name.slice(0, i)}`;
        return new Dirent(illegal, i < 0 ? name : name.slice(i + 1), parent, dir);
      });
    },
    async stat(path) { return new Stats(illegal, fsCall("fs.stat", [pathOf(path)])); },
    async lstat(path) { return new Stats(illegal, fsCall("fs.stat", [pathOf(path)])); },
    async exists(path) {
      try { fsCall("fs.stat", [pathOf(path)]); return true; } catch (e) { if (e.code === "ENOENT") return false; throw e; }
    },
    async mkdir(path, options) {
      const recursive = options !== null && typeof options === "object" && !!options.recursive;
      const first = fsCall("fs.mkdir", [pathOf(path), recursive]);
      return recursive ? first : undefined;
    },
    async rm(path, options) {
      const o = options !== null && typeof options === "object" ? options : {};
      fsCall("fs.rm", [pathOf(path), !!o.recursive, !!o.force, false]);
    },
    async rmdir(path) { fsCall("fs.rm", [pathOf(path), false, false, true]); },
    async unlink(path) {
      const p = pathOf(path);
      if (fsCall("fs.stat", [p]).dir) {
        const e = new Error(`EISDIR: illegal operation on a directory, unlink '${p}'`);
        e.code = "EISDIR"; e.syscall = "unlink";
        throw e;
      }
      fsCall("fs.rm", [p, false, false, false]);
    },
    async rename(from, to) { fsCall("fs.rename", [pathOf(from), pathOf(to)]); },
    async copyFile(from, to) {
      fsCall("fs.writeFile", [pathOf(to), fsCall("fs.readFile", [pathOf(from)]), false]);
    },
    async glob(pattern) {
      const patterns = Array.isArray(pattern) ? pattern : [pattern];
      const seen = new Set();
      for (const p of patterns) for (const m of fsCall("fs.glob", [pathOf(p)])) seen.add(m);
      return [...seen].sort();
    },
  });
  lib.fs = fs;
})
