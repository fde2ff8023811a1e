// Runaway recursion: uncaught by default; with ?catch the worker catches
// the RangeError and answers (the instance keeps working).
export default {
  fetch(request) {
    const deeper = (n) => deeper(n + 1) + 1;
    if (new URL(request.url).searchParams.has("catch")) {
      try {
        deeper(0);
      } catch (e) {
        return new Response(`${e.name}: ${e.message}`);
      }
    }
    return new Response(String(deeper(0)));
  },
};
