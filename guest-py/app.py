"""isolet's Python engine: implements the `worker` world for componentize-py.

User modules arrive at run time through `init` and are executed into fresh
modules registered in `sys.modules` (so they import each other by name).
There is no filesystem at run time: only the standard-library modules
imported below (while the build snapshots the interpreter) can be imported.
"""
# The standard library a worker may use: imported here so it is in the snapshot.
import base64  # noqa: F401
import bisect  # noqa: F401
import calendar  # noqa: F401
import collections  # noqa: F401
import copy  # noqa: F401
import dataclasses  # noqa: F401
import datetime  # noqa: F401
import decimal  # noqa: F401
import enum  # noqa: F401
import fractions  # noqa: F401
import functools  # noqa: F401
import hashlib  # noqa: F401
import heapq  # noqa: F401
import hmac  # noqa: F401
import html  # noqa: F401
import importlib
import importlib.abc
import importlib.machinery
import io
import itertools  # noqa: F401
import json
import logging
import math  # noqa: F401
import operator  # noqa: F401
import random  # noqa: F401
import re  # noqa: F401
import secrets  # noqa: F401
import statistics  # noqa: F401
import string  # noqa: F401
import struct  # noqa: F401
import sys
import textwrap  # noqa: F401
import traceback
import types as pytypes
import typing  # noqa: F401
import urllib.parse  # noqa: F401
import uuid  # noqa: F401
import zlib  # noqa: F401

import componentize_py_types
import wit_world
from wit_world.imports import incoming_body, tail, types

import wire
import workers

LEVELS = {
    "debug": types.LogLevel.DEBUG,
    "log": types.LogLevel.LOG,
    "info": types.LogLevel.INFO,
    "warn": types.LogLevel.WARN,
    "error": types.LogLevel.ERROR,
}


class _TailStream(io.TextIOBase):
    """sys.stdout / sys.stderr: each line goes to the tail log."""

    def __init__(self, level):
        self._level = level
        self._buf = ""

    def writable(self):
        return True

    def write(self, s):
        self._buf += s
        while "\n" in self._buf:
            line, self._buf = self._buf.split("\n", 1)
            tail.log(self._level, line)
        return len(s)

    def flush(self):
        if self._buf:
            tail.log(self._level, self._buf)
            self._buf = ""


class _TailHandler(logging.Handler):
    def emit(self, record):
        level = (
            types.LogLevel.ERROR if record.levelno >= logging.ERROR
            else types.LogLevel.WARN if record.levelno >= logging.WARNING
            else types.LogLevel.INFO if record.levelno >= logging.INFO
            else types.LogLevel.DEBUG
        )
        tail.log(level, self.format(record))


_state = {"main": None, "env": None}


def _from_worker_code(tb):
    """The traceback from the worker's first frame on: the engine's own frames
    above it (this file, workers.py; absolute paths, where the worker's
    modules have relative names) say nothing to the worker's author. The
    whole traceback when no frame is the worker's."""
    t = tb
    while t is not None:
        if not t.tb_frame.f_code.co_filename.startswith("/"):
            return t
        t = t.tb_next
    return tb


def _error(e):
    name = type(e).__name__
    stack = "".join(traceback.format_exception(type(e), e, _from_worker_code(e.__traceback__)))
    return componentize_py_types.Err(types.ScriptError(name=name, message=str(e), stack=stack))


def _run(coro):
    """Drives a coroutine to completion: isolet's awaitables complete at once."""
    if not hasattr(coro, "send"):
        return coro
    try:
        while True:
            yielded = coro.send(None)
            if yielded is not None:
                coro.throw(RuntimeError("awaited something isolet cannot drive (only isolet's async APIs are supported)"))
    except StopIteration as stop:
        return stop.value


def _flush():
    for s in (sys.stdout, sys.stderr):
        try:
            s.flush()
        except Exception:
            pass


def _target(entrypoint, ctx):
    main = _state["main"]
    if main is None:
        raise RuntimeError("init was not called")
    name = entrypoint or "Default"
    cls = getattr(main, name, None)
    if cls is None and entrypoint is None:
        cls = getattr(main, "default", None)
    # An entrypoint is a class of the Workers API (WorkerEntrypoint,
    # DurableObject), or the default one (`Default`, or a `default` object):
    # never any other name of the module (an imported module, a helper, a
    # value), whoever names it (a service binding, a loader's getEntrypoint).
    is_api_class = isinstance(cls, type) and issubclass(cls, (workers.WorkerEntrypoint, workers.DurableObject))
    if cls is None or (entrypoint is not None and not is_api_class):
        raise TypeError(f"the worker has no entrypoint named {name!r}")
    if isinstance(cls, type) and issubclass(cls, workers.DurableObject):
        # One instance per object, kept across requests; its ctx is the
        # object's (storage), waitUntil goes to the request running now.
        instances = _state.setdefault("objects", {})
        obj = instances.get(name)
        if obj is None:
            obj = instances[name] = cls(ctx, _state["env"])
        obj.ctx = ctx
        return obj
    if isinstance(cls, type):
        return cls(ctx, _state["env"])
    return cls


# Cloudflare's folder for vendored packages: its contents import as top-level
# packages (`python_modules/pkg/__init__.py` is `import pkg`).
_VENDORED = "python_modules/"


def _module_name(filename):
    """A module file's import name, and whether it is a package's
    `__init__.py` (then the name is the package's)."""
    if filename.startswith(_VENDORED):
        filename = filename[len(_VENDORED):]
    name = filename[:-3] if filename.endswith(".py") else filename
    name = name.replace("/", ".")
    if name.endswith(".__init__"):
        return name[: -len(".__init__")], True
    return name, False


def _exec_module(name):
    """Runs a user module once."""
    if name in _FINDER.executed:
        return
    _FINDER.executed.add(name)
    mod, src, filename, _ = _FINDER.modules[name]
    exec(compile(src.decode("utf-8"), filename, "exec"), mod.__dict__)


class _UserLoader(importlib.abc.Loader):
    def create_module(self, spec_):
        return _FINDER.modules[spec_.name][0]

    def exec_module(self, module):
        _exec_module(module.__name__)


class _PackageLoader(importlib.abc.Loader):
    """A folder of modules (pkg/x.py): a namespace package."""

    def create_module(self, spec_):
        return None

    def exec_module(self, module):
        pass


class _UserFinder(importlib.abc.MetaPathFinder):
    """Finds the worker's own modules; one instance serves one worker."""

    def __init__(self):
        self.modules = {}
        self.packages = set()
        self.executed = set()

    def find_spec(self, fullname, path=None, target=None):
        entry = self.modules.get(fullname)
        if entry is not None:
            return importlib.machinery.ModuleSpec(fullname, _UserLoader(), origin=entry[2], is_package=entry[3])
        if fullname in self.packages:
            return importlib.machinery.ModuleSpec(fullname, _PackageLoader(), is_package=True)
        return None


# Set up while the engine is snapshotted, not per worker: output and logging
# go to the tail log, and the worker's modules are found first.
_FINDER = _UserFinder()
sys.meta_path.insert(0, _FINDER)
sys.stdout = _TailStream(types.LogLevel.LOG)
sys.stderr = _TailStream(types.LogLevel.ERROR)
logging.getLogger().handlers = [_TailHandler()]
logging.getLogger().setLevel(logging.INFO)


class WitWorld(wit_world.WitWorld):
    def wizer_initialize(self):
        pass

    def init(self, spec):
        try:
            env = json.loads(spec.env_json) if spec.env_json else {}
            kinds = {types.BindingKind.CAPABILITY: "capability", types.BindingKind.SERVICE: "service", types.BindingKind.LOADER: "loader"}
            _state["env"] = workers.Env(env, [(b.name, kinds[b.kind]) for b in spec.bindings])
            modules = _FINDER.modules
            for m in spec.modules:
                if m.kind != types.ModuleKind.PYTHON:
                    continue
                name, is_package = _module_name(m.name)
                mod = pytypes.ModuleType(name)
                mod.__file__ = m.name
                modules[name] = [mod, m.source, m.name, is_package]
            packages = _FINDER.packages
            for n in modules:
                while "." in n:
                    n = n.rsplit(".", 1)[0]
                    packages.add(n)
            main_name = _module_name(spec.main_module)[0]
            if main_name not in modules:
                raise ModuleNotFoundError(f"the main module {spec.main_module!r} is not a Python module")
            # The main module runs directly; it imports the others, which
            # run on first import (through _FINDER).
            sys.modules[main_name] = modules[main_name][0]
            _exec_module(main_name)
            _state["main"] = modules[main_name][0]
        except BaseException as e:
            _flush()
            raise _error(e)
        _flush()
        # No compiled code goes back: the worker's own code ran in this
        # interpreter and could replace it, so the host does not cache
        # Python bytecode from init.
        return []

    def fetch(self, entrypoint, req):
        try:
            ctx = workers.ExecutionContext()
            target = _target(entrypoint, ctx)
            handler = getattr(target, "fetch", None)
            if handler is None:
                raise TypeError("Handler does not export a fetch() method.")
            body = req.body
            if req.body_streams:
                # Python bodies are whole: read all of it first.
                parts = []
                while (chunk := incoming_body.read()) is not None:
                    parts.append(chunk)
                body = b"".join(parts)
            request = workers.Request._incoming(req.url, req.method, req.headers, body)
            resp = _run(handler(request))
            for p in ctx._pending:
                _run(p)
            if isinstance(resp, str):
                resp = workers.Response(resp)
            if not isinstance(resp, workers.Response):
                raise TypeError(f"fetch() must return a Response, not {type(resp).__name__}")
            # Python bodies are always whole: never a streaming answer.
            out = types.FetchAnswer(
                response=types.Response(status=resp.status, headers=resp.headers.items(), body=resp._body),
                body=types.AnswerBody.WHOLE,
            )
        except BaseException as e:
            _flush()
            raise _error(e)
        _flush()
        return out

    def read_body(self):
        # Only called after a streaming fetch answer, which Python never gives.
        raise _error(RuntimeError("no streamed body is open"))

    def socket_event(self, event):
        # Only called after a fetch answer that accepted a WebSocket, which
        # Python workers cannot give.
        raise _error(RuntimeError("no WebSocket is open"))

    def call(self, entrypoint, method, args):
        try:
            ctx = workers.ExecutionContext()
            target = _target(entrypoint, ctx)
            if method.startswith("_") or method in ("fetch", "constructor"):
                raise TypeError(f"The RPC receiver does not implement the method {method!r}.")
            fn = getattr(target, method, None)
            if not callable(fn) or method in dir(workers.WorkerEntrypoint):
                raise TypeError(f"The RPC receiver does not implement the method {method!r}.")
            decoded = wire.decode(json.loads(args))
            result = _run(fn(*decoded))
            for p in ctx._pending:
                _run(p)
            out = json.dumps(wire.encode(result))
        except BaseException as e:
            _flush()
            raise _error(e)
        _flush()
        return out
