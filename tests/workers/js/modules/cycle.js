// Imports the main module that imports it: the namespace is the same
// object, filled in once main has finished evaluating.
import * as main from "./main.js";

let n = 0;
export const bump = () => {
  n++;
};
export const count = () => `${n} ${main.greeting}`;
