// Unbounded recursion: QuickJS on WASI has no stack check, so this ends in a
// wasm stack-overflow trap that must surface as a clear error.
function down(n) {
  return down(n + 1) + 1;
}

export default {
  fetch() {
    try {
      down(0);
      return new Response("no error?");
    } catch (e) {
      return new Response(`${e.name}: caught`);
    }
  },
};
