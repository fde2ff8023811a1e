// An RPC target for abuse: echoes, reports pollution, returns a cycle.
export default {
  echo(value) {
    return value;
  },
  depth(value) {
    let n = 0;
    while (value !== null && typeof value === "object" && "next" in value) {
      value = value.next;
      n++;
    }
    return n;
  },
  polluted(value) {
    return { objectProto: ({}).polluted === undefined ? "clean" : "POLLUTED", own: Object.keys(value ?? {}) };
  },
  cycle() {
    const a = { name: "a" };
    a.self = a;
    return a;
  },
  _private() {
    return "secret";
  },
};
