import pg from 'pg';
import {
  eventually,
  isolatedPostgresDatabase,
  tcpProxy,
  testInfrastructure,
  uniqueName,
} from '@journey/testing';
import type { IsolatedDatabase, TcpProxy } from '@journey/testing';
import { KafkaJsMessageBus } from '../bus/kafkajs-message-bus';
import { DeadLetters } from '../dead-letter/dead-letters';
import { PostgresStreamParking } from '../parking/postgres-stream-parking';
import { toMessage } from '../relay/event-message';
import { recordedEvent } from '../testing/event-fixtures';
import { EventConsumer } from './event-consumer';

const infra = testInfrastructure();

const recorded = (context: string, streamId: string, revision: number, data: unknown) =>
  recordedEvent({
    type: `${context}.thing-happened.v1`,
    data,
    streamId,
    revision: BigInt(revision),
    metadata: { source: context, time: new Date().toISOString(), correlationId: 'c', schemaVersion: 1 },
  });

const freshTopic = async (bus: KafkaJsMessageBus, prefix: string, partitions = 1) => {
  const context = uniqueName(prefix).replace(/[^a-z0-9]/g, '');
  const topic = `journey.${context}.v1`;
  await bus.ensureTopics([{ topic, partitions, retentionMs: 3_600_000 }]);
  return { context, topic };
};

describe('a consumer on real Kafka and PostgreSQL', () => {
  const bus = new KafkaJsMessageBus({ clientId: 'consumer-spec', brokers: infra.kafkaBrokers });
  let db: IsolatedDatabase;
  beforeAll(async () => {
    db = await isolatedPostgresDatabase(infra, 'consumer');
  });
  afterAll(async () => {
    await bus.close();
    await db.drop();
  });

  it('parks a stream behind its poison event, goes on with other streams, and drains it in order on redrive', async () => {
    const { context, topic } = await freshTopic(bus, 'poison');
    const groupId = uniqueName('poison-group');
    const parking = await PostgresStreamParking.connect({ connectionString: db.url });
    const a0 = recorded(context, 'a', 0, { n: 1 });
    const poison = recorded(context, 'a', 1, { n: 2, poison: true });
    const b0 = recorded(context, 'b', 0, { n: 3 });
    const a2 = recorded(context, 'a', 2, { n: 4 });
    const marker = recorded(context, 'c', 0, { n: 5 });
    await bus.publish([a0, poison, b0, a2, marker].map((e) => toMessage(e, topic)));

    let fixed = false;
    const handled: string[] = [];
    const consumer = new EventConsumer({
      bus,
      groupId,
      topics: [topic],
      parking,
      maxAttempts: 2,
      backoffMs: () => 10,
      handle: async (envelope) => {
        if ((envelope.data as { poison?: boolean }).poison && !fixed) throw new Error('cannot apply n=2');
        handled.push(envelope.id);
      },
    });
    await consumer.start();
    try {
      // The marker comes last: once it is handled, everything before it was decided.
      await eventually(() => handled.includes(marker.id), { timeoutMs: 30_000, what: 'the marker handled' });
      expect(handled).toEqual([a0.id, b0.id, marker.id]);
      const dead = new DeadLetters(bus, parking);
      expect(await dead.parked(groupId)).toMatchObject([
        { streamKey: 'a', messages: 2, reason: 'handler failed after 2 attempts: Error: cannot apply n=2' },
      ]);
      const letters = await eventually(async () => {
        const list = await dead.list(groupId);
        return list.length === 2 ? list : undefined;
      });
      expect(letters.map((l) => [l.eventId, l.stream])).toEqual([
        [poison.id, 'a'],
        [a2.id, 'a'],
      ]);

      fixed = true;
      expect(await dead.redrive(groupId)).toEqual({ streams: 1, events: 2 });
      await eventually(async () => (await dead.parked(groupId)).length === 0, {
        timeoutMs: 30_000,
        what: 'stream a drained',
      });
      expect(handled).toEqual([a0.id, b0.id, marker.id, poison.id, a2.id]);
      // Released: the stream's next event is applied as it comes.
      const a3 = recorded(context, 'a', 3, { n: 6 });
      await bus.publish([toMessage(a3, topic)]);
      await eventually(() => handled.includes(a3.id), { timeoutMs: 30_000, what: 'a3 handled' });
      expect(handled.slice(3)).toEqual([poison.id, a2.id, a3.id]);
    } finally {
      await consumer.stop();
      await parking.close();
    }
  });

  it('waits out PostgreSQL going away for 10 s under traffic: nothing lost, reordered or parked', async () => {
    const { context, topic } = await freshTopic(bus, 'outage', 3);
    const groupId = uniqueName('outage-group');
    const target = new URL(db.url);
    const proxy: TcpProxy = await tcpProxy({ host: target.hostname, port: Number(target.port) });
    const url = proxy.via(db.url);
    const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 2_000 });
    pool.on('error', () => undefined);
    await pool.query('CREATE TABLE applied (stream text, revision int, seq bigserial)');
    const parking = await PostgresStreamParking.connect({ pool });
    const consumer = new EventConsumer({
      bus,
      groupId,
      topics: [topic],
      parking,
      transientBackoffMs: (n) => Math.min(1_000, 50 * 2 ** n),
      handle: async (envelope, message) => {
        await pool.query('INSERT INTO applied (stream, revision) VALUES ($1, $2)', [
          envelope.subject,
          Number(message.headers['journey-stream-revision']),
        ]);
      },
    });
    await consumer.start();
    const streams = Array.from({ length: 12 }, (_, i) => `s${i}`);
    let sent = 0;
    const send = async (rounds: number) => {
      for (let r = 0; r < rounds; r++) {
        const revision = sent / streams.length;
        await bus.publish(streams.map((s) => toMessage(recorded(context, s, revision, { r }), topic)));
        sent += streams.length;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      await send(10);
      await proxy.cut();
      const cutAt = Date.now();
      await send(20); // published while the database is away
      await eventually(() => consumer.stalled, { timeoutMs: 10_000, what: 'the consumer stalled' });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10_000 - (Date.now() - cutAt))));
      await proxy.restore();
      await send(10);
      const direct = new pg.Pool({ connectionString: db.url, max: 1 });
      await eventually(
        async () => {
          const { rows } = await direct.query<{ n: string }>(
            'SELECT count(DISTINCT (stream, revision)) AS n FROM applied',
          );
          return Number(rows[0]?.n) === sent;
        },
        { timeoutMs: 60_000, what: `all ${sent} events applied` },
      );
      const { rows } = await direct.query<{ stream: string; revision: number }>(
        'SELECT stream, revision FROM applied ORDER BY seq',
      );
      await direct.end();
      const perStream = new Map<string, number[]>();
      for (const r of rows) perStream.set(r.stream, [...(perStream.get(r.stream) ?? []), r.revision]);
      // Each stream's events were applied in order; an event may be applied again only right after a
      // fault interrupted it (at-least-once), never out of order.
      for (const s of streams) {
        const applied = (perStream.get(s) ?? []).filter((rev, i, all) => i === 0 || all[i - 1] !== rev);
        expect(applied).toEqual(Array.from({ length: sent / streams.length }, (_, i) => i));
      }
      expect(await parking.list(groupId)).toEqual([]);
      expect(consumer.deadLettered).toBe(0);
      expect(consumer.stalled).toBe(false);
    } finally {
      await consumer.stop();
      await proxy.restore();
      await parking.close();
      await pool.end();
      await proxy.close();
    }
  });
});
