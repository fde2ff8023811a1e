// A parent worker that loads workers through its Worker Loader bindings:
// workerd's Worker Loader tests (src/workerd/api/tests/worker-loader-test.js),
// ported to isolet, plus isolet's own (limits, references, lifetimes).
// Each test is an RPC method of the default export, a WorkerEntrypoint
// (env and ctx are this.env and this.ctx); tests/all/loader.rs calls them.
//
// Bindings (see tests/all/loader.rs): LOADER {"loader": {}}, SHARED1 and
// SHARED2 {"loader": {"id": "shared"}}, UNIQUE {"loader": {"id": "unique"}},
// GREETER a service binding to worker "greeter", GATEWAY one to worker
// "gateway", TAILER one to worker "tailer" (a tail consumer), RENDEZVOUS
// the capability "rendezvous" (put(v), then wait() gives v, once);
// globalOutbound: the gateway worker "default-outbound".

import { WorkerEntrypoint, RpcTarget } from "cloudflare:workers";

function assertEq(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}
async function assertRejects(promise, check, what) {
  try {
    await promise;
  } catch (e) {
    if (!check(e)) throw new Error(`${what}: wrong error ${e && e.name}: ${e && e.message}`);
    return e;
  }
  throw new Error(`${what}: expected an error`);
}

const greeterCode = {
  compatibilityDate: "2025-01-01",
  mainModule: "foo.js",
  modules: {
    "foo.js": `
      import {WorkerEntrypoint} from "cloudflare:workers";
      export default {
        greet(name) { return "Hello, " + name; }
      }
      // workerd's test has a plain object here, greet(name, env, ctx): isolet
      // gives a plain object's methods the caller's arguments only (see
      // dispatch.js), so props reach a class.
      export class alternate extends WorkerEntrypoint {
        greet(name) { return \`\${this.ctx.props.greeting}, \${name}\`; }
      }
      export class Classy extends WorkerEntrypoint {
        greet(name) { return \`\${this.ctx.props.greeting}, \${name}!\`; }
      }
      export class FancyPropsEntrypoint extends WorkerEntrypoint {
        async run() {
          let greet1 = await this.ctx.props.greeter.greet("Dave");
          let greet2 = await this.ctx.props.greeter2.greet("Eve");
          return [greet1, greet2].join("\\n");
        }
        async keep() { globalThis.keptProps = this.ctx.props.greeter; return "kept"; }
        async useKept() { return await globalThis.keptProps.greet("Zed"); }
      }
    `,
  },
};

// Kept across requests by `staleLoad`.
let kept = null;

export class GreeterLoopback extends WorkerEntrypoint {
  async greet(name) {
    return `${this.ctx.props.greeting}, ${name}!`;
  }
}

// The gateway a child's globalOutbound names (overrideGlobalOutbound).
export class GreetingOutbound extends WorkerEntrypoint {
  fetch(req) {
    return new Response(`${this.ctx.props.greeting} from the parent's gateway: ${req.url}`);
  }
}

// A tail consumer a child's `tails` names (tails): it hands what it gets
// to the test through RENDEZVOUS, as workerd's test does through a Durable
// Object (this runs in an instance of its own: the parent's is busy).
export class TestTail extends WorkerEntrypoint {
  async tail(events) {
    await this.env.RENDEZVOUS.put({ props: this.ctx.props, event: events });
  }
}

export default class Tests extends WorkerEntrypoint {
  fetch(req) {
    return new Response("parent fetch: " + new URL(req.url).pathname);
  }

  async basics() {
    const { env, ctx } = this;
    const worker = env.LOADER.get("basics", () => greeterCode);
    assertEq(await worker.getEntrypoint().greet("Alice"), "Hello, Alice", "default entrypoint");
    const greeter = worker.getEntrypoint("alternate", { props: { greeting: "Welcome" } });
    const greeter2 = worker.getEntrypoint("alternate", { props: { greeting: "Howdy" } });
    assertEq(await greeter.greet("Bob"), "Welcome, Bob", "props");
    assertEq(await greeter2.greet("Carol"), "Howdy, Carol", "other props");
    const classy = worker.getEntrypoint("Classy", { props: { greeting: "G'day" } });
    assertEq(await classy.greet("Dave"), "G'day, Dave!", "this.ctx.props");
    // workerd's FancyProps: stubs in props go by reference.
    const fancyProps = worker.getEntrypoint("FancyPropsEntrypoint", {
      props: {
        greeter: ctx.exports.GreeterLoopback({ props: { greeting: "G'day" } }),
        greeter2: ctx.exports.GreeterLoopback({ props: { greeting: "Sup" } }),
      },
    });
    assertEq(await fancyProps.run(), "G'day, Dave!\nSup, Eve!", "stubs in props");
    // As in a call's arguments, they last as long as the call.
    assertEq(await fancyProps.keep(), "kept", "a stub in props kept");
    await assertRejects(fancyProps.useKept(), (e) => e.message.includes("no longer valid"), "a kept stub from props");
    await assertRejects(fancyProps.fetch("https://example.com"), (e) => e.message.includes("pass objects by reference"), "fetch() with stubs in props");
    // As workerd: a dynamic worker's entrypoint cannot be handed on.
    await assertRejects(Promise.resolve().then(() => worker.getEntrypoint("FancyPropsEntrypoint", { props: { greeter, greeter2 } })),
      (e) => e.name === "DataCloneError" && e.message.startsWith("Entrypoints to dynamically-loaded workers cannot be transferred to other Workers"),
      "a dynamic worker's entrypoint in props");
    return "ok";
  }

  async justLoad() {
    const env = this.env;
    const worker = env.LOADER.load(greeterCode);
    assertEq(await worker.getEntrypoint().greet("Alice"), "Hello, Alice", "default entrypoint");
    assertEq(await worker.getEntrypoint("alternate", { props: { greeting: "Welcome" } }).greet("Bob"), "Welcome, Bob", "props");
    return "ok";
  }

  async passEnv() {
    const env = this.env;
    const worker = env.LOADER.get("passEnv", () => ({
      compatibilityDate: "2025-01-01",
      mainModule: "foo.js",
      modules: {
        "foo.js": `
          export default {
            fetch(req, env, ctx) {
              return new Response("env.hello = " + env.hello);
            },
          }
        `,
      },
      env: { hello: 123 },
    }));
    const resp = await worker.getEntrypoint().fetch("https://example.com");
    assertEq(await resp.text(), "env.hello = 123", "env");
    return "ok";
  }

  // workerd's passEnvCaps passes ctx.exports stubs; isolet passes the
  // parent's own bindings by reference.
  async passEnvBindings() {
    const env = this.env;
    const worker = env.LOADER.get("passEnvBindings", () => ({
      compatibilityDate: "2025-01-01",
      mainModule: "foo.js",
      modules: {
        "foo.js": `
          export default {
            async fetch(req, env, ctx) {
              let greet1 = await env.greeter.greet("Alice");
              let greet2 = await env.greeter2.greet("Bob");
              return new Response([greet1, greet2].join("\\n"));
            },
          }
        `,
      },
      env: { greeter: env.GREETER, greeter2: env.GREETER },
    }));
    const resp = await worker.getEntrypoint().fetch("https://example.com");
    assertEq(await resp.text(), "Hello, Alice!\nHello, Bob!", "bindings passed by reference");
    return "ok";
  }

  // As workerd's passEnvCaps: ctx.exports stubs with props in a child's env.
  async passEnvCaps() {
    const { env, ctx } = this;
    const worker = env.LOADER.get("passEnvCaps", () => ({
      compatibilityDate: "2025-01-01",
      mainModule: "foo.js",
      modules: {
        "foo.js": `
          export default {
            async fetch(req, env, ctx) {
              let greet1 = await env.greeter.greet("Alice");
              let greet2 = await env.greeter2.greet("Bob");
              return new Response([greet1, greet2].join("\\n"));
            },
          }
        `,
      },
      env: {
        greeter: ctx.exports.GreeterLoopback({ props: { greeting: "Hello" } }),
        greeter2: ctx.exports.GreeterLoopback({ props: { greeting: "Welcome" } }),
      },
    }));
    const resp = await worker.getEntrypoint().fetch("https://example.com");
    assertEq(await resp.text(), "Hello, Alice!\nWelcome, Bob!", "ctx.exports stubs in env");
    return "ok";
  }

  // workerd's tails: a child's traces go to the parent's own entrypoint,
  // with props, in Cloudflare's TraceItem shape (a log's message is an
  // array: isolet's holds the formatted line, Cloudflare's each argument).
  async tails() {
    const { env, ctx } = this;
    const worker = env.LOADER.get("tails", () => ({
      compatibilityDate: "2025-01-01",
      mainModule: "foo.js",
      modules: {
        "foo.js": `export default { fetch(req, env, ctx) { console.log("hello, tail"); return new Response("OK"); } }`,
      },
      tails: [ctx.exports.TestTail({ props: { foo: 123 } })],
    }));
    const resp = await worker.getEntrypoint().fetch("https://example.com");
    assertEq(await resp.text(), "OK", "the tailed child's answer");
    const { props, event } = await env.RENDEZVOUS.wait();
    assertEq(JSON.stringify(props), JSON.stringify({ foo: 123 }), "the tail consumer's props");
    assertEq(event[0].logs[0].message[0], "hello, tail", "the child's log in its trace");
    assertEq(event[0].scriptName, event[0].workerId, "scriptName");
    assertEq(event[0].event.request.url, "https://example.com/", "the traced request");
    assertEq(typeof event[0].eventTimestamp, "number", "eventTimestamp");
    assertEq(event[0].truncated, false, "truncated");
    assertEq(event[0].outcome, "ok", "the child's outcome");
    return "ok";
  }

  // A child's tails may also be the parent's service bindings; nothing
  // else of the parent is a tail consumer.
  async tailsThroughBindings() {
    const env = this.env;
    const code = (tails) => ({
      compatibilityDate: "2025-01-01",
      mainModule: "foo.js",
      modules: { "foo.js": `export default { fetch() { console.log("to the tailer"); return new Response("OK"); } }` },
      tails,
    });
    const resp = await env.LOADER.load(code([env.TAILER])).getEntrypoint().fetch("https://example.com");
    assertEq(await resp.text(), "OK", "the tailed child's answer");
    const got = await env.RENDEZVOUS.wait();
    assertEq(got.event[0].logs[0].message[0], "to the tailer", "the tailer's event");
    await assertRejects(env.LOADER.load(code([env.LOADER])).getEntrypoint().fetch("https://example.com"),
      (e) => e.message.includes("tails: env.LOADER is not a service binding"), "a loader as a tail");
    await assertRejects(Promise.resolve().then(() => env.LOADER.load(code(["tailer"]))),
      (e) => e.message.includes("tails[0] must be a service binding"), "a worker id as a tail");
    await assertRejects(Promise.resolve().then(() => env.LOADER.load(code(env.TAILER))),
      (e) => e.message.includes("tails must be an array"), "tails not an array");
    return "ok";
  }

  // As workerd's overrideGlobalOutbound: the child's fetch() goes to an
  // entrypoint of the parent, with props.
  async overrideGlobalOutboundExports() {
    const { env, ctx } = this;
    const worker = env.LOADER.get("overrideGlobalOutboundExports", () => ({
      compatibilityDate: "2025-01-01",
      mainModule: "foo.js",
      modules: { "foo.js": `export default { fetch(req) { return fetch("https://example.com/y"); } }` },
      globalOutbound: ctx.exports.GreetingOutbound({ props: { greeting: "Hey" } }),
    }));
    const resp = await worker.getEntrypoint().fetch("https://example.com/x");
    assertEq(await resp.text(), "Hey from the parent's gateway: https://example.com/y", "globalOutbound: ctx.exports");
    return "ok";
  }

  async overrideGlobalOutbound() {
    const env = this.env;
    const worker = env.LOADER.get("overrideGlobalOutbound", () => ({
      compatibilityDate: "2025-01-01",
      mainModule: "foo.js",
      modules: { "foo.js": `export default { fetch(req) { return fetch(req); } }` },
      globalOutbound: env.GATEWAY,
    }));
    const resp = await worker.getEntrypoint().fetch("https://example.com/x");
    assertEq(await resp.text(), "hello from gateway: https://example.com/x", "globalOutbound: a service binding");
    return "ok";
  }

  async inheritGlobalOutbound() {
    const env = this.env;
    const worker = env.LOADER.get("inheritGlobalOutbound", () => ({
      compatibilityDate: "2025-01-01",
      mainModule: "foo.js",
      modules: { "foo.js": `export default { fetch(req) { return fetch(req); } }` },
    }));
    const resp = await worker.getEntrypoint().fetch("https://example.com");
    assertEq(await resp.text(), "hello from defaultOutbound", "globalOutbound left out");
    return "ok";
  }

  async nullGlobalOutbound() {
    const env = this.env;
    const worker = env.LOADER.get("nullGlobalOutbound", () => ({
      compatibilityDate: "2025-01-01",
      mainModule: "foo.js",
      modules: { "foo.js": `export default { fetch(req) { return fetch(req); } }` },
      globalOutbound: null,
    }));
    await assertRejects(worker.getEntrypoint().fetch("https://example.com"),
      (e) => e.message.includes("no outbound network access"), "globalOutbound: null");
    return "ok";
  }

  async isolateUniqueness() {
    const env = this.env;
    let loadCount = 0;
    const loadCodeCallback = () => {
      ++loadCount;
      return {
        compatibilityDate: "2025-01-01",
        mainModule: "foo.js",
        modules: {
          "foo.js": `
            import {WorkerEntrypoint} from "cloudflare:workers";
            let i = 0;
            export default class extends WorkerEntrypoint {
              increment() {
                return i++;
              }
            }
          `,
        },
      };
    };
    const assertNotCalled = () => {
      throw new Error("Code loader callback called when it should have reused an existing isolate.");
    };
    const name = "isolateUniqueness";
    const name2 = "isolateUniquenessOtherName";
    const shared1 = env.SHARED1.get(name, loadCodeCallback).getEntrypoint();
    const shared2 = env.SHARED2.get(name, assertNotCalled).getEntrypoint();
    const unique = env.UNIQUE.get(name, loadCodeCallback).getEntrypoint();
    const anonymous = env.LOADER.get(name, loadCodeCallback).getEntrypoint();
    const anonymousOtherName = env.LOADER.get(name2, loadCodeCallback).getEntrypoint();
    const sharedOtherName = env.SHARED1.get(name2, loadCodeCallback).getEntrypoint();

    assertEq(await shared1.increment(), 0, "shared1");
    assertEq(await shared1.increment(), 1, "shared1");
    assertEq(await shared2.increment(), 2, "shared2: the same loader id");
    assertEq(await shared2.increment(), 3, "shared2");
    assertEq(await anonymous.increment(), 0, "anonymous");
    assertEq(await anonymous.increment(), 1, "anonymous");
    assertEq(await unique.increment(), 0, "unique");
    assertEq(await unique.increment(), 1, "unique");
    assertEq(await anonymousOtherName.increment(), 0, "other name");
    assertEq(await anonymousOtherName.increment(), 1, "other name");
    assertEq(await sharedOtherName.increment(), 0, "other name, shared loader");
    assertEq(await sharedOtherName.increment(), 1, "other name, shared loader");
    const anonymousAgain = env.LOADER.get(name, assertNotCalled).getEntrypoint();
    assertEq(await anonymousAgain.increment(), 2, "the same name again");
    assertEq(await anonymousAgain.increment(), 3, "the same name again");

    const noName1 = env.LOADER.get(null, loadCodeCallback).getEntrypoint();
    const noName2 = env.LOADER.get(undefined, loadCodeCallback).getEntrypoint();
    const noName3 = env.LOADER.get(undefined, loadCodeCallback).getEntrypoint();
    assertEq(await noName1.increment(), 0, "no name 1");
    assertEq(await noName1.increment(), 1, "no name 1");
    assertEq(await noName2.increment(), 0, "no name 2");
    assertEq(await noName2.increment(), 1, "no name 2");
    assertEq(await noName3.increment(), 0, "no name 3");
    assertEq(await noName3.increment(), 1, "no name 3");
    assertEq(loadCount, 8, "getCode calls");
    return "ok";
  }

  async moduleTypes() {
    const env = this.env;
    const worker = env.LOADER.get("moduleTypes", () => ({
      compatibilityDate: "2025-01-01",
      mainModule: "main.js",
      modules: {
        "main.js": {
          js: `
            import {WorkerEntrypoint} from "cloudflare:workers";
            import textModule from './text.txt';
            import jsonModule from './data.json';
            import cjsModule from './cjs.cjs';
            import dataModule from './binary.dat';

            export default class extends WorkerEntrypoint {
              getTextModule() { return textModule; }
              getJsonModule() { return jsonModule; }
              getCjsModule() { return cjsModule.greet('Alice'); }
              getDataModule() { return dataModule; }
            }
          `,
        },
        "text.txt": { text: "Hello from text module!" },
        "data.json": { json: { message: "Hello from JSON module!", value: 42 } },
        "cjs.cjs": {
          cjs: `
            module.exports = {
              greet: function(name) {
                return 'Hello from CommonJS, ' + name;
              }
            };
          `,
        },
        "binary.dat": { data: new TextEncoder().encode("Hello from binary data!") },
      },
    }));
    const entrypoint = worker.getEntrypoint();
    assertEq(await entrypoint.getTextModule(), "Hello from text module!", "text module");
    const jsonData = await entrypoint.getJsonModule();
    assertEq(jsonData.message, "Hello from JSON module!", "json module");
    assertEq(jsonData.value, 42, "json module");
    assertEq(await entrypoint.getCjsModule(), "Hello from CommonJS, Alice", "cjs module");
    const dataModule = await entrypoint.getDataModule();
    assertEq(new TextDecoder().decode(dataModule), "Hello from binary data!", "data module");
    return "ok";
  }

  async compatDateFlags() {
    const env = this.env;
    const getCode = (compatibilityDate, compatibilityFlags) => ({
      compatibilityDate,
      compatibilityFlags,
      mainModule: "main.js",
      modules: {
        "main.js": `
          import {WorkerEntrypoint} from "cloudflare:workers";
          export default class extends WorkerEntrypoint {
            hasNodeCompat() {
              return typeof process !== 'undefined';
            }
          }
        `,
      },
    });
    const old = env.LOADER.get("compatDateFlags1", () => getCode("2023-01-01", ["nodejs_compat"]));
    assertEq(await old.getEntrypoint().hasNodeCompat(), true, "nodejs_compat");
    const plain = env.LOADER.get("compatDateFlags2", () => getCode("2025-01-01", []));
    assertEq(await plain.getEntrypoint().hasNodeCompat(), false, "no nodejs_compat");
    return "ok";
  }

  async asyncCodeLoader() {
    const env = this.env;
    const worker = env.LOADER.get("asyncCodeLoader", async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return {
        compatibilityDate: "2025-01-01",
        mainModule: "main.js",
        modules: {
          "main.js": `
            import {WorkerEntrypoint} from "cloudflare:workers";
            export default class extends WorkerEntrypoint {
              getMessage() {
                return 'Hello from async loaded worker!';
              }
            }
          `,
        },
      };
    });
    assertEq(await worker.getEntrypoint().getMessage(), "Hello from async loaded worker!", "async getCode");
    return "ok";
  }

  async codeLoaderException() {
    const env = this.env;
    const worker = env.LOADER.get("codeLoaderException", () => {
      throw new Error("Code loader failed!");
    });
    const e = await assertRejects(worker.getEntrypoint().someMethod(), () => true, "getCode throws");
    assertEq(e.message, "Code loader failed!", "getCode's exception");
    return "ok";
  }

  // workerd's abortIsolateDynamic: abortIsolate() ends the child's
  // instance (not the parent), and the next get() loads it from scratch.
  // isolet's error names abortIsolate where workerd's says "internal error".
  async abortIsolateDynamic() {
    const env = this.env;
    let loadCount = 0;
    const getWorkerEntrypoint = () =>
      env.LOADER.get("abort-test", () => {
        loadCount++;
        return {
          compatibilityDate: "2025-01-01",
          compatibilityFlags: ["experimental"],
          allowExperimental: true,
          mainModule: "worker.js",
          modules: {
            "worker.js": `
              import {WorkerEntrypoint, abortIsolate} from "cloudflare:workers";
              let counter = 0;
              export class TestEntrypoint extends WorkerEntrypoint {
                async crash() {
                  abortIsolate('Dynamic worker abort test');
                }
                async ping() {
                  return ++counter;
                }
              }
            `,
          },
        };
      }).getEntrypoint("TestEntrypoint");
    let entrypoint = getWorkerEntrypoint();
    assertEq(await entrypoint.ping(), 1, "first ping");
    assertEq(await entrypoint.ping(), 2, "second ping");
    assertEq(loadCount, 1, "loads");
    entrypoint = getWorkerEntrypoint();
    assertEq(await entrypoint.ping(), 3, "the same child again");
    assertEq(loadCount, 1, "loads");
    await assertRejects(entrypoint.crash(), (e) => e.message.includes('abortIsolate("Dynamic worker abort test")'), "abortIsolate");
    entrypoint = getWorkerEntrypoint();
    assertEq(await entrypoint.ping(), 1, "a fresh child");
    assertEq(await entrypoint.ping(), 2, "the fresh child again");
    assertEq(loadCount, 2, "loads after the abort");
    return "ok";
  }

  // workerd's abortIsolateDynamicAnonymous: the same for get(null, ...).
  async abortIsolateDynamicAnonymous() {
    const env = this.env;
    const worker = env.LOADER.get(null, () => ({
      compatibilityDate: "2025-01-01",
      mainModule: "worker.js",
      modules: {
        "worker.js": `
          import {WorkerEntrypoint, abortIsolate} from "cloudflare:workers";
          let counter = 0;
          export class TestEntrypoint extends WorkerEntrypoint {
            async crash() { abortIsolate('Anonymous dynamic worker abort test'); }
            async ping() { return ++counter; }
          }
        `,
      },
    }));
    const entrypoint = worker.getEntrypoint("TestEntrypoint");
    assertEq(await entrypoint.ping(), 1, "first ping");
    assertEq(await entrypoint.ping(), 2, "second ping");
    await assertRejects(entrypoint.crash(), (e) => e.message.includes("abortIsolate"), "abortIsolate");
    // The parent goes on.
    return "ok";
  }

  // workerd's pythonBasics: a Python child, its default entrypoint and a
  // named one.
  async pythonBasics() {
    const env = this.env;
    const worker = env.LOADER.get("pythonBasics", () => ({
      compatibilityDate: "2025-01-01",
      mainModule: "foo.py",
      compatibilityFlags: ["python_workers", "python_no_global_handlers"],
      modules: {
        "foo.py": `
from workers import WorkerEntrypoint
class Default(WorkerEntrypoint):
  async def greet(self, name):
    return "Hello, " + name
class alternate(WorkerEntrypoint):
  async def greet(self, name):
    return "Welcome, " + name
`,
      },
    }));
    assertEq(await worker.getEntrypoint().greet("Stacey"), "Hello, Stacey", "a Python child's default entrypoint");
    assertEq(await worker.getEntrypoint("alternate").greet("Anthony"), "Welcome, Anthony", "a Python child's named entrypoint");
    return "ok";
  }

  // workerd's minimalPythonPackage: a package under python_modules/.
  async minimalPythonPackage() {
    const worker = this.env.LOADER.get("minimalPythonPackage", () => ({
      compatibilityDate: "2026-05-15",
      mainModule: "main.py",
      compatibilityFlags: ["python_workers"],
      modules: {
        "main.py": `
from workers import WorkerEntrypoint
class Default(WorkerEntrypoint):
  async def main(self):
    import testpkg
    return testpkg.testfunc()
`,
        "python_modules/testpkg/pkgmodule.py": `
def testfunc():
  return "Hello dynamic worker package"
`,
        "python_modules/testpkg/__init__.py": `
from . import pkgmodule
testfunc = pkgmodule.testfunc
`,
      },
    }));
    assertEq(await worker.getEntrypoint().main(), "Hello dynamic worker package", "a package in python_modules");
    return "ok";
  }

  async noMixedJsPythonModules() {
    const env = this.env;
    const worker = env.LOADER.get("noMixedJsPythonModules", () => ({
      compatibilityDate: "2025-01-01",
      mainModule: "foo.py",
      modules: {
        "foo.py": "from workers import WorkerEntrypoint\n",
        "foo.js": "export default { greet(name) { return 'Hello, ' + name; } }",
      },
    }));
    await assertRejects(worker.getEntrypoint().greet("Alice"),
      (e) => e.message.includes('"foo.js" is JavaScript: a worker has one language'), "mixed modules");
    return "ok";
  }

  async startupException() {
    const env = this.env;
    const worker = env.LOADER.get("startupException", () => ({
      compatibilityDate: "2025-01-01",
      mainModule: "main.js",
      modules: {
        "main.js": `
          import {WorkerEntrypoint} from "cloudflare:workers";
          throw new Error('intentional startup error');
          export default class extends WorkerEntrypoint {
            greet(name) { return "Hello, " + name; }
          }
        `,
      },
    }));
    const e = await assertRejects(worker.getEntrypoint().greet("Alice"), () => true, "startup exception");
    if (!e.message.includes("intentional startup error")) throw new Error(`startup error lost: ${e.message}`);
    return "ok";
  }

  async ctxExports() {
    const env = this.env;
    const worker = env.LOADER.get("ctxExports", () => ({
      compatibilityDate: "2025-01-01",
      compatibilityFlags: ["enable_ctx_exports"],
      mainModule: "foo.js",
      modules: {
        "foo.js": `
          import {WorkerEntrypoint} from "cloudflare:workers";
          export default class extends WorkerEntrypoint {
            async greet(name) {
              let greeting = await this.ctx.exports.AltEntrypoint.greet(name);
              return greeting + "!";
            }
          }
          export class AltEntrypoint extends WorkerEntrypoint {
            greet(name) { return "Hello, " + name; }
          }
        `,
      },
    }));
    assertEq(await worker.getEntrypoint().greet("Alice"), "Hello, Alice!", "ctx.exports");
    return "ok";
  }

  // ctx.exports with props, in the worker itself (workerd's GreeterLoopback).
  async loopbackProps() {
    const { env, ctx } = this;
    const greeter = ctx.exports.GreeterLoopback({ props: { greeting: "G'day" } });
    assertEq(await greeter.greet("Dave"), "G'day, Dave!", "loopback props");
    const plain = ctx.exports.GreeterLoopback;
    assertEq(await plain.greet("Eve"), "undefined, Eve!", "loopback without props");
    const resp = await ctx.exports.default.fetch("https://example.com/loop");
    assertEq(await resp.text(), "parent fetch: /loop", "loopback fetch");
    return "ok";
  }

  // isolet's own: what a child may not have.
  async childLimits() {
    const env = this.env;
    const worker = env.LOADER.load({
      compatibilityDate: "2025-01-01",
      mainModule: "main.js",
      modules: { "main.js": "export default { spin() { for (;;) {} }, ok() { return 'still here'; } }" },
      limits: { cpuMs: 60000 },
    });
    await assertRejects(worker.getEntrypoint().spin(), (e) => /CPU/i.test(e.message), "a child asks for more CPU than its parent has");
    return "ok";
  }

  async childCannotNameBindings() {
    const env = this.env;
    const code = (extra) => ({
      compatibilityDate: "2025-01-01",
      mainModule: "main.js",
      modules: { "main.js": "export default { hi() { return 'hi'; } }" },
      ...extra,
    });
    await assertRejects(env.LOADER.load(code({ bindings: { X: { capability: "secret" } } })).getEntrypoint().hi(),
      (e) => e.message.includes("cannot set `bindings`"), "bindings in a child's code");
    await assertRejects(Promise.resolve().then(() => env.LOADER.load(code({ tails: ["spy"] }))),
      (e) => e.message.includes("tails[0] must be a service binding"), "a worker id in a child's tails");
    await assertRejects(Promise.resolve().then(() => env.LOADER.load(code({ globalOutbound: { forward: {} } }))),
      (e) => e.message.includes("globalOutbound must be null"), "an outbound policy in a child's code");
    await assertRejects(Promise.resolve().then(() => env.LOADER.load(code({ env: { f() {} } }))),
      (e) => e.name === "DataCloneError", "a function in a child's env");
    await assertRejects(env.LOADER.load(code({ env: { L: env.LOADER } })).getEntrypoint().hi(),
      (e) => e.message.includes("cannot be passed to a loaded worker"), "a Worker Loader passed on");
    const many = {};
    for (let i = 0; i < 65; i++) many[`G${i}`] = env.GREETER;
    await assertRejects(env.LOADER.load(code({ env: many })).getEntrypoint().hi(),
      (e) => e.message.includes("at most 64 bindings"), "too many bindings in a child's env");
    await assertRejects(env.LOADER.load(code({ mainModule: "main.ts", modules: { "main.ts": "export default { hi(): string { return 'hi'; } }" } })).getEntrypoint().hi(),
      (e) => e.message.includes("is TypeScript or JSX"), "TypeScript in a child");
    await assertRejects(Promise.resolve().then(() => env.LOADER.load(code({ $refs: { env: { G: "GREETER" } } }))),
      (e) => e.message.includes("$refs"), "references written by hand");
    // A value shaped like a reference is data: the child gets no binding.
    const forged = env.LOADER.load(code({
      modules: { "main.js": "export default { hi(x, env) { return 'hi'; }, fetch(req, env) { return Response.json({ greet: typeof env.X.greet, x: env.X }); } }" },
      env: { X: { $binding: "GREETER" } },
    }));
    const seen = await (await forged.getEntrypoint().fetch("https://x/")).json();
    assertEq(seen.greet, "undefined", "a forged reference grants nothing");
    assertEq(seen.x.$binding, "GREETER", "a forged reference is the child's data");
    return "ok";
  }

  // The bounds on what one request makes the host do and hold.
  async childBounds() {
    const env = this.env;
    const code = (extra) => ({
      compatibilityDate: "2025-01-01",
      mainModule: "main.js",
      modules: { "main.js": "export default { hi() { return 'hi'; } }" },
      ...extra,
    });
    for (let i = 0; i < 8; i++) assertEq(await env.LOADER.load(code()).getEntrypoint().hi(), "hi", `load ${i}`);
    await assertRejects(env.LOADER.load(code()).getEntrypoint().hi(),
      (e) => e.message.includes("at most 8"), "a ninth load in one request");
    const big = code({ env: { pad: "x".repeat(10 << 20) } });
    await assertRejects(env.LOADER.get("big", () => big).getEntrypoint().hi(),
      (e) => e.message.includes("at most 10485760 bytes"), "code over 10 MiB");
    return "ok";
  }

  async childFailureLeavesParent() {
    const env = this.env;
    const worker = env.LOADER.load({
      compatibilityDate: "2025-01-01",
      mainModule: "main.js",
      modules: { "main.js": "export default { boom() { throw new TypeError('child says no'); } }" },
    });
    await assertRejects(worker.getEntrypoint().boom(), (e) => e.message.includes("child says no"), "a child's exception");
    return "parent still runs";
  }

  // A load() child is the request's: kept in a global, it is refused later.
  async staleLoad() {
    const env = this.env;
    if (kept === null) {
      kept = env.LOADER.load(greeterCode);
      assertEq(await kept.getEntrypoint().greet("Eve"), "Hello, Eve", "first request");
      return "kept";
    }
    await assertRejects(kept.getEntrypoint().greet("Eve"), (e) => e.message.includes("lives as long as the request that loaded it"), "a load() child in a later request");
    return "refused";
  }

  // Capabilities over RPC, as workerd passes them: RpcTargets, functions
  // and stubs in a call's arguments go by reference, and the child's calls
  // on them run here, in this instance.
  async passedObjects() {
    const { env, ctx } = this;
    const calls = [];
    class Tools extends RpcTarget {
      constructor(prefix) { super(); this.prefix = prefix; }
      async lookup(key) { calls.push(key); return `${this.prefix}:${key}`; }
      sum(a, b) { return a + b; }
    }
    const child = env.LOADER.get("tools-user", () => ({
      compatibilityDate: "2025-01-01",
      mainModule: "main.js",
      modules: {
        "main.js": `
          import { WorkerEntrypoint } from "cloudflare:workers";
          export default class extends WorkerEntrypoint {
            async run(tools, callback, extra) {
              const a = await tools.main.lookup("a");
              const b = await tools.other.lookup("b");
              const n = await tools.main.sum(2, 3);
              const c = await callback("c", n);
              const d = await extra.greeter.greet("Zed");
              const e = await extra.service.greet("Yan");
              return [a, b, n, c, d, e].join(" ");
            }
          }
        `,
      },
    }));
    const out = await child.getEntrypoint().run(
      { main: new Tools("main"), other: new Tools("other") },
      async (x, n) => `called ${x} ${n}`,
      { greeter: ctx.exports.GreeterLoopback({ props: { greeting: "Hi" } }), service: env.GREETER },
    );
    assertEq(out, "main:a other:b 5 called c 5 Hi, Zed! Hello, Yan!", "results of the child's calls");
    assertEq(calls.join(","), "a,b", "the parent's objects ran here");
    return "ok";
  }

  // The same for a Python child: objects in its arguments and props are
  // stubs it calls (methods, or the object itself for a function).
  async passedObjectsToPython() {
    const { env, ctx } = this;
    class Tools extends RpcTarget {
      async lookup(key) { return `tool:${key}`; }
    }
    const child = env.LOADER.get("py-tools-user", () => ({
      compatibilityDate: "2025-01-01",
      mainModule: "main.py",
      modules: {
        "main.py": `
from workers import WorkerEntrypoint
class Default(WorkerEntrypoint):
    async def run(self, tools, callback):
        a = await tools.lookup("a")
        b = await callback("b")
        c = await self.ctx.props["greeter"].greet("Py")
        return " ".join([a, b, c])
    async def keep(self, tools):
        global kept
        kept = tools
        return "kept"
    async def use_kept(self):
        return await kept.lookup("late")
`,
      },
    }));
    const ep = child.getEntrypoint(undefined, { props: { greeter: ctx.exports.GreeterLoopback({ props: { greeting: "Hi" } }) } });
    assertEq(await ep.run(new Tools(), async (x) => `called ${x}`), "tool:a called b Hi, Py!", "a Python child's calls on passed objects");
    assertEq(await child.getEntrypoint().keep(new Tools()), "kept", "a Python child keeps a stub");
    await assertRejects(child.getEntrypoint().use_kept(), (e) => e.message.includes("no longer valid"), "a kept stub in a Python child");
    return "ok";
  }

  // At most 4 calls wait at once for this worker to answer an object's
  // method (each holds a child's instance meanwhile).
  async pendingCap() {
    const { env } = this;
    let release;
    const gate = new Promise((r) => { release = r; });
    const wait = async () => { await gate; return "done"; };
    const code = {
      compatibilityDate: "2025-01-01",
      mainModule: "main.js",
      modules: { "main.js": "export default { async run(f) { return await f(); } }" },
    };
    const calls = [];
    for (let i = 0; i < 5; i++) {
      calls.push(env.LOADER.load(code).getEntrypoint().run(wait).then((v) => v, (e) => `error: ${e.message}`));
    }
    const fifth = await calls[4];
    release();
    const all = await Promise.all(calls);
    assertEq(all.slice(0, 4).join(","), "done,done,done,done", "four calls answered");
    if (!fifth.includes("at most 4")) throw new Error(`the fifth call: ${fifth}`);
    return "ok";
  }

  // Props the host parses (they may pass objects) are charged as parsed:
  // run with a 4 MiB host memory budget (tests/all/loader.rs).
  async propsCharged() {
    const worker = this.env.LOADER.load(greeterCode);
    const props = { s: "stub", a: new Array(100000).fill(0) };
    await assertRejects(worker.getEntrypoint("Classy", { props }).greet("x"),
      (e) => e.message.includes("host memory budget"), "props parsed on the host");
    // Small props that look the same still go.
    assertEq(await worker.getEntrypoint("Classy", { props: { s: "stub", greeting: "Yo" } }).greet("x"), "Yo, x!", "small props");
    return "ok";
  }

  // What the child may not do with a passed object, and what reaches it
  // when the object throws.
  async passedObjectLimits() {
    const { env } = this;
    class Secretive extends RpcTarget {
      constructor() { super(); this.purge = () => "purged"; this.token = "s3cret"; }
      get sneaky() { throw new Error("a getter ran"); }
      _secret() { return "leaked"; }
      fail() { throw new RangeError("tool failed"); }
      giveFunction() { return () => 1; }
      giveTarget() { return new Secretive(); }
    }
    const child = env.LOADER.load({
      compatibilityDate: "2025-01-01",
      mainModule: "main.js",
      modules: {
        "main.js": `
          let kept = null;
          async function error(p) { try { await p; return "no error"; } catch (e) { return e.message; } }
          export default {
            async probe(t) {
              kept = t;
              return [
                await error(t._secret()),
                await error(t.constructor()),
                await error(t.toString()),
                await error(t.missing()),
                await error(t.fail()),
                await error(t.giveFunction()),
                await error(t()),
                await error(t.purge()),
                await error(t.sneaky()),
                await error(t.giveTarget()),
              ].join(" | ");
            },
            async later() { return error(kept.fail()); },
          };
        `,
      },
    });
    const out = await child.getEntrypoint().probe(new Secretive());
    const parts = out.split(" | ");
    assertEq(parts.length, 10, `every probe answered (${out})`);
    for (const [i, method] of [[0, "_secret"], [1, "constructor"], [2, "toString"], [3, "missing"]]) {
      assertEq(parts[i], `The RPC receiver does not implement the method "${method}".`, method);
    }
    assertEq(parts[4], "tool failed", "the object's exception");
    if (!/serialize function/.test(parts[5])) throw new Error(`a function result: ${parts[5]}`);
    assertEq(parts[6], "The RPC receiver is not a function.", "calling an RpcTarget");
    // Only methods of its class: no own properties, no getters.
    assertEq(parts[7], `The RPC receiver does not implement the method "purge".`, "an own property");
    assertEq(parts[8], `The RPC receiver does not implement the method "sneaky".`, "a getter");
    // An RpcTarget is never sent by value (its fields would be).
    if (!parts[9].includes("Could not serialize an RpcTarget")) throw new Error(`an RpcTarget result: ${parts[9]}`);
    // Kept past the call that passed it, a stub reaches nothing.
    const later = await child.getEntrypoint().later();
    if (!later.includes("no longer valid")) throw new Error(`a kept stub: ${later}`);
    // Neither can env (it holds the Worker Loader), nor the loader itself.
    await assertRejects(child.getEntrypoint().probe(env),
      (e) => e.name === "DataCloneError", "passing env with its Worker Loader");
    await assertRejects(child.getEntrypoint().probe(env.LOADER.load),
      (e) => e.name === "DataCloneError", "passing LOADER.load");
    // A loaded worker's entrypoint cannot be handed on.
    const other = env.LOADER.load(greeterCode);
    await assertRejects(child.getEntrypoint().probe(other.getEntrypoint()),
      (e) => e.name === "DataCloneError" && e.message.startsWith("Entrypoints to dynamically-loaded workers cannot be transferred"), "passing a child's entrypoint");
    return "ok";
  }
}
