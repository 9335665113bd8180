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
  const deliver = async (messages: IncomingMessage[], highWatermark: string) => {
    const done: string[] = [];
    const context: BatchContext = {
      highWatermark,
      markDone: (m) => void done.push(m.offset),
      heartbeat: async () => undefined,
      isRunning: () => true,
    };
    await subscriber?.eachBatch(messages, context);
    return done;
  };
  return { bus, published, deliver };
}

const incoming = (offset: number, data: unknown) =>
  incomingMessage(
    recordedEvent({
      data,
      revision: BigInt(offset),
      id: `00000000-0000-4000-8000-${String(offset).padStart(12, '0')}`,
    }),
    offset,
  );

describe('EventConsumer (unit)', () => {
  it('marks every message done, dead-letters the one that keeps failing, and reports its lag', async () => {
    const { bus, published, deliver } = fakeBus();
    const attempts = new Map<number, number>();
    const consumer = new EventConsumer({
      bus,
      groupId: 'g',
      topics: ['journey.tickets.v1'],
      maxAttempts: 3,
      backoffMs: () => 0,
      handle: async (envelope) => {
        const n = (envelope.data as { n: number }).n;
        attempts.set(n, (attempts.get(n) ?? 0) + 1);
        if (n === 2) throw new Error('bad ticket');
      },
    });
    await consumer.start();
    const done = await deliver(
      [incoming(10, { n: 1 }), incoming(11, { n: 2 }), incoming(12, { n: 3 })],
      '20',
    );
    expect(done).toEqual(['10', '11', '12']);
    expect(attempts).toEqual(
      new Map([
        [1, 1],
        [2, 3],
        [3, 1],
      ]),
    );
    expect(published.map((m) => [m.topic, m.headers['journey-dlq-reason']])).toEqual([
      ['journey.dlq.g', 'handler failed after 3 attempts: bad ticket'],
    ]);
    expect(consumer.lag()).toEqual([{ groupId: 'g', topic: 'journey.tickets.v1', partition: 0, lag: 7 }]);
    await consumer.stop();
  });

  it('hands the handler catalogue-checked, upcast data, and dead-letters invalid data without retrying', async () => {
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
      catalogue,
      backoffMs: () => 0,
      handle: async (envelope) => {
        calls += 1;
        seen.push([envelope.type, envelope.data]);
      },
    });
    await consumer.start();
    expect(await deliver([incoming(1, { n: 1 }), incoming(2, { n: 'two' })], '3')).toEqual(['1', '2']);
    expect(seen).toEqual([['tickets.ticket-opened.v2', { n: 1, priority: 'normal' }]]);
    expect(calls).toBe(1);
    expect(published.map((m) => m.headers['journey-dlq-reason'])).toEqual([
      'tickets.ticket-opened.v2: n: Invalid input: expected number, received string',
    ]);
    await consumer.stop();
  });
});
