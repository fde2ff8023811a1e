// node:assert — assert and its strict/legacy comparisons, AssertionError,
// throws/rejects with validation objects, classes, RegExps or functions.
(function (lib, native, require) {
  "use strict";
  const { deepEqual, inspect } = lib.nodeUtil;

  class AssertionError extends Error {
    constructor(options) {
      const { message, actual, expected, operator } = options || {};
      super(message !== undefined ? String(message) : `${inspect(actual)} ${operator} ${inspect(expected)}`);
      this.name = "AssertionError";
      this.code = "ERR_ASSERTION";
      this.actual = actual;
      this.expected = expected;
      this.operator = operator;
      this.generatedMessage = message === undefined;
    }
  }
  function fail(actual, expected, message, operator, defaultMessage) {
    if (message instanceof Error) throw message;
    throw new AssertionError({ message: message === undefined ? defaultMessage : message, actual, expected, operator });
  }
  function ok(value, message) {
    if (!value) fail(value, true, message, "==", arguments.length === 0 ? "No value argument passed to `assert.ok()`" : `The expression evaluated to a falsy value:\n\n  assert.ok(${inspect(value)})\n`);
  }
  const describe = (a, op, b) => `Expected values to be ${op}:\n\n${inspect(a)}\n\nshould ${op === "strictly equal" || op === "loosely equal" ? "equal" : op} \n\n${inspect(b)}\n`;

  function matches(actual, expected, message, fn) {
    if (typeof expected === "function") {
      if (expected.prototype !== undefined && actual instanceof expected) return;
      if (Error.isPrototypeOf(expected) || expected === Error) fail(actual, expected, message, fn, `The error is expected to be an instance of "${expected.name}". Received "${actual && actual.constructor ? actual.constructor.name : typeof actual}"`);
      if (expected.call({}, actual) === true) return;
      fail(actual, expected, message, fn, `The ${fn === "rejects" ? "rejection" : "error"} validation function is expected to return "true". Received false`);
    }
    if (expected instanceof RegExp) {
      if (expected.test(String(actual))) return;
      fail(actual, expected, message, fn, `The input did not match the regular expression ${expected}. Input:\n\n${inspect(String(actual))}\n`);
    }
    if (expected !== null && typeof expected === "object") {
      for (const key of Object.keys(expected)) {
        const want = expected[key];
        const got = actual == null ? undefined : actual[key];
        if (want instanceof RegExp && typeof got === "string" ? !want.test(got) : !deepEqual(got, want, true)) {
          fail(actual, expected, message, fn, `Expected values to be strictly deep-equal:\n+ actual - expected\n\n  ${key}: ${inspect(got)} !== ${inspect(want)}`);
        }
      }
      return;
    }
  }
  function getThrown(fn) {
    if (typeof fn !== "function") throw new TypeError('The "fn" argument must be of type function');
    try { fn(); } catch (e) { return { thrown: true, error: e }; }
    return { thrown: false };
  }
  async function getRejected(p) {
    try { await (typeof p === "function" ? p() : p); } catch (e) { return { thrown: true, error: e }; }
    return { thrown: false };
  }

  function build(strict) {
    const assert = function assert(value, message) { ok.apply(null, arguments); };
    assert.ok = ok;
    assert.fail = (message = "Failed") => { if (message instanceof Error) throw message; throw new AssertionError({ message, operator: "fail" }); };
    assert.AssertionError = AssertionError;
    assert.strictEqual = (a, b, message) => { if (!Object.is(a, b)) fail(a, b, message, "strictEqual", describe(a, "strictly equal", b)); };
    assert.notStrictEqual = (a, b, message) => { if (Object.is(a, b)) fail(a, b, message, "notStrictEqual", `Expected "actual" to be strictly unequal to: ${inspect(b)}`); };
    assert.deepStrictEqual = (a, b, message) => { if (!deepEqual(a, b, true)) fail(a, b, message, "deepStrictEqual", `Expected values to be strictly deep-equal:\n${inspect(a)}\n\nshould equal\n\n${inspect(b)}`); };
    assert.notDeepStrictEqual = (a, b, message) => { if (deepEqual(a, b, true)) fail(a, b, message, "notDeepStrictEqual", `Expected "actual" not to be strictly deep-equal to: ${inspect(b)}`); };
    if (strict) {
      assert.equal = assert.strictEqual;
      assert.notEqual = assert.notStrictEqual;
      assert.deepEqual = assert.deepStrictEqual;
      assert.notDeepEqual = assert.notDeepStrictEqual;
    } else {
      // eslint-disable-next-line eqeqeq
      assert.equal = (a, b, message) => { if (!(a == b || (a !== a && b !== b))) fail(a, b, message, "==", `${inspect(a)} == ${inspect(b)}`); };
      // eslint-disable-next-line eqeqeq
      assert.notEqual = (a, b, message) => { if (a == b || (a !== a && b !== b)) fail(a, b, message, "!=", `${inspect(a)} != ${inspect(b)}`); };
      assert.deepEqual = (a, b, message) => { if (!deepEqual(a, b, false)) fail(a, b, message, "deepEqual", `Expected values to be loosely deep-equal:\n\n${inspect(a)}\n\nshould loosely deep-equal\n\n${inspect(b)}`); };
      assert.notDeepEqual = (a, b, message) => { if (deepEqual(a, b, false)) fail(a, b, message, "notDeepEqual", `"actual" deepEqual "expected"`); };
    }
    assert.throws = (fn, expected, message) => {
      if (typeof expected === "string") { message = expected; expected = undefined; }
      const r = getThrown(fn);
      if (!r.thrown) fail(undefined, expected, message, "throws", `Missing expected exception${expected && expected.name ? ` (${expected.name})` : ""}${message ? `: ${message}` : "."}`);
      if (expected !== undefined) matches(r.error, expected, message, "throws");
    };
    assert.doesNotThrow = (fn, expected, message) => {
      if (typeof expected === "string") message = expected;
      const r = getThrown(fn);
      if (r.thrown) fail(r.error, expected, message, "doesNotThrow", `Got unwanted exception.\nActual message: "${r.error && r.error.message}"`);
    };
    assert.rejects = async (p, expected, message) => {
      if (typeof expected === "string") { message = expected; expected = undefined; }
      const r = await getRejected(p);
      if (!r.thrown) fail(undefined, expected, message, "rejects", `Missing expected rejection${expected && expected.name ? ` (${expected.name})` : ""}${message ? `: ${message}` : "."}`);
      if (expected !== undefined) matches(r.error, expected, message, "rejects");
    };
    assert.doesNotReject = async (p, expected, message) => {
      if (typeof expected === "string") message = expected;
      const r = await getRejected(p);
      if (r.thrown) fail(r.error, expected, message, "doesNotReject", `Got unwanted rejection.\nActual message: "${r.error && r.error.message}"`);
    };
    assert.match = (s, re, message) => {
      if (!(re instanceof RegExp)) throw new TypeError('The "regexp" argument must be an instance of RegExp.');
      if (typeof s !== "string" || !re.test(s)) fail(s, re, message, "match", `The input did not match the regular expression ${re}. Input:\n\n${inspect(s)}\n`);
    };
    assert.doesNotMatch = (s, re, message) => {
      if (!(re instanceof RegExp)) throw new TypeError('The "regexp" argument must be an instance of RegExp.');
      if (typeof s !== "string" || re.test(s)) fail(s, re, message, "doesNotMatch", `The input was expected to not match the regular expression ${re}. Input:\n\n${inspect(s)}\n`);
    };
    assert.ifError = (value) => {
      if (value !== null && value !== undefined) {
        if (value instanceof Error) throw value;
        fail(value, null, undefined, "ifError", `ifError got unwanted exception: ${inspect(value)}`);
      }
    };
    return assert;
  }
  const assert = build(false);
  assert.strict = build(true);
  assert.strict.strict = assert.strict;
  return assert;
})
