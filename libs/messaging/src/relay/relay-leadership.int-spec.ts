import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PostgresEventStore } from '@journey/eventstore';
import { eventually, isolatedPostgresDatabase, testInfrastructure, uniqueName } from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { KafkaJsMessageBus } from '../bus/kafkajs-message-bus';
import { EventRelay } from './event-relay';

const infra = testInfrastructure();

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
    const append = (n: number) =>
      store.append(
        `s-${n}`,
        [
          {
            id: randomUUID(),
            type: `${context}.thing-happened.v1`,
            data: { n },
            metadata: {
              source: context,
              time: new Date().toISOString(),
              correlationId: 'c',
              schemaVersion: 1,
            },
          },
        ],
        'no_stream',
      );
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
      const ids = (await bus.readTopic(topic)).map(
        (m) => (JSON.parse(m.value.toString()) as { data: { n: number } }).data.n,
      );
      expect(new Set(ids)).toEqual(new Set([1, 2]));
      expect(first.leading).toBe(false); // it stands by instead of relaying beside the new leader
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});
