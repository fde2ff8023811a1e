export default { fetch() { return new Response("<h1 id=title>Rendered heading</h1><script>document.title = 'scripted'</script>", { headers: { "content-type": "text/html; charset=utf-8" } }); } };
