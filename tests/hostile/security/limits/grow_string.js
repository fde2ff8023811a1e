// One string grown without bound: each step a flat string twice as long
// (`repeat` copies; `s += s` would only make a rope of the same bytes).
export default {
  fetch() {
    let s = "x".repeat(1 << 20);
    for (;;) s = s.repeat(2);
  },
};
