// Blob, File and FormData, and bodies made of them: multipart/form-data
// encoding and parsing, urlencoded forms, body.blob(). Expected values follow
// the File API and XHR (FormData) specs and RFC 7578.
import { eq, ok, throws, rejects, suite } from "./harness.js";

const bytes = (u8) => Array.from(u8);

export default suite(async (request) => {
  // ------------------------------------------------------------ Blob
  const b = new Blob(["h\u00e9", new Uint8Array([33]), new Blob(["?"])], { type: "Text/Plain" });
  eq("size counts UTF-8 bytes", b.size, 5);
  eq("type is lowercased", b.type, "text/plain");
  eq("text", await b.text(), "h\u00e9!?");
  eq("bytes", bytes(await b.bytes()), [104, 195, 169, 33, 63]);
  eq("arrayBuffer", (await b.arrayBuffer()).byteLength, 5);
  eq("empty blob", [new Blob().size, new Blob().type], [0, ""]);
  eq("non-ASCII type becomes empty", new Blob([], { type: "text/\u00e9" }).type, "");
  eq("slice", await b.slice(1, 3).text(), "\u00e9");
  eq("negative slice", await b.slice(-2).text(), "!?");
  eq("slice past the end", (await b.slice(3, 100).bytes()).length, 2);
  eq("inverted slice is empty", b.slice(4, 2).size, 0);
  eq("slice content type", b.slice(0, 1, "X/Y").type, "x/y");
  eq("slice has no type by default", b.slice(0, 1).type, "");
  const src = new Uint8Array([1, 2, 3]);
  const copied = new Blob([src]);
  src[0] = 9;
  eq("parts are copied", bytes(await copied.bytes()), [1, 2, 3]);
  eq("native endings", await new Blob(["a\r\nb\rc"], { endings: "native" }).text(), "a\nb\nc");
  eq("transparent endings", await new Blob(["a\r\nb"]).text(), "a\r\nb");
  throws("parts must be iterable", () => new Blob("abc"), "TypeError");
  throws("bad endings", () => new Blob([], { endings: "dos" }), "TypeError");
  eq("toString tag", Object.prototype.toString.call(b), "[object Blob]");
  const reader = b.stream().getReader();
  eq("stream", bytes((await reader.read()).value), [104, 195, 169, 33, 63]);
  ok("stream ends", (await reader.read()).done);

  // ------------------------------------------------------------ File
  const f = new File(["data"], "notes.txt", { type: "text/plain", lastModified: 42 });
  ok("File is a Blob", f instanceof Blob);
  eq("name", f.name, "notes.txt");
  eq("lastModified", f.lastModified, 42);
  eq("type", f.type, "text/plain");
  eq("webkitRelativePath", f.webkitRelativePath, "");
  ok("lastModified defaults to now", Math.abs(new File([], "x").lastModified - Date.now()) < 60000);
  throws("File needs a name", () => new File(["x"]), "TypeError");
  eq("toString tag", Object.prototype.toString.call(f), "[object File]");

  // ------------------------------------------------------------ FormData
  const fd = new FormData();
  fd.append("a", "1");
  fd.append("b", new Blob(["xyz"], { type: "text/x" }));
  fd.append("c", new Blob(["q"]), "q.bin");
  fd.append("a", 2);
  eq("get returns the first", fd.get("a"), "1");
  eq("getAll", fd.getAll("a"), ["1", "2"]);
  eq("get of a missing name", fd.get("zzz"), null);
  ok("has", fd.has("b") && !fd.has("zzz"));
  const blobEntry = fd.get("b");
  ok("a Blob value becomes a File", blobEntry instanceof File);
  eq("named blob", blobEntry.name, "blob");
  eq("and keeps its type", blobEntry.type, "text/x");
  eq("filename argument", fd.get("c").name, "q.bin");
  eq("keys in order", [...fd.keys()], ["a", "b", "c", "a"]);
  fd.set("a", "only");
  eq("set replaces the first and removes the rest", [...fd.keys()], ["a", "b", "c"]);
  eq("set value", fd.get("a"), "only");
  fd.set("d", "new");
  eq("set appends a new name", [...fd.keys()], ["a", "b", "c", "d"]);
  fd.delete("b");
  eq("delete", [...fd.keys()], ["a", "c", "d"]);
  const seen = [];
  fd.forEach((v, k) => seen.push(k));
  eq("forEach", seen, ["a", "c", "d"]);
  eq("entries", [...fd].map(([k, v]) => [k, typeof v]), [["a", "string"], ["c", "object"], ["d", "string"]]);
  throws("a filename needs a Blob", () => fd.append("x", "y", "z.txt"), "TypeError");
  throws("append needs two arguments", () => fd.append("x"), "TypeError");
  throws("no DOM forms", () => new FormData({}), "TypeError");

  // ------------------------------------------------------------ multipart round trip
  const form = new FormData();
  form.append("title", "h\u00e9llo\nworld");
  form.append("quote\"d", "v");
  form.append("upload", new File([new Uint8Array([0, 255, 13, 10, 45, 45])], "r\u00e9sum\u00e9.bin", { type: "application/x-test" }));
  const req = new Request("https://a.test/upload", { method: "POST", body: form });
  const ct = req.headers.get("content-type");
  ok("multipart content type with a boundary", /^multipart\/form-data; boundary=\S+$/.test(ct));
  const raw = await req.clone().text();
  ok("newlines in values are CRLF-normalized", raw.includes("h\u00e9llo\r\nworld"));
  ok("quotes in names are escaped", raw.includes('name="quote%22d"'));
  const parsed = await req.formData();
  eq("text field", parsed.get("title"), "h\u00e9llo\r\nworld");
  eq("escaped name", parsed.get("quote\"d"), "v");
  const up = parsed.get("upload");
  ok("file field is a File", up instanceof File);
  eq("file name (UTF-8)", up.name, "r\u00e9sum\u00e9.bin");
  eq("file type", up.type, "application/x-test");
  eq("binary content intact (CRLF and dashes inside)", bytes(await up.bytes()), [0, 255, 13, 10, 45, 45]);

  // A multipart body written by hand (as a client would send it).
  const boundary = "XyZ";
  const hand = `--${boundary}\r\nContent-Disposition: form-data; name="field"\r\n\r\nvalue\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nline1\r\nline2\r\n` +
    `--${boundary}--\r\n`;
  const handParsed = await new Response(hand, { headers: { "content-type": `multipart/form-data; boundary="${boundary}"` } }).formData();
  eq("hand-written field", handParsed.get("field"), "value");
  eq("hand-written file", await handParsed.get("file").text(), "line1\r\nline2");
  eq("file without a type", (await new Response(`--b\r\nContent-Disposition: form-data; name="f"; filename="x"\r\n\r\nz\r\n--b--`, { headers: { "content-type": "multipart/form-data; boundary=b" } }).formData()).get("f").type, "application/octet-stream");
  await rejects("no boundary", new Response("x", { headers: { "content-type": "multipart/form-data" } }).formData(), "TypeError");
  await rejects("missing closing boundary", new Response("--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nz", { headers: { "content-type": "multipart/form-data; boundary=b" } }).formData(), "TypeError");
  await rejects("not a form", new Response("{}", { headers: { "content-type": "application/json" } }).formData(), "TypeError");

  // urlencoded
  const urlForm = await new Response("a=1&b=x+y&a=%C3%A9", { headers: { "content-type": "application/x-www-form-urlencoded;charset=UTF-8" } }).formData();
  eq("urlencoded form", [...urlForm], [["a", "1"], ["b", "x y"], ["a", "\u00e9"]]);
  eq("URLSearchParams body round trip", [...(await new Request("https://a.test", { method: "POST", body: new URLSearchParams({ k: "v w" }) }).formData())], [["k", "v w"]]);

  // ------------------------------------------------------------ Blob bodies
  const blobResponse = new Response(new Blob(["<p>hi</p>"], { type: "text/html" }));
  eq("a Blob body sets the content type", blobResponse.headers.get("content-type"), "text/html");
  eq("and its bytes", await blobResponse.text(), "<p>hi</p>");
  eq("an untyped Blob sets none", new Response(new Blob(["x"])).headers.get("content-type"), null);
  const asBlob = await new Response("abc", { headers: { "content-type": "text/x" } }).blob();
  eq("body.blob()", [asBlob.size, asBlob.type, await asBlob.text()], [3, "text/x", "abc"]);
  await rejects("blob() uses the body", (async () => { const r = new Response("x"); await r.text(); return r.blob(); })(), "TypeError");

  // The incoming request: a multipart upload sent by the host test.
  const incoming = await request.formData();
  eq("incoming text field", incoming.get("name"), "isolet");
  eq("incoming file", [incoming.get("doc").name, await incoming.get("doc").text()], ["doc.txt", "file body"]);
});
