// A parent worker written for Cloudflare, unchanged: @cloudflare/codemode's
// DynamicWorkerExecutor runs the model's code (the request body) in a
// worker it loads through env.LOADER, with two tool namespaces whose
// functions run here, in the parent (ToolDispatcher RpcTargets passed to
// the child's evaluate()). tests/all/codemode.rs bundles it with
// `isolet bundle` (package.json) and deploys it on `isolet serve`.
import { DynamicWorkerExecutor } from "@cloudflare/codemode";

const orders = {
  "A-1": { id: "A-1", items: 3, total: 42.5 },
  "B-2": { id: "B-2", items: 1, total: 9.99 },
};

export default {
  async fetch(request, env) {
    const code = await request.text();
    const executor = new DynamicWorkerExecutor({ loader: env.LOADER, timeout: 5000 });
    const notes = [];
    const result = await executor.execute(code, [
      {
        name: "codemode",
        fns: {
          listOrders: async () => Object.keys(orders),
          getOrder: async ({ id }) => orders[id] ?? null,
          failing: async () => {
            throw new Error("the order service is down");
          },
        },
      },
      {
        name: "state",
        fns: {
          note: async (text) => {
            notes.push(text);
            return `noted ${notes.length}`;
          },
        },
      },
    ]);
    return Response.json({ ...result, notes });
  },
};
