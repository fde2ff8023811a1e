// Fetches ?target= and reads its body to the end. Answers where that
// failed (the fetch itself, or reading the body) and with what error, or
// the status and the number of bytes read.
export default {
  async fetch(request) {
    const target = new URL(request.url).searchParams.get("target");
    let resp;
    try {
      resp = await fetch(target);
    } catch (e) {
      return Response.json({ stage: "fetch", error: e.name, message: e.message });
    }
    try {
      const body = await resp.arrayBuffer();
      return Response.json({ stage: "done", status: resp.status, length: body.byteLength });
    } catch (e) {
      return Response.json({ stage: "read", status: resp.status, error: e.name, message: e.message });
    }
  },
};
