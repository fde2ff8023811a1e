"""isolet's RPC wire encoding (tagged JSON; see crates/isolet/src/wire.rs) for Python values."""
import base64
import datetime
import math

_MAX_SAFE = 2**53 - 1

# Makes the object for `{"$t":"stub","v":token}`, an object the caller passed
# by reference (set by workers.py).
stub_maker = None

# Whether a value goes by reference in a call to a loaded worker (set by
# workers.py: functions, RpcTargets, bindings and stubs), and, while
# encode_passing encodes such a call, the list of what it passes: each is
# `{"$t":"stub","v":n}` on the wire, its place in the list.
passable = None
_passed = None


def encode_passing(v, passed):
    """`encode(v)`, with the objects `v` passes by reference appended to
    `passed` (the same object once) and numbered by their place there."""
    global _passed
    outer = _passed
    _passed = passed
    try:
        return encode(v)
    finally:
        _passed = outer


def _passed_stub(v):
    for n, have in enumerate(_passed):
        if have is v:
            return {"$t": "stub", "v": n}
    _passed.append(v)
    return {"$t": "stub", "v": len(_passed) - 1}


def encode(v):
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v if abs(v) <= _MAX_SAFE else {"$t": "bigint", "v": str(v)}
    if isinstance(v, float):
        if math.isnan(v):
            return {"$t": "number", "v": "NaN"}
        if math.isinf(v):
            return {"$t": "number", "v": "Infinity" if v > 0 else "-Infinity"}
        if v == 0 and math.copysign(1, v) < 0:
            return {"$t": "number", "v": "-0"}
        return v
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"$t": "bytes", "v": base64.b64encode(bytes(v)).decode()}
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=datetime.timezone.utc)
        return {"$t": "date", "v": v.timestamp() * 1000}
    if isinstance(v, (set, frozenset)):
        return {"$t": "set", "v": [encode(x) for x in v]}
    if isinstance(v, (list, tuple)):
        return [encode(x) for x in v]
    if isinstance(v, dict):
        if all(isinstance(k, str) for k in v):
            obj = {k: encode(x) for k, x in v.items()}
            return {"$t": "object", "v": obj} if "$t" in v else obj
        return {"$t": "map", "v": [[encode(k), encode(x)] for k, x in v.items()]}
    if _passed is not None and passable is not None and passable(v):
        return _passed_stub(v)
    if isinstance(v, BaseException):
        return {"$t": "error", "name": type(v).__name__, "message": str(v)}
    raise TypeError(f"cannot send a {type(v).__name__} over RPC")


def decode(w):
    if isinstance(w, list):
        return [decode(x) for x in w]
    if not isinstance(w, dict):
        return w
    if "$t" not in w:
        return {k: decode(x) for k, x in w.items()}
    t = w["$t"]
    v = w.get("v")
    if t == "undefined":
        return None
    if t == "number":
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf, "-0": -0.0}[v]
    if t == "bigint":
        return int(v)
    if t == "date":
        return None if v is None else datetime.datetime.fromtimestamp(v / 1000, datetime.timezone.utc)
    if t in ("bytes", "arraybuffer"):
        return base64.b64decode(v)
    if t == "map":
        return {_hashable(decode(k)): decode(x) for k, x in v}
    if t == "set":
        return {_hashable(decode(x)) for x in v}
    if t == "error":
        return RuntimeError(f"{w.get('name', 'Error')}: {w.get('message', '')}")
    if t == "regexp":
        return w.get("source")
    if t == "object":
        return {k: decode(x) for k, x in v.items()}
    if t == "stub" and stub_maker is not None:
        return stub_maker(v)
    raise ValueError(f"unknown wire type {t!r}")


def _hashable(x):
    return tuple(x) if isinstance(x, list) else x
