import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { eventually, testInfrastructure, uniqueName } from '@journey/testing';
import { KafkaJsMessageBus } from '../bus/kafkajs-message-bus';
import { toMessage } from '../relay/event-message';
import { recordedEvent } from '../testing/event-fixtures';

const root = join(__dirname, '..', '..', '..', '..');
const infra = testInfrastructure();

// A consumer process that handles slowly, so that SIGTERM arrives mid-stream.
const consumerScript = `
const { EventConsumer, InMemoryStreamParking, KafkaJsMessageBus, stopOnSignals } = require('@journey/messaging');
const [brokers, topic, groupId] = process.argv.slice(1);
const bus = new KafkaJsMessageBus({ clientId: 'sigterm-consumer', brokers: brokers.split(',') });
const parking = new InMemoryStreamParking(); // nothing fails here: no stream is ever parked
const consumer = new EventConsumer({ bus, groupId, topics: [topic], parking, handle: async (e) => {
  await new Promise((r) => setTimeout(r, 5));
  console.log('handled ' + e.id);
} });
consumer.start().then(() => console.log('started'));
stopOnSignals([consumer, { stop: () => bus.close() }]);
`;

describe('a consumer process on SIGTERM', () => {
  const bus = new KafkaJsMessageBus({ clientId: 'sigterm-spec', brokers: infra.kafkaBrokers });
  afterAll(() => bus.close());

  it('finishes its batch, commits, exits 0, and a restart redelivers nothing it handled', async () => {
    const context = uniqueName('sigterm').replace(/[^a-z0-9]/g, '');
    const topic = `journey.${context}.v1`;
    const groupId = uniqueName('sigterm-group');
    await bus.ensureTopics([{ topic, partitions: 1, retentionMs: 3_600_000 }]);
    const ids = Array.from({ length: 400 }, () => randomUUID());
    await bus.publish(
      ids.map((id, n) =>
        toMessage(
          recordedEvent({
            id,
            type: `${context}.thing-happened.v1`,
            data: { n },
            streamId: 's',
            revision: BigInt(n),
            metadata: {
              source: context,
              time: new Date().toISOString(),
              correlationId: 'c',
              schemaVersion: 1,
            },
          }),
          topic,
        ),
      ),
    );

    const run = () => {
      let out = '';
      const child = spawn(
        process.execPath,
        ['-e', consumerScript, infra.kafkaBrokers.join(','), topic, groupId],
        { cwd: root },
      );
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      return { child, exited, handled: () => [...out.matchAll(/handled (\S+)/g)].map((m) => m[1] as string) };
    };

    const first = run();
    await eventually(() => first.handled().length >= 50, {
      timeoutMs: 60_000,
      what: 'the first consumer under way',
    });
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const before = first.handled();
    expect(before.length).toBeLessThan(ids.length); // stopped mid-stream

    const second = run();
    await eventually(() => before.length + second.handled().length >= ids.length, {
      timeoutMs: 60_000,
      what: 'the rest handled',
    });
    await new Promise((r) => setTimeout(r, 500));
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const after = second.handled();
    expect(after.filter((id) => before.includes(id))).toEqual([]); // nothing handled twice
    expect(new Set([...before, ...after])).toEqual(new Set(ids));
  });
});
