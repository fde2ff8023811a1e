0type A<T> = { a: T[] };
export const f = <T,>(x: T): A<T> => ({ a: [x] });
if (f) /[)]/.test("x"); else [1, 2].map((n) => `${n}`);
