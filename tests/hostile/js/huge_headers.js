// 2,000 response headers of 100 bytes: over the 128 KiB header limit.
export default {
  fetch() {
    const headers = new Headers();
    for (let i = 0; i < 2000; i++) headers.append(`x-h${i}`, "v".repeat(100));
    return new Response("ok", { headers });
  },
};
