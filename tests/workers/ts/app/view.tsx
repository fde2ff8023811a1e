type Props = { name: string; items: string[] };

function List({ items }: { items: string[] }) {
  return <ul>{items.map((item) => <li>{item}</li>)}</ul>;
}

export function page(name: string, items: string[]): string {
  const props: Props = { name, items };
  return String(
    <>
      <h1 class="title">Hello {props.name}</h1>
      <List items={props.items} />
    </>,
  );
}
