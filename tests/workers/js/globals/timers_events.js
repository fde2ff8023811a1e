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

  // DOM Standard details (https://dom.spec.whatwg.org/#events).
  const t2 = new EventTarget();
  const phases = [];
  t2.addEventListener("e", () => phases.push("bubble"));
  t2.addEventListener("e", () => phases.push("capture"), true);
  t2.addEventListener("e", () => phases.push("capture-obj"), { capture: true });
  const handler = { handleEvent() { phases.push("object:" + (this === handler)); } };
  t2.addEventListener("e", handler);
  t2.dispatchEvent(new Event("e"));
  eq("capture listeners first, then the others; handleEvent on its object", phases, ["capture", "capture-obj", "bubble", "object:true"]);
  const same = () => {};
  const t3 = new EventTarget();
  let n = 0;
  const count = () => n++;
  t3.addEventListener("c", count);
  t3.addEventListener("c", count, true); // capture is part of a listener's identity
  t3.dispatchEvent(new Event("c"));
  eq("the same callback with and without capture is two listeners", n, 2);
  t3.removeEventListener("c", count, true);
  t3.dispatchEvent(new Event("c"));
  eq("removing by capture removes that one only", n, 3);
  t3.addEventListener("c", same, { signal: AbortSignal.abort() });
  const ac2 = new AbortController();
  t3.addEventListener("s", count, { signal: ac2.signal });
  ac2.abort();
  t3.dispatchEvent(new Event("s"));
  eq("a listener goes away when its signal aborts", n, 3);
  throws("addEventListener needs two arguments", () => t3.addEventListener("x"), "TypeError");
  throws("a listener must be an object or function", () => t3.addEventListener("x", 5), "TypeError");
  throws("signal must be an AbortSignal", () => t3.addEventListener("x", count, { signal: {} }), "TypeError");
  t3.addEventListener("x", null); // ignored
  const passive = new Event("p", { cancelable: true });
  t3.addEventListener("p", (e) => e.preventDefault(), { passive: true });
  eq("preventDefault does nothing in a passive listener", [t3.dispatchEvent(passive), passive.defaultPrevented], [true, false]);
  const stopper = new EventTarget();
  const seen = [];
  stopper.addEventListener("z", (e) => { seen.push(1); e.stopImmediatePropagation(); });
  stopper.addEventListener("z", () => seen.push(2));
  stopper.dispatchEvent(new Event("z"));
  eq("stopImmediatePropagation", seen, [1]);
  const removedDuring = new EventTarget();
  const r = [];
  const second = () => r.push(2);
  removedDuring.addEventListener("q", () => { r.push(1); removedDuring.removeEventListener("q", second); });
  removedDuring.addEventListener("q", second);
  removedDuring.dispatchEvent(new Event("q"));
  eq("a listener removed during dispatch is not called", r, [1]);
  const during = new Event("d", { bubbles: true });
  let inside;
  const t4 = new EventTarget();
  t4.addEventListener("d", (e) => {
    inside = [e.eventPhase, e.target === t4, e.currentTarget === t4, e.composedPath().length];
    try { t4.dispatchEvent(e); inside.push("no throw"); } catch (x) { inside.push(x.name); }
  });
  t4.dispatchEvent(during);
  eq("state during dispatch", inside, [Event.AT_TARGET, true, true, 1, "InvalidStateError"]);
  eq("state after dispatch", [during.eventPhase, during.currentTarget, during.target === t4, during.composedPath().length], [0, null, true, 0]);
  eq("event defaults", (() => { const e = new Event("t"); return [e.bubbles, e.cancelable, e.composed, e.isTrusted, e.defaultPrevented, e.returnValue, e.cancelBubble]; })(),
    [false, false, false, false, false, true, false]);
  ok("isTrusted is an own property", Object.hasOwn(new Event("t"), "isTrusted"));
  const rv = new Event("t", { cancelable: true });
  rv.returnValue = false;
  eq("returnValue = false cancels", rv.defaultPrevented, true);
  const ce = new CustomEvent("hello", { detail: { a: 1 } });
  eq("CustomEvent detail", [ce.type, ce.detail.a, ce instanceof Event, new CustomEvent("x").detail], ["hello", 1, true, null]);
  eq("Event phase constants", [Event.NONE, Event.CAPTURING_PHASE, Event.AT_TARGET, Event.BUBBLING_PHASE], [0, 1, 2, 3]);
  const init = new Event("a");
  init.initEvent("b", true, true);
  eq("initEvent", [init.type, init.bubbles, init.cancelable], ["b", true, true]);
  throws("dispatchEvent needs an Event", () => t4.dispatchEvent({ type: "x" }), "TypeError");

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
