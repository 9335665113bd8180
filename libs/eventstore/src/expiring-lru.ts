/**
 * A bounded map whose entries expire a fixed time after they were stored: the least recently used goes
 * first past `maxEntries`, and expired entries are swept even when nobody asks for them again (what it
 * holds — a decider's state, a data key — may be personal data in the clear, so a quiet process keeps none).
 */
export class ExpiringLru<V> {
  private readonly entries = new Map<string, { value: V; storedAt: number }>();
  private sweptAt = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value while it is fresh (it becomes the most recently used; its age is kept), else undefined. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (this.now() - entry.storedAt > this.ttlMs) return undefined;
    // Map keeps insertion order: re-inserting makes it the most recently used.
    this.entries.set(key, entry);
    return entry.value;
  }

  /** The value stored, fresh or not, without touching its recency. */
  peek(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  set(key: string, value: V): void {
    const now = this.now();
    this.entries.delete(key);
    this.entries.set(key, { value, storedAt: now });
    while (this.entries.size > this.maxEntries)
      this.entries.delete(this.entries.keys().next().value as string);
    if (now - this.sweptAt >= this.ttlMs / 4) {
      this.sweptAt = now;
      for (const [k, entry] of this.entries) if (now - entry.storedAt > this.ttlMs) this.entries.delete(k);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
