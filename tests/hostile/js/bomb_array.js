// The memory bomb of the issue: 8 MiB arrays pushed until something gives.
export default {
  fetch() {
    const hoard = [];
    for (;;) hoard.push(new Array(1 << 20).fill(1.5));
  },
};
