// HTMLRewriter, with Cloudflare's API: `on(selector, handlers)` for
// elements (and the comments and text inside them), `onDocument(handlers)`
// for the doctype, all comments and text, and the end; `transform(response)`
// returns a Response whose body is rewritten as it streams. The rewriting
// is lol_html in the engine (src/htmlrewriter.rs); the objects handlers get
// are valid only while the handler runs. Handlers may be async: the
// rewriter waits for their promises.
//
// Evaluated at build time after the prelude; takes the engine's internal
// `lib` object and the natives.
(function (lib, native) {
  "use strict";

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  const illegal = Symbol("internal");
  const op = (token, name, a, b) => native.rwOp(token, name, a, b);
  function contentOptions(options) {
    if (options === undefined || options === null) return undefined;
    if (typeof options !== "object") throw new TypeError("Content options must be an object like { html: true }");
    return { html: !!options.html };
  }
  // Methods that add content around a unit, chaining as in Workers.
  function contentMethods(Class, names) {
    for (const name of names) {
      Object.defineProperty(Class.prototype, name, {
        value(content, options) { op(this._token, name, String(content), contentOptions(options)); return this; },
        writable: true, configurable: true,
      });
    }
  }

  class Element {
    constructor(key, token, endTags) {
      if (key !== illegal) throw new TypeError("Illegal constructor");
      this._token = token;
      this._endTags = endTags;
    }
    get tagName() { return op(this._token, "tagName"); }
    set tagName(name) { op(this._token, "setTagName", String(name)); }
    get namespaceURI() { return op(this._token, "namespaceURI"); }
    get selfClosing() { return op(this._token, "selfClosing"); }
    get canHaveContent() { return op(this._token, "canHaveContent"); }
    get removed() { return op(this._token, "removed"); }
    get attributes() { return op(this._token, "attributes")[Symbol.iterator](); }
    getAttribute(name) { return op(this._token, "getAttribute", String(name)); }
    hasAttribute(name) { return op(this._token, "hasAttribute", String(name)); }
    setAttribute(name, value) { op(this._token, "setAttribute", String(name), String(value)); return this; }
    removeAttribute(name) { op(this._token, "removeAttribute", String(name)); return this; }
    remove() { op(this._token, "remove"); return this; }
    removeAndKeepContent() { op(this._token, "removeAndKeepContent"); return this; }
    onEndTag(handler) {
      if (typeof handler !== "function") throw new TypeError("onEndTag needs a function");
      op(this._token, "onEndTag", this._endTags(handler));
    }
  }
  contentMethods(Element, ["before", "after", "prepend", "append", "replace", "setInnerContent"]);

  class EndTag {
    constructor(key, token) { if (key !== illegal) throw new TypeError("Illegal constructor"); this._token = token; }
    get name() { return op(this._token, "name"); }
    set name(name) { op(this._token, "setName", String(name)); }
    remove() { op(this._token, "remove"); return this; }
  }
  contentMethods(EndTag, ["before", "after"]);

  class Text {
    constructor(key, token) { if (key !== illegal) throw new TypeError("Illegal constructor"); this._token = token; }
    get text() { return op(this._token, "text"); }
    get lastInTextNode() { return op(this._token, "lastInTextNode"); }
    get removed() { return op(this._token, "removed"); }
    remove() { op(this._token, "remove"); return this; }
  }
  contentMethods(Text, ["before", "after", "replace"]);

  class Comment {
    constructor(key, token) { if (key !== illegal) throw new TypeError("Illegal constructor"); this._token = token; }
    get text() { return op(this._token, "text"); }
    set text(value) { op(this._token, "setText", String(value)); }
    get removed() { return op(this._token, "removed"); }
    remove() { op(this._token, "remove"); return this; }
  }
  contentMethods(Comment, ["before", "after", "replace"]);

  class Doctype {
    constructor(key, token) { if (key !== illegal) throw new TypeError("Illegal constructor"); this._token = token; }
    get name() { return op(this._token, "name"); }
    get publicId() { return op(this._token, "publicId"); }
    get systemId() { return op(this._token, "systemId"); }
  }

  class DocumentEnd {
    constructor(key, token) { if (key !== illegal) throw new TypeError("Illegal constructor"); this._token = token; }
    append(content, options) { op(this._token, "append", String(content), contentOptions(options)); return this; }
  }

  function handlerObject(handlers, what) {
    if (handlers === null || typeof handlers !== "object" && typeof handlers !== "function") {
      throw new TypeError(`${what} needs an object of handler functions`);
    }
    return handlers;
  }
  const has = (o, name) => typeof o[name] === "function";

  class HTMLRewriter {
    #elements = [];
    #documents = [];
    on(selector, handlers) {
      selector = String(selector);
      native.rewriterCheckSelector(selector);
      this.#elements.push([selector, handlerObject(handlers, "HTMLRewriter.on()")]);
      return this;
    }
    onDocument(handlers) {
      this.#documents.push(handlerObject(handlers, "HTMLRewriter.onDocument()"));
      return this;
    }
    transform(response) {
      if (!(response instanceof Response)) throw new TypeError("HTMLRewriter.transform() needs a Response");
      const elements = this.#elements.slice();
      const documents = this.#documents.slice();
      const endTags = new Map();
      let nextEndTag = 0;
      const registerEndTag = (fn) => { endTags.set(++nextEndTag, fn); return nextEndTag; };
      const dispatch = (kind, index, token) => {
        switch (kind) {
          case 0: return elements[index][1].element(new Element(illegal, token, registerEndTag));
          case 1: return elements[index][1].comments(new Comment(illegal, token));
          case 2: return elements[index][1].text(new Text(illegal, token));
          case 3: return documents[index].doctype(new Doctype(illegal, token));
          case 4: return documents[index].comments(new Comment(illegal, token));
          case 5: return documents[index].text(new Text(illegal, token));
          case 6: return documents[index].end(new DocumentEnd(illegal, token));
          case 7: {
            const fn = endTags.get(index);
            endTags.delete(index);
            return fn(new EndTag(illegal, token));
          }
        }
        return undefined;
      };
      const selectors = elements.map(([s, h]) => [s, has(h, "element"), has(h, "comments"), has(h, "text")]);
      const docs = documents.map((h) => [has(h, "doctype"), has(h, "comments"), has(h, "text"), has(h, "end")]);
      const headers = new Headers(response.headers);
      headers.delete("content-length");
      const init = { status: response.status, statusText: response.statusText, headers };
      const input = response.body;
      if (input === null) return new Response(null, init);
      let handle = 0;
      const rewritten = input.pipeThrough(new TransformStream({
        start() { handle = native.rewriterNew(selectors, docs, dispatch, lib.runNextTimer); },
        transform(chunk, c) {
          const out = native.rewriterWrite(handle, lib.bufferBytes(chunk, "An HTMLRewriter input chunk"));
          if (out.byteLength) c.enqueue(out);
        },
        flush(c) {
          const out = native.rewriterEnd(handle);
          handle = 0;
          if (out.byteLength) c.enqueue(out);
        },
        cancel() { if (handle) native.rewriterFree(handle); },
      }));
      return new Response(rewritten, init);
    }
  }
  define("HTMLRewriter", HTMLRewriter);
});
