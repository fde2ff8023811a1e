// JSON.stringify's edges that the engine's fast paths must keep (see
// guest-js/vendor/rquickjs-sys/PATCHED.md, "Eighth"): cycles (also deeper
// than the serializer's inline stack), a shared object that is not a cycle,
// a replacer's `this` (the holder {"": value}, then each container) and its
// keys, toJSON's key (an index string for array elements), BigInt toJSON,
// and indentation.
export default {
  fetch() {
    const out = [];
    const error = (f) => { try { f(); return "no error"; } catch (e) { return e.constructor.name; } };
    const a = {};
    a.self = a;
    out.push(error(() => JSON.stringify(a)));
    const deep = {};
    let cur = deep;
    for (let i = 0; i < 40; i++) { cur.n = {}; cur = cur.n; }
    out.push(JSON.stringify(deep).length);
    cur.back = deep;
    out.push(error(() => JSON.stringify(deep)));
    const list = [];
    list.push([list]);
    out.push(error(() => JSON.stringify(list)));
    const shared = { x: 1 };
    out.push(JSON.stringify([shared, shared, { s: shared }]));
    const seen = [];
    JSON.stringify([10, { k: 20 }], function (key, value) {
      seen.push(`${JSON.stringify(key)}@${Object.keys(this).join("+")}`);
      return value;
    });
    out.push(seen.join(" "));
    const keys = [];
    const t = { toJSON(key) { keys.push(`${typeof key}:${key}`); return key; } };
    out.push(JSON.stringify([t, t, { m: t }]));
    out.push(keys.join(","));
    BigInt.prototype.toJSON = function (key) { return `big${key}`; };
    out.push(JSON.stringify([1n, { b: 2n }]));
    delete BigInt.prototype.toJSON;
    out.push(JSON.stringify({ a: [1, "two", null, undefined, () => 1] }, null, 2));
    out.push(JSON.stringify("plain"), JSON.stringify(undefined) === undefined, JSON.stringify([new Date(0)]));
    return Response.json(out);
  },
};
