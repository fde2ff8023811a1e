// Verifies a webhook: the sender signs the body with SHA-256(secret + body)
// (hex, header X-Signature) or with HMAC-SHA256 (header X-Hub-Signature-256).
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

function timingSafeEqual(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export default {
  async fetch(request, env) {
    if (request.method !== "POST") return new Response("POST only", { status: 405 });
    const body = await request.text();
    const enc = new TextEncoder();
    let valid = false;
    const plain = request.headers.get("x-signature");
    const hmacHeader = request.headers.get("x-hub-signature-256");
    if (plain) {
      const digest = await crypto.subtle.digest("SHA-256", enc.encode(env.WEBHOOK_SECRET + body));
      valid = timingSafeEqual(hex(digest), plain.toLowerCase());
    } else if (hmacHeader && hmacHeader.startsWith("sha256=")) {
      const key = await crypto.subtle.importKey("raw", enc.encode(env.WEBHOOK_SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      valid = timingSafeEqual(hex(await crypto.subtle.sign("HMAC", key, enc.encode(body))), hmacHeader.slice(7));
    }
    if (!valid) {
      console.warn("rejected webhook with a bad signature");
      return Response.json({ ok: false, error: "bad signature" }, { status: 401 });
    }
    const event = JSON.parse(body);
    console.log(`accepted ${event.type}`);
    return Response.json({ ok: true, type: event.type });
  },
};
