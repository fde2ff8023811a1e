// 16 MiB ArrayBuffers kept until something gives.
export default {
  fetch() {
    const hoard = [];
    for (;;) hoard.push(new ArrayBuffer(16 << 20));
  },
};
