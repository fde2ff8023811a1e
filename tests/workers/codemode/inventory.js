// A worker serving as a Code Mode tool through RPC.
import { WorkerEntrypoint } from "cloudflare:workers";

const stock = { apple: 3, pear: 0 };

export default class extends WorkerEntrypoint {
  async lookup({ item }) {
    if (!(item in stock)) throw new RangeError(`unknown item ${item}`);
    return { item, count: stock[item] };
  }
}
