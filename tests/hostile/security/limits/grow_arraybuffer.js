// One resizable ArrayBuffer grown without bound, doubling: its maximum
// (2 GiB - 1) is only a bound, the bytes are allocated as it grows.
export default {
  fetch() {
    const buffer = new ArrayBuffer(0, { maxByteLength: 2 ** 31 - 1 });
    for (let n = 1 << 20; ; n *= 2) buffer.resize(Math.min(n, 2 ** 31 - 1));
  },
};
