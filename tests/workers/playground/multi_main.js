import { greet } from "./lib/greet.js"; export default { fetch() { return new Response(greet("modules")); } };
