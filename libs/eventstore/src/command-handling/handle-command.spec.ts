import { InMemoryEventStore } from '../in-memory/in-memory-event-store';
import type { EventStore, ExpectedRevision, NewEvent } from '../port/event-store.port';
import { WrongExpectedRevisionError } from '../port/event-store.port';
import { handleCommand, reject } from './handle-command';
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
