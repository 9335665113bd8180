import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent, RecordedEvent } from '../port/event-store.port';
import { DuplicateEventError, readStreams, WrongExpectedRevisionError } from '../port/event-store.port';
import type { LogPosition } from '../port/log-position';
import { comparePositions, START } from '../port/log-position';

/** Where an adapter's server differs by design; the suite checks the documented behaviour instead. */
export interface AdapterTraits {
  /** PostgreSQL and in-memory refuse a known event id; KurrentDB acknowledges a retried append as done. */
  rejectsDuplicateEventIds: boolean;
  /** PostgreSQL removes a deleted stream's events from the global log at once; KurrentDB at its next scavenge. */
  deleteRemovesFromGlobalLog: boolean;
}

const STRICT: AdapterTraits = { rejectsDuplicateEventIds: true, deleteRemovesFromGlobalLog: true };

/** One behaviour every adapter must have; each adapter's spec runs this suite against it. */
export function eventStoreContract(
  adapter: string,
  open: () => Promise<EventStore>,
  close: (store: EventStore) => Promise<void>,
  traits: AdapterTraits = STRICT,
) {
  describe(`EventStore contract: ${adapter}`, () => {
    let store: EventStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(() => close(store));

    const stream = (name: string) => `${name}-${randomUUID()}`;
    const event = (type = 'tickets.ticket-opened.v1', data: unknown = { n: 1 }): NewEvent => ({
      id: randomUUID(),
      type,
      data,
      metadata: {
        source: 'tickets',
        time: '2026-11-23T10:00:00.000Z',
        correlationId: 'c-1',
        schemaVersion: 1,
        contactId: 'contact-1',
      },
    });
    // The global log is eventually visible: PostgreSQL shows a commit once every older transaction
    // of the cluster has ended, so a read straight after an append may not see it yet.
    const logOf = async (streams: string[], count: number, after: LogPosition = START) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const found = (await store.readAll({ after })).filter((e) => streams.includes(e.streamId));
        if (found.length >= count || Date.now() > deadline) return found;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const expectConflict = async (promise: Promise<unknown>, actual: bigint | undefined) => {
      const err = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WrongExpectedRevisionError);
      expect((err as WrongExpectedRevisionError).actual).toBe(actual);
    };

    it('appends to a new stream and reads it back with data, metadata and revisions', async () => {
      const id = stream('ticket');
      const written = [
        event('tickets.ticket-opened.v1', { subject: '订单在哪里？' }),
        event('tickets.reply-added.v1', { body: 'hi' }),
      ];
      const result = await store.append(id, written, 'no_stream');
      expect(result.nextExpectedRevision).toBe(1n);
      const read = await store.readStream(id);
      expect(read.map((e) => [e.id, e.type, e.data, e.revision, e.streamId])).toEqual([
        [written[0]?.id, 'tickets.ticket-opened.v1', { subject: '订单在哪里？' }, 0n, id],
        [written[1]?.id, 'tickets.reply-added.v1', { body: 'hi' }, 1n, id],
      ]);
      expect(read[0]?.metadata).toEqual(written[0]?.metadata);
      expect(read[0]?.recordedAt).toBeInstanceOf(Date);
      expect(comparePositions(read[1]!.position, result.position)).toBe(0);
      expect(await store.streamRevision(id)).toBe(1n);
      expect(await store.streamRevision(stream('missing'))).toBeUndefined();
    });

    it('enforces the expected revision: no_stream, exact, stream_exists, any', async () => {
      const id = stream('ticket');
      await store.append(id, [event()], 'no_stream');
      await expectConflict(store.append(id, [event()], 'no_stream'), 0n);
      await expectConflict(store.append(id, [event()], 5n), 0n);
      expect((await store.append(id, [event(), event()], 0n)).nextExpectedRevision).toBe(2n);
      await expectConflict(store.append(id, [event()], 0n), 2n);
      expect((await store.append(id, [event()], 'stream_exists')).nextExpectedRevision).toBe(3n);
      expect((await store.append(id, [event()], 'any')).nextExpectedRevision).toBe(4n);

      const fresh = stream('ticket');
      await expectConflict(store.append(fresh, [event()], 'stream_exists'), undefined);
      await expectConflict(store.append(fresh, [event()], 0n), undefined);
      expect((await store.append(fresh, [event()], 'any')).nextExpectedRevision).toBe(0n);
    });

    it('lets exactly one of two concurrent writers with the same expected revision win', async () => {
      const id = stream('ticket');
      await store.append(id, [event()], 'no_stream');
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => store.append(id, [event()], 0n)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
        expect(r.reason).toBeInstanceOf(WrongExpectedRevisionError);
      }
      expect(await store.streamRevision(id)).toBe(1n);
    });

    (traits.rejectsDuplicateEventIds ? it.skip : it)(
      'acknowledges a retried append (same ids, same expected revision) without writing it twice',
      async () => {
        const id = stream('ticket');
        const events = [event(), event()];
        const first = await store.append(id, events, 'no_stream');
        const retried = await store.append(id, events, 'no_stream');
        expect(retried.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect((await store.readStream(id)).map((e) => e.id)).toEqual(events.map((e) => e.id));
      },
    );

    (traits.rejectsDuplicateEventIds ? it : it.skip)(
      'refuses an event id it already has, and writes nothing of that append',
      async () => {
        const id = stream('ticket');
        const first = event();
        await store.append(id, [first], 'no_stream');
        await expect(store.append(id, [event(), first], 0n)).rejects.toBeInstanceOf(DuplicateEventError);
        await expect(store.append(stream('other'), [first], 'any')).rejects.toBeInstanceOf(
          DuplicateEventError,
        );
        expect(await store.readStream(id)).toHaveLength(1);
        expect(await store.streamRevision(id)).toBe(0n);
      },
    );

    it('reads a stream backwards, from a revision, and a bounded count', async () => {
      const id = stream('ticket');
      await store.append(
        id,
        Array.from({ length: 5 }, (_, n) => event('tickets.note-added.v1', { n })),
        'no_stream',
      );
      const revisions = (events: RecordedEvent[]) => events.map((e) => e.revision);
      expect(revisions(await store.readStream(id, { direction: 'backwards' }))).toEqual([4n, 3n, 2n, 1n, 0n]);
      expect(revisions(await store.readStream(id, { fromRevision: 2n, maxCount: 2 }))).toEqual([2n, 3n]);
      expect(
        revisions(await store.readStream(id, { direction: 'backwards', fromRevision: 2n, maxCount: 2 })),
      ).toEqual([2n, 1n]);
      expect(await store.readStream(stream('missing'))).toEqual([]);
    });

    it('reads several streams at once, each from its revision, answered in the order asked', async () => {
      const [a, b, none] = [stream('ticket'), stream('ticket'), stream('missing')];
      await store.append(a, [event(), event(), event()], 'no_stream');
      await store.append(b, [event()], 'no_stream');
      const tails = await readStreams(store, [
        { streamId: b },
        { streamId: a, fromRevision: 1n },
        { streamId: none },
        { streamId: a, fromRevision: 5n },
      ]);
      expect(tails.map((t) => t.map((e) => [e.streamId, e.revision]))).toEqual([
        [[b, 0n]],
        [
          [a, 1n],
          [a, 2n],
        ],
        [],
        [],
      ]);
      expect(tails[1]).toEqual((await store.readStream(a)).slice(1));
      expect(await readStreams(store, [])).toEqual([]);
    });

    it('reads the global log after a position, in append order', async () => {
      const a = stream('a');
      const b = stream('b');
      await store.append(a, [event()], 'no_stream');
      await store.append(b, [event(), event()], 'no_stream');
      await store.append(a, [event()], 0n);
      const next = await logOf([a, b], 4);
      expect(next.map((e) => `${e.streamId === a ? 'a' : 'b'}${e.revision}`)).toEqual([
        'a0',
        'b0',
        'b1',
        'a1',
      ]);
      for (let i = 1; i < next.length; i++)
        expect(comparePositions(next[i - 1]!.position, next[i]!.position)).toBe(-1);
      expect(await store.readAll({ after: next[1]!.position, maxCount: 1 })).toEqual([next[2]]);
      expect(await store.readAll({ after: next[3]!.position })).toEqual([]);
    });

    it('reads only the streams named by a prefix, from the log and in a subscription', async () => {
      const start = await store.readAll();
      const from = start.length ? start[start.length - 1]!.position : START;
      const tag = stream('pfx');
      const kept = `${tag}-kept_%`;
      await store.append(`${tag}-other`, [event()], 'no_stream');
      await store.append(kept, [event(), event()], 'no_stream');
      // The prefix is literal: LIKE's wildcards in it match only themselves.
      await store.append(`${tag}-keptXX`, [event()], 'no_stream');
      const read = await store.readAll({ after: from, streamPrefixes: [`${tag}-kept_%`] });
      expect(read.map((e) => `${e.streamId}@${e.revision}`)).toEqual([`${kept}@0`, `${kept}@1`]);
      const seen: RecordedEvent[] = [];
      const sub = store.subscribeToAll({
        after: from,
        streamPrefixes: [`${tag}-kept_%`],
        onBatch: async (events) => void seen.push(...events),
      });
      await sub.caughtUp;
      await sub.stop();
      expect(seen.map((e) => e.streamId)).toEqual([kept, kept]);
    });

    it('delivers the log to a catch-up subscription, past and live, in order', async () => {
      const start = await store.readAll();
      const from = start.length ? start[start.length - 1]!.position : START;
      const id = stream('live');
      await store.append(id, [event(), event()], 'no_stream');
      expect(await logOf([id], 2, from)).toHaveLength(2);
      const seen: RecordedEvent[] = [];
      const subscription = store.subscribeToAll({
        after: from,
        batchSize: 2,
        onBatch: async (batch) => void seen.push(...batch),
      });
      await subscription.caughtUp;
      expect(seen.filter((e) => e.streamId === id).map((e) => e.revision)).toEqual([0n, 1n]);
      await store.append(id, [event(), event(), event()], 1n);
      const deadline = Date.now() + 10_000;
      while (seen.filter((e) => e.streamId === id).length < 5 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      await subscription.stop();
      expect(seen.filter((e) => e.streamId === id).map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
    });

    it('stops a subscription whose handler fails, and reports the error', async () => {
      await store.append(stream('x'), [event()], 'no_stream');
      const errors: unknown[] = [];
      const subscription = store.subscribeToAll({
        after: START,
        onBatch: async () => {
          throw new Error('projection bug');
        },
        onError: (e) => errors.push(e),
      });
      const deadline = Date.now() + 5_000;
      while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await subscription.stop();
      expect(errors).toEqual([new Error('projection bug')]);
    });

    it('deletes a stream for erasure: it reads as absent, and written again its revisions continue', async () => {
      const id = stream('contact');
      const [e1] = [event('contacts.contact-created.v1', { email: 'x@example.com' })];
      await store.append(id, [e1!, event()], 'no_stream');
      await store.deleteStream(id);
      expect(await store.readStream(id)).toEqual([]);
      expect(await store.streamRevision(id)).toBeUndefined();
      if (traits.deleteRemovesFromGlobalLog)
        expect((await store.readAll()).some((e) => e.streamId === id)).toBe(false);
      await expect(store.append(id, [event()], 1n)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(store.append(id, [event()], 'stream_exists')).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      expect((await store.append(id, [event()], 'no_stream')).nextExpectedRevision).toBe(2n);
      expect((await store.readStream(id)).map((e) => e.revision)).toEqual([2n]);
      expect(await store.streamRevision(id)).toBe(2n);
      await store.deleteStream(id);
      expect((await store.append(id, [event()], 'any')).nextExpectedRevision).toBe(3n);
      await expect(store.append(id, [event()], 'no_stream')).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
    });

    it('truncates a stream before a revision, keeping the revisions of the rest', async () => {
      const id = stream('ticket');
      await store.append(id, [event(), event(), event()], 'no_stream');
      await store.truncateStream(id, 2n);
      expect((await store.readStream(id)).map((e) => e.revision)).toEqual([2n]);
      expect((await store.append(id, [event()], 2n)).nextExpectedRevision).toBe(3n);
    });
  });
}
