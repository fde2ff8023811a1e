// Never returns: must be stopped by fuel or by the wall-clock deadline.
export default {
  fetch() {
    let i = 0;
    while (true) {
      i++;
    }
  },
};
