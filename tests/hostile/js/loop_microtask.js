// A microtask that queues itself forever, behind a promise that never settles.
export default {
  fetch() {
    return new Promise(() => {
      const again = () => queueMicrotask(again);
      again();
    });
  },
};
