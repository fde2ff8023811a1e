import { eq, ok, throws, suite } from "./harness.js";

export default suite(() => {
  const h = new Headers({ "Content-Type": "text/plain", "X-A": "1" });
  eq("case-insensitive get", h.get("content-type"), "text/plain");
  // Validation results are remembered per string; each use still checks.
  for (let round = 0; round < 2; round++) {
    throws(`bad name, round ${round}`, () => new Headers({ "x y": "1" }), "TypeError");
    throws(`bad value, round ${round}`, () => new Headers({ a: "1\r\nb: 2" }), "TypeError");
    eq(`value trimmed, round ${round}`, new Headers({ "X-Trim": " \t v \t " }).get("x-trim"), "v");
    eq(`name lowercased, round ${round}`, [...new Headers([["X-Mixed", "1"]])], [["x-mixed", "1"]]);
  }
  const long = "v".repeat(1000);
  eq("a long value", new Headers({ a: long }).get("a"), long);
  throws("Response.error()'s headers are immutable", () => Response.error().headers.append("a", "1"), "TypeError");
  eq("case-insensitive has", h.has("CONTENT-TYPE"), true);
  h.append("x-a", "2");
  eq("duplicates join with comma", h.get("X-A"), "1, 2");
  h.set("X-A", "3");
  eq("set replaces all", h.get("x-a"), "3");
  h.delete("x-A");
  eq("delete", h.get("x-a"), null);
  eq("missing is null", h.get("nope"), null);

  const multi = new Headers([["b", "2"], ["a", "1"], ["Set-Cookie", "x=1"], ["set-cookie", "y=2"]]);
  eq("iteration is sorted and lower-case", [...multi], [["a", "1"], ["b", "2"], ["set-cookie", "x=1"], ["set-cookie", "y=2"]]);
  eq("getSetCookie", multi.getSetCookie(), ["x=1", "y=2"]);
  eq("keys", [...multi.keys()], ["a", "b", "set-cookie", "set-cookie"]);
  const seen = [];
  multi.forEach((v, k) => seen.push(k + "=" + v));
  eq("forEach", seen, ["a=1", "b=2", "set-cookie=x=1", "set-cookie=y=2"]);
  eq("copy constructor", new Headers(multi).get("a"), "1");
  eq("values are trimmed", new Headers({ x: "  padded \t" }).get("x"), "padded");
  throws("invalid name", () => new Headers({ "bad name": "x" }), "TypeError");
  throws("invalid value", () => new Headers({ x: "a\r\nb" }), "TypeError");
  throws("bad pair", () => new Headers([["only-one"]]), "TypeError");
  const r = new Response("x", { headers: { A: "1" } });
  ok("response headers is Headers", r.headers instanceof Headers);
  eq("toStringTag", Object.prototype.toString.call(h), "[object Headers]");
});
