// A bounded map whose entries expire: for TokenReview and SubjectAccessReview decisions.

export class TtlCache<V> {
  private readonly map = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    // Refresh recency: Map iteration order is insertion order, so re-insert.
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    this.map.delete(key);
    this.map.set(key, { value, expires: this.now() + ttlMs });
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  /** Milliseconds the entry has left, without touching its recency; undefined when absent or expired. */
  remaining(key: string): number | undefined {
    const e = this.map.get(key);
    const left = e ? e.expires - this.now() : 0;
    return left > 0 ? left : undefined;
  }

  get size(): number {
    return this.map.size;
  }
}
