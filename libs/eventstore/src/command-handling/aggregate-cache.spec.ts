import { randomUUID } from 'node:crypto';
import { InMemoryEventStore } from '../in-memory/in-memory-event-store';
import type { EventStore, ReadStreamOptions, RecordedEvent } from '../port/event-store.port';
import { AggregateCache, StreamBusy } from './aggregate-cache';
import { handleCommand } from './handle-command';
import type { Decider } from './handle-command';

// A counter stream: every command adds its amount; the state is the sum and the number of events.
type Added = { type: 'test.added.v1'; data: { amount: number } };
type Sum = { total: number; events: number };
const counter: Decider<{ amount: number }, Sum, Added> = {
  initialState: () => ({ total: 0, events: 0 }),
  evolve: (s, e) => ({ total: s.total + e.data.amount, events: s.events + 1 }),
  decide: (c) => [{ type: 'test.added.v1', data: { amount: c.amount } }],
};
const metadata = { source: 'test', correlationId: 'c', schemaVersion: 1 };

/** Counts the events each stream read hands back, and how reads start. */
function countingStore(): {
  store: EventStore;
  inner: InMemoryEventStore;
  reads: ReadStreamOptions[];
  delivered: number[];
} {
  const inner = new InMemoryEventStore();
  const reads: ReadStreamOptions[] = [];
  const delivered: number[] = [];
  const store: EventStore = Object.assign(Object.create(inner) as EventStore, {
    readStream: async (streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> => {
      reads.push(options ?? {});
      const events = await inner.readStream(streamId, options);
      delivered.push(events.length);
      return events;
    },
  });
  return { store, inner, reads, delivered };
}

const add = (store: EventStore, cache: AggregateCache<Sum> | undefined, amount: number, stream = 's-1') =>
  handleCommand(store, stream, counter, { amount }, { metadata, ...(cache ? { cache } : {}) });

const appendDirectly = (store: EventStore, stream: string, amount: number) =>
  store.append(
    stream,
    [
      {
        id: randomUUID(),
        type: 'test.added.v1',
        data: { amount },
        metadata: { ...metadata, time: new Date().toISOString() },
      },
    ],
    'any',
  );

describe('AggregateCache with handleCommand', () => {
  it('reads only the events after the cached state, however long the stream grows', async () => {
    const { store, reads, delivered } = countingStore();
    const cache = new AggregateCache<Sum>();
    for (let i = 1; i <= 200; i++) await add(store, cache, i);
    // The first command folds the (empty) stream; every later one reads its last event and nothing more.
    expect(delivered.slice(1).every((n) => n === 1)).toBe(true);
    expect(reads[150]).toEqual({ fromRevision: 149n });
    const outcome = await add(store, cache, 1);
    expect(outcome).toMatchObject({ ok: true, state: { total: 20_101, events: 201 } });
  });

  it('folds in what another writer appended since, before deciding', async () => {
    const { store, inner } = countingStore();
    const cache = new AggregateCache<Sum>();
    await add(store, cache, 5);
    await appendDirectly(inner, 's-1', 100);
    await appendDirectly(inner, 's-1', 1_000);
    expect(await add(store, cache, 1)).toMatchObject({ ok: true, state: { total: 1_106, events: 4 } });
  });

  it('folds the whole stream again when it was rewritten since (the cached event is gone)', async () => {
    const { store, inner, reads } = countingStore();
    const cache = new AggregateCache<Sum>();
    await add(store, cache, 5);
    await add(store, cache, 6);
    await inner.deleteStream('s-1');
    await appendDirectly(inner, 's-1', 40); // revisions go on: this one is 2
    await appendDirectly(inner, 's-1', 2); // and 3
    reads.length = 0;
    expect(await add(store, cache, 1)).toMatchObject({ ok: true, state: { total: 43, events: 3 } });
    expect(reads).toEqual([{ fromRevision: 1n }, {}]);
  });

  it('decides on fresh state when a writer lands between the read and the append, reading only the tail again', async () => {
    const { store, inner, reads } = countingStore();
    const cache = new AggregateCache<Sum>();
    await add(store, cache, 1);
    reads.length = 0;
    let raced = false;
    const racing: EventStore = Object.assign(Object.create(store) as EventStore, {
      append: async (...args: Parameters<EventStore['append']>) => {
        if (!raced) {
          raced = true;
          await appendDirectly(inner, 's-1', 10);
        }
        return inner.append(...args);
      },
    });
    expect(await add(racing, cache, 100)).toMatchObject({ ok: true, state: { total: 111, events: 3 } });
    // The conflict kept the cached state: the second try read from its revision, not the whole stream.
    expect(reads).toEqual([{ fromRevision: 0n }, { fromRevision: 0n }]);
    expect(await add(store, cache, 0)).toMatchObject({ state: { total: 111, events: 4 } });
  });

  it('keeps at most maxStreams, dropping the least recently used', async () => {
    const cache = new AggregateCache<number>({ maxStreams: 2 });
    cache.set('a', { state: 1, revision: 0n, eventId: 'x' });
    cache.set('b', { state: 2, revision: 0n, eventId: 'y' });
    cache.get('a');
    cache.set('c', { state: 3, revision: 0n, eventId: 'z' });
    expect([cache.get('a')?.state, cache.get('b'), cache.get('c')?.state]).toEqual([1, undefined, 3]);
    expect(cache.size).toBe(2);
  });

  it('keeps a state no longer than its time to live after it was stored, read or not', () => {
    let now = 0;
    const cache = new AggregateCache<number>({ ttlMs: 1_000, now: () => now });
    cache.set('a', { state: 1, revision: 0n, eventId: 'x' });
    cache.set('b', { state: 2, revision: 0n, eventId: 'y' });
    now = 900;
    expect(cache.get('a')?.state).toBe(1);
    now = 1_001;
    expect(cache.get('a')).toBeUndefined();
    // Nobody asks for b again: the next set sweeps it out all the same.
    cache.set('c', { state: 3, revision: 0n, eventId: 'z' });
    expect(cache.size).toBe(1);
  });

  it('forgets everything on forget(), and keeps no state loaded before it (an erasure meanwhile)', () => {
    const cache = new AggregateCache<number>();
    cache.set('a', { state: 1, revision: 0n, eventId: 'x' });
    const loadedBefore = cache.epoch;
    cache.forget();
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', { state: 1, revision: 0n, eventId: 'x' }, loadedBefore);
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', { state: 2, revision: 1n, eventId: 'y' }, cache.epoch);
    expect(cache.get('a')?.state).toBe(2);
  });

  it('never goes back to an older state when two commands finish out of order', () => {
    const cache = new AggregateCache<number>();
    cache.set('a', { state: 5, revision: 5n, eventId: 'e5' });
    cache.set('a', { state: 4, revision: 4n, eventId: 'e4' });
    expect(cache.get('a')).toMatchObject({ state: 5, revision: 5n, eventId: 'e5' });
  });

  it('runs the commands on one stream one after another in a process: none conflicts, none is lost', async () => {
    const { store, inner } = countingStore();
    const cache = new AggregateCache<Sum>();
    let conflicts = 0;
    const counting: EventStore = Object.assign(Object.create(store) as EventStore, {
      append: async (...args: Parameters<EventStore['append']>) =>
        inner.append(...args).catch((err: unknown) => {
          conflicts++;
          throw err;
        }),
    });
    await Promise.all(Array.from({ length: 50 }, (_, i) => add(counting, cache, i + 1)));
    expect(conflicts).toBe(0);
    expect(await add(store, cache, 0)).toMatchObject({ state: { total: 1_275, events: 51 } });
  });

  it('goes on with the next command on a stream when one before it failed', async () => {
    const cache = new AggregateCache<number>();
    const failed = cache.exclusive('a', async () => {
      throw new Error('boom');
    });
    await expect(failed).rejects.toThrow('boom');
    await expect(cache.exclusive('a', async () => 7)).resolves.toBe(7);
  });

  it('gives up waiting behind a slow command as a passing fault, never runs the work later, and keeps the order', async () => {
    const cache = new AggregateCache<number>({ queueWaitMs: 50 });
    let release: () => void = () => undefined;
    const order: string[] = [];
    const slow = cache.exclusive(
      'a',
      () =>
        new Promise<string>((r) => {
          release = () => {
            order.push('slow');
            r('slow');
          };
        }),
    );
    let ran = false;
    const error = await cache
      .exclusive('a', async () => {
        ran = true;
        return 'waiter';
      })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StreamBusy);
    expect(error).toMatchObject({ transient: true });
    // The next command still waits for the slow one (it would race it otherwise), not for the one that left.
    const next = cache.exclusive('a', async () => {
      order.push('next');
      return 'next';
    });
    await new Promise((r) => setTimeout(r, 10));
    release();
    await expect(Promise.all([slow, next])).resolves.toEqual(['slow', 'next']);
    expect(order).toEqual(['slow', 'next']);
    expect(ran).toBe(false);
  });

  it('refuses at once a command that would wait behind maxQueued others on its stream', async () => {
    const cache = new AggregateCache<number>({ maxQueued: 2 });
    let release: () => void = () => undefined;
    const first = cache.exclusive('a', () => new Promise<number>((r) => (release = () => r(1))));
    const queued = [cache.exclusive('a', async () => 2), cache.exclusive('a', async () => 3)];
    await expect(cache.exclusive('a', async () => 4)).rejects.toBeInstanceOf(StreamBusy);
    // Another stream is not held up.
    await expect(cache.exclusive('b', async () => 5)).resolves.toBe(5);
    release();
    await expect(Promise.all([first, ...queued])).resolves.toEqual([1, 2, 3]);
    await expect(cache.exclusive('a', async () => 6)).resolves.toBe(6);
  });
});
