export class Counter<K> {
  private readonly seen = new Map<K, number>();

  constructor(public readonly limit: number) {}

  add(key: K): number {
    const n = (this.seen.get(key) ?? 0) + 1;
    if (this.seen.size < this.limit) this.seen.set(key, n);
    return n;
  }
}
