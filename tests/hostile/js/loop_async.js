// An infinite loop of awaits: each turn is a microtask, none ever yields to the host.
export default {
  async fetch() {
    for (;;) await null;
  },
};
