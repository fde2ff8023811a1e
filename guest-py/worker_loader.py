"""`env.LOADER` in Python workers: Cloudflare's Worker Loader (a `{"loader": {}}`
binding), as guest-js/js/loader.js gives it to JavaScript workers.

`get(name, get_code)` and `load(code)` return a WorkerStub at once, and
`stub.getEntrypoint(name, {"props": ...})` (or `get_entrypoint(name, props=...)`)
an entrypoint stub whose `fetch` and RPC methods call the child. The child is
made when it is first called: for `get`, the host finds the child the loader
keeps under `name`, and `get_code` (a function, which may be async, and whose
exception that call raises) runs only on a miss; `load`'s child (and
`get(None, ...)`'s) lives as long as the request that made it. The code is
Cloudflare's WorkerCode as a dict: `modules` as strings or {"js"}, {"cjs"},
{"text"}, {"data"} (bytes), {"json"}, {"py"}; `env` with JSON values and this
worker's own bindings (`{"AUTH": self.env.AUTH}`) by reference;
`globalOutbound` None (no network), left out (this worker's own) or a service
binding of this worker; `tails` (service bindings of this worker); `limits`
(never above this worker's). Functions, `RpcTarget`s, this worker's bindings
and stubs in a call's arguments go by reference: the child's calls on them
run here while the call lasts. The host side is
crates/isolet/src/host_loader.rs.
"""
import base64 as _base64
import json as _json

import wire as _wire
from componentize_py_types import Err as _Err
from componentize_py_types import Ok as _Ok
from wit_world.imports import loader as _loader
from wit_world.imports import types as _types


def _host(fn, *args):
    """A loader host call; its refusal raised as a RuntimeError."""
    try:
        return fn(*args)
    except _Err as e:
        raise RuntimeError(str(e.value)) from None


def _resolve(value):
    """`value`, or what it gives when awaited (isolet's awaitables complete at once)."""
    if hasattr(value, "__await__"):
        coro = value.__await__()
        try:
            while True:
                if coro.send(None) is not None:
                    raise RuntimeError("get_code awaited something isolet cannot drive")
        except StopIteration as stop:
            return stop.value
    return value


def _code_json(code, binding_name):
    """The code as the host reads it (see loader.js's codeJson): JSON, data
    modules in base64, this worker's bindings by reference in "$refs"."""
    if not isinstance(code, dict):
        raise TypeError("A worker's code must be a dict ({'compatibilityDate', 'mainModule', 'modules', ...})")
    out = {}
    refs = {}
    for key, v in code.items():
        if key == "modules" and isinstance(v, dict):
            modules = {}
            for name, m in v.items():
                if isinstance(m, dict) and "data" in m:
                    data = m["data"]
                    if isinstance(data, str):
                        data = data.encode()
                    if not isinstance(data, (bytes, bytearray, memoryview)):
                        raise TypeError("A data module's `data` must be bytes or a string")
                    m = {"data": _base64.b64encode(bytes(data)).decode()}
                modules[name] = m
            out["modules"] = modules
        elif key == "env" and isinstance(v, dict):
            env = {}
            for name, value in v.items():
                ref = binding_name(value)
                if ref is not None:
                    refs.setdefault("env", {})[name] = ref
                else:
                    env[name] = value
            out["env"] = env
        elif key == "globalOutbound":
            if v is None:
                out["globalOutbound"] = None
            else:
                ref = binding_name(v)
                if ref is None:
                    raise TypeError("globalOutbound must be None (no network), left out (this worker's own) or a service binding of this worker (self.env.NAME)")
                refs["globalOutbound"] = ref
        elif key == "tails":
            if not isinstance(v, (list, tuple)):
                raise TypeError("tails must be a list of this worker's service bindings (self.env.NAME)")
            tails = []
            for i, t in enumerate(v):
                ref = binding_name(t)
                if ref is None:
                    raise TypeError(f"tails[{i}] must be a service binding of this worker (self.env.NAME)")
                tails.append(ref)
            refs["tails"] = tails
        elif key == "$refs":
            raise TypeError('A worker\'s code has no field "$refs"')
        else:
            out[key] = v
    if refs:
        out["$refs"] = refs
    try:
        return _json.dumps(out)
    except (TypeError, ValueError) as e:
        raise TypeError(f"A worker's code must be JSON values and this worker's bindings: {e}") from None


class _Target:
    """A child: by name (`get`) or, once made, by its number (`load`)."""

    def __init__(self, loader, name, json, get_code):
        self.loader = loader
        self.name = name
        self.number = 0
        self.json = json
        self.get_code = get_code

    def child(self):
        if self.name is not None:
            return _loader.Child_Named(_loader.ChildName(binding=self.loader.binding, name=self.name))
        return _loader.Child_Loaded(self.number)

    def make(self):
        json = self.json if self.json is not None else _code_json(_resolve(self.get_code()), self.loader.binding_name)
        number = _host(_loader.create, self.loader.binding, self.name, json)
        if self.name is None:
            self.number = number

    def attempt(self, fn):
        """Runs `fn(child)` (a host call answering None for "no child by that
        name") with the child made first where it must be."""
        if self.name is None and self.number == 0:
            self.make()
        out = fn(self.child())
        if out is None:
            self.make()
            out = fn(self.child())
            if out is None:
                raise RuntimeError(f'The worker "{self.name}" was evicted while it was being loaded; try again')
        return out


# What of the Workers API a child's fetch uses, set by workers.py (which
# imports this module): its Request class, the bytes of a body, and the
# Response of a fetch answer.
http = None


class _Entrypoint:
    """An entrypoint of a child: `await ep.fetch(url)` and `await ep.method(args)`."""

    def __init__(self, target, entrypoint, props):
        self._target = target
        self._entrypoint = entrypoint
        self._props = props

    async def fetch(self, resource, method="GET", headers=None, body=None):
        request_class, to_bytes, fetched_response = http
        req = resource if isinstance(resource, request_class) else request_class(resource, method=method, headers=headers, body=body)
        wit_req = _types.Request(method=req.method, url=req.url, headers=req.headers.items(), body=to_bytes(req._body), body_streams=False)
        fetched = self._target.attempt(lambda child: _host(_loader.fetch, child, self._entrypoint, self._props, wit_req))
        return fetched_response(fetched)

    def __getattr__(self, method):
        if method.startswith("__"):
            raise AttributeError(method)

        async def call(*args):
            # Functions, RpcTargets, bindings and stubs in the arguments go
            # by reference (into `passed`); while the child calls them, each
            # step of the call is one such call to answer before it goes on.
            passed = []
            json = _json.dumps(_wire.encode_passing(list(args), passed))
            step = self._target.attempt(lambda child: _host(_loader.call, child, self._entrypoint, self._props, method, json))
            while isinstance(step, _loader.Step_Callback):
                step = _host(_loader.resume, step.value.call, _answer(passed, step.value))
            return _wire.decode(_json.loads(step.value))

        return call


# The Workers API's RpcTarget class and the class of objects whose methods
# are calls (bindings, stubs), set by workers.py.
kinds = None


def _answer(passed, callback):
    """Runs what the child asked of an object the call passed by reference
    (method "" calls a function), as the host's answer: the wire JSON of
    `[result]`, or the message of what it raised."""
    try:
        receiver = passed[callback.object]
        args = _wire.decode(_json.loads(callback.args))
        method = callback.method
        fn = _passed_method(receiver, method)
        if fn is None:
            raise TypeError("The RPC receiver is not a function." if method == "" else f'The RPC receiver does not implement the method "{method}".')
        return _Ok(_json.dumps([_wire.encode(_resolve(fn(*args)))]))
    except Exception as e:
        return _Err(str(e) or type(e).__name__)


def _passed_method(receiver, method):
    """The method `method` of an object passed by reference: a binding's or
    stub's (its methods are calls), or one defined by an RpcTarget's class
    (never `_private`, an instance attribute or a property); `""` calls a
    function itself."""
    rpc_target, callers = kinds
    if method == "":
        if isinstance(receiver, (rpc_target, type, callers)):
            return None
        return receiver if callable(receiver) else None
    if method.startswith("_") or method == "constructor":
        return None
    if isinstance(receiver, callers):
        return getattr(receiver, method)
    if not isinstance(receiver, rpc_target):
        return None
    for cls in type(receiver).__mro__:
        if cls is rpc_target or cls is object:
            return None
        if method in cls.__dict__:
            attr = cls.__dict__[method]
            if isinstance(attr, (staticmethod, classmethod, property)) or not callable(attr):
                return None
            return attr.__get__(receiver, type(receiver))
    return None


class WorkerStub:
    """A loaded worker: `getEntrypoint(name=None, options=None)`."""

    def __init__(self, target):
        self._target = target

    def getEntrypoint(self, name=None, options=None, *, props=None):
        if options is not None:
            if not isinstance(options, dict):
                raise TypeError("getEntrypoint(name, options): options must be a dict ({'props': ...})")
            if props is None:
                props = options.get("props")
        if props is not None and not isinstance(props, dict):
            raise TypeError("getEntrypoint(name, {'props': ...}): props must be a dict")
        entrypoint = None if name is None or name == "default" else str(name)
        return _Entrypoint(self._target, entrypoint, _json.dumps(_wire.encode(props if props is not None else {})))

    get_entrypoint = getEntrypoint

    def getDurableObjectClass(self, name):
        raise RuntimeError(f'getDurableObjectClass("{name}"): isolet\'s loaded workers have no Durable Object classes yet')


class Loader:
    """`env.LOADER`: `get(name, get_code)` and `load(code)`."""

    def __init__(self, binding, binding_name):
        self.binding = binding
        # Which of this worker's bindings a value is (its name), or None.
        self.binding_name = binding_name

    def get(self, name, get_code):
        if not callable(get_code):
            raise TypeError("LOADER.get(name, get_code): get_code must be a function that returns the worker's code")
        return WorkerStub(_Target(self, None if name is None else str(name), None, get_code))

    def load(self, code):
        return WorkerStub(_Target(self, None, _code_json(code, self.binding_name), None))
