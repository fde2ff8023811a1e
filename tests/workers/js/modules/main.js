// The main module of a small graph: top-level await (a timer), and a
// module that imports this one back (a cycle).
import { bump, count } from "./cycle.js";

export const greeting = await new Promise((resolve) => setTimeout(() => resolve("awaited"), 1));
bump();

export default {
  fetch() {
    return new Response(`${greeting} ${count()}`);
  },
};
