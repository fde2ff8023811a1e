// A handler whose promise never settles and has nothing left to run.
export default {
  fetch() {
    return new Promise(() => {});
  },
};
