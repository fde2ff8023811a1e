// A multi-module app: ESM importing CommonJS, JSON, text and ESM modules.
import format from "./lib/format.cjs";
import { clamp, average } from "./lib/math.js";
import config from "./data/config.json";
import banner from "./data/banner.txt";

export default {
  fetch(request) {
    const url = new URL(request.url);
    const values = (url.searchParams.get("v") || "").split(",").filter(Boolean).map(Number);
    const avg = clamp(average(values), config.min, config.max);
    return new Response(`${banner.trim()}\n${format.line(config.label, avg)}\n${format.version()}`, {
      headers: { "content-type": "text/plain" },
    });
  },
};
