// A real TypeScript worker: types, generics, enums, classes, optional
// chaining, template literals, regular expressions after `)` and `}`, and
// nesting as deep as ordinary code gets. It must still transpile and run.
enum Kind {
  A = "a",
  B = "b",
}

interface Item<T extends string = string> {
  id: number;
  kind: Kind;
  tags: Array<Map<string, Set<T>>>;
  next?: Item<T> | null;
}

type Deep = { a: { b: { c: { d: { e: readonly number[] } } } } };

class Counter<T> {
  #count = 0;
  constructor(private readonly label: T) {}
  bump(by = 1): this {
    this.#count += by;
    return this;
  }
  get value(): string {
    return `${String(this.label)}=${this.#count}`;
  }
}

function classify(s: string): string {
  if (s.length > 3) /^[a-z]+$/.test(s);
  const parts = s.split(/[,;]/g).map((p) => p.trim()).filter(Boolean);
  return parts.length > 1 ? "many" : parts.length === 1 ? "one" : "none";
}

const deep: Deep = { a: { b: { c: { d: { e: [1, 2, 3] } } } } };

export default {
  async fetch(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const item: Item = { id: 1, kind: Kind.A, tags: [new Map([["x", new Set(["y"])]])], next: null };
    const c = new Counter("n").bump().bump(2);
    const sum = deep.a.b.c.d.e.reduce((a, b) => a + b, 0) / 2;
    const text = [c.value, classify("a, b"), String(sum), item.next?.id ?? "none", url.pathname].join(" ");
    return new Response(text);
  },
};
