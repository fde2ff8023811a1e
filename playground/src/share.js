// A shareable URL holding the worker's code: the project (files and
// settings) as JSON, deflated and base64url-encoded in the fragment, so it
// never reaches a server log.

const PREFIX = "#code=";

async function pipe(bytes, transform) {
  const stream = new Blob([bytes]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function toBase64Url(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The fragment (with its '#') that holds `project`. */
export async function encodeProject(project) {
  const json = new TextEncoder().encode(JSON.stringify(project));
  return PREFIX + toBase64Url(await pipe(json, new CompressionStream("deflate-raw")));
}

/** The project a fragment holds, null when it holds none; throws when damaged. */
export async function decodeProject(hash) {
  if (!hash.startsWith(PREFIX)) return null;
  const bytes = await pipe(fromBase64Url(hash.slice(PREFIX.length)), new DecompressionStream("deflate-raw"));
  const project = JSON.parse(new TextDecoder().decode(bytes));
  if (!project || typeof project !== "object" || typeof project.files !== "object") {
    throw new Error("the shared link does not hold a worker");
  }
  return project;
}
