import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { formatPosition, PostgresEventStore, START } from '@journey/eventstore';
import type { NewEvent } from '@journey/eventstore';
import { EventRelay, KafkaJsMessageBus, toMessage } from '@journey/messaging';
import { isolatedPostgresDatabase, localInfrastructureAddresses, uniqueName } from '@journey/testing';
import { BENCH_DIR, REPO, describeMachine, ensureDir, last, round, writeResult } from './bench-kit';

const EVENTS = 50_000;

function kafkaToolsClasspath(): string {
  const dir = ensureDir(join(REPO, '.local', 'bench', 'kafka-tools'));
  if (!existsSync(join(dir, '.complete'))) {
    process.stdout.write('resolving kafka-tools with Maven (first run only)…\n');
    execFileSync(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        join(BENCH_DIR, 'kafka-tools', 'pom.xml'),
        'dependency:copy-dependencies',
        `-DoutputDirectory=${dir}`,
      ],
      { stdio: 'inherit' },
    );
    execFileSync('touch', [join(dir, '.complete')]);
  }
  return `${dir}/*`;
}

export async function relayBenchmark(): Promise<void> {
  const local = localInfrastructureAddresses();
  const infra = { mode: 'local' as const, ...local };
  const db = await isolatedPostgresDatabase(infra, 'bench_relay');
  const store = await PostgresEventStore.connect({ connectionString: db.url, poolSize: 4 });
  const context = uniqueName('benchrelay').replace(/[^a-z0-9]/g, '');
  const topic = `journey.${context}.v1`;
  for (let i = 0; i < EVENTS / 100; i++) {
    await store.append(
      `conversation-${i % 500}`,
      Array.from({ length: 100 }, (_, k): NewEvent => ({
        id: randomUUID(),
        type: `${context}.message-received.v1`,
        data: { conversationId: `conv-${i}`, channel: 'email', text: `message ${i}-${k}` },
        metadata: {
          source: 'bench',
          time: new Date().toISOString(),
          correlationId: randomUUID(),
          contactId: `contact-${i % 500}`,
          schemaVersion: 1,
        },
      })),
      'any',
    );
  }
  const all = await store.readAll({ after: START, maxCount: 1 });
  const recordSize = Buffer.byteLength(toMessage(last(all), topic).value as string);
  const lastPosition = await (async () => {
    let after = START;
    for (;;) {
      const batch = await store.readAll({ after, maxCount: 10_000 });
      if (batch.length === 0) return formatPosition(after);
      after = last(batch).position;
    }
  })();

  const bus = new KafkaJsMessageBus({ clientId: 'bench-relay', brokers: local.kafkaBrokers });
  const relay = new EventRelay({
    name: 'bench',
    store,
    bus,
    connectionString: db.url,
    batchSize: 1_000,
    topics: [{ topic, partitions: 6, retentionMs: 3_600_000 }],
  });
  const checkpoint = new pg.Client({ connectionString: db.url });
  await checkpoint.connect();
  const started = process.hrtime.bigint();
  await relay.start();
  for (;;) {
    const { rows } = await checkpoint.query<{ position: string }>(
      `SELECT position FROM eventstore.relay_checkpoints WHERE relay = 'bench'`,
    );
    if (rows[0]?.position === lastPosition) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const relaySeconds = Number(process.hrtime.bigint() - started) / 1e9;
  await relay.stop();
  await checkpoint.end();

  // The limit: Kafka's own producer on the same broker, same record count and size, acks=all.
  const perfTopic = `${topic}.perf`;
  await bus.ensureTopics([{ topic: perfTopic, partitions: 6, retentionMs: 3_600_000 }]);
  const output = execFileSync(
    'java',
    [
      '-cp',
      kafkaToolsClasspath(),
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      perfTopic,
      '--num-records',
      String(EVENTS),
      '--record-size',
      String(recordSize),
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${local.kafkaBrokers.join(',')}`,
      'acks=all',
      'enable.idempotence=true',
    ],
    { encoding: 'utf8' },
  );
  const summary = output.trim().split('\n').pop() ?? '';
  const perfRate = Number(/([\d.]+) records\/sec/.exec(summary)?.[1] ?? NaN);
  await bus.close();
  await store.close();
  await db.drop();

  const relayRate = EVENTS / relaySeconds;
  writeResult({
    name: 'relay',
    date: new Date().toISOString(),
    machine: await describeMachine(infra.postgresUrl),
    parameters: {
      events: EVENTS,
      recordBytes: recordSize,
      relayBatch: 1_000,
      partitions: 6,
      acks: 'all (idempotent producer)',
    },
    figures: [
      { name: 'relay: event store → Kafka, checkpointed', value: Math.round(relayRate), unit: 'events/s' },
      {
        name: 'kafka-producer-perf-test, same broker and record size (limit)',
        value: Math.round(perfRate),
        unit: 'records/s',
      },
    ],
    ratios: [
      {
        name: 'relay throughput',
        value: round(relayRate / perfRate),
        against: 'kafka-producer-perf-test (limit)',
      },
    ],
    notes: [
      `perf-test summary: ${summary}`,
      'The relay also reads the events from PostgreSQL, builds each CloudEvents envelope and headers, and stores a checkpoint per batch; the perf test sends fixed random bytes.',
      'On this 2-core machine the limit itself varies from run to run (50,865 and 32,216 records/s in two runs on 2026-11-23): read the ratio with that spread in mind.',
    ],
  });
}
