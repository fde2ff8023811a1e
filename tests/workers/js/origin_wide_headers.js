// Answers with headers whose effect would span the whole origin: a service
// worker scope above its own path, and an order to wipe the origin's storage.
export default {
  fetch() {
    return new Response("sw", {
      headers: {
        "content-type": "text/javascript",
        "service-worker-allowed": "/",
        "clear-site-data": '"storage"',
        "x-kept": "yes",
      },
    });
  },
};
