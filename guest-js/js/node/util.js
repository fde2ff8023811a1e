// node:util — format/inspect (Node's layout rules: single quotes, depth 2,
// breakLength 80, array grouping), promisify/callbackify, inherits,
// deprecate, types, isDeepStrictEqual, TextEncoder/TextDecoder.
(function (lib, native, require) {
  "use strict";

  const customInspect = Symbol.for("nodejs.util.inspect.custom");
  const promisifyCustom = Symbol.for("nodejs.util.promisify.custom");
  const toStr = (v) => Object.prototype.toString.call(v);
  const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
  const typedArrayTag = Object.getOwnPropertyDescriptor(TypedArrayProto, Symbol.toStringTag).get;

  // ---------------------------------------------------------------- types
  const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
  const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor;
  const AsyncGeneratorFunction = Object.getPrototypeOf(async function* () {}).constructor;
  const types = {
    isAnyArrayBuffer: (v) => v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer),
    isArrayBuffer: (v) => v instanceof ArrayBuffer,
    isArrayBufferView: (v) => ArrayBuffer.isView(v),
    isAsyncFunction: (v) => v instanceof AsyncFunction || v instanceof AsyncGeneratorFunction,
    isBigInt64Array: (v) => typedArrayTag.call(v) === "BigInt64Array",
    isBigUint64Array: (v) => typedArrayTag.call(v) === "BigUint64Array",
    isBooleanObject: (v) => typeof v === "object" && v !== null && toStr(v) === "[object Boolean]",
    isBoxedPrimitive: (v) => typeof v === "object" && v !== null && ["[object Number]", "[object String]", "[object Boolean]", "[object BigInt]", "[object Symbol]"].includes(toStr(v)),
    isDataView: (v) => v instanceof DataView,
    isDate: (v) => v instanceof Date,
    isExternal: () => false,
    isFloat32Array: (v) => typedArrayTag.call(v) === "Float32Array",
    isFloat64Array: (v) => typedArrayTag.call(v) === "Float64Array",
    isGeneratorFunction: (v) => v instanceof GeneratorFunction || v instanceof AsyncGeneratorFunction,
    isGeneratorObject: (v) => toStr(v) === "[object Generator]",
    isInt8Array: (v) => typedArrayTag.call(v) === "Int8Array",
    isInt16Array: (v) => typedArrayTag.call(v) === "Int16Array",
    isInt32Array: (v) => typedArrayTag.call(v) === "Int32Array",
    isMap: (v) => v instanceof Map,
    isMapIterator: (v) => toStr(v) === "[object Map Iterator]",
    isModuleNamespaceObject: (v) => toStr(v) === "[object Module]",
    isNativeError: (v) => v instanceof Error,
    isNumberObject: (v) => typeof v === "object" && v !== null && toStr(v) === "[object Number]",
    isPromise: (v) => v instanceof Promise,
    isProxy: () => false,
    isRegExp: (v) => v instanceof RegExp,
    isSet: (v) => v instanceof Set,
    isSetIterator: (v) => toStr(v) === "[object Set Iterator]",
    isSharedArrayBuffer: (v) => typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer,
    isStringObject: (v) => typeof v === "object" && v !== null && toStr(v) === "[object String]",
    isSymbolObject: (v) => typeof v === "object" && v !== null && toStr(v) === "[object Symbol]",
    isBigIntObject: (v) => typeof v === "object" && v !== null && toStr(v) === "[object BigInt]",
    isTypedArray: (v) => typedArrayTag.call(v) !== undefined,
    isUint8Array: (v) => typedArrayTag.call(v) === "Uint8Array",
    isUint8ClampedArray: (v) => typedArrayTag.call(v) === "Uint8ClampedArray",
    isUint16Array: (v) => typedArrayTag.call(v) === "Uint16Array",
    isUint32Array: (v) => typedArrayTag.call(v) === "Uint32Array",
    isWeakMap: (v) => v instanceof WeakMap,
    isWeakSet: (v) => v instanceof WeakSet,
    isKeyObject: () => false,
    isCryptoKey: (v) => typeof CryptoKey !== "undefined" && v instanceof CryptoKey,
  };

  // ---------------------------------------------------------------- inspect
  const IDENT = /^[A-Za-z_$][\w$]*$/;
  const ESCAPES = { "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\\": "\\\\" };
  function quote(s) {
    let q = "'";
    if (s.includes("'")) q = !s.includes('"') ? '"' : !s.includes("`") && !s.includes("${") ? "`" : "'";
    let out = "";
    for (const ch of s) {
      if (ch === q) out += "\\" + ch;
      else if (ESCAPES[ch]) out += ESCAPES[ch];
      else if (ch < " " || ch === "\x7f") out += "\\x" + ch.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase();
      else out += ch;
    }
    return q + out + q;
  }
  const DEFAULTS = { depth: 2, colors: false, showHidden: false, breakLength: 80, compact: 3, maxArrayLength: 100, maxStringLength: 10000, sorted: false, getters: false, customInspect: true };

  function inspect(value, opts) {
    const ctx = { ...DEFAULTS, seen: [], circular: new Map(), indentationLvl: 0, currentDepth: 0 };
    if (typeof opts === "boolean") ctx.showHidden = opts;
    else if (opts && typeof opts === "object") {
      for (const k of Object.keys(DEFAULTS)) if (opts[k] !== undefined) ctx[k] = opts[k];
    }
    if (ctx.depth === Infinity) ctx.depth = null;
    return formatValue(ctx, value, 0, true);
  }
  inspect.custom = customInspect;
  inspect.defaultOptions = DEFAULTS;

  function formatPrimitive(v, ctx) {
    switch (typeof v) {
      case "string": {
        const s = ctx && v.length > ctx.maxStringLength ? v.slice(0, ctx.maxStringLength) : v;
        const rest = ctx && v.length > ctx.maxStringLength ? `... ${v.length - ctx.maxStringLength} more characters` : "";
        return quote(s) + rest;
      }
      case "number": return Object.is(v, -0) ? "-0" : String(v);
      case "bigint": return `${v}n`;
      case "boolean": return String(v);
      case "undefined": return "undefined";
      case "symbol": return v.toString();
    }
    return "null";
  }
  function formatKey(key) {
    if (typeof key === "symbol") return `[${key.toString()}]`;
    return IDENT.test(key) ? key : quote(key);
  }
  function getConstructorName(obj) {
    let o = obj;
    while (o !== null && o !== undefined) {
      const d = Object.getOwnPropertyDescriptor(o, "constructor");
      if (d !== undefined && typeof d.value === "function" && d.value.name !== "") return d.value.name;
      o = Object.getPrototypeOf(o);
    }
    return null;
  }
  function functionBase(fn) {
    const src = Function.prototype.toString.call(fn);
    if (src.startsWith("class") && /^class\b/.test(src)) return `[class ${fn.name || "(anonymous)"}]`;
    let kind = "Function";
    if (fn instanceof AsyncGeneratorFunction) kind = "AsyncGeneratorFunction";
    else if (fn instanceof AsyncFunction) kind = "AsyncFunction";
    else if (fn instanceof GeneratorFunction) kind = "GeneratorFunction";
    return fn.name ? `[${kind}: ${fn.name}]` : `[${kind} (anonymous)]`;
  }

  function formatValue(ctx, value, recurseTimes, typedArrayOrTop) {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) return formatPrimitive(value, ctx);
    if (ctx.customInspect) {
      const custom = value[customInspect];
      if (typeof custom === "function" && custom !== inspect) {
        const depth = ctx.depth === null ? null : ctx.depth - recurseTimes;
        const ret = custom.call(value, depth, { ...ctx, stylize: (s) => s }, inspect);
        if (ret !== value) return typeof ret === "string" ? ret : formatValue(ctx, ret, recurseTimes);
      }
    }
    if (ctx.seen.includes(value)) {
      let index = ctx.circular.get(value);
      if (index === undefined) { index = ctx.circular.size + 1; ctx.circular.set(value, index); }
      return `[Circular *${index}]`;
    }
    return formatRaw(ctx, value, recurseTimes);
  }

  function formatRaw(ctx, value, recurseTimes) {
    const ctor = getConstructorName(value);
    const prefix = (fallback, size) => {
      const name = ctor === null ? `[${fallback}: null prototype]` : ctor;
      const tag = value[Symbol.toStringTag];
      const tagged = typeof tag === "string" && tag !== "" && tag !== name ? ` [${tag}]` : "";
      return `${name}${size === undefined ? "" : `(${size})`}${tagged} `;
    };
    let keys = Object.keys(value);
    if (ctx.showHidden) keys = Reflect.ownKeys(value).filter((k) => typeof k === "string");
    const symbols = Object.getOwnPropertySymbols(value).filter((s) => ctx.showHidden || Object.prototype.propertyIsEnumerable.call(value, s));
    let braces, formatter, base = "", extrasArray = false;
    let noEntries = false;
    if (Array.isArray(value)) {
      keys = keys.filter((k) => !/^(0|[1-9]\d*)$/.test(k) || Number(k) >= value.length);
      braces = [`${ctor === "Array" ? "" : prefix("Array", value.length)}[`, "]"];
      if (value.length === 0 && keys.length === 0 && symbols.length === 0) return `${braces[0]}]`;
      extrasArray = true;
      formatter = () => formatArray(ctx, value, recurseTimes);
    } else if (value instanceof Map) {
      braces = [`${prefix("Map", value.size)}{`, "}"];
      if (value.size === 0 && keys.length === 0) return `${braces[0]}}`;
      formatter = () => [...value].map(([k, v]) => `${formatValue(ctx, k, recurseTimes)} => ${formatValue(ctx, v, recurseTimes)}`);
    } else if (value instanceof Set) {
      braces = [`${prefix("Set", value.size)}{`, "}"];
      if (value.size === 0 && keys.length === 0) return `${braces[0]}}`;
      formatter = () => [...value].map((v) => formatValue(ctx, v, recurseTimes));
    } else if (types.isTypedArray(value)) {
      const name = typedArrayTag.call(value);
      keys = keys.filter((k) => !/^(0|[1-9]\d*)$/.test(k));
      braces = [`${ctor === name ? name : prefix(name)}(${value.length}) [`, "]"];
      if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
      extrasArray = true;
      formatter = () => {
        const n = Math.min(value.length, ctx.maxArrayLength);
        const out = [];
        for (let i = 0; i < n; i++) out.push(formatPrimitive(value[i]));
        if (value.length > n) out.push(`... ${value.length - n} more item${value.length - n > 1 ? "s" : ""}`);
        return out;
      };
    } else if (typeof value === "function") {
      base = functionBase(value);
      keys = keys.filter((k) => k !== "prototype");
      if (keys.length === 0 && symbols.length === 0) return base;
      braces = ["{", "}"];
      formatter = () => [];
    } else if (value instanceof RegExp) {
      base = RegExp.prototype.toString.call(value);
      if (keys.length === 0 && symbols.length === 0) return base;
      braces = ["{", "}"];
      formatter = () => [];
    } else if (value instanceof Date) {
      base = Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
      if (keys.length === 0 && symbols.length === 0) return base;
      braces = ["{", "}"];
      formatter = () => [];
    } else if (value instanceof Error) {
      base = value.stack ? (String(value.stack).startsWith(`${value.name}`) ? String(value.stack) : `${value.name}: ${value.message}\n${value.stack}`).trimEnd() : `${value.name}: ${value.message}`;
      if (!value.stack) base = `[${base}]`;
      keys = keys.filter((k) => k !== "stack" && k !== "message");
      if (keys.length === 0 && symbols.length === 0) return base;
      braces = ["{", "}"];
      formatter = () => [];
    } else if (value instanceof ArrayBuffer) {
      const bytes = new Uint8Array(value);
      let hex = [];
      for (let i = 0; i < Math.min(bytes.length, 50); i++) hex.push(bytes[i].toString(16).padStart(2, "0"));
      braces = [`${prefix("ArrayBuffer")}{`, "}"];
      formatter = () => [`[Uint8Contents]: <${hex.join(" ")}${bytes.length > 50 ? ` ... ${bytes.length - 50} more bytes` : ""}>`, `byteLength: ${value.byteLength}`];
    } else if (value instanceof Promise) {
      braces = [`${prefix("Promise")}{`, "}"];
      formatter = () => ["<pending>"];
    } else if (types.isBoxedPrimitive(value)) {
      const prim = value.valueOf();
      base = `[${getConstructorName(value) || typeof prim}: ${formatPrimitive(prim)}]`;
      if (typeof prim === "string") keys = keys.filter((k) => !/^(0|[1-9]\d*)$/.test(k) || Number(k) >= prim.length);
      if (keys.length === 0 && symbols.length === 0) return base;
      braces = ["{", "}"];
      formatter = () => [];
    } else if (value instanceof WeakMap || value instanceof WeakSet) {
      return `${prefix(value instanceof WeakMap ? "WeakMap" : "WeakSet")}{ <items unknown> }`;
    } else {
      if (ctor === "Object") {
        const tag = value[Symbol.toStringTag];
        braces = [typeof tag === "string" && tag !== "" ? `Object [${tag}] {` : "{", "}"];
      } else {
        braces = [`${prefix("Object")}{`, "}"];
      }
      if (keys.length === 0 && symbols.length === 0) return `${braces[0]}}`;
      noEntries = true;
      formatter = () => [];
    }
    if (ctx.depth !== null && recurseTimes > ctx.depth) {
      return `[${ctor || "Object"}]`.replace(/^\[Array\]$/, "[Array]");
    }
    recurseTimes += 1;
    ctx.seen.push(value);
    ctx.currentDepth = recurseTimes;
    let output;
    try {
      output = formatter();
      for (const k of keys) output.push(formatProperty(ctx, value, recurseTimes, k, extrasArray));
      for (const s of symbols) output.push(formatProperty(ctx, value, recurseTimes, s, extrasArray));
    } finally {
      ctx.seen.pop();
    }
    void noEntries;
    const index = ctx.circular.get(value);
    if (index !== undefined) {
      const ref = `<ref *${index}>`;
      base = base === "" ? ref : `${ref} ${base}`;
      if (braces[0] === "{" && base !== ref) { /* keep */ }
    }
    return reduceToSingleString(ctx, output, base, braces, extrasArray, recurseTimes, value);
  }

  function formatArray(ctx, value, recurseTimes) {
    const out = [];
    const n = Math.min(value.length, ctx.maxArrayLength);
    let holes = 0;
    const flushHoles = () => { if (holes) { out.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`); holes = 0; } };
    for (let i = 0; i < n; i++) {
      if (!Object.prototype.hasOwnProperty.call(value, i)) { holes++; continue; }
      flushHoles();
      out.push(formatValue(ctx, value[i], recurseTimes));
    }
    flushHoles();
    if (value.length > n) out.push(`... ${value.length - n} more item${value.length - n > 1 ? "s" : ""}`);
    return out;
  }

  function formatProperty(ctx, value, recurseTimes, key, extrasArray) {
    const desc = Object.getOwnPropertyDescriptor(value, key) || { value: value[key], enumerable: true };
    let str;
    if (desc.value !== undefined || !("get" in desc || "set" in desc)) {
      ctx.indentationLvl += 2;
      str = formatValue(ctx, desc.value, recurseTimes);
      ctx.indentationLvl -= 2;
    } else if (desc.get !== undefined) {
      str = desc.set !== undefined ? "[Getter/Setter]" : "[Getter]";
    } else {
      str = desc.set !== undefined ? "[Setter]" : "undefined";
    }
    const name = desc.enumerable === false ? `[${formatKey(key)}]` : formatKey(key);
    return `${name}: ${str}`;
  }

  function isBelowBreakLength(ctx, output, start, base) {
    let total = output.length + start;
    if (total + output.length > ctx.breakLength) return false;
    for (const entry of output) {
      total += entry.length;
      if (total > ctx.breakLength) return false;
    }
    return base === "" || !base.includes("\n");
  }

  function groupArrayElements(ctx, output, value) {
    let totalLength = 0, maxLength = 0;
    let outputLength = output.length;
    if (ctx.maxArrayLength < output.length) outputLength--;
    const separatorSpace = 2;
    const dataLen = new Array(outputLength);
    for (let i = 0; i < outputLength; i++) {
      const len = output[i].length;
      dataLen[i] = len;
      totalLength += len + separatorSpace;
      if (maxLength < len) maxLength = len;
    }
    const actualMax = maxLength + separatorSpace;
    if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength && (totalLength / actualMax > 5 || maxLength <= 6)) {
      const averageBias = Math.sqrt(actualMax - totalLength / output.length);
      const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
      const columns = Math.min(
        Math.round(Math.sqrt(2.5 * biasedMax * outputLength) / biasedMax),
        Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
        ctx.compact * 4,
        15,
      );
      if (columns <= 1) return output;
      const tmp = [];
      const maxLineLength = [];
      for (let i = 0; i < columns; i++) {
        let lineLength = 0;
        for (let j = i; j < output.length; j += columns) if (dataLen[j] > lineLength) lineLength = dataLen[j];
        maxLineLength.push(lineLength + separatorSpace);
      }
      let padStart = true;
      if (value !== undefined) {
        for (let i = 0; i < output.length; i++) {
          if (typeof value[i] !== "number" && typeof value[i] !== "bigint") { padStart = false; break; }
        }
      }
      for (let i = 0; i < outputLength; i += columns) {
        const max = Math.min(i + columns, outputLength);
        let str = "";
        let j = i;
        for (; j < max - 1; j++) {
          const padding = maxLineLength[j - i];
          str += padStart ? `${output[j]}, `.padStart(padding, " ") : `${output[j]}, `.padEnd(padding, " ");
        }
        if (padStart) str += output[j].padStart(maxLineLength[j - i] - separatorSpace, " ");
        else str += output[j];
        tmp.push(str);
      }
      if (ctx.maxArrayLength < output.length) tmp.push(output[outputLength]);
      return tmp;
    }
    return output;
  }

  function reduceToSingleString(ctx, output, base, braces, extrasArray, recurseTimes, value) {
    if (ctx.compact !== true) {
      if (typeof ctx.compact === "number" && ctx.compact >= 1) {
        const entries = output.length;
        if (extrasArray && entries > 6) output = groupArrayElements(ctx, output, value);
        if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
          const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
          if (isBelowBreakLength(ctx, output, start, base)) {
            const joined = output.join(", ");
            if (!joined.includes("\n")) {
              return `${base ? `${base} ` : ""}${braces[0]} ${joined}` + (joined ? " " : "") + braces[1];
            }
          }
        }
      }
      const indentation = `\n${" ".repeat(ctx.indentationLvl)}`;
      return `${base ? `${base} ` : ""}${braces[0]}${indentation}  ${output.join(`,${indentation}  `)}${indentation}${braces[1]}`;
    }
    if (isBelowBreakLength(ctx, output, 0, base)) {
      return `${braces[0]}${base ? ` ${base}` : ""} ${output.join(", ")} ${braces[1]}`;
    }
    const indentation = `\n${" ".repeat(ctx.indentationLvl)}`;
    return `${base ? `${base} ` : ""}${braces[0]}${indentation}  ${output.join(`,${indentation}  `)}${indentation}${braces[1]}`;
  }

  // ---------------------------------------------------------------- format
  function formatWithOptions(inspectOptions, ...args) {
    const first = args[0];
    let a = 0;
    let str = "";
    if (typeof first === "string") {
      if (args.length === 1) return first;
      let lastPos = 0;
      for (let i = 0; i < first.length - 1; i++) {
        if (first.charCodeAt(i) !== 37) continue; // '%'
        const c = first[i + 1];
        if (a + 1 !== args.length) {
          let temp;
          const arg = args[a + 1];
          switch (c) {
            case "s":
              if (typeof arg === "number") temp = formatPrimitive(arg);
              else if (typeof arg === "bigint") temp = `${arg}n`;
              else if (typeof arg !== "object" || arg === null) temp = String(arg);
              else if (arg instanceof Error || (typeof arg.toString === "function" && arg.toString !== Object.prototype.toString && !Array.isArray(arg))) temp = String(arg);
              else temp = inspect(arg, { ...inspectOptions, depth: 0, colors: false, compact: 3 });
              break;
            case "j":
              try { temp = JSON.stringify(arg); } catch (e) { temp = "[Circular]"; }
              break;
            case "d":
              temp = typeof arg === "bigint" ? `${arg}n` : typeof arg === "symbol" ? "NaN" : formatPrimitive(Number(arg));
              break;
            case "O": temp = inspect(arg, inspectOptions); break;
            case "o": temp = inspect(arg, { ...inspectOptions, showHidden: true, depth: 4 }); break;
            case "i":
              temp = typeof arg === "bigint" ? `${arg}n` : typeof arg === "symbol" ? "NaN" : formatPrimitive(parseInt(arg));
              break;
            case "f": temp = typeof arg === "symbol" ? "NaN" : formatPrimitive(parseFloat(arg)); break;
            case "c": temp = ""; break;
            case "%": str += first.slice(lastPos, i); lastPos = i + 1; continue;
            default: continue;
          }
          if (lastPos !== i) str += first.slice(lastPos, i);
          str += temp;
          lastPos = i + 2;
          i++;
          a++;
        } else if (c === "%") {
          str += first.slice(lastPos, i);
          lastPos = i + 1;
        }
      }
      if (lastPos !== 0) {
        a++;
        if (lastPos < first.length) str += first.slice(lastPos);
      }
    }
    while (a < args.length) {
      const v = args[a];
      str += (a > 0 || str !== "" ? " " : "") + (typeof v === "string" ? v : inspect(v, inspectOptions));
      a++;
    }
    return str;
  }
  const format = (...args) => formatWithOptions(undefined, ...args);

  // ---------------------------------------------------------------- deep equality (also for node:assert)
  function deepEqual(a, b, strict, memo) {
    if (strict ? Object.is(a, b) : a == b || (a !== a && b !== b)) return true; // eslint-disable-line eqeqeq
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
      return false;
    }
    if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    const tagA = toStr(a), tagB = toStr(b);
    if (tagA !== tagB) return false;
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    if (a instanceof Date) { if (a.getTime() !== b.getTime()) return false; }
    else if (a instanceof RegExp) { if (String(a) !== String(b) || a.lastIndex !== b.lastIndex) return false; }
    else if (a instanceof Error) { if (a.message !== b.message || a.name !== b.name) return false; }
    else if (types.isBoxedPrimitive(a)) { if (!Object.is(a.valueOf(), b.valueOf())) return false; }
    else if (ArrayBuffer.isView(a) || a instanceof ArrayBuffer) {
      const x = a instanceof ArrayBuffer ? new Uint8Array(a) : new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      const y = b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      if (x.length !== y.length) return false;
      if (!strict && (a instanceof Float32Array || a instanceof Float64Array)) {
        for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false; // eslint-disable-line eqeqeq
      } else {
        for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
      }
    }
    memo = memo || { a: [], b: [] };
    const seenAt = memo.a.indexOf(a);
    if (seenAt !== -1 && memo.b[seenAt] === b) return true;
    memo.a.push(a); memo.b.push(b);
    try {
      if (a instanceof Map) {
        if (a.size !== b.size) return false;
        outer: for (const [k, v] of a) {
          if (b.has(k)) { if (!deepEqual(v, b.get(k), strict, memo)) return false; continue; }
          if (typeof k !== "object" || k === null) return false;
          for (const [k2, v2] of b) if (deepEqual(k, k2, strict, memo) && deepEqual(v, v2, strict, memo)) continue outer;
          return false;
        }
      } else if (a instanceof Set) {
        if (a.size !== b.size) return false;
        outer: for (const v of a) {
          if (b.has(v)) continue;
          if (typeof v !== "object" || v === null) { if (strict) return false; }
          for (const v2 of b) if (deepEqual(v, v2, strict, memo)) continue outer;
          return false;
        }
      }
      const keysA = Object.keys(a), keysB = Object.keys(b);
      if (keysA.length !== keysB.length) return false;
      for (const k of keysA) {
        if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
        if (!deepEqual(a[k], b[k], strict, memo)) return false;
      }
      if (strict) {
        const symA = Object.getOwnPropertySymbols(a).filter((s) => Object.prototype.propertyIsEnumerable.call(a, s));
        const symB = Object.getOwnPropertySymbols(b).filter((s) => Object.prototype.propertyIsEnumerable.call(b, s));
        if (symA.length !== symB.length) return false;
        for (const s of symA) if (!deepEqual(a[s], b[s], strict, memo)) return false;
      }
      return true;
    } finally {
      memo.a.pop(); memo.b.pop();
    }
  }
  lib.nodeUtil = { deepEqual, inspect, format };

  // ---------------------------------------------------------------- callbacks and promises
  function promisify(original) {
    if (typeof original !== "function") {
      const e = new TypeError('The "original" argument must be of type function');
      e.code = "ERR_INVALID_ARG_TYPE";
      throw e;
    }
    if (original[promisifyCustom]) {
      const fn = original[promisifyCustom];
      return Object.defineProperty(fn, promisifyCustom, { value: fn, configurable: true });
    }
    function fn(...args) {
      return new Promise((resolve, reject) => {
        original.call(this, ...args, (err, ...values) => {
          if (err) reject(err);
          else resolve(values.length > 1 ? values : values[0]);
        });
      });
    }
    Object.setPrototypeOf(fn, Object.getPrototypeOf(original));
    Object.defineProperty(fn, promisifyCustom, { value: fn, configurable: true });
    return Object.defineProperties(fn, Object.getOwnPropertyDescriptors(original));
  }
  promisify.custom = promisifyCustom;
  function callbackify(original) {
    if (typeof original !== "function") throw new TypeError('The "original" argument must be of type function');
    return function (...args) {
      const cb = args.pop();
      if (typeof cb !== "function") throw new TypeError("The last argument must be of type function");
      original.apply(this, args).then(
        (v) => queueMicrotask(() => cb(null, v)),
        (err) => {
          if (!err) { const e = new Error("Promise was rejected with a falsy value"); e.code = "ERR_FALSY_VALUE_REJECTION"; e.reason = err; err = e; }
          queueMicrotask(() => cb(err));
        },
      );
    };
  }
  function inherits(ctor, superCtor) {
    if (typeof ctor !== "function" || typeof superCtor !== "function" || superCtor.prototype === undefined) {
      throw new TypeError('The "ctor" and "superCtor" arguments must be functions with a prototype');
    }
    Object.defineProperty(ctor, "super_", { value: superCtor, writable: true, configurable: true });
    Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
  }
  const warned = new Set();
  function deprecate(fn, msg, code) {
    return function (...args) {
      const key = code || msg;
      if (!warned.has(key)) { warned.add(key); console.warn(`${code ? `[${code}] ` : ""}DeprecationWarning: ${msg}`); }
      return new.target ? Reflect.construct(fn, args, new.target) : fn.apply(this, args);
    };
  }
  function debuglog() { const log = () => {}; log.enabled = false; return log; }
  function stripVTControlCharacters(s) { return String(s).replace(/\u001b\[[0-9;]*[A-Za-z]/g, ""); }
  function toUSVString(s) { return String(s).toWellFormed ? String(s).toWellFormed() : String(s); }
  function aborted(signal) {
    return new Promise((resolve) => { if (signal.aborted) resolve(); else signal.addEventListener("abort", () => resolve(), { once: true }); });
  }

  return {
    format, formatWithOptions, inspect, promisify, callbackify, inherits, deprecate, debuglog, debug: debuglog,
    types, isDeepStrictEqual: (a, b) => deepEqual(a, b, true),
    TextEncoder: globalThis.TextEncoder, TextDecoder: globalThis.TextDecoder,
    stripVTControlCharacters, toUSVString, aborted,
    isArray: Array.isArray,
    isBoolean: (v) => typeof v === "boolean",
    isBuffer: (v) => require("buffer").Buffer.isBuffer(v),
    isNull: (v) => v === null,
    isNullOrUndefined: (v) => v === null || v === undefined,
    isNumber: (v) => typeof v === "number",
    isString: (v) => typeof v === "string",
    isSymbol: (v) => typeof v === "symbol",
    isUndefined: (v) => v === undefined,
    isRegExp: types.isRegExp,
    isObject: (v) => v !== null && typeof v === "object",
    isDate: types.isDate,
    isError: (v) => v instanceof Error,
    isFunction: (v) => typeof v === "function",
    isPrimitive: (v) => v === null || (typeof v !== "object" && typeof v !== "function"),
  };
})
