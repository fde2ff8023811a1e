// Allocates until something gives: must be stopped by the memory limit.
export default {
  fetch() {
    const hoard = [];
    while (true) {
      hoard.push(new Array(100000).fill(hoard.length));
    }
  },
};
