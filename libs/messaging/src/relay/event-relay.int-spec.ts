import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { formatPosition, PostgresEventStore } from '@journey/eventstore';
import type { NewEvent } from '@journey/eventstore';
import { eventually, isolatedPostgresDatabase, testInfrastructure, uniqueName } from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { KafkaJsMessageBus } from '../bus/kafkajs-message-bus';
import { EventConsumer } from '../consumer/event-consumer';
import { PostgresStreamParking } from '../parking/postgres-stream-parking';
import { ProcessedEvents } from '../consumer/processed-events';

const root = join(__dirname, '..', '..', '..', '..');
const infra = testInfrastructure();

// The relay runs in a child process so that it can be killed for real (SIGKILL: no shutdown hook runs).
const relayScript = `
const { PostgresEventStore } = require('@journey/eventstore');
const { EventRelay, KafkaJsMessageBus } = require('@journey/messaging');
(async () => {
  const [url, brokers, topic] = process.argv.slice(1);
  const store = await PostgresEventStore.connect({ connectionString: url });
  const bus = new KafkaJsMessageBus({ clientId: 'relay-under-test', brokers: brokers.split(',') });
  const relay = new EventRelay({ name: 'main', store, bus, connectionString: url, batchSize: 20,
    topics: [{ topic, partitions: 3, retentionMs: 3600000 }], onError: (e) => console.error('relay error', e.message) });
  await relay.start();
  setInterval(() => console.log('published ' + relay.published), 20);
})();
`;

function startRelay(url: string, topic: string): ChildProcess & { published: () => number } {
  let published = 0;
  const child = spawn(process.execPath, ['-e', relayScript, url, infra.kafkaBrokers.join(','), topic], {
    cwd: root,
  });
  child.stdout?.on('data', (d: Buffer) => {
    const counts = [...d.toString().matchAll(/published (\d+)/g)].map((m) => Number(m[1]));
    if (counts.length) published = counts[counts.length - 1] ?? published;
  });
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[relay] ${d.toString()}`));
  return Object.assign(child, { published: () => published });
}

describe('the relay, killed mid-stream', () => {
  let db: IsolatedDatabase;
  let store: PostgresEventStore;
  const bus = new KafkaJsMessageBus({ clientId: 'relay-spec', brokers: infra.kafkaBrokers });
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    db = await isolatedPostgresDatabase(infra, 'relay');
    store = await PostgresEventStore.connect({ connectionString: db.url });
  });
  afterAll(async () => {
    children.forEach((c) => c.kill('SIGKILL'));
    await bus.close();
    await store.close();
    await db.drop();
  });

  it('publishes every event after a restart, and consumers still apply each once', async () => {
    const context = uniqueName('relaytest').replace(/[^a-z0-9]/g, '');
    const topic = `journey.${context}.v1`;
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) {
      const events: NewEvent[] = Array.from({ length: 10 }, (_, k) => {
        const id = randomUUID();
        ids.push(id);
        return {
          id,
          type: `${context}.step-recorded.v1`,
          data: { i, k },
          metadata: {
            source: context,
            time: new Date().toISOString(),
            correlationId: `c${i}`,
            schemaVersion: 1,
          },
        };
      });
      await store.append(`stream-${i % 30}`, events, 'any');
    }

    const first = startRelay(db.url, topic);
    children.push(first);
    const checkpoint = new pg.Pool({ connectionString: db.url });
    const checkpointAt = async () =>
      (
        await checkpoint.query<{ position: string }>(
          `SELECT position FROM eventstore.relay_checkpoints WHERE relay = 'main'`,
        )
      ).rows[0]?.position;
    // The global log shows a commit once every older transaction of the cluster has ended.
    const all = await eventually(async () => {
      const log = await store.readAll();
      return log.length >= ids.length && log;
    });
    const lastPosition = formatPosition(all[all.length - 1]!.position);

    await eventually(() => first.published() >= 200, {
      timeoutMs: 60_000,
      intervalMs: 5,
      what: 'relay under way',
    });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const publishedBeforeKill = first.published();
    const killedAt = await checkpointAt();
    expect(killedAt).toBeDefined();
    expect(killedAt).not.toBe(lastPosition); // killed mid-stream, not after

    const second = startRelay(db.url, topic);
    children.push(second);
    await eventually(async () => (await checkpointAt()) === lastPosition, {
      timeoutMs: 60_000,
      what: 'the checkpoint at the last event',
    });
    second.kill('SIGTERM');
    await checkpoint.end();

    const onKafka = await bus.readTopic(topic);
    const idsOnKafka = onKafka.map((m) => m.headers['ce_id']);
    expect(new Set(idsOnKafka)).toEqual(new Set(ids)); // nothing lost
    const duplicates = idsOnKafka.length - ids.length; // at-least-once: only the batch in flight at the kill
    expect(duplicates).toBeGreaterThanOrEqual(0);
    expect(duplicates).toBeLessThanOrEqual(20);
    // Each stream's events arrive in revision order (first delivery of each).
    const firstSeen = new Map<string, number[]>();
    const seenIds = new Set<string>();
    for (const m of onKafka) {
      if (seenIds.has(m.headers['ce_id']!)) continue;
      seenIds.add(m.headers['ce_id']!);
      firstSeen.set(m.key!, [...(firstSeen.get(m.key!) ?? []), Number(m.headers['journey-stream-revision'])]);
    }
    for (const revisions of firstSeen.values())
      expect(revisions).toEqual([...revisions].sort((a, b) => a - b));

    // An idempotent consumer applies each event once, duplicates or not.
    const effects = new pg.Pool({ connectionString: db.url });
    await effects.query(
      'CREATE TABLE effects (event_id uuid NOT NULL, applied_at timestamptz DEFAULT now())',
    );
    const processed = new ProcessedEvents(effects);
    await processed.migrate();
    let deliveries = 0;
    const consumer = new EventConsumer({
      bus,
      groupId: uniqueName('relay-consumer'),
      topics: [topic],
      parking: await PostgresStreamParking.connect({ pool: effects }),
      handle: async (envelope) => {
        deliveries += 1;
        await processed.runOnce('spec', envelope.id, (tx) =>
          tx.query('INSERT INTO effects (event_id) VALUES ($1)', [envelope.id]).then(() => undefined),
        );
      },
    });
    await consumer.start();
    await eventually(() => deliveries >= idsOnKafka.length, {
      timeoutMs: 60_000,
      what: 'every delivery handled',
    });
    await consumer.stop();
    const { rows } = await effects.query<{ n: string; distinct_n: string }>(
      'SELECT count(*) AS n, count(DISTINCT event_id) AS distinct_n FROM effects',
    );
    expect(Number(rows[0]?.n)).toBe(3000);
    expect(Number(rows[0]?.distinct_n)).toBe(3000);
    await effects.end();
    process.stdout.write(
      `relay kill test: ${publishedBeforeKill} published before SIGKILL (checkpoint ${killedAt}), ${duplicates} duplicates on Kafka, 0 duplicate effects\n`,
    );
  });
});
