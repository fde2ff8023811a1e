export default { fetch() { let n = 0; while (true) { n++; } return new Response(String(n)); } };
