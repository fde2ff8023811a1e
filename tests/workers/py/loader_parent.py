# A Python parent worker: loads JavaScript and Python children through its
# Worker Loader binding (env.LOADER), as tests/workers/js/loader/parent.js does
# from JavaScript. Each test is an RPC method that returns "ok";
# tests/all/loader.rs calls them.
#
# Bindings: LOADER {"loader": {}}, GREETER a service binding to the worker
# "greeter" (greet(name) -> "Hello, name!"), TAILER one to "tailer" (a tail
# consumer that hands what it gets to RENDEZVOUS), RENDEZVOUS the capability
# "rendezvous" (put(v), then wait() gives v).
from workers import Response, RpcTarget, WorkerEntrypoint

JS_CHILD = """
import { WorkerEntrypoint } from "cloudflare:workers";
export default class extends WorkerEntrypoint {
  greet(name) { return "Hello from JS, " + name; }
  props() { return this.ctx.props; }
  async viaEnv(name) { return await this.env.G.greet(name); }
  data() { return { n: 1, list: [1, 2], bytes: new Uint8Array([1, 2]) }; }
  fetch(req) { return new Response("js child saw " + req.method + " " + new URL(req.url).pathname + " " + this.env.PLAIN); }
}
"""

PY_CHILD = """
import workers
from workers import WorkerEntrypoint, Response
class Default(WorkerEntrypoint):
    async def greet(self, name):
        return "Hello from Python, " + name
    async def props(self):
        return self.ctx.props
    async def fetch(self, request):
        return Response("py child: " + request.url)
class Other(WorkerEntrypoint):
    async def greet(self, name):
        return self.ctx.props["greeting"] + ", " + name
"""


def check(actual, expected, what):
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def raises(fn, needle, what):
    try:
        fn()
    except Exception as e:
        if needle not in str(e):
            raise AssertionError(f"{what}: wrong error {type(e).__name__}: {e}")
        return
    raise AssertionError(f"{what}: expected an error")


async def raises_async(coro, needle, what):
    try:
        await coro
    except Exception as e:
        if needle not in str(e):
            raise AssertionError(f"{what}: wrong error {type(e).__name__}: {e}")
        return
    raise AssertionError(f"{what}: expected an error")


TOOLS_CHILD = """
export default {
  async run(tools, callback, service) {
    const a = await tools.lookup("a");
    const n = await tools.sum(2, 3);
    const c = await callback("c", n);
    const g = await service.greet("Gil");
    return [a, n, c, g].join(" ");
  },
  async probe(tools) {
    async function error(p) { try { await p; return "no error"; } catch (e) { return e.message; } }
    globalThis.kept = tools;
    return [await error(tools._secret()), await error(tools.token()), await error(tools.missing()), await error(tools.fail()), await error(tools.prop())];
  },
  async late() { return await globalThis.kept.lookup("late"); },
}
"""


class Tools(RpcTarget):
    def __init__(self, prefix):
        self.prefix = prefix
        self.calls = []
        self.token = lambda: "s3cret"

    async def lookup(self, key):
        self.calls.append(key)
        return f"{self.prefix}:{key}"

    def sum(self, a, b):
        return a + b

    def _secret(self):
        return "leaked"

    def fail(self):
        raise ValueError("tool failed")

    @property
    def prop(self):
        return "a property ran"


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return Response("python parent")

    async def passing(self):
        env = self.env
        child = env.LOADER.get("tools-user", lambda: {"compatibilityDate": "2025-01-01", "mainModule": "main.js", "modules": {"main.js": TOOLS_CHILD}})
        tools = Tools("main")

        async def callback(x, n):
            return f"called {x} {n}"

        out = await child.getEntrypoint().run(tools, callback, env.GREETER)
        check(out, "main:a 5 called c 5 Hello, Gil!", "the child's calls on the parent's objects")
        check(tools.calls, ["a"], "the parent's object ran here")
        probed = await child.getEntrypoint().probe(Tools("x"))
        check(probed, [
            'The RPC receiver does not implement the method "_secret".',
            'The RPC receiver does not implement the method "token".',
            'The RPC receiver does not implement the method "missing".',
            "tool failed",
            'The RPC receiver does not implement the method "prop".',
        ], "what a child cannot reach")
        await raises_async(child.getEntrypoint().late(), "no longer valid", "a kept stub")
        return "ok"

    async def basics(self):
        env = self.env
        calls = []

        def js_code():
            calls.append(1)
            return {
                "compatibilityDate": "2025-01-01",
                "mainModule": "main.js",
                "modules": {"main.js": JS_CHILD},
                "env": {"PLAIN": "plain value", "G": env.GREETER},
            }

        worker = env.LOADER.get("js-child", js_code)
        ep = worker.getEntrypoint()
        check(await ep.greet("Ada"), "Hello from JS, Ada", "a JS child's RPC method")
        check(await ep.data(), {"n": 1, "list": [1, 2], "bytes": b"\x01\x02"}, "values back from a JS child")
        check(await ep.viaEnv("Bo"), "Hello, Bo!", "the parent's binding in the child's env")
        resp = await ep.fetch("https://example.com/path", method="POST")
        check(await resp.text(), "js child saw POST /path plain value", "a JS child's fetch")
        check(resp.status, 200, "the status")
        # Kept by name: get_code runs once.
        again = env.LOADER.get("js-child", js_code).get_entrypoint(props={"who": "me"})
        check(await again.props(), {"who": "me"}, "props")
        check(len(calls), 1, "get_code calls")

        async def py_code():
            return {"compatibilityDate": "2025-01-01", "mainModule": "main.py", "modules": {"main.py": PY_CHILD}}

        py = env.LOADER.get("py-child", py_code)
        check(await py.getEntrypoint().greet("Cy"), "Hello from Python, Cy", "a Python child")
        check(await py.getEntrypoint("Other", {"props": {"greeting": "Howdy"}}).greet("Di"), "Howdy, Di", "a Python child's entrypoint and props")
        check(await py.getEntrypoint().props(), {}, "no props")
        # Only classes of the Workers API are entrypoints, not any name of
        # the module (here the imported module `workers`).
        await raises_async(py.getEntrypoint("workers").fetch("https://example.com/"), "no entrypoint named 'workers'", "a module as an entrypoint")
        await raises_async(py.getEntrypoint("WorkerEntrypoint").greet("x"), "greet", "the base class as an entrypoint")
        resp = await py.getEntrypoint().fetch("https://example.com/x")
        check(await resp.text(), "py child: https://example.com/x", "a Python child's fetch")
        return "ok"

    async def loads(self):
        env = self.env
        worker = env.LOADER.load({"compatibilityDate": "2025-01-01", "mainModule": "main.js", "modules": {"main.js": JS_CHILD}, "globalOutbound": None})
        check(await worker.getEntrypoint().greet("Ed"), "Hello from JS, Ed", "load()")
        modules = {
            "main.js": {"js": 'import t from "./t.txt"; import d from "./d.bin"; import j from "./j.json"; export default { all() { return [t, new Uint8Array(d).length, j.k]; } }'},
            "t.txt": {"text": "text"},
            "d.bin": {"data": b"\x00\x01\x02"},
            "j.json": {"json": {"k": "v"}},
        }
        check(await env.LOADER.load({"compatibilityDate": "2025-01-01", "mainModule": "main.js", "modules": modules}).getEntrypoint().all(), ["text", 3, "v"], "module types")
        return "ok"

    async def failures(self):
        env = self.env

        def boom():
            raise ValueError("Code loader failed!")

        await raises_async(env.LOADER.get("boom", boom).getEntrypoint().anything(), "Code loader failed!", "get_code's exception")
        bad = {"compatibilityDate": "2025-01-01", "mainModule": "main.js", "modules": {"main.js": "export default { x() { return 1 } }"}}
        raises(lambda: env.LOADER.load({**bad, "globalOutbound": "somewhere"}), "globalOutbound must be None", "an outbound policy")
        raises(lambda: env.LOADER.load({**bad, "env": {"f": object()}}), "JSON values", "an object in env")
        raises(lambda: env.LOADER.load({**bad, "tails": ["t"]}), "tails[0] must be a service binding", "an id as a tail")
        raises(lambda: env.LOADER.get("x", "not a function"), "get_code must be a function", "get_code not callable")
        await raises_async(env.LOADER.load({**bad, "env": {"L": env.LOADER}}).getEntrypoint().x(), "cannot be passed to a loaded worker", "the loader passed on")
        await raises_async(env.LOADER.load({**bad, "mainModule": "nope.js"}).getEntrypoint().x(), "nope.js", "bad code")
        await raises_async(env.LOADER.load(bad).getEntrypoint().missing(), "missing", "a missing method")
        return "ok"

    async def tails(self):
        env = self.env
        worker = env.LOADER.load({
            "compatibilityDate": "2025-01-01",
            "mainModule": "main.js",
            "modules": {"main.js": 'export default { fetch() { console.log("from the python parent\'s child"); return new Response("OK"); } }'},
            "tails": [env.TAILER],
        })
        resp = await worker.getEntrypoint().fetch("https://example.com")
        check(await resp.text(), "OK", "the tailed child")
        got = await env.RENDEZVOUS.wait()
        check(got["event"][0]["logs"][0]["message"], ["from the python parent's child"], "its trace")
        return "ok"
