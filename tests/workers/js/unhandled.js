// Unhandled promise rejections: `unhandledrejection` on the global scope,
// and a log line for those no listener canceled.
const seen = [];
addEventListener("unhandledrejection", (event) => {
  seen.push({ reason: String(event.reason), isPromise: event.promise instanceof Promise, cancelable: event.cancelable });
  if (String(event.reason).includes("quiet")) event.preventDefault();
});

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    seen.length = 0;
    if (pathname === "/sync") {
      Promise.reject(new RangeError("sync nobody"));
      return new Response("answered at once");
    }
    Promise.reject(new Error("nobody catches"));
    Promise.reject(new Error("quiet please"));
    const handledLater = Promise.reject(new Error("handled in time"));
    handledLater.catch(() => {});
    (async () => { throw new TypeError("async nobody"); })();
    await new Promise((r) => setTimeout(r, 0));
    return Response.json(seen);
  },
};
