// One array grown without bound, 60,000 elements at a time (push.apply:
// QuickJS's fast paths for both the argument list and the push, so that
// memory runs out long before the default 1 s of CPU does).
export default {
  fetch() {
    const chunk = new Array(60000).fill(1.5);
    const grown = [];
    for (;;) Array.prototype.push.apply(grown, chunk);
  },
};
