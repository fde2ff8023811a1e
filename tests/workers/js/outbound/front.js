// Calls the AUTH service binding over fetch and RPC.
export default {
  async fetch(request, env) {
    const viaFetch = await env.AUTH.fetch("https://auth.internal/verify", { headers: { authorization: "Bearer good" } });
    const denied = await env.AUTH.fetch(new Request("https://auth.internal/verify"));
    const viaRpc = await env.AUTH.check("good");
    return Response.json({
      fetchStatus: viaFetch.status,
      fetchBody: await viaFetch.json(),
      deniedStatus: denied.status,
      rpc: { valid: viaRpc.valid, checkedAt: viaRpc.checkedAt instanceof Date ? viaRpc.checkedAt.toISOString() : null },
    });
  },
};
