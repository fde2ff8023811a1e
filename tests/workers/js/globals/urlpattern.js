// URLPattern (https://urlpattern.spec.whatwg.org/): construction from init
// dictionaries and strings (with a base URL), named, regexp, optional and
// wildcard groups, ignoreCase, test()/exec() on strings and init inputs,
// and the errors the spec asks for.
import { eq, ok, suite, throws } from "./harness.js";

export default suite(async () => {
  const books = new URLPattern({ pathname: "/books/:id" });
  eq("unspecified components are wildcards", [books.protocol, books.hostname, books.search], ["*", "*", "*"]);
  eq("the pathname pattern", books.pathname, "/books/:id");
  eq("no regexp groups", books.hasRegExpGroups, false);
  ok("a named group matches", books.test("https://example.com/books/123"));
  ok("a named group needs a character", !books.test("https://example.com/books/"));
  ok("a named group stops at /", !books.test("https://example.com/books/1/2"));
  const r = books.exec("https://example.com/books/123?x=1#top");
  eq("exec: the group", r.pathname.groups, { id: "123" });
  eq("exec: each component's input", [r.protocol.input, r.hostname.input, r.pathname.input, r.search.input, r.hash.input], ["https", "example.com", "/books/123", "x=1", "top"]);
  eq("exec: inputs", r.inputs, ["https://example.com/books/123?x=1#top"]);
  eq("exec: no match is null", books.exec("https://example.com/authors/1"), null);
  ok("test() with an init dictionary", books.test({ pathname: "/books/7" }));
  eq("exec() with an init dictionary", books.exec({ pathname: "/books/7" }).pathname.groups.id, "7");
  ok("a string that is no URL does not match (and does not throw)", !books.test("not a url"));

  const digits = new URLPattern({ pathname: "/books/:id(\\d+)" });
  eq("regexp groups are reported", digits.hasRegExpGroups, true);
  ok("a regexp group matches digits", digits.test("https://a.test/books/42"));
  ok("a regexp group rejects letters", !digits.test("https://a.test/books/abc"));

  const api = new URLPattern("/api/*", "https://example.com");
  eq("a string pattern with a base URL fixes the origin", [api.protocol, api.hostname, api.pathname], ["https", "example.com", "/api/*"]);
  ok("same origin matches", api.test("https://example.com/api/users/1"));
  ok("another host does not", !api.test("https://other.example/api/users/1"));
  eq("a wildcard is group 0", api.exec("https://example.com/api/users/1").pathname.groups, { 0: "users/1" });
  const relative = api.exec("/api/v2", "https://example.com");
  eq("exec with a base URL: inputs", relative.inputs, ["/api/v2", "https://example.com"]);
  eq("exec with a base URL: groups", relative.pathname.groups[0], "v2");

  const sub = new URLPattern("https://:sub.example.com/*");
  eq("a hostname group", sub.exec("https://api.example.com/x").hostname.groups.sub, "api");
  const anySub = new URLPattern({ hostname: "*.example.com" });
  ok("a hostname wildcard matches subdomains", anySub.test("https://a.b.example.com/"));
  ok("a hostname wildcard needs one", !anySub.test("https://example.com/"));

  const optional = new URLPattern({ pathname: "/files/:name?" });
  ok("an optional group may be absent", optional.test("https://a.test/files"));
  const absent = optional.exec("https://a.test/files").pathname.groups;
  ok("an absent optional group is undefined", "name" in absent && absent.name === undefined);
  eq("a present optional group", optional.exec("https://a.test/files/x.txt").pathname.groups.name, "x.txt");

  const query = new URLPattern({ search: "q=:q" });
  eq("a search group", query.exec("https://a.test/?q=isolet").search.groups.q, "isolet");

  const caseless = new URLPattern({ pathname: "/Books" }, { ignoreCase: true });
  ok("ignoreCase", caseless.test("https://a.test/books"));
  ok("case matters by default", !new URLPattern({ pathname: "/Books" }).test("https://a.test/books"));

  const everything = new URLPattern();
  ok("no pattern matches every URL", everything.test("https://anything.example/at/all?q#h"));

  throws("an unbalanced group", () => new URLPattern({ pathname: "/(" }), "TypeError");
  throws("a group that is no regular expression", () => new URLPattern({ pathname: "/:id([)" }), "TypeError");
  throws("a base URL with an init dictionary", () => new URLPattern({ pathname: "/x" }, "https://a.test"), "TypeError");
  throws("an invalid base URL", () => new URLPattern("/x", "not a base"), "TypeError");
  eq("toStringTag", Object.prototype.toString.call(books), "[object URLPattern]");
});
