// A plain-object default export whose handlers sit beside its RPC methods
// (review 2, item 10): exposing "default" exposes `hello` and `count`,
// never `tail` (which would take forged events, with env and ctx
// appended), `scheduled`, `alarm`, `fetch` or `_secret`. `count` answers
// how many elements its argument has (item 1: bounded arguments).
export default {
  fetch() {
    return new Response("public");
  },
  scheduled() {
    return "scheduled ran";
  },
  alarm() {
    return "alarm ran";
  },
  tail(events) {
    return `tail took ${JSON.stringify(events)}`;
  },
  _secret() {
    return "private";
  },
  hello(name) {
    return `hello ${name}`;
  },
  count(list) {
    return Array.isArray(list) ? list.length : -1;
  },
};
