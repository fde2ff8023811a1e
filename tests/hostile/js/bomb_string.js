// Fresh 1 MiB strings kept until something gives. (`s += s` alone stays a
// rope, and slices of one string share it: those end at the engine's
// string length limit or the CPU limit instead.)
export default {
  fetch() {
    const bytes = new Uint8Array(1 << 20).fill(120);
    const decoder = new TextDecoder();
    const hoard = [];
    for (;;) hoard.push(decoder.decode(bytes));
  },
};
