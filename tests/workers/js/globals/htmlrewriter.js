// HTMLRewriter with Cloudflare's semantics (lol_html in the engine).
import { eq, ok, throws, rejects, suite } from "./harness.js";

const page = (html, headers) => new Response(html, { headers: { "content-type": "text/html", ...headers } });
const rewrite = (rewriter, html) => rewriter.transform(page(html)).text();
// A body split into small chunks, so tags and text cross chunk boundaries.
function chunked(html, size) {
  const bytes = new TextEncoder().encode(html);
  return new Response(new ReadableStream({
    start(c) {
      for (let i = 0; i < bytes.length; i += size) c.enqueue(bytes.slice(i, i + size));
      c.close();
    },
  }), { headers: { "content-type": "text/html", "content-length": String(bytes.length) } });
}

export default suite(async () => {
  // ------------------------------------------------------------ elements and attributes
  eq("setAttribute on matching elements",
    await rewrite(new HTMLRewriter().on("a[href]", {
      element(el) { el.setAttribute("href", el.getAttribute("href").replace("http:", "https:")); },
    }), '<a href="http://x.test/">x</a><a>no</a>'),
    '<a href="https://x.test/">x</a><a>no</a>');
  const seen = [];
  await rewrite(new HTMLRewriter().on("*", {
    element(el) { seen.push([el.tagName, [...el.attributes], el.hasAttribute("id"), el.getAttribute("missing")]); },
  }), '<div id="a" class="b"><p>t</p></div>');
  eq("tagName, attributes, hasAttribute, a missing attribute is null", seen,
    [["div", [["id", "a"], ["class", "b"]], true, null], ["p", [], false, null]]);
  eq("removeAttribute and tagName", await rewrite(new HTMLRewriter().on("b", {
    element(el) { el.removeAttribute("style"); el.tagName = "strong"; },
  }), '<b style="x" title="t">bold</b>'), '<strong title="t">bold</strong>');
  eq("content as text is escaped, as html is not", await rewrite(new HTMLRewriter().on("p", {
    element(el) {
      el.before("<hr>", { html: true });
      el.after("<i>&</i>");
      el.prepend("[");
      el.append("]");
    },
  }), "<p>x</p>"), "<hr><p>[x]</p>&lt;i&gt;&amp;&lt;/i&gt;");
  eq("setInnerContent", await rewrite(new HTMLRewriter().on("div", {
    element(el) { el.setInnerContent("<em>new</em>", { html: true }); },
  }), "<div><span>old</span></div>"), "<div><em>new</em></div>");
  eq("replace, remove, removeAndKeepContent", await rewrite(new HTMLRewriter()
    .on("s", { element(el) { el.replace("gone"); } })
    .on("script", { element(el) { el.remove(); } })
    .on("font", { element(el) { el.removeAndKeepContent(); } }),
  "<s>a</s><script>bad()</script><font>kept</font>"), "gone<font>kept</font>".replace("<font>kept</font>", "kept"));
  const flags = [];
  await rewrite(new HTMLRewriter().on("img, br, svg", {
    element(el) { flags.push([el.tagName, el.selfClosing, el.canHaveContent, el.namespaceURI, el.removed]); el.remove(); flags.push(el.removed); },
  }), '<img src=x><br/><svg></svg>');
  eq("selfClosing, canHaveContent, namespaceURI, removed", flags, [
    ["img", false, false, "http://www.w3.org/1999/xhtml", false], true,
    ["br", true, false, "http://www.w3.org/1999/xhtml", false], true,
    ["svg", false, true, "http://www.w3.org/2000/svg", false], true,
  ]);

  // ------------------------------------------------------------ selectors
  const matched = [];
  const record = { element(el) { matched.push(el.getAttribute("id")); } };
  await rewrite(new HTMLRewriter()
    .on("ul > li.x:nth-child(2)", record)
    .on('a[href^="https"]', record)
    .on("div :not(p)", record),
  '<ul><li id="1" class="x"></li><li id="2" class="x"></li></ul><a id="3" href="https://a"></a><a id="4" href="http://a"></a><div><p id="5"></p><span id="6"></span></div>');
  eq("child, class, nth-child, attribute prefix, :not", matched, ["2", "3", "6"]);
  throws("an invalid selector", () => new HTMLRewriter().on("p[", {}), "TypeError");
  throws("an unsupported selector", () => new HTMLRewriter().on("a:hover", {}), "TypeError");
  throws("handlers must be an object", () => new HTMLRewriter().on("p", null), "TypeError");

  // ------------------------------------------------------------ text, comments, end tags
  const texts = [];
  eq("text chunks", await rewrite(new HTMLRewriter().on("p", {
    text(t) { texts.push([t.text, t.lastInTextNode]); if (t.text.includes("secret")) t.replace("[redacted]"); },
  }), "<p>the secret</p>"), "<p>[redacted]</p>");
  eq("the last chunk of a text node is empty and marked", texts, [["the secret", false], ["", true]]);
  eq("comments", await rewrite(new HTMLRewriter().on("div", {
    comments(c) { if (c.text.trim() === "drop") c.remove(); else c.text = " changed "; },
  }), "<div><!--drop--><!--keep--></div>"), "<div><!-- changed --></div>");
  eq("onEndTag", await rewrite(new HTMLRewriter().on("section", {
    element(el) {
      el.onEndTag((end) => { end.before("<footer>f</footer>", { html: true }); end.after("!"); end.name = "article"; });
      el.tagName = "article";
    },
  }), "<section>s</section>"), "<article>s<footer>f</footer></article>!");

  // ------------------------------------------------------------ the document
  const doc = {};
  eq("onDocument", await rewrite(new HTMLRewriter().onDocument({
    doctype(d) { doc.doctype = [d.name, d.publicId, d.systemId]; },
    comments(c) { doc.comment = c.text; },
    text(t) { if (t.text.trim()) doc.text = (doc.text || "") + t.text; },
    end(end) { end.append("<!-- end -->", { html: true }); },
  }), '<!DOCTYPE html><!--c--><p>hi</p>'), '<!DOCTYPE html><!--c--><p>hi</p><!-- end -->');
  eq("doctype, comments and text of the document", doc, { doctype: ["html", null, null], comment: "c", text: "hi" });

  // ------------------------------------------------------------ async handlers, errors, misuse
  eq("async handlers are awaited", await rewrite(new HTMLRewriter().on("span", {
    async element(el) {
      await null;
      await new Promise((r) => setTimeout(r, 10));
      el.setInnerContent(String(await Promise.resolve(42)));
    },
  }), "<span>?</span><span>?</span>"), "<span>42</span><span>42</span>");
  await rejects("a throwing handler errors the body",
    rewrite(new HTMLRewriter().on("p", { element() { throw new RangeError("handler broke"); } }), "<p>x</p>"), "RangeError");
  await rejects("a rejecting async handler errors the body",
    rewrite(new HTMLRewriter().on("p", { async element() { await null; throw new SyntaxError("async broke"); } }), "<p>x</p>"), "SyntaxError");
  let kept;
  await rewrite(new HTMLRewriter().on("p", { element(el) { kept = el; } }), "<p>x</p>");
  throws("an element used after its handler", () => kept.setAttribute("a", "b"), "TypeError");
  throws("transform needs a Response", () => new HTMLRewriter().transform("x"), "TypeError");

  // ------------------------------------------------------------ streaming and the response
  const long = "<main>" + Array.from({ length: 200 }, (_, i) => `<a href="/p${i}">link ${i}</a>`).join("") + "</main>";
  let count = 0;
  const out = new HTMLRewriter().on("a", {
    element(el) { count++; el.setAttribute("href", "https://site.test" + el.getAttribute("href")); },
  }).transform(chunked(long, 7));
  eq("content-length is dropped, other headers kept", [out.headers.get("content-length"), out.headers.get("content-type")], [null, "text/html"]);
  const text = await out.text();
  eq("every element of a body split into 7-byte chunks", count, 200);
  ok("rewritten across chunk boundaries", text.includes('<a href="https://site.test/p199">link 199</a>') && !text.includes('href="/p'));
  const status = new HTMLRewriter().transform(new Response("<p>x</p>", { status: 404, statusText: "Nope" }));
  eq("status kept", [status.status, status.statusText], [404, "Nope"]);
  eq("a null body stays null", new HTMLRewriter().transform(new Response(null, { status: 204 })).body, null);
  const reused = new HTMLRewriter().on("p", { element(el) { el.setAttribute("n", "1"); } });
  eq("a rewriter transforms more than one response", [await reused.transform(page("<p></p>")).text(), await reused.transform(page("<p>2</p>")).text()],
    ['<p n="1"></p>', '<p n="1">2</p>']);
  const nested = await rewrite(new HTMLRewriter().on("div", {
    async element(el) {
      const inner = await new HTMLRewriter().on("b", { element(b) { b.tagName = "i"; } }).transform(new Response("<b>in</b>")).text();
      el.setInnerContent(inner, { html: true });
    },
  }), "<div></div>");
  eq("a rewriter inside a handler", nested, "<div><i>in</i></div>");
});
