1export const App = () => <div className="x">{[1, 2].map((n) => <b key={n}>{n}</b>)} text (with) "quotes" </div>;
const g = <T extends unknown>(x: T) => x;
