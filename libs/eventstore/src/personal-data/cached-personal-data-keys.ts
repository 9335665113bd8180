import type { DataKey, PersonalDataKeys } from './personal-data-keys';

export interface KeyCacheOptions {
  /** How many subjects' keys one process holds at most (the least recently used go first). */
  maxKeys?: number;
  /**
   * How long a key is used from memory before it is read again: how long a replica that did not erase a
   * subject may still seal new data (then unreadable) with the subject's erased key.
   */
  ttlMs?: number;
  now?: () => number;
}

export const KEY_CACHE_DEFAULTS = { maxKeys: 10_000, ttlMs: 60_000 } as const;

interface Held<T> {
  value: T;
  until: number;
}

/**
 * The keys new data is sealed with, kept in memory for a bounded time, so that a busy subject's appends
 * do not read the key table each time. Only sealing keys are held: a key that opens data is read per batch
 * (PersonalDataProtection), so a key erased by any process stops opening data at once everywhere — a
 * sealing key held after its erasure elsewhere can only make new data unreadable, never reveal old data.
 * Erasing through this store forgets the subjects' keys at once (a key read while the erasure was under
 * way is not kept); an erasure made by another replica reaches this memory within `ttlMs`.
 */
export class CachedPersonalDataKeys implements PersonalDataKeys {
  private readonly current = new Map<string, Held<DataKey>>();
  private readonly maxKeys: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  /** Counts erasures: a key read that began before the latest one is used, not kept. */
  private erasures = 0;
  hits = 0;
  misses = 0;

  constructor(
    private readonly inner: PersonalDataKeys,
    options: KeyCacheOptions = {},
  ) {
    this.maxKeys = options.maxKeys ?? KEY_CACHE_DEFAULTS.maxKeys;
    this.ttlMs = options.ttlMs ?? KEY_CACHE_DEFAULTS.ttlMs;
    this.now = options.now ?? Date.now;
  }

  get vaultId(): string {
    return this.inner.vaultId;
  }

  async currentKey(subject: string): Promise<DataKey> {
    const held = this.fresh(this.current, subject);
    if (held) return held;
    const epoch = this.erasures;
    const key = await this.inner.currentKey(subject);
    if (epoch === this.erasures) this.keep(this.current, subject, key);
    return key;
  }

  /** Opening keys are read each time (per batch), never held: see the class's note. */
  keys(refs: { subject: string; generation: number }[]): Promise<Map<string, Buffer>> {
    return this.inner.keys(refs);
  }

  async erase(subjects: string[]): Promise<number> {
    this.forget(subjects);
    try {
      return await this.inner.erase(subjects);
    } finally {
      // Reads that were under way during the erasure may hold the old keys: none of them is kept.
      this.forget(subjects);
    }
  }

  /** Forgets the subjects' keys in this process (an erasure seen here, or reported by another). */
  forget(subjects: readonly string[]): void {
    this.erasures += 1;
    const gone = new Set(subjects);
    for (const subject of gone) this.current.delete(subject);
  }

  async close(): Promise<void> {
    this.current.clear();
    await this.inner.close();
  }

  private fresh<T>(map: Map<string, Held<T>>, id: string): T | undefined {
    const held = map.get(id);
    if (held && held.until > this.now()) {
      this.hits += 1;
      // Most recently used last: the bound evicts from the front.
      map.delete(id);
      map.set(id, held);
      return held.value;
    }
    if (held) map.delete(id);
    this.misses += 1;
    return undefined;
  }

  private keep<T>(map: Map<string, Held<T>>, id: string, value: T): void {
    map.delete(id);
    map.set(id, { value, until: this.now() + this.ttlMs });
    while (map.size > this.maxKeys) map.delete(map.keys().next().value as string);
  }
}
