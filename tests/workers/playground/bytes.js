export default { fetch() { return new Response(new Uint8Array([0, 65, 66, 255, 10]), { headers: { "content-type": "application/octet-stream" } }); } };
