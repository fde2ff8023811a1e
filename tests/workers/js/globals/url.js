import { eq, ok, throws, suite } from "./harness.js";

export default suite(() => {
  const u = new URL("https://user:pw@EXAMPLE.com:8443/a/../b/./c?x=1&y=two#frag");
  eq("href normalized", u.href, "https://user:pw@example.com:8443/b/c?x=1&y=two#frag");
  eq("origin", u.origin, "https://example.com:8443");
  eq("protocol", u.protocol, "https:");
  eq("username", u.username, "user");
  eq("host", u.host, "example.com:8443");
  eq("hostname", u.hostname, "example.com");
  eq("port", u.port, "8443");
  eq("pathname", u.pathname, "/b/c");
  eq("search", u.search, "?x=1&y=two");
  eq("hash", u.hash, "#frag");
  eq("default port dropped", new URL("https://a.test:443/").port, "");
  eq("relative with base", new URL("../x?q", "https://a.test/p/q/r").href, "https://a.test/p/x?q");
  eq("idna host", new URL("https://mañana.com/").hostname, "xn--maana-pta.com");
  eq("percent-encodes spaces in path", new URL("https://a.test/a b").pathname, "/a%20b");
  eq("ipv6 host", new URL("http://[::1]:8080/").hostname, "[::1]");
  eq("file url", new URL("file:///etc/passwd").pathname, "/etc/passwd");
  // Every component of URLs whose parts are empty, bracketed or bare.
  const parts = (x) => [x.protocol, x.username, x.password, x.host, x.hostname, x.port, x.pathname, x.search, x.hash, x.origin];
  eq("password", u.password, "pw");
  eq("all parts, ipv6 with port", parts(new URL("http://u@[::1]:8080/p?#")), ["http:", "u", "", "[::1]:8080", "[::1]", "8080", "/p", "", "", "http://[::1]:8080"]);
  eq("all parts, opaque", parts(new URL("mailto:someone@example.com?subject=hi")), ["mailto:", "", "", "", "", "", "someone@example.com", "?subject=hi", "", "null"]);
  eq("all parts, file", parts(new URL("file:///tmp/a#x")), ["file:", "", "", "", "", "", "/tmp/a", "", "#x", "null"]);
  eq("bare ? and # read as empty", [new URL("https://a.test/?").search, new URL("https://a.test/#").hash], ["", ""]);
  const moved = new URL("https://a.test/one?a=1");
  const params = moved.searchParams;
  moved.href = "https://b.test:8080/two?b=2#h";
  eq("after the href setter", [...parts(moved), params.get("b"), moved.searchParams === params], ["https:", "", "", "b.test:8080", "b.test", "8080", "/two", "?b=2", "#h", "https://b.test:8080", "2", true]);
  moved.pathname = "/three";
  eq("a setter keeps the rest", [moved.href, moved.origin], ["https://b.test:8080/three?b=2#h", "https://b.test:8080"]);
  // The form-urlencoded parser and serializer (native) on WHATWG's edge cases.
  eq("form parse", [...new URLSearchParams("a=%zz&b=%C3%A9&c=x+y&&d&=e&f==")], [["a", "%zz"], ["b", "é"], ["c", "x y"], ["d", ""], ["", "e"], ["f", "="]]);
  eq("form parse: bad UTF-8", new URLSearchParams("?a=%FF").get("a"), "\uFFFD");
  eq("form serialize", new URLSearchParams({ a: "x y", b: "é&", c: "*-._~!'()" }).toString(), "a=x+y&b=%C3%A9%26&c=*-._%7E%21%27%28%29");
  eq("form round trip", new URLSearchParams(new URLSearchParams({ "k ey": "v=a&l" }).toString()).get("k ey"), "v=a&l");
  ok("canParse", URL.canParse("https://a.test/") && !URL.canParse("no scheme") && URL.canParse("x", "https://a.test/"));
  eq("odd: backslashes in special scheme", new URL("https:\\\\a.test\\x").href, "https://a.test/x");
  eq("odd: tabs and newlines stripped", new URL("https://a.\ntest/\tx").href, "https://a.test/x");
  throws("relative without base", () => new URL("/just/a/path"), "TypeError");
  throws("garbage", () => new URL("http://exa mple.com"), "TypeError");
  eq("canParse true", URL.canParse("https://x.test"), true);
  eq("canParse false", URL.canParse("nope"), false);
  eq("toString/JSON", JSON.stringify({ u: new URL("https://a.test") }), '{"u":"https://a.test/"}');

  const m = new URL("https://a.test/p?a=1");
  m.pathname = "/new path";
  m.hash = "h";
  m.port = "8080";
  eq("setters", m.href, "https://a.test:8080/new%20path?a=1#h");
  m.searchParams.append("b", "x y");
  eq("searchParams write-through", m.search, "?a=1&b=x+y");
  m.search = "?c=3";
  eq("search setter updates searchParams", m.searchParams.get("c"), "3");

  const p = new URLSearchParams("?a=1&b=%20two+words&a=3&empty=&flag");
  eq("get first", p.get("a"), "1");
  eq("getAll", p.getAll("a"), ["1", "3"]);
  eq("decoding", p.get("b"), " two words");
  eq("empty value", p.get("empty"), "");
  eq("no =", p.get("flag"), "");
  eq("has", p.has("flag"), true);
  p.delete("a");
  eq("delete all", p.getAll("a"), []);
  p.set("z", "ü&=");
  eq("serialize", p.toString(), "b=+two+words&empty=&flag=&z=%C3%BC%26%3D");
  p.sort();
  eq("sort", [...p.keys()], ["b", "empty", "flag", "z"]);
  eq("from object", new URLSearchParams({ x: "1", y: "2" }).toString(), "x=1&y=2");
  eq("from pairs", new URLSearchParams([["k", "v"]]).toString(), "k=v");
  eq("invalid percent kept", new URLSearchParams("a=%zz%").get("a"), "%zz%");
  eq("size", new URLSearchParams("a=1&b=2").size, 2);
  ok("body content type", new Request("https://a.test", { method: "POST", body: new URLSearchParams("a=1") }).headers.get("content-type").startsWith("application/x-www-form-urlencoded"));

  // WebIDL conversions of the init (sequence, record, USVString).
  eq("record keeps own enumerable string keys in order", new URLSearchParams(Object.defineProperties({ b: 1, a: 2, [Symbol("s")]: 3 },
    { hidden: { value: "x", enumerable: false } })).toString(), "b=1&a=2");
  eq("record values are strings", [...new URLSearchParams({ n: 1, u: undefined, o: null })], [["n", "1"], ["u", "undefined"], ["o", "null"]]);
  eq("lone surrogates become U+FFFD in names and values", [...new URLSearchParams({ "a\uD800": "\uDC00b" })], [["a\uFFFD", "\uFFFDb"]]);
  eq("lone surrogate in a string init", new URLSearchParams("x=\uD83D").get("x"), "\uFFFD");
  eq("a pair of a surrogate pair stays", new URLSearchParams([["k", "\uD83D\uDE00"]]).get("k"), "😀");
  eq("pairs from any iterable", new URLSearchParams(new Map([["m", "1"], ["n", "2"]])).toString(), "m=1&n=2");
  eq("pairs that are iterables", new URLSearchParams([new Set(["s", "t"])]).toString(), "s=t");
  eq("a generator of pairs", new URLSearchParams((function* () { yield ["g", "1"]; })()).toString(), "g=1");
  throws("a pair of three", () => new URLSearchParams([["a", "b", "c"]]), "TypeError");
  throws("a pair that is not iterable", () => new URLSearchParams([1]), "TypeError");
  throws("a string is not a pair", () => new URLSearchParams(["ab"]), "TypeError");
  throws("@@iterator that is not callable", () => new URLSearchParams({ [Symbol.iterator]: 1 }), "TypeError");
  eq("a URLSearchParams is copied", new URLSearchParams(new URLSearchParams("z=9")).toString(), "z=9");
  eq("a function is a record", new URLSearchParams(Object.assign(function () {}, { f: "1" })).toString(), "f=1");
  const q = new URLSearchParams("a=1&a=2&b=3");
  q.delete("a", "2");
  eq("delete by name and value", q.toString(), "a=1&b=3");
  ok("has by name and value", q.has("a", "1") && !q.has("a", "2"));
  q.append("c\uDFFF", "v");
  eq("append converts to USVString", q.getAll("c\uFFFD"), ["v"]);
  throws("append needs two arguments", () => q.append("x"), "TypeError");
  throws("get needs a name", () => q.get(), "TypeError");

  // DOMException (WebIDL): accessors on the prototype, legacy codes.
  const e = new DOMException("gone", "NotFoundError");
  eq("DOMException name", e.name, "NotFoundError");
  eq("DOMException message", e.message, "gone");
  eq("DOMException code", e.code, 8);
  ok("DOMException is an Error", e instanceof Error && e instanceof DOMException);
  ok("name, message and code are not own properties", !Object.hasOwn(e, "name") && !Object.hasOwn(e, "message") && !Object.hasOwn(e, "code"));
  eq("defaults", [new DOMException().name, new DOMException().message, new DOMException().code], ["Error", "", 0]);
  eq("unknown names have code 0", new DOMException("x", "DataError").code, 0);
  eq("AbortError code", new DOMException("x", "AbortError").code, 20);
  eq("constants", [DOMException.NOT_FOUND_ERR, DOMException.DATA_CLONE_ERR, e.ABORT_ERR], [8, 25, 20]);
  eq("toString", String(e), "NotFoundError: gone");
  eq("class string", Object.prototype.toString.call(e), "[object DOMException]");
  throws("getters check their receiver", () => Object.getOwnPropertyDescriptor(DOMException.prototype, "code").get.call({}), "TypeError");
  eq("errors isolet throws have codes", (() => { try { atob("*"); } catch (x) { return [x.name, x.code]; } })(), ["InvalidCharacterError", 5]);
  eq("navigator.language", [navigator.language, navigator.languages[0]], ["en", "en"]);
  eq("reportError is a function", typeof reportError, "function");
});
