// Catastrophic backtracking: (a+)+$ against a's and a final b.
export default {
  fetch() {
    return new Response(String(/^(a+)+$/.test("a".repeat(40) + "b")));
  },
};
