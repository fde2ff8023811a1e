import { eq, ok, throws, rejects, suite } from "./harness.js";

export default suite(async (request) => {
  eq("incoming method", request.method, "PUT");
  eq("incoming body", await request.text(), "payload");
  ok("bodyUsed after read", request.bodyUsed);
  await rejects("second read fails", request.text(), "TypeError");

  const r = new Response("hello", { status: 201, statusText: "Created", headers: { "X-A": "1" } });
  eq("status", r.status, 201);
  eq("statusText", r.statusText, "Created");
  ok("ok", r.ok);
  eq("default content type", r.headers.get("content-type"), "text/plain;charset=UTF-8");
  const c = r.clone();
  eq("clone body", await c.text(), "hello");
  eq("original still readable", await r.text(), "hello");
  throws("clone after use", () => r.clone(), "TypeError");

  // Headers are built on first use; every path must show the same values.
  eq("lazy: no init", [...new Response("t").headers], [["content-type", "text/plain;charset=UTF-8"]]);
  eq("lazy: init without headers", [...new Response("t", { status: 202 }).headers], [["content-type", "text/plain;charset=UTF-8"]]);
  eq("lazy: null body has none", [...new Response(null).headers], []);
  eq("lazy: bytes body has none", [...new Response(new Uint8Array([1])).headers], []);
  const lazy = new Response("t");
  ok("lazy: same Headers each time", lazy.headers === lazy.headers);
  lazy.headers.set("x-later", "1");
  eq("lazy: mutation kept", [...lazy.headers], [["content-type", "text/plain;charset=UTF-8"], ["x-later", "1"]]);
  eq("lazy: explicit content type wins", new Response("t", { headers: { "content-type": "text/csv" } }).headers.get("content-type"), "text/csv");
  eq("default url/redirected/type", [lazy.url, lazy.redirected, lazy.type], ["", false, "default"]);
  eq("request defaults", [request.redirect, request.signal], ["follow", null]);
  eq("request redirect option", new Request("https://a.test/", { redirect: "manual" }).redirect, "manual");
  eq("request without headers", [...new Request("https://a.test/").headers], []);
  eq("request body implies a content type", new Request("https://a.test/", { method: "POST", body: "x" }).headers.get("content-type"), "text/plain;charset=UTF-8");
  eq("request method normalized", new Request("https://a.test/", { method: "post" }).method, "POST");
  throws("request bad method", () => new Request("https://a.test/", { method: "B@D" }), "TypeError");
  throws("request bad URL", () => new Request("not a url"), "TypeError");
  eq("request copies another's headers", new Request(new Request("https://a.test/", { headers: { "x-a": "1" } })).headers.get("x-a"), "1");

  // The shape WebIDL gives these classes: constructor lengths, no own
  // enumerable state, brand checks on the getters, Body members on both.
  eq("constructor lengths", [Request.length, Response.length], [1, 0]);
  eq("no own enumerable state", [Object.keys(request), Object.keys(lazy), JSON.stringify(lazy)], [[], [], "{}"]);
  throws("getter on a foreign object", () => Object.getOwnPropertyDescriptor(Response.prototype, "status").get.call({}), "TypeError");
  throws("url getter on a foreign object", () => Object.getOwnPropertyDescriptor(Request.prototype, "url").get.call({}), "TypeError");
  await rejects("body method on a foreign object", Response.prototype.text.call({}), "TypeError");
  eq("Body members on both", ["text", "json", "arrayBuffer", "bytes", "blob", "formData", "body", "bodyUsed"].filter((m) => !(m in Request.prototype) || !(m in Response.prototype)), []);
  ok("incoming request is a Request", request instanceof Request && Object.getPrototypeOf(request) === Request.prototype);
  class MyResponse extends Response { get extra() { return this.status + 1; } }
  eq("subclass", [new MyResponse("x", { status: 203 }).extra, await new MyResponse("body").text()], [204, "body"]);

  const j = Response.json({ a: [1] }, { status: 202 });
  eq("json content type", j.headers.get("content-type"), "application/json");
  eq("json body", await j.json(), { a: [1] });
  eq("json status", j.status, 202);
  const redirect = Response.redirect("https://a.test/next", 301);
  eq("redirect", [redirect.status, redirect.headers.get("location")], [301, "https://a.test/next"]);
  throws("a redirect's headers are immutable", () => redirect.headers.set("x", "1"), "TypeError");
  eq("a copy of it is not", new Response(null, redirect).headers.set("x", "1"), undefined);
  throws("redirect bad status", () => Response.redirect("https://a.test", 200), "RangeError");
  throws("status out of range", () => new Response("", { status: 99 }), "RangeError");
  throws("body with 204", () => new Response("x", { status: 204 }), "TypeError");
  eq("null body", await new Response(null).text(), "");
  eq("bytes body", [...new Uint8Array(await new Response(new Uint8Array([1, 2, 3])).arrayBuffer())], [1, 2, 3]);
  eq("Response.error", [Response.error().type, Response.error().status], ["error", 0]);

  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode("chunk1,"));
      controller.enqueue(new TextEncoder().encode("chunk2"));
      controller.close();
    },
  });
  const sr = new Response(stream);
  eq("streamed body text", await sr.text(), "chunk1,chunk2");
  let n = 0;
  const pulled = new ReadableStream({
    pull(controller) {
      n++;
      if (n > 3) controller.close();
      else controller.enqueue(new Uint8Array([48 + n]));
    },
  });
  eq("pull-based stream", await new Response(pulled).text(), "123");
  const reader = new Response("abc").body.getReader();
  const first = await reader.read();
  eq("body reader", [first.done, new TextDecoder().decode(first.value)], [false, "abc"]);
  eq("body reader done", (await reader.read()).done, true);
  const chunks = [];
  for await (const chunk of ReadableStream.from(["x", "y"])) chunks.push(chunk);
  eq("async iteration", chunks, ["x", "y"]);
  const [a, b] = new Response("tee").body.tee();
  eq("tee", [await new Response(a).text(), await new Response(b).text()], ["tee", "tee"]);
  await rejects("non-byte chunks", new Response(new ReadableStream({ start(c) { c.enqueue("str"); c.close(); } })).text(), "TypeError");
  const errored = new ReadableStream({ start(c) { c.error(new Error("stream broke")); } });
  await rejects("errored stream", new Response(errored).text());

  const req = new Request("https://a.test/x", { method: "post", body: JSON.stringify({ k: 1 }), headers: { "content-type": "application/json" } });
  eq("method normalized", req.method, "POST");
  eq("request json", await req.json(), { k: 1 });
  throws("GET with body", () => new Request("https://a.test", { body: "x" }), "TypeError");
  throws("relative request url", () => new Request("/relative"), "TypeError");
  const copy = new Request(new Request("https://a.test/y", { method: "DELETE" }), { headers: { a: "b" } });
  eq("request from request", [copy.method, copy.url, copy.headers.get("a")], ["DELETE", "https://a.test/y", "b"]);
  eq("redirect default", copy.redirect, "follow");
  const streamed = new Request("https://a.test", { method: "POST", body: ReadableStream.from([new Uint8Array([65, 66])]) });
  eq("request with stream body", await streamed.text(), "AB");
});
