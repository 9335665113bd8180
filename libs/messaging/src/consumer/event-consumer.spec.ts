import type {
  BatchContext,
  ConsumeOptions,
  IncomingMessage,
  MessageBus,
  OutgoingMessage,
} from '../bus/message-bus';
import { incomingMessage, recordedEvent } from '../testing/event-fixtures';
import { z } from 'zod';
import { defineEvent, EventCatalogue } from '@journey/contracts';
import { degradations } from '@journey/platform';
import { InMemoryStreamParking } from '../parking/in-memory-stream-parking';
import { EventConsumer } from './event-consumer';

/** A bus that hands one batch to the consumer and records what it publishes: no broker, unit scope. */
function fakeBus() {
  const published: OutgoingMessage[] = [];
  let subscriber: ConsumeOptions | undefined;
  const bus: MessageBus = {
    ensureTopics: async () => undefined,
    publish: async (messages) => void published.push(...messages),
    consume: async (options) => {
      subscriber = options;
      return { stop: async () => undefined };
    },
    readTopic: async () => [],
    listTopics: async () => [],
    pendingFor: async () => new Map(),
    close: async () => undefined,
  };
  const deliver = async (messages: IncomingMessage[], highWatermark: string, isRunning = () => true) => {
    const done: string[] = [];
    const context: BatchContext = {
      highWatermark,
      markDone: (m) => void done.push(m.offset),
      heartbeat: async () => undefined,
      isRunning,
    };
    await subscriber?.eachBatch(messages, context);
    return done;
  };
  return { bus, published, deliver };
}

const incoming = (offset: number, data: unknown, streamId = 'ticket-1', revision = offset) =>
  incomingMessage(
    recordedEvent({
      data,
      streamId,
      revision: BigInt(revision),
      id: `00000000-0000-4000-8000-${String(offset).padStart(12, '0')}`,
    }),
    offset,
  );

/** A control message of `journey dlq redrive` for one stream, as the retry topic carries it. */
const redriveOf = (streamKey: string, offset: number): IncomingMessage => ({
  topic: 'journey.retry.g',
  partition: 0,
  offset: String(offset),
  key: streamKey,
  value: Buffer.alloc(0),
  headers: { 'journey-dlq-stream': streamKey },
});

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:15432'), { code: 'ECONNREFUSED' });

describe('EventConsumer (unit)', () => {
  it('waits out a database outage for as long as it lasts: nothing parked, nothing skipped, readiness told', async () => {
    const { bus, published, deliver } = fakeBus();
    let outage = 7; // more tries than any bounded retry would make
    const handled: number[] = [];
    const stalls: unknown[] = [];
    let degradedDuringOutage = false;
    const consumer = new EventConsumer({
      bus,
      groupId: 'g',
      topics: ['journey.tickets.v1'],
      parking: new InMemoryStreamParking(),
      maxAttempts: 2,
      transientBackoffMs: () => 1,
      onStall: (s) => void stalls.push(s),
      handle: async (envelope) => {
        const n = (envelope.data as { n: number }).n;
        if (n === 2 && outage-- > 0) {
          degradedDuringOutage ||= degradations().some((d) => d.component === 'consumer g');
          throw refused();
        }
        handled.push(n);
      },
    });
    await consumer.start();
    const done = await deliver(
      [incoming(10, { n: 1 }), incoming(11, { n: 2 }), incoming(12, { n: 3 })],
      '20',
    );
    expect(done).toEqual(['10', '11', '12']);
    expect(handled).toEqual([1, 2, 3]);
    expect(published).toEqual([]);
    expect(degradedDuringOutage).toBe(true);
    expect(degradations()).toEqual([]);
    expect(stalls).toEqual([
      { reason: 'Error (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:15432' },
      undefined,
    ]);
    expect(consumer.lag()).toEqual([{ groupId: 'g', topic: 'journey.tickets.v1', partition: 0, lag: 7 }]);
    await consumer.stop();
  });

  it('does not advance past a message whose outage outlives the consumer', async () => {
    const { bus, published, deliver } = fakeBus();
    let running = true;
    const consumer = new EventConsumer({
      bus,
      groupId: 'g',
      topics: ['journey.tickets.v1'],
      parking: new InMemoryStreamParking(),
      transientBackoffMs: () => 1,
      handle: async (envelope) => {
        if ((envelope.data as { n: number }).n === 2) {
          running = false; // stopping while the database is away
          throw refused();
        }
      },
    });
    await consumer.start();
    const done = await deliver(
      [incoming(1, { n: 1 }), incoming(2, { n: 2 }), incoming(3, { n: 3 })],
      '4',
      () => running,
    );
    expect(done).toEqual(['1']); // 2 and 3 are redelivered after the restart
    expect(published).toEqual([]);
    await consumer.stop();
  });

  it('parks a stream behind its poison event, goes on with other streams, and drains it in order on redrive', async () => {
    const { bus, published, deliver } = fakeBus();
    const parking = new InMemoryStreamParking();
    let fixed = false;
    const attempts = new Map<number, number>();
    const handled: string[] = [];
    const consumer = new EventConsumer({
      bus,
      groupId: 'g',
      topics: ['journey.tickets.v1'],
      parking,
      maxAttempts: 3,
      backoffMs: () => 0,
      handle: async (envelope) => {
        const n = (envelope.data as { n: number }).n;
        attempts.set(n, (attempts.get(n) ?? 0) + 1);
        if (n === 2 && !fixed) throw new Error('cannot apply "secret@example.com"');
        handled.push(`${envelope.subject}:${n}`);
      },
    });
    await consumer.start();
    const done = await deliver(
      [
        incoming(1, { n: 1 }, 'ticket-a', 0),
        incoming(2, { n: 2 }, 'ticket-a', 1),
        incoming(3, { n: 3 }, 'ticket-b', 0),
        incoming(4, { n: 4 }, 'ticket-a', 2),
      ],
      '5',
    );
    expect(done).toEqual(['1', '2', '3', '4']);
    expect(handled).toEqual(['ticket-a:1', 'ticket-b:3']); // ticket-a:4 waits behind ticket-a:2
    expect(attempts.get(2)).toBe(3);
    expect(attempts.get(4)).toBeUndefined();
    expect(
      published.map((m) => [m.key, m.headers['journey-dlq-stream'], m.headers['journey-dlq-reason']]),
    ).toEqual([
      ['ticket-a', 'ticket-a', 'handler failed after 3 attempts: Error: cannot apply "…"'],
      ['ticket-a', 'ticket-a', 'parked behind an earlier event of its stream'],
    ]);
    expect(await parking.list('g')).toMatchObject([{ streamKey: 'ticket-a', messages: 2 }]);

    // A later batch: the stream stays parked until a redrive.
    await deliver([incoming(5, { n: 5 }, 'ticket-a', 3)], '6');
    expect(handled).toEqual(['ticket-a:1', 'ticket-b:3']);

    fixed = true;
    expect(await deliver([redriveOf('ticket-a', 0)], '1')).toEqual(['0']);
    expect(handled).toEqual(['ticket-a:1', 'ticket-b:3', 'ticket-a:2', 'ticket-a:4', 'ticket-a:5']);
    expect(await parking.list('g')).toEqual([]);

    // The stream is released: its next event is applied as it comes; a repeated redrive does nothing.
    await deliver([incoming(6, { n: 6 }, 'ticket-a', 4), redriveOf('ticket-a', 1)], '7');
    expect(handled).toEqual([
      'ticket-a:1',
      'ticket-b:3',
      'ticket-a:2',
      'ticket-a:4',
      'ticket-a:5',
      'ticket-a:6',
    ]);
    await consumer.stop();
  });

  it('keeps later events behind an event that fails right after a redrive released its stream', async () => {
    const { bus, deliver } = fakeBus();
    const parking = new InMemoryStreamParking();
    const handled: number[] = [];
    const consumer = new EventConsumer({
      bus,
      groupId: 'g',
      topics: ['journey.tickets.v1'],
      parking,
      maxAttempts: 1,
      handle: async (envelope) => {
        const n = (envelope.data as { n: number }).n;
        // Another replica's redrive drains ticket-a while this batch runs.
        if (n === 0) await parking.release('g');
        if (n === 3) throw new Error('cannot apply');
        handled.push(n);
      },
    });
    await consumer.start();
    await deliver([incoming(1, { n: 1 }, 'ticket-a', 0)], '2'); // parks nothing: applied
    await parking.park('g', 'ticket-a', {
      messageId: 'm',
      message: incoming(2, { n: 2 }, 'ticket-a', 1),
      reason: 'r',
      parkedAt: new Date(),
    });
    await deliver(
      [
        incoming(3, { n: 0 }, 'ticket-b', 0),
        incoming(4, { n: 3 }, 'ticket-a', 2),
        incoming(5, { n: 4 }, 'ticket-a', 3),
      ],
      '6',
    );
    expect(handled).toEqual([1, 0]); // 4 waits behind 3, which failed
    expect((await parking.messages('g', 'ticket-a')).map((m) => m.message.offset)).toEqual(['4', '5']);
    await consumer.stop();
  });

  it('masks NUL and quoted payload in the reason it parks, which PostgreSQL text and logs must hold', async () => {
    const { bus, published, deliver } = fakeBus();
    const parking = new InMemoryStreamParking();
    const consumer = new EventConsumer({
      bus,
      groupId: 'g',
      topics: ['t'],
      parking,
      handle: async () => undefined,
    });
    await consumer.start();
    await deliver([{ ...incoming(1, {}), value: Buffer.from('\u0000{"email":"li.wei@example.com"}') }], '2');
    const [parked] = await parking.messages('g', 'ticket-1');
    expect(parked?.reason).toMatch(/^value is not JSON: /);
    expect(parked?.reason.includes('\u0000')).toBe(false);
    expect(parked?.reason).not.toMatch(/li\.wei|example\.com/);
    expect(published[0]?.headers['journey-dlq-reason']).toBe(parked?.reason);
    await consumer.stop();
  });

  it('keeps a stream parked when its head fails again on redrive, with the new reason', async () => {
    const { bus, deliver } = fakeBus();
    const parking = new InMemoryStreamParking();
    const handled: number[] = [];
    const consumer = new EventConsumer({
      bus,
      groupId: 'g',
      topics: ['journey.tickets.v1'],
      parking,
      maxAttempts: 1,
      handle: async (envelope) => {
        const n = (envelope.data as { n: number }).n;
        if (n === 1) throw new Error('still broken');
        handled.push(n);
      },
    });
    await consumer.start();
    await deliver([incoming(1, { n: 1 }), incoming(2, { n: 2 })], '3');
    await deliver([redriveOf('ticket-1', 0)], '1');
    expect(handled).toEqual([]);
    expect(await parking.list('g')).toMatchObject([
      { streamKey: 'ticket-1', messages: 2, reason: 'handler failed after 1 attempts: Error: still broken' },
    ]);
    await consumer.stop();
  });

  it('hands the handler catalogue-checked, upcast data, and parks invalid data without retrying', async () => {
    const { bus, published, deliver } = fakeBus();
    const catalogue = new EventCatalogue(
      [
        defineEvent({
          type: 'tickets.ticket-opened.v2',
          description: '',
          contactScoped: false,
          schema: z.object({ n: z.number(), priority: z.string() }),
        }),
      ],
      [
        {
          from: 'tickets.ticket-opened.v1',
          to: 'tickets.ticket-opened.v2',
          upcast: (d) => ({ ...(d as object), priority: 'normal' }),
        },
      ],
    );
    const seen: unknown[] = [];
    let calls = 0;
    const consumer = new EventConsumer({
      bus,
      groupId: 'g',
      topics: ['journey.tickets.v1'],
      parking: new InMemoryStreamParking(),
      catalogue,
      backoffMs: () => 0,
      handle: async (envelope) => {
        calls += 1;
        seen.push([envelope.type, envelope.data]);
      },
    });
    await consumer.start();
    expect(
      await deliver([incoming(1, { n: 1 }, 'ticket-1'), incoming(2, { n: 'two' }, 'ticket-2')], '3'),
    ).toEqual(['1', '2']);
    expect(seen).toEqual([['tickets.ticket-opened.v2', { n: 1, priority: 'normal' }]]);
    expect(calls).toBe(1);
    expect(published.map((m) => m.headers['journey-dlq-reason'])).toEqual([
      'tickets.ticket-opened.v2: n: Invalid input: expected number, received string',
    ]);
    await consumer.stop();
  });

  describe('with a batch handler', () => {
    it('applies a run of plain messages in one call, and breaks runs at a parked stream and a redrive', async () => {
      const { bus, deliver } = fakeBus();
      const parking = new InMemoryStreamParking();
      await parking.park('g', 'ticket-p', {
        messageId: 'earlier',
        message: incoming(0, { n: 0 }, 'ticket-p', 0),
        reason: 'an earlier failure',
        parkedAt: new Date(),
      });
      const calls: string[] = [];
      const consumer = new EventConsumer({
        bus,
        groupId: 'g',
        topics: ['journey.tickets.v1'],
        parking,
        handle: async (envelope) => void calls.push(`one ${(envelope.data as { n: number }).n}`),
        handleMany: async (events) =>
          void calls.push(`many ${events.map((e) => (e.envelope.data as { n: number }).n).join(',')}`),
      });
      await consumer.start();
      const done = await deliver(
        [
          incoming(1, { n: 1 }, 'ticket-a', 0),
          incoming(2, { n: 2 }, 'ticket-b', 0),
          incoming(3, { n: 3 }, 'ticket-a', 1),
          incoming(4, { n: 4 }, 'ticket-p', 1),
          incoming(5, { n: 5 }, 'ticket-b', 1),
          redriveOf('ticket-x', 6),
          incoming(7, { n: 7 }, 'ticket-a', 2),
          incoming(8, { n: 8 }, 'ticket-b', 2),
        ],
        '9',
      );
      expect(done).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
      // 4 queues behind its parked stream; 5 alone is a run of one; the redrive splits 7 and 8 off.
      expect(calls).toEqual(['many 1,2,3', 'one 5', 'many 7,8']);
      expect(consumer.handled).toBe(6);
      expect(await parking.list('g')).toMatchObject([{ streamKey: 'ticket-p', messages: 2 }]);
      await consumer.stop();
    });

    it('waits out a passing fault of the batch, then applies it whole', async () => {
      const { bus, published, deliver } = fakeBus();
      let outage = 4;
      const runs: number[][] = [];
      const consumer = new EventConsumer({
        bus,
        groupId: 'g',
        topics: ['journey.tickets.v1'],
        parking: new InMemoryStreamParking(),
        transientBackoffMs: () => 1,
        handle: async () => {
          throw new Error('not expected: the run is applied whole');
        },
        handleMany: async (events) => {
          if (outage-- > 0) throw refused();
          runs.push(events.map((e) => (e.envelope.data as { n: number }).n));
        },
      });
      await consumer.start();
      const done = await deliver([incoming(1, { n: 1 }), incoming(2, { n: 2 }), incoming(3, { n: 3 })], '4');
      expect(done).toEqual(['1', '2', '3']);
      expect(runs).toEqual([[1, 2, 3]]);
      expect(published).toEqual([]);
      await consumer.stop();
    });

    it('goes one at a time when the batch fails for good: the poison event alone parks, with its stream', async () => {
      const { bus, published, deliver } = fakeBus();
      const parking = new InMemoryStreamParking();
      const handled: string[] = [];
      const consumer = new EventConsumer({
        bus,
        groupId: 'g',
        topics: ['journey.tickets.v1'],
        parking,
        maxAttempts: 2,
        backoffMs: () => 0,
        handle: async (envelope) => {
          const n = (envelope.data as { n: number }).n;
          if (n === 2) throw new Error('the read model refuses 2');
          handled.push(`${envelope.subject}:${n}`);
        },
        handleMany: async (events) => {
          if (events.some((e) => (e.envelope.data as { n: number }).n === 2))
            throw new Error('the read model refuses 2');
        },
      });
      await consumer.start();
      const done = await deliver(
        [
          incoming(1, { n: 1 }, 'ticket-a', 0),
          incoming(2, { n: 2 }, 'ticket-a', 1),
          incoming(3, { n: 3 }, 'ticket-b', 0),
          incoming(4, { n: 4 }, 'ticket-a', 2),
        ],
        '5',
      );
      expect(done).toEqual(['1', '2', '3', '4']);
      expect(handled).toEqual(['ticket-a:1', 'ticket-b:3']);
      expect(published.map((m) => m.headers['journey-dlq-reason'])).toEqual([
        'handler failed after 2 attempts: Error: the read model refuses 2',
        'parked behind an earlier event of its stream',
      ]);
      expect(await parking.list('g')).toMatchObject([{ streamKey: 'ticket-a', messages: 2 }]);
      await consumer.stop();
    });
  });
});
