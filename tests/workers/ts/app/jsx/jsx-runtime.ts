// A tiny JSX runtime rendering to HTML strings (as hono/jsx does), so the
// test needs no npm package: `jsx.importSource` is "./jsx".
export const Fragment = Symbol("Fragment");

type Child = string | number | boolean | null | undefined | Html | Child[];
type Component = (props: Record<string, unknown>) => Html | string;

class Html {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

const escape = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function children(c: Child): string {
  if (c === null || c === undefined || c === false || c === true) return "";
  if (Array.isArray(c)) return c.map(children).join("");
  if (c instanceof Html) return c.html;
  return escape(String(c));
}

export function jsx(type: string | Component | typeof Fragment, props: Record<string, unknown>): Html {
  const { children: kids, ...attrs } = props;
  if (type === Fragment) return new Html(children(kids as Child));
  if (typeof type === "function") return new Html(String(type(props)));
  const attributes = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escape(String(v))}"`)
    .join("");
  return new Html(`<${type}${attributes}>${children(kids as Child)}</${type}>`);
}

export const jsxs = jsx;
