import { env } from "cloudflare:workers";

console.log("module top level runs inside the call");
const w = await codemode.getWeather({ city: "Cairo" });
export default { tempC: w.tempC, hasEnv: typeof env };
