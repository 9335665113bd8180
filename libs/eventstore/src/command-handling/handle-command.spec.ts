import { InMemoryEventStore } from '../in-memory/in-memory-event-store';
import type { EventStore, ExpectedRevision, NewEvent } from '../port/event-store.port';
import { WrongExpectedRevisionError } from '../port/event-store.port';
import { AggregateCache } from './aggregate-cache';
import { handleCommand, loadState, loadStates, reject } from './handle-command';
import type { Decider } from './handle-command';

// A tiny ticket decider: open once, reply only while open.
type TicketEvent =
  | { type: 'tickets.ticket-opened.v1'; data: { subject: string } }
  | { type: 'tickets.reply-added.v1'; data: { body: string } };
type TicketCommand = { kind: 'open'; subject: string } | { kind: 'reply'; body: string };
type TicketState = { status: 'none' | 'open'; replies: number };

const ticket: Decider<TicketCommand, TicketState, TicketEvent> = {
  initialState: () => ({ status: 'none', replies: 0 }),
  evolve: (state, event) =>
    event.type === 'tickets.ticket-opened.v1'
      ? { ...state, status: 'open' }
      : { ...state, replies: state.replies + 1 },
  decide: (command, state) => {
    if (command.kind === 'open') {
      return state.status === 'none'
        ? [{ type: 'tickets.ticket-opened.v1', data: { subject: command.subject } }]
        : reject('ticket already open');
    }
    return state.status === 'open'
      ? [{ type: 'tickets.reply-added.v1', data: { body: command.body } }]
      : reject('no such ticket');
  },
};

const metadata = { source: 'tickets', correlationId: 'corr-9', schemaVersion: 1 };

describe('handleCommand', () => {
  it('appends what the decider decides, with ids and metadata', async () => {
    const store = new InMemoryEventStore();
    const outcome = await handleCommand(
      store,
      'ticket-1',
      ticket,
      { kind: 'open', subject: 'Refund' },
      { metadata },
    );
    expect(outcome).toEqual({
      ok: true,
      events: [{ type: 'tickets.ticket-opened.v1', data: { subject: 'Refund' } }],
      nextExpectedRevision: 0n,
      // The state after the events, so the caller need not read the stream again.
      state: { status: 'open', replies: 0 },
    });
    const [stored] = await store.readStream('ticket-1');
    expect(stored?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(stored?.metadata).toMatchObject({ source: 'tickets', correlationId: 'corr-9', schemaVersion: 1 });
  });

  it('refuses to append an event the validator finds invalid, and writes nothing', async () => {
    const store = new InMemoryEventStore();
    await expect(
      handleCommand(
        store,
        'ticket-1',
        ticket,
        { kind: 'open', subject: '' },
        {
          metadata,
          validate: (e) => ((e.data as { subject: string }).subject ? undefined : 'subject: required'),
        },
      ),
    ).rejects.toThrow('ticket-1: the decider emitted an invalid event: subject: required');
    expect(await store.readStream('ticket-1')).toEqual([]);
  });

  it('derives event ids from the command when asked, so a retried command cannot append twice', async () => {
    const store = new InMemoryEventStore();
    const options = {
      metadata,
      eventId: (_: unknown, i: number) => `00000000-0000-4000-8000-00000000000${i}`,
    };
    await handleCommand(store, 'ticket-1', ticket, { kind: 'open', subject: 'a' }, options);
    expect((await store.readStream('ticket-1')).map((e) => e.id)).toEqual([
      '00000000-0000-4000-8000-000000000000',
    ]);
  });

  it('returns a rejection as a value and writes nothing', async () => {
    const store = new InMemoryEventStore();
    expect(
      await handleCommand(store, 'ticket-2', ticket, { kind: 'reply', body: 'hi' }, { metadata }),
    ).toEqual({
      ok: false,
      reason: 'no such ticket',
    });
    expect(await store.readStream('ticket-2')).toEqual([]);
  });

  it('decides again on fresh state when another writer got there first', async () => {
    const inner = new InMemoryEventStore();
    await inner.append(
      'ticket-3',
      [
        {
          id: crypto.randomUUID(),
          type: 'tickets.ticket-opened.v1',
          data: { subject: 's' },
          metadata: { ...metadata, time: new Date().toISOString() },
        },
      ],
      'no_stream',
    );
    // The first append of this handler races a colleague's reply that lands just before it.
    let raced = false;
    const racing: EventStore = Object.assign(Object.create(inner) as EventStore, {
      append: async (streamId: string, events: NewEvent[], expected: ExpectedRevision) => {
        if (!raced) {
          raced = true;
          await inner.append(
            streamId,
            [{ ...events[0]!, id: crypto.randomUUID(), data: { body: 'colleague' } }],
            expected,
          );
        }
        return inner.append(streamId, events, expected);
      },
    });
    const outcome = await handleCommand(
      racing,
      'ticket-3',
      ticket,
      { kind: 'reply', body: 'mine' },
      { metadata },
    );
    expect(outcome).toMatchObject({ ok: true, nextExpectedRevision: 2n });
    expect((await inner.readStream('ticket-3')).map((e) => e.data)).toEqual([
      { subject: 's' },
      { body: 'colleague' },
      { body: 'mine' },
    ]);
  });

  it('gives up after the retries and lets the conflict through (the API answers 409)', async () => {
    const inner = new InMemoryEventStore();
    await handleCommand(inner, 'ticket-4', ticket, { kind: 'open', subject: 's' }, { metadata });
    const alwaysLate: EventStore = Object.assign(Object.create(inner) as EventStore, {
      append: async (streamId: string) => {
        throw new WrongExpectedRevisionError(streamId, 0n, 99n);
      },
    });
    await expect(
      handleCommand(
        alwaysLate,
        'ticket-4',
        ticket,
        { kind: 'reply', body: 'x' },
        { metadata, maxRetries: 2 },
      ),
    ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
  });
});

describe('loadStates and freshSince: a batch reads its streams once', () => {
  /** The in-memory store, counting the stream reads that reach it. */
  function countingStore() {
    const inner = new InMemoryEventStore();
    const reads: string[] = [];
    // What loadState, loadStates and handleCommand use: appends, and stream reads (counted).
    const store = {
      append: (streamId: string, events: NewEvent[], expected: ExpectedRevision) =>
        inner.append(streamId, events, expected),
      readStream: (streamId: string, options?: Parameters<EventStore['readStream']>[1]) => {
        reads.push(streamId);
        return inner.readStream(streamId, options);
      },
    } as EventStore;
    return { store, inner, reads };
  }
  const reply = (body: string): NewEvent => ({
    id: `e-${body}`,
    type: 'tickets.reply-added.v1',
    data: { body },
    metadata: { ...metadata, time: '2026-11-25T00:00:00.000Z' },
  });
  let now = 1_000;
  const clock = () => now;

  it('loads several streams as loadState would, each cached state moved on by its tail', async () => {
    const { store, inner } = countingStore();
    const cache = new AggregateCache<TicketState>({ now: clock });
    for (const id of ['t-1', 't-2'])
      await handleCommand(store, id, ticket, { kind: 'open', subject: id }, { metadata, cache });
    await inner.append('t-1', [reply('a'), reply('b')], 0n); // another writer
    const loaded = await loadStates(store, ['t-1', 't-2', 't-3', 't-1'], ticket, cache);
    expect([...loaded.keys()]).toEqual(['t-1', 't-2', 't-3']);
    expect(loaded.get('t-1')).toEqual({ state: { status: 'open', replies: 2 }, revision: 2n });
    expect(loaded.get('t-2')).toEqual({ state: { status: 'open', replies: 0 }, revision: 0n });
    expect(loaded.get('t-3')).toEqual({ state: { status: 'none', replies: 0 }, revision: undefined });
    for (const id of ['t-1', 't-2'])
      expect(await loadState(inner, id, ticket, undefined)).toEqual(loaded.get(id));
  });

  it('decides on a state confirmed since freshSince without reading, and on a stale one appends nothing wrong', async () => {
    const { store, inner, reads } = countingStore();
    const cache = new AggregateCache<TicketState>({ now: clock });
    await handleCommand(store, 't-9', ticket, { kind: 'open', subject: 'x' }, { metadata, cache });
    now += 10;
    const since = now;
    await loadStates(store, ['t-9'], ticket, cache); // the batch's read: confirms the cached state
    reads.length = 0;
    const first = await handleCommand(
      store,
      't-9',
      ticket,
      { kind: 'reply', body: '1' },
      { metadata, cache, freshSince: since },
    );
    expect(first.ok).toBe(true);
    expect(reads).toEqual([]); // decided from the cache: no read of the stream
    // Another writer appends meanwhile: the trusted state is stale, the append refuses it, the retry reads.
    await inner.append('t-9', [reply('other')], 1n);
    const second = await handleCommand(
      store,
      't-9',
      ticket,
      { kind: 'reply', body: '2' },
      { metadata, cache, freshSince: since },
    );
    expect(second).toMatchObject({ ok: true, nextExpectedRevision: 3n, state: { replies: 3 } });
    expect(reads).toEqual(['t-9']);
    expect((await inner.readStream('t-9')).map((e) => (e.data as { body?: string }).body)).toEqual([
      undefined,
      '1',
      'other',
      '2',
    ]);
    // A state confirmed before freshSince is read again.
    now += 10;
    reads.length = 0;
    await loadState(store, 't-9', ticket, cache, now);
    expect(reads).toEqual(['t-9']);
  });
});
