// A tiny assertion harness shared by the test suites (tests/js_api.rs runs
// each and checks that exactly its number of checks passed): each check
// records a failure instead of throwing, and the suite's fetch handler
// answers with the count of checks passed and every failure.
const failures = [];
let passed = 0;

const classOf = (v) => Object.prototype.toString.call(v);
const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
const isView = (v) => ArrayBuffer.isView(v);

// The own enumerable keys of `o`: strings, then symbols.
function ownKeys(o) {
  const keys = Object.keys(o);
  for (const s of Object.getOwnPropertySymbols(o)) {
    if (Object.prototype.propertyIsEnumerable.call(o, s)) keys.push(s);
  }
  return keys;
}

// The bytes a view or buffer covers.
function bytesOf(v) {
  if (isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return new Uint8Array(v);
}

// Structural equality, strict:
// - primitives by Object.is (-0 is not 0, NaN is NaN, 1 is not "1");
// - objects must share their prototype and their internal class
//   (Object.prototype.toString), then:
//   - Date: the same time value; RegExp: the same source, flags and
//     lastIndex; boxed primitives: the same primitive (Object.is);
//   - ArrayBuffer, DataView: the same bytes; typed arrays: the same
//     length and elements by Object.is (so NaN and -0 count);
//   - Map: the same size, each key (found as the Map finds it, else a
//     deeply equal key not yet matched) with a deeply equal value;
//     Set: the same size, each element present or matched the same way;
//   - errors (DOMException too): the same name and message;
//   - functions, promises, weak collections: identity only;
//   - and for all of these, arrays (whose holes are keys that are not
//     there) and any other object: the same own enumerable keys (strings
//     and symbols), their values deeply equal;
// - cycles: a pair of objects met again while it is being compared counts
//   as equal (the comparison of the pair decides).
function deepEqual(a, b, seen = new Map()) {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) {
    // Different primitives, or a primitive and an object, or two distinct
    // functions (compared by identity, as above).
    return false;
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const tag = classOf(a);
  if (tag !== classOf(b)) return false;
  let pairs = seen.get(a);
  if (pairs && pairs.has(b)) return true;
  if (!pairs) seen.set(a, (pairs = new Set()));
  pairs.add(b);
  try {
    return sameContents(a, b, tag, seen);
  } finally {
    pairs.delete(b);
  }
}

function sameContents(a, b, tag, seen) {
  switch (tag) {
    case "[object Date]":
      if (!Object.is(a.getTime(), b.getTime())) return false;
      break;
    case "[object RegExp]":
      if (a.source !== b.source || a.flags !== b.flags || !Object.is(a.lastIndex, b.lastIndex)) return false;
      break;
    case "[object Number]":
    case "[object String]":
    case "[object Boolean]":
    case "[object BigInt]":
    case "[object Symbol]":
      if (!Object.is(a.valueOf(), b.valueOf())) return false;
      break;
    case "[object Promise]":
    case "[object WeakMap]":
    case "[object WeakSet]":
    case "[object WeakRef]":
      return false; // distinct objects (identity was checked first)
    case "[object Map]":
      if (!sameMaps(a, b, seen)) return false;
      break;
    case "[object Set]":
      if (!sameSets(a, b, seen)) return false;
      break;
    case "[object ArrayBuffer]":
    case "[object SharedArrayBuffer]":
    case "[object DataView]":
      // (A detached buffer has no bytes, and no view can be made of it.)
      if (a.byteLength !== b.byteLength) return false;
      if (a.byteLength > 0 && !sameBytes(bytesOf(a), bytesOf(b))) return false;
      break;
    default:
      if (isView(a)) {
        if (a.length !== b.length) return false;
        for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
        return true; // a typed array's own keys are its elements
      }
  }
  // Errors (DOMException included, whatever its tag): their name and
  // message are inherited accessors or non-enumerable own properties.
  if (a instanceof Error && (a.name !== b.name || a.message !== b.message)) return false;
  if (Array.isArray(a) && a.length !== b.length) return false;
  const keys = ownKeys(a);
  const other = ownKeys(b);
  if (keys.length !== other.length) return false;
  for (const k of keys) {
    if (!hasOwn(b, k) || !Object.prototype.propertyIsEnumerable.call(b, k)) return false;
    if (!deepEqual(a[k], b[k], seen)) return false;
  }
  return true;
}

function sameBytes(x, y) {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function sameMaps(a, b, seen) {
  if (a.size !== b.size) return false;
  const unmatched = [];
  for (const [k, v] of a) {
    if (b.has(k)) {
      if (!deepEqual(v, b.get(k), seen)) return false;
    } else {
      unmatched.push([k, v]);
    }
  }
  if (unmatched.length === 0) return true;
  const candidates = [...b].filter(([k]) => !a.has(k));
  for (const [k, v] of unmatched) {
    const i = candidates.findIndex(([k2, v2]) => deepEqual(k, k2, seen) && deepEqual(v, v2, seen));
    if (i < 0) return false;
    candidates.splice(i, 1);
  }
  return true;
}

function sameSets(a, b, seen) {
  if (a.size !== b.size) return false;
  const unmatched = [...a].filter((x) => !b.has(x));
  if (unmatched.length === 0) return true;
  const candidates = [...b].filter((y) => !a.has(y));
  for (const x of unmatched) {
    const i = candidates.findIndex((y) => deepEqual(x, y, seen));
    if (i < 0) return false;
    candidates.splice(i, 1);
  }
  return true;
}

// A value as a failure message shows it: unlike JSON.stringify, it tells
// -0 from 0, NaN and undefined from null, a Map from a Set, and names the
// class of an object that is not a plain one.
function show(v, depth = 0, stack = []) {
  switch (typeof v) {
    case "string": return JSON.stringify(v);
    case "number": return Object.is(v, -0) ? "-0" : String(v);
    case "bigint": return `${v}n`;
    case "symbol": return v.toString();
    case "undefined": return "undefined";
    case "function": return `[Function${v.name ? ": " + v.name : ""}]`;
    case "boolean": return String(v);
  }
  if (v === null) return "null";
  const tag = classOf(v);
  if (stack.includes(v)) return "[Circular]";
  if (depth > 4) return `[${tag.slice(8, -1)}]`;
  try {
    return showObject(v, tag, (x) => show(x, depth + 1, [...stack, v]));
  } catch {
    return tag; // a getter of a foreign or detached object threw
  }
}

function showObject(v, tag, inner) {
  const proto = Object.getPrototypeOf(v);
  const name = proto === null ? "[null prototype]" : proto.constructor && proto.constructor.name;
  if (tag === "[object Date]") return `Date(${Number.isNaN(v.getTime()) ? "Invalid" : v.toISOString()})`;
  if (tag === "[object RegExp]") return String(v);
  if (tag === "[object Map]") return `Map(${v.size}) {${[...v].map(([k, x]) => ` ${inner(k)} => ${inner(x)}`).join(",")} }`;
  if (tag === "[object Set]") return `Set(${v.size}) {${[...v].map((x) => ` ${inner(x)}`).join(",")} }`;
  if (isView(v) && tag !== "[object DataView]") return `${name}(${v.length}) [${Array.from(v, (x) => show(x)).join(", ")}]`;
  if (tag === "[object ArrayBuffer]" || tag === "[object DataView]") {
    return `${name} <${v.byteLength ? Array.from(bytesOf(v), (x) => x.toString(16).padStart(2, "0")).join(" ") : ""}>`;
  }
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  if (Array.isArray(v)) {
    const items = [];
    for (let i = 0; i < v.length; i++) items.push(i in v ? inner(v[i]) : "<hole>");
    return `[${items.join(", ")}]`;
  }
  const keys = ownKeys(v);
  const body = keys.map((k) => `${typeof k === "symbol" ? `[${k.toString()}]` : JSON.stringify(k)}: ${inner(v[k])}`).join(", ");
  return `${name && name !== "Object" ? name + " " : ""}{${body}}`;
}

export function eq(name, actual, expected) {
  if (deepEqual(actual, expected)) passed++;
  else failures.push(`${name}: expected ${show(expected)}, got ${show(actual)}`);
}

// Passes for any truthy value (as assert.ok does).
export function ok(name, cond) {
  if (cond) passed++;
  else failures.push(`${name}: expected a truthy value, got ${show(cond)}`);
}

// The name of a thrown value (an error's, else its type).
const errorName = (e) => (e !== null && typeof e === "object" ? e.name : typeof e);
const errorText = (e) => (e !== null && typeof e === "object" ? `${e.name} (${e.message})` : show(e));

export function throws(name, fn, wanted) {
  try {
    fn();
  } catch (e) {
    if (wanted && errorName(e) !== wanted) failures.push(`${name}: threw ${errorText(e)}, wanted ${wanted}`);
    else passed++;
    return;
  }
  failures.push(`${name}: did not throw`);
}

export async function rejects(name, promise, wanted) {
  try {
    await promise;
  } catch (e) {
    if (wanted && errorName(e) !== wanted) failures.push(`${name}: rejected with ${errorText(e)}, wanted ${wanted}`);
    else passed++;
    return;
  }
  failures.push(`${name}: did not reject`);
}

export function suite(run) {
  return {
    async fetch(request, env, ctx) {
      try {
        await run(request, env, ctx);
      } catch (e) {
        failures.push(`suite threw: ${errorText(e)}\n${e && e.stack}`);
      }
      return Response.json({ passed, failures });
    },
  };
}
