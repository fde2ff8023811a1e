// isolet's URLPattern (https://urlpattern.spec.whatwg.org/). The engine's
// `urlpattern` crate parses a pattern into one regular expression (in
// ECMAScript syntax) and group-name list per URL component, and turns a
// test()/exec() input into the URL's components (guest-js/src/urlpattern.rs);
// matching runs here with the engine's RegExp, so custom groups
// (`/books/:id(\\d+)`) mean what they mean in JavaScript.
//
// Evaluated at build time after the prelude; this script evaluates to a
// function of the engine's internal `lib` object and the native hooks.
(function (lib, native) {
  "use strict";

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });

  const COMPONENTS = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"];
  // URLPatternInit's members in WebIDL's conversion order (lexicographic).
  const INIT_KEYS = ["baseURL", "hash", "hostname", "password", "pathname", "port", "protocol", "search", "username"];

  // A URLPatternInput (a string or a URLPatternInit) as JSON for the engine,
  // converted as WebIDL converts it (USVString members, in order).
  function inputJson(input) {
    if (input !== null && typeof input === "object") {
      const init = {};
      for (const key of INIT_KEYS) {
        const value = input[key];
        if (value !== undefined) init[key] = String(value);
      }
      return JSON.stringify(init);
    }
    return JSON.stringify(String(input));
  }

  // (input, baseURL, options) or (input, options): a dictionary in the
  // second place is the options.
  function optionalBase(baseURL) {
    return baseURL === undefined ? undefined : String(baseURL);
  }

  class URLPattern {
    #parts;
    #hasRegExpGroups;
    constructor(input = undefined, baseURL = undefined, options = undefined) {
      if (input === undefined) input = {};
      if (options === undefined && baseURL !== null && typeof baseURL === "object") {
        options = baseURL;
        baseURL = undefined;
      }
      const ignoreCase = options !== undefined && options !== null && !!options.ignoreCase;
      const parsed = JSON.parse(native.urlPatternParse(inputJson(input), optionalBase(baseURL), ignoreCase));
      const flags = ignoreCase ? "ui" : "u";
      this.#parts = {};
      for (const name of COMPONENTS) {
        const c = parsed[name];
        let regexp;
        try {
          regexp = new RegExp(c.regexpString, flags);
        } catch (e) {
          throw new TypeError(`Invalid URLPattern: the ${name} pattern "${c.patternString}" is not a valid regular expression: ${e.message}`);
        }
        this.#parts[name] = { pattern: c.patternString, regexp, groups: c.groupNameList };
      }
      this.#hasRegExpGroups = !!parsed.hasRegexpGroups;
    }
    get protocol() { return this.#parts.protocol.pattern; }
    get username() { return this.#parts.username.pattern; }
    get password() { return this.#parts.password.pattern; }
    get hostname() { return this.#parts.hostname.pattern; }
    get port() { return this.#parts.port.pattern; }
    get pathname() { return this.#parts.pathname.pattern; }
    get search() { return this.#parts.search.pattern; }
    get hash() { return this.#parts.hash.pattern; }
    get hasRegExpGroups() { return this.#hasRegExpGroups; }

    test(input = undefined, baseURL = undefined) {
      return this.#match(input, baseURL, false) !== null;
    }
    exec(input = undefined, baseURL = undefined) {
      return this.#match(input, baseURL, true);
    }
    // null when the input is no URL or a component does not match; with
    // `full`, the URLPatternResult.
    #match(input, baseURL, full) {
      if (input === undefined) input = {};
      const base = optionalBase(baseURL);
      const json = native.urlPatternMatchInput(inputJson(input), base);
      if (json === null || json === undefined) return null;
      const values = JSON.parse(json);
      const result = full ? { inputs: base === undefined ? [input] : [input, base] } : null;
      for (const name of COMPONENTS) {
        const part = this.#parts[name];
        const value = values[name];
        const m = part.regexp.exec(value);
        if (m === null) return null;
        if (full) {
          const groups = {};
          for (let i = 0; i < part.groups.length; i++) groups[part.groups[i]] = m[i + 1];
          result[name] = { input: value, groups };
        }
      }
      return full ? result : true;
    }
    get [Symbol.toStringTag]() { return "URLPattern"; }
  }
  define("URLPattern", URLPattern);
})
