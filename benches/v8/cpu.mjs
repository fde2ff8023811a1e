// Times CPU-bound routes of benches/v8/cpu.js on isolet and on workerd from
// outside (sequential HTTP requests, median wall ms; HTTP overhead is
// ~0.1 ms of that), and checks both engines answer the same.
// Usage: node cpu.mjs <isolet base URL> <workerd base URL> [rounds]
const [isolet, workerd] = process.argv.slice(2, 4);
const rounds = Number(process.argv[4] || 7);
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(url) {
  const t0 = process.hrtime.bigint();
  const r = await fetch(url);
  const body = await r.text();
  if (!r.ok) throw new Error(`${url}: ${r.status} ${body.slice(0, 200)}`);
  return [Number(process.hrtime.bigint() - t0) / 1e6, body];
}

const out = {};
for (const route of ["json", "regex", "sha256"]) {
  const row = {};
  for (const [name, base] of [["isolet", isolet], ["workerd", workerd]]) {
    await time(`${base}/${route}`); // warm-up
    const ms = [];
    let body;
    for (let i = 0; i < rounds; i++) {
      const [t, b] = await time(`${base}/${route}`);
      ms.push(t);
      body = b;
    }
    row[`${name}_ms`] = median(ms);
    row[`${name}_answer`] = body;
  }
  row.same_answer = row.isolet_answer === row.workerd_answer;
  out[route] = row;
}
console.log(JSON.stringify(out));
