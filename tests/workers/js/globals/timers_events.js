import { eq, ok, throws, rejects, suite } from "./harness.js";

export default suite(async () => {
  const order = [];
  const t1 = setTimeout(() => order.push("t100"), 100);
  setTimeout(() => order.push("t10"), 10);
  setTimeout((a, b) => order.push(a + b), 50, "arg", "s");
  const cancelled = setTimeout(() => order.push("cancelled"), 5);
  clearTimeout(cancelled);
  let ticks = 0;
  const iv = setInterval(() => { ticks++; if (ticks === 3) clearInterval(iv); }, 20);
  queueMicrotask(() => order.push("micro"));
  await new Promise((r) => setTimeout(r, 200));
  eq("timer order", order, ["micro", "t10", "args", "t100"]);
  eq("interval ran 3 times", ticks, 3);
  ok("timer ids are numbers", typeof t1 === "number");
  throws("setTimeout needs a function", () => setTimeout("code", 1), "TypeError");

  const t0 = performance.now();
  ok("performance.now is a number", typeof t0 === "number" && t0 >= 0);
  eq("navigator.userAgent", typeof navigator.userAgent, "string");

  const target = new EventTarget();
  const got = [];
  const listener = (e) => got.push(e.type);
  target.addEventListener("ping", listener);
  target.addEventListener("ping", listener); // duplicates ignored
  target.addEventListener("ping", () => got.push("once"), { once: true });
  target.dispatchEvent(new Event("ping"));
  target.dispatchEvent(new Event("ping"));
  target.removeEventListener("ping", listener);
  target.dispatchEvent(new Event("ping"));
  eq("event listeners", got, ["ping", "once", "ping"]);
  const cancelable = new Event("x", { cancelable: true });
  target.addEventListener("x", (e) => e.preventDefault());
  eq("preventDefault", target.dispatchEvent(cancelable), false);

  const ac = new AbortController();
  let aborted = 0;
  ac.signal.addEventListener("abort", () => aborted++);
  ok("not aborted yet", !ac.signal.aborted);
  ac.abort();
  ac.abort();
  ok("aborted", ac.signal.aborted);
  eq("abort event once", aborted, 1);
  eq("default reason", ac.signal.reason.name, "AbortError");
  throws("throwIfAborted", () => ac.signal.throwIfAborted(), "AbortError");
  eq("custom reason", AbortSignal.abort("why").reason, "why");
  const timeout = AbortSignal.timeout(30);
  await new Promise((r) => setTimeout(r, 40));
  eq("timeout signal", timeout.reason && timeout.reason.name, "TimeoutError");
  ok("any()", AbortSignal.any([new AbortController().signal, AbortSignal.abort()]).aborted);
  throws("AbortSignal not constructible", () => new AbortSignal(), "TypeError");
  try {
    await fetch("https://example.com/", { signal: AbortSignal.abort() });
    eq("fetch with aborted signal rejects", "resolved", "rejected");
  } catch (e) {
    eq("fetch with aborted signal rejects", e.name, "AbortError");
  }
  // scheduler.wait (Cloudflare): an awaitable timer, cancellable.
  const waits = [];
  setTimeout(() => waits.push("timeout 20"), 20);
  await scheduler.wait(10);
  waits.push("waited 10");
  await scheduler.wait(15);
  eq("scheduler.wait resolves in timer order", waits, ["waited 10", "timeout 20"]);
  const stop = new AbortController();
  const cancelledWait = scheduler.wait(1000, { signal: stop.signal });
  stop.abort(new RangeError("stop"));
  await rejects("scheduler.wait rejects when its signal aborts", cancelledWait, "RangeError");
  await rejects("scheduler.wait with an aborted signal", scheduler.wait(1, { signal: AbortSignal.abort() }), "AbortError");
  await rejects("scheduler.wait with a bad signal", scheduler.wait(1, { signal: {} }), "TypeError");
});
