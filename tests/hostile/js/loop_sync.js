// A synchronous infinite loop in the handler.
export default {
  fetch() {
    for (;;) {}
  },
};
