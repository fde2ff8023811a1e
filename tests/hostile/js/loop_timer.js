// Timers that set timers forever (each awaited in turn).
export default {
  async fetch() {
    for (;;) await new Promise((resolve) => setTimeout(resolve, 0));
  },
};
