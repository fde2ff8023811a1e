// Array.prototype.fill, whose appending part the engine writes in place
// (guest-js/vendor/rquickjs-sys/PATCHED.md, "Seventh"): every path must
// keep the spec's results.
import { eq, suite } from "./harness.js";

export default suite(async () => {
  eq("new Array(n).fill(v)", new Array(5).fill(7), [7, 7, 7, 7, 7]);
  eq("the length stays", new Array(3).fill(0).length, 3);
  // (The harness tells holes from undefined: the slots before start stay holes.)
  eq("fill with start", new Array(4).fill(1, 2), [, , 1, 1]);
  eq("holes before start stay holes", Object.keys(new Array(4).fill(1, 2)), ["2", "3"]);
  eq("fill with start and end", [1, 2, 3, 4, 5].fill(0, 1, 3), [1, 0, 0, 4, 5]);
  eq("negative start and end", [1, 2, 3, 4, 5].fill(9, -3, -1), [1, 2, 9, 9, 5]);
  eq("overwrite and append together", Object.assign(new Array(5), [1, 2]).fill(8, 1), [1, 8, 8, 8, 8]);
  eq("an empty range changes nothing", [1, 2].fill(0, 2), [1, 2]);
  eq("the same object in each slot", (() => { const a = new Array(3).fill({}); return a[0] === a[2]; })(), true);
  const big = new Array(1 << 16).fill("s");
  eq("a large fill", [big.length, big[0], big[(1 << 16) - 1], big.every((v) => v === "s")], [65536, "s", "s", true]);
  // Conversions that run user code and shrink the array first.
  const shrunk = new Array(6);
  const end = { valueOf() { shrunk.length = 2; return 6; } };
  shrunk.fill(3, 0, end);
  eq("a valueOf that shrinks the array", [shrunk.length, shrunk[0], shrunk[5]], [6, 3, 3]);
  const frozen = Object.freeze(new Array(3));
  let threw = null;
  try { frozen.fill(1); } catch (e) { threw = e.name; }
  eq("a frozen array throws", threw, "TypeError");
  eq("a sealed array with holes is not extended", (() => { const a = Object.seal(new Array(2)); try { a.fill(1); } catch (e) { return e.name; } return Object.keys(a).length; })(), "TypeError");
  eq("array-likes", Array.prototype.fill.call({ length: 3 }, 4), { 0: 4, 1: 4, 2: 4, length: 3 });
});
