import { CachedPersonalDataKeys } from './cached-personal-data-keys';
import { InMemoryPersonalDataKeys, keyRef } from './personal-data-keys';
import type { DataKey, PersonalDataKeys } from './personal-data-keys';

/** The in-memory key store, counting what reaches it; `hold` parks the next currentKey until released. */
class CountingKeys implements PersonalDataKeys {
  readonly inner = new InMemoryPersonalDataKeys();
  currentCalls = 0;
  keysCalls = 0;
  hold?: Promise<void>;
  get vaultId() {
    return this.inner.vaultId;
  }
  async currentKey(subject: string): Promise<DataKey> {
    this.currentCalls += 1;
    const key = await this.inner.currentKey(subject);
    await this.hold;
    return key;
  }
  async keys(refs: { subject: string; generation: number }[]) {
    this.keysCalls += 1;
    return this.inner.keys(refs);
  }
  erase(subjects: string[]) {
    return this.inner.erase(subjects);
  }
  close() {
    return this.inner.close();
  }
}

describe('data keys held in memory', () => {
  let clock = 0;
  const setup = (options: { maxKeys?: number; ttlMs?: number } = {}) => {
    const store = new CountingKeys();
    return { store, keys: new CachedPersonalDataKeys(store, { ttlMs: 1_000, now: () => clock, ...options }) };
  };
  beforeEach(() => (clock = 0));

  it('reads a subject’s sealing key once while it is fresh, and again after its time', async () => {
    const { store, keys } = setup();
    const first = await keys.currentKey('contact-1');
    expect(await keys.currentKey('contact-1')).toEqual(first);
    expect(store.currentCalls).toBe(1);
    clock = 1_001;
    await keys.currentKey('contact-1');
    expect(store.currentCalls).toBe(2);
  });

  it('reads opening keys every time: an erasure by any process stops them opening data at once', async () => {
    const { store, keys } = setup();
    const { generation, key } = await keys.currentKey('contact-1');
    const ref = [{ subject: 'contact-1', generation }];
    expect((await keys.keys(ref)).get(keyRef('contact-1', generation))).toEqual(key);
    // Erased by another process (straight in the store, not through this cache).
    await store.erase(['contact-1']);
    expect((await keys.keys(ref)).size).toBe(0);
    expect(store.keysCalls).toBe(2);
  });

  it('forgets an erased subject at once: nothing of it opens, and new data gets a new key', async () => {
    const { keys } = setup();
    const old = await keys.currentKey('contact-1');
    await keys.currentKey('contact-2');
    expect(await keys.erase(['contact-1'])).toBe(1);
    expect((await keys.keys([{ subject: 'contact-1', generation: old.generation }])).size).toBe(0);
    const next = await keys.currentKey('contact-1');
    expect(next.generation).toBe(old.generation + 1);
    expect(next.key.equals(old.key)).toBe(false);
    // Another subject's key is still held.
    expect((await keys.currentKey('contact-2')).subject).toBe('contact-2');
  });

  it('does not keep a key read while an erasure of it was under way', async () => {
    const { store, keys } = setup();
    let release: () => void = () => undefined;
    store.hold = new Promise<void>((r) => (release = r));
    const reading = keys.currentKey('contact-1');
    // The read has the key in hand and waits; the erasure runs meanwhile.
    while (store.currentCalls === 0) await Promise.resolve();
    await keys.erase(['contact-1']);
    release();
    const stale = await reading;
    store.hold = undefined;
    const after = await keys.currentKey('contact-1');
    expect(after.generation).toBe(stale.generation + 1);
    expect(store.currentCalls).toBe(2);
  });

  it('holds at most maxKeys subjects, the least recently used going first', async () => {
    const { store, keys } = setup({ maxKeys: 2 });
    await keys.currentKey('a');
    await keys.currentKey('b');
    await keys.currentKey('a');
    await keys.currentKey('c');
    expect(store.currentCalls).toBe(3);
    await keys.currentKey('a');
    expect(store.currentCalls).toBe(3);
    await keys.currentKey('b');
    expect(store.currentCalls).toBe(4);
  });

  it('forgets subjects another process erased when told (forget), before their time is up', async () => {
    const { store, keys } = setup();
    await keys.currentKey('contact-1');
    await store.erase(['contact-1']);
    keys.forget(['contact-1']);
    expect((await keys.currentKey('contact-1')).generation).toBe(2);
  });
});
