"""The Python Workers API inside isolet: `from workers import WorkerEntrypoint,
Response, Request, fetch`. Mirrors Cloudflare's Python Workers.
"""
import json as _json
from urllib.parse import urlsplit as _urlsplit

import wire as _wire
import worker_loader as _worker_loader
from wit_world.imports import context as _context
from wit_world.imports import bindings as _bindings
from wit_world.imports import outbound as _outbound
from wit_world.imports import types as _types


class Headers:
    """Case-insensitive, multi-valued HTTP headers."""

    def __init__(self, init=None):
        self._list = []
        if init is None:
            return
        if isinstance(init, Headers):
            self._list = list(init._list)
        elif isinstance(init, dict):
            for k, v in init.items():
                self.append(k, v)
        else:
            for k, v in init:
                self.append(k, v)

    def append(self, name, value):
        self._list.append((str(name).lower(), str(value).strip()))

    def set(self, name, value):
        n = str(name).lower()
        self._list = [(k, v) for k, v in self._list if k != n]
        self._list.append((n, str(value).strip()))

    def get(self, name, default=None):
        n = str(name).lower()
        values = [v for k, v in self._list if k == n]
        return ", ".join(values) if values else default

    def delete(self, name):
        n = str(name).lower()
        self._list = [(k, v) for k, v in self._list if k != n]

    def __contains__(self, name):
        return self.get(name) is not None

    def __getitem__(self, name):
        v = self.get(name)
        if v is None:
            raise KeyError(name)
        return v

    def __setitem__(self, name, value):
        self.set(name, value)

    def items(self):
        return list(self._list)

    def __iter__(self):
        return iter(self._list)

    def __repr__(self):
        return f"Headers({self._list!r})"


def _to_bytes(body):
    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    raise TypeError(f"unsupported body type {type(body).__name__}")


class _Body:
    def __init__(self, body):
        self._body = _to_bytes(body)
        self.body_used = False

    def _take(self):
        if self.body_used:
            raise TypeError("Body has already been used")
        self.body_used = True
        return self._body

    async def bytes(self):
        return self._take()

    async def text(self):
        return self._take().decode("utf-8", errors="replace")

    async def json(self):
        return _json.loads(await self.text())


class Request(_Body):
    def __init__(self, url, method="GET", headers=None, body=None):
        super().__init__(body)
        self.url = str(url)
        self.method = str(method).upper()
        self.headers = Headers(headers)

    @classmethod
    def _incoming(cls, url, method, headers, body):
        """The request the host hands the worker: URL and method already
        validated, body already bytes; headers normalized here in one pass
        (names lowercased, values trimmed) rather than one call each."""
        r = cls.__new__(cls)
        r._body = body
        r.body_used = False
        r.url = url
        r.method = method.upper()
        h = Headers.__new__(Headers)
        h._list = [(k.lower(), v.strip()) for k, v in headers]
        r.headers = h
        return r

    def __repr__(self):
        return f"<Request {self.method} {self.url}>"


class Response(_Body):
    def __init__(self, body=None, status=200, headers=None, status_text=""):
        super().__init__(body)
        self.status = int(status)
        if not 200 <= self.status <= 599:
            raise ValueError(f"status must be in 200..=599, got {self.status}")
        self.status_text = status_text
        if headers is None:
            # The common case without a lookup: a fresh header list.
            self.headers = h = Headers()
            if isinstance(body, str):
                h._list.append(("content-type", "text/plain;charset=UTF-8"))
            return
        self.headers = Headers(headers)
        if isinstance(body, str) and "content-type" not in self.headers:
            self.headers.set("content-type", "text/plain;charset=UTF-8")

    @property
    def ok(self):
        return 200 <= self.status <= 299

    @staticmethod
    def json(data, status=200, headers=None):
        h = Headers(headers)
        if "content-type" not in h:
            h.set("content-type", "application/json")
        return Response(_json.dumps(data), status=status, headers=h)

    @staticmethod
    def redirect(url, status=302):
        return Response(None, status=status, headers={"location": url})

    def __repr__(self):
        return f"<Response {self.status}>"


class WorkerEntrypoint:
    """Base class of entrypoints: `self.env` and `self.ctx` are set."""

    def __init__(self, ctx=None, env=None):
        self.ctx = ctx
        self.env = env


class DurableObject:
    """Base class of Durable Objects: one instance per object, kept across
    requests; `self.ctx.storage` is the object's storage."""

    def __init__(self, ctx=None, env=None):
        self.ctx = ctx
        self.env = env


_STORAGE_BINDING = "isolet:storage"
_storage_enabled = False


def _storage_call(method, args):
    if not _storage_enabled:
        raise RuntimeError("this worker has no storage: ctx.storage needs a worker loaded by id or an object, on a host with a storage directory")
    return _binding_call(_STORAGE_BINDING, method, args)


class SqlStorageCursor:
    """The rows of `sql.exec`: iterate for dicts, or `to_array()`, `one()`, `raw()`."""

    def __init__(self, result):
        self._columns = result["columns"]
        self._rows = result["rows"]
        self._at = 0
        self.rows_read = result["rowsRead"]
        self.rows_written = result["rowsWritten"]

    rowsRead = property(lambda self: self.rows_read)
    rowsWritten = property(lambda self: self.rows_written)

    @property
    def column_names(self):
        return list(self._columns)

    columnNames = column_names

    def _row(self, r):
        return dict(zip(self._columns, r))

    def __iter__(self):
        return self

    def __next__(self):
        if self._at >= len(self._rows):
            raise StopIteration
        self._at += 1
        return self._row(self._rows[self._at - 1])

    def to_array(self):
        return list(self)

    toArray = to_array

    def one(self):
        left = len(self._rows) - self._at
        if left != 1:
            raise RuntimeError("Expected exactly one result from SQL query, but got " + ("no results." if left == 0 else "multiple results."))
        return next(self)

    def raw(self):
        rows = [list(r) for r in self._rows[self._at:]]
        self._at = len(self._rows)
        return iter(rows)


class SqlStorage:
    def exec(self, query, *bindings):
        return SqlStorageCursor(_storage_call("exec", [query, list(bindings)]))

    @property
    def database_size(self):
        return _storage_call("size", [])

    databaseSize = database_size


def _keys(keys):
    return [keys] if isinstance(keys, str) else list(keys)


def _list_options(prefix=None, start=None, start_after=None, end=None, limit=None, reverse=False):
    o = {"reverse": bool(reverse)}
    for k, v in (("prefix", prefix), ("start", start), ("startAfter", start_after), ("end", end), ("limit", limit)):
        if v is not None:
            o[k] = v
    return o


class SyncKvStorage:
    def get(self, key):
        found = _storage_call("get", [_keys(key)])
        if isinstance(key, str):
            return found[0][1] if found else None
        return {k: v for k, v in found}

    def put(self, key, value=None):
        entries = list(key.items()) if isinstance(key, dict) else [[key, value]]
        _storage_call("put", [[list(e) for e in entries]])

    def delete(self, key):
        n = _storage_call("delete", [_keys(key)])
        return n > 0 if isinstance(key, str) else n

    def list(self, **options):
        return {k: v for k, v in _storage_call("list", [_list_options(**options)])}


class DurableObjectStorage:
    """`ctx.storage`: SQL (`sql.exec`), key-value (async, or sync via `kv`), transactions."""

    def __init__(self):
        self.sql = SqlStorage()
        self.kv = SyncKvStorage()

    async def get(self, key):
        return self.kv.get(key)

    async def put(self, key, value=None):
        self.kv.put(key, value)

    async def delete(self, key):
        return self.kv.delete(key)

    async def list(self, **options):
        return self.kv.list(**options)

    async def delete_all(self):
        _storage_call("deleteAll", [])

    deleteAll = delete_all

    def transaction_sync(self, fn):
        _storage_call("begin", [])
        try:
            result = fn()
        except BaseException:
            _storage_call("rollback", [])
            raise
        _storage_call("commit", [])
        return result

    transactionSync = transaction_sync

    async def transaction(self, fn):
        _storage_call("begin", [])
        try:
            result = await fn(self)
        except BaseException:
            _storage_call("rollback", [])
            raise
        _storage_call("commit", [])
        return result


_storage = None


def _ctx_storage():
    global _storage
    if not _storage_enabled:
        return None
    if _storage is None:
        _storage = DurableObjectStorage()
    return _storage


class ExecutionContext:
    def __init__(self):
        self._pending = []
        self._props = None

    @property
    def storage(self):
        return _ctx_storage()

    @property
    def props(self):
        """What the caller gave this entrypoint (a service binding's or a
        loader's `props`); `{}` when nothing was given."""
        if self._props is None:
            self._props = _wire.decode(_json.loads(_context.props()))
        return self._props

    def wait_until(self, awaitable):
        self._pending.append(awaitable)

    waitUntil = wait_until

    def pass_through_on_exception(self):
        pass


async def fetch(resource, method=None, headers=None, body=None, redirect="follow"):
    """Outbound fetch, through the host's outbound policy."""
    outbound, types = _outbound, _types

    if isinstance(resource, Request):
        req = resource
        method = method or req.method
        headers = headers if headers is not None else req.headers
        body = body if body is not None else req._body
        url = req.url
    else:
        url = str(resource)
    h = Headers(headers)
    modes = {"follow": types.RedirectMode.FOLLOW, "manual": types.RedirectMode.MANUAL, "error": types.RedirectMode.ERROR}
    wit_req = types.Request(method=(method or "GET").upper(), url=url, headers=h.items(), body=_to_bytes(body), body_streams=False)
    try:
        fetched = outbound.fetch(wit_req, types.FetchOptions(redirect=modes.get(redirect, types.RedirectMode.FOLLOW)))
    except Exception as e:  # componentize_py_types.Err carries the message
        raise RuntimeError(getattr(e, "value", str(e))) from None
    return _fetched_response(fetched)


def _fetched_response(fetched):
    """The Response of a fetch answer (outbound, or a loaded worker's): a
    body still arriving is read whole (Python workers get it whole)."""
    resp = fetched.response
    body = resp.body
    try:
        if fetched.body is not None:
            parts = [body]
            while (chunk := _outbound.read_body(fetched.body)) is not None:
                parts.append(chunk)
            body = b"".join(parts)
    except Exception as e:  # componentize_py_types.Err carries the message
        raise RuntimeError(getattr(e, "value", str(e))) from None
    r = Response(body if resp.status not in (101, 204, 205, 304) else None, status=max(resp.status, 200), headers=resp.headers)
    r.status = resp.status
    return r


def _rpc(host_call, target, method, args):
    """A method call through the host in the wire encoding (`host_call` is
    the binding's or the passed object's import); its refusal raised as a
    RuntimeError."""
    try:
        out = host_call(target, method, _json.dumps(_wire.encode(args)))
    except Exception as e:  # componentize_py_types.Err carries the message
        raise RuntimeError(getattr(e, "value", str(e))) from None
    return _wire.decode(_json.loads(out))


class _Remote:
    """An object whose methods run elsewhere: each `await obj.method(args)`
    is one `_call`."""

    def __getattr__(self, method):
        if method.startswith("__"):
            raise AttributeError(method)

        async def call(*args):
            return self._call(method, list(args))

        return call


class _Binding(_Remote):
    """`env.NAME`: each method call goes to the host binding."""

    def __init__(self, name, kind):
        self._name = name
        self._kind = kind

    def _call(self, method, args):
        return _binding_call(self._name, method, args)

    async def fetch(self, resource, method="GET", headers=None, body=None):
        if self._kind != "service":
            return await self.__getattr__("fetch")(resource)
        if isinstance(resource, Request):
            req = resource
        else:
            req = Request(resource, method=method, headers=headers, body=body)
        out = _binding_call(self._name, "fetch", [{"method": req.method, "url": req.url, "headers": [list(p) for p in req.headers.items()], "body": req._body}])
        r = Response(out.get("body") or None, status=max(int(out["status"]), 200), headers=[tuple(p) for p in out.get("headers", [])])
        r.status = int(out["status"])
        return r


class _Stub(_Remote):
    """An object the caller passed by reference (an RpcTarget, a function, a
    stub): each method call, or a call of the object itself, runs where the
    object lives, while the call that passed it lasts."""

    def __init__(self, token):
        self._token = token

    def _call(self, method, args):
        return _rpc(_context.call_stub, self._token, method, args)

    async def __call__(self, *args):
        return self._call("", list(args))


_wire.stub_maker = _Stub


class RpcTarget:
    """A class whose instances go by reference in a call to a loaded worker
    (`await child.getEntrypoint().run(Tools())`): the child calls its public
    methods (not `_private` ones), and they run here, while the call lasts."""


def _passable(v):
    """What goes by reference to a loaded worker: functions, RpcTargets,
    this worker's bindings and the stubs it was passed."""
    if isinstance(v, (RpcTarget, _Remote)):
        return True
    return callable(v) and not isinstance(v, type)


_wire.passable = _passable


def _binding_call(name, method, args):
    return _rpc(_bindings.call, name, method, args)


class Env:
    """`self.env`: plain values as attributes (and items), plus bindings."""

    def __init__(self, values, bindings):
        global _storage_enabled
        self._values = dict(values)
        for name, kind in bindings:
            if name == _STORAGE_BINDING:
                _storage_enabled = True
            elif kind == "loader":
                self._values[name] = _worker_loader.Loader(name, self._binding_name)
            else:
                self._values[name] = _Binding(name, kind)

    def _binding_name(self, value):
        """Which of this worker's bindings `value` is (its name), or None."""
        if not isinstance(value, (_Binding, _worker_loader.Loader)):
            return None
        for name, v in self._values.items():
            if v is value:
                return name
        return None

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"env has no {name!r}") from None

    def __getitem__(self, name):
        return self._values[name]

    def __contains__(self, name):
        return name in self._values

    def get(self, name, default=None):
        return self._values.get(name, default)


_worker_loader.http = (Request, _to_bytes, _fetched_response)
_worker_loader.kinds = (RpcTarget, _Remote)

__all__ = ["WorkerEntrypoint", "DurableObject", "RpcTarget", "Response", "Request", "Headers", "fetch", "Env", "ExecutionContext"]
_ = _urlsplit
