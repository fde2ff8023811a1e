// A Map filled with small objects: each entry is cheap in memory and dear
// in CPU, so the CPU limit comes first.
export default {
  fetch() {
    const m = new Map();
    for (let i = 0; ; i++) m.set(i, { i });
  },
};
