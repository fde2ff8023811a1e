// A tiny assertion harness shared by the globals test workers: each check
// records a failure instead of throwing, and `report()` answers with all of them.
const failures = [];
let passed = 0;

function same(a, b) {
  return Object.is(a, b) || JSON.stringify(a) === JSON.stringify(b);
}

export function eq(name, actual, expected) {
  if (same(actual, expected)) passed++;
  else failures.push(`${name}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

export function ok(name, cond) {
  eq(name, !!cond, true);
}

export function throws(name, fn, errorName) {
  try {
    fn();
    failures.push(`${name}: did not throw`);
  } catch (e) {
    if (errorName && e.name !== errorName) failures.push(`${name}: threw ${e.name} (${e.message}), wanted ${errorName}`);
    else passed++;
  }
}

export async function rejects(name, promise, errorName) {
  try {
    await promise;
    failures.push(`${name}: did not reject`);
  } catch (e) {
    if (errorName && e.name !== errorName) failures.push(`${name}: rejected with ${e.name} (${e.message}), wanted ${errorName}`);
    else passed++;
  }
}

export function suite(run) {
  return {
    async fetch(request, env, ctx) {
      try {
        await run(request, env, ctx);
      } catch (e) {
        failures.push(`suite threw: ${e.name}: ${e.message}\n${e.stack}`);
      }
      return Response.json({ passed, failures });
    },
  };
}
