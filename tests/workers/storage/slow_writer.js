// A plain worker id's own storage, written by two instances at once: each
// request adds a row, then holds its transaction (the write lock) for
// `hold` ms of busy work before it answers, and reports the rows it saw and
// how many requests its instance has served.
let served = 0;

export default {
  fetch(request, env, ctx) {
    served++;
    const url = new URL(request.url);
    const who = url.searchParams.get("who");
    const hold = Number(url.searchParams.get("hold") ?? 0);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS hits (who TEXT NOT NULL)");
    ctx.storage.sql.exec("INSERT INTO hits VALUES (?)", who);
    const until = Date.now() + hold;
    while (Date.now() < until) {}
    const seen = ctx.storage.sql.exec("SELECT who FROM hits ORDER BY rowid").toArray().map((r) => r.who);
    return Response.json({ who, seen, served });
  },
};
