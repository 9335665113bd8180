import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PostgresEventStore } from '@journey/eventstore';
import { eventually, isolatedPostgresDatabase, testInfrastructure, uniqueName } from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { KafkaJsMessageBus } from '../bus/kafkajs-message-bus';
import type { MessageBus } from '../bus/message-bus';
import { EventRelay } from './event-relay';

const infra = testInfrastructure();

/** The events these tests relay: `<context>.thing-happened.v1`, numbered. */
const thingHappened = (context: string, data: { n: number; big?: string }) => ({
  id: randomUUID(),
  type: `${context}.thing-happened.v1`,
  data,
  metadata: { source: context, time: new Date().toISOString(), correlationId: 'c', schemaVersion: 1 },
});

/** The numbers of the events on a topic, in the order read. */
const numbersOn = async (bus: MessageBus, topic: string): Promise<number[]> =>
  (await bus.readTopic(topic)).map((m) => (JSON.parse(m.value.toString()) as { data: { n: number } }).data.n);

describe('relay leadership', () => {
  let db: IsolatedDatabase;
  let store: PostgresEventStore;
  const bus = new KafkaJsMessageBus({ clientId: 'leadership-spec', brokers: infra.kafkaBrokers });

  beforeAll(async () => {
    db = await isolatedPostgresDatabase(infra, 'leader');
    store = await PostgresEventStore.connect({ connectionString: db.url });
  });
  afterAll(async () => {
    await bus.close();
    await store.close();
    await db.drop();
  });

  it('has one leader; when its lock connection dies it stops, and the standby takes over without losing events', async () => {
    const context = uniqueName('leader').replace(/[^a-z0-9]/g, '');
    const topic = `journey.${context}.v1`;
    const append = (n: number) => store.append(`s-${n}`, [thingHappened(context, { n })], 'no_stream');
    const options = {
      name: 'main',
      store,
      bus,
      connectionString: db.url,
      standbyRetryMs: 200,
      topics: [{ topic, partitions: 1, retentionMs: 3_600_000 }],
      onError: () => undefined,
    };
    const first = new EventRelay(options);
    const second = new EventRelay(options);
    await first.start();
    await second.start();
    try {
      expect([first.leading, second.leading]).toEqual([true, false]);
      await append(1);
      await eventually(() => first.published === 1, { what: 'the leader relays' });

      // Kill the leader's lock connection, as a PostgreSQL restart or a network cut would.
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      const { rows } = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted",
      );
      expect(rows).toHaveLength(1);
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
      await admin.end();

      await eventually(() => !first.leading && second.leading, {
        timeoutMs: 15_000,
        what: 'the standby leading',
      });
      await append(2);
      await eventually(() => second.published >= 1, { timeoutMs: 15_000, what: 'the new leader relays' });
      const ids = await numbersOn(bus, topic);
      expect(new Set(ids)).toEqual(new Set([1, 2]));
      expect(first.leading).toBe(false); // it stands by instead of relaying beside the new leader
    } finally {
      await first.stop();
      await second.stop();
    }
  });

  it('gives the lock back, so a replica that can publish takes over and relays everything', async () => {
    const context = uniqueName('resign').replace(/[^a-z0-9]/g, '');
    const topic = `journey.${context}.v1`;
    // The first replica's broker connection breaks after it started leading: every publish throws.
    let broken = false;
    const brokenBus: MessageBus = {
      ensureTopics: (topics) => bus.ensureTopics(topics),
      publish: async (messages) => {
        if (broken)
          throw new Error('connect ECONNREFUSED 127.0.0.1:19092 (the broker is unreachable from here)');
        return bus.publish(messages);
      },
      consume: (o) => bus.consume(o),
      readTopic: (t) => bus.readTopic(t),
      listTopics: () => bus.listTopics(),
      pendingFor: (g, t) => bus.pendingFor(g, t),
      close: async () => undefined,
    };
    const options = {
      name: 'main',
      store,
      connectionString: db.url,
      standbyRetryMs: 200,
      topics: [{ topic, partitions: 1, retentionMs: 3_600_000 }],
      onError: () => undefined,
    };
    const first = new EventRelay({ ...options, bus: brokenBus });
    const second = new EventRelay({ ...options, bus });
    await first.start();
    await second.start();
    const append = (n: number) => store.append(`resign-${n}`, [thingHappened(context, { n })], 'no_stream');
    try {
      expect([first.leading, second.leading]).toEqual([true, false]);
      broken = true;
      for (let n = 1; n <= 5; n++) await append(n);
      await eventually(() => second.leading && second.published >= 5, {
        timeoutMs: 20_000,
        what: 'the standby leading and relaying',
      });
      expect(first.leading).toBe(false);
      expect(first.resignations).toBeGreaterThanOrEqual(1);
      const ns = await numbersOn(bus, topic);
      expect(new Set(ns)).toEqual(new Set([1, 2, 3, 4, 5]));
    } finally {
      await first.stop();
      await second.stop();
    }
  });

  it('publishes a batch larger than one broker request in runs, in order, instead of stalling on it', async () => {
    const context = uniqueName('bytes').replace(/[^a-z0-9]/g, '');
    const topic = `journey.${context}.v1`;
    // 40 events of 60 KB on one partition: 2.4 MB in one relay batch, over the broker's 1 MiB per request.
    const big = 'x'.repeat(60_000);
    for (let n = 0; n < 40; n++)
      await store.append('one-stream', [thingHappened(context, { n, big })], 'any');
    await eventually(async () => (await store.readAll({ maxCount: 1_000 })).length >= 40);
    const relay = new EventRelay({
      name: `bytes-${context}`,
      store,
      bus,
      connectionString: db.url,
      batchSize: 500,
      topics: [{ topic, partitions: 1, retentionMs: 3_600_000 }],
      onError: () => undefined,
    });
    await relay.start();
    try {
      await eventually(async () => (await bus.readTopic(topic)).length === 40, {
        timeoutMs: 30_000,
        what: 'the 40 large events on the topic',
      });
      const ns = await numbersOn(bus, topic);
      expect(ns).toEqual(Array.from({ length: 40 }, (_, i) => i));
    } finally {
      await relay.stop();
    }
  });
});

describe('relays per context', () => {
  it("publish each context's events through its own relay, and start from the relay they replace", async () => {
    const db = await isolatedPostgresDatabase(infra, 'per_context');
    const store = await PostgresEventStore.connect({ connectionString: db.url });
    const bus = new KafkaJsMessageBus({ clientId: 'per-context-spec', brokers: infra.kafkaBrokers });
    const [a, b] = ['a', 'b'].map((x) => `${uniqueName(`ctx${x}`).replace(/[^a-z0-9]/g, '')}`) as [
      string,
      string,
    ];
    const topic = (context: string) => `journey.${context}.v1`;
    const append = (context: string, n: number) =>
      store.append(`${context}-${n}`, [thingHappened(context, { n })], 'no_stream');
    const relayOf = (context: string) =>
      new EventRelay({
        name: `journey-${context}`,
        publishesTo: [topic(context)],
        startsFromCheckpointOf: 'journey',
        store,
        bus,
        connectionString: db.url,
        standbyRetryMs: 200,
        topics: [{ topic: topic(context), partitions: 1, retentionMs: 3_600_000 }],
        onError: () => undefined,
      });
    try {
      // An earlier version's platform-wide relay published 1 and 2 of each context and checkpointed there.
      const legacy = new EventRelay({
        name: 'journey',
        store,
        bus,
        connectionString: db.url,
        topics: [a, b].map((c) => ({ topic: topic(c), partitions: 1, retentionMs: 3_600_000 })),
        onError: () => undefined,
      });
      for (const n of [1, 2]) for (const c of [a, b]) await append(c, n);
      await legacy.start();
      await eventually(() => legacy.published === 4, { what: 'the legacy relay publishing four events' });
      await legacy.stop();

      for (const n of [3, 4]) for (const c of [a, b]) await append(c, n);
      const relayA = relayOf(a);
      const relayB = relayOf(b);
      await relayA.start();
      await eventually(() => relayA.published === 2, { what: "a's relay publishing its two new events" });
      // b's events are not a's to publish: b's topic holds only what the legacy relay published.
      expect(await numbersOn(bus, topic(b))).toEqual([1, 2]);
      await relayB.start();
      await eventually(() => relayB.published === 2, { what: "b's relay publishing its two new events" });
      await append(a, 5);
      await eventually(() => relayA.published === 3, { what: "a's relay publishing a later event" });
      await relayA.stop();
      await relayB.stop();
      // Each topic has each event once: nothing republished from the start, nothing crossed over.
      expect(await numbersOn(bus, topic(a))).toEqual([1, 2, 3, 4, 5]);
      expect(await numbersOn(bus, topic(b))).toEqual([1, 2, 3, 4]);
    } finally {
      await bus.close();
      await store.close();
      await db.drop();
    }
  });
});
