function validate(n) { if (n > 1) { throw new RangeError("n is too big: " + n); } return n; }
export default { fetch() { console.warn("about to validate"); return new Response(String(validate(2))); } };
