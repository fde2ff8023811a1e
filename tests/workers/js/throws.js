// Throws from a nested function so the stack has frames to show.
function validate(input) {
  throw new TypeError(`bad input: ${input}`);
}

export default {
  fetch(request) {
    validate(new URL(request.url).pathname);
    return new Response("unreachable");
  },
};
