import { ExpiringLru } from '../expiring-lru';
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

/**
 * The keys new data is sealed with, kept in memory for a bounded time, so that a busy subject's appends
 * do not read the key table each time. Only sealing keys are held: a key that opens data is read per batch
 * (PersonalDataProtection), so a key erased by any process stops opening data at once everywhere — a
 * sealing key held after its erasure elsewhere can only make new data unreadable, never reveal old data.
 * Erasing through this store forgets the subjects' keys at once (a key read while the erasure was under
 * way is not kept); an erasure made by another replica reaches this memory within `ttlMs`.
 */
export class CachedPersonalDataKeys implements PersonalDataKeys {
  private readonly current: ExpiringLru<DataKey>;
  /** Counts erasures: a key read that began before the latest one is used, not kept. */
  private erasures = 0;
  hits = 0;
  misses = 0;

  constructor(
    private readonly inner: PersonalDataKeys,
    options: KeyCacheOptions = {},
  ) {
    this.current = new ExpiringLru(
      options.maxKeys ?? KEY_CACHE_DEFAULTS.maxKeys,
      options.ttlMs ?? KEY_CACHE_DEFAULTS.ttlMs,
      options.now,
    );
  }

  get vaultId(): string {
    return this.inner.vaultId;
  }

  async currentKey(subject: string): Promise<DataKey> {
    const held = this.current.get(subject);
    if (held) {
      this.hits += 1;
      return held;
    }
    this.misses += 1;
    const epoch = this.erasures;
    const key = await this.inner.currentKey(subject);
    if (epoch === this.erasures) this.current.set(subject, key);
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
    for (const subject of subjects) this.current.delete(subject);
  }

  async close(): Promise<void> {
    this.current.clear();
    await this.inner.close();
  }
}
