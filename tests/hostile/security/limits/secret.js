// Plants a secret in its own memory and keeps it there: the hex digits of
// `?seed=`, each complemented (15 - d), so that the host, which holds only
// the seed, can look for the secret without ever holding it. `?copies=`
// copies in one string and as many again as bytes, kept in module state;
// the answer is the bytes' length, never the secret.
let kept = null;

export default {
  fetch(request) {
    const url = new URL(request.url);
    const seed = url.searchParams.get("seed") ?? "";
    const copies = Number(url.searchParams.get("copies") ?? 1);
    const secret = Array.from(seed, (c) => (15 - parseInt(c, 16)).toString(16)).join("");
    const text = secret.repeat(copies);
    kept = { text, bytes: new TextEncoder().encode(text) };
    return new Response(String(kept.bytes.length));
  },
};
