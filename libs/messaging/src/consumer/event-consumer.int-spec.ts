import { eventually, testInfrastructure, uniqueName } from '@journey/testing';
import { KafkaJsMessageBus } from '../bus/kafkajs-message-bus';
import { DeadLetters } from '../dead-letter/dead-letters';
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

describe('a consumer meeting a poison event', () => {
  const bus = new KafkaJsMessageBus({ clientId: 'consumer-spec', brokers: infra.kafkaBrokers });
  afterAll(() => bus.close());

  it('dead-letters it with the reason, goes on with the rest, and takes it back on redrive after the fix', async () => {
    const context = uniqueName('poison').replace(/[^a-z0-9]/g, '');
    const topic = `journey.${context}.v1`;
    const groupId = uniqueName('poison-group');
    await bus.ensureTopics([{ topic, partitions: 1, retentionMs: 3_600_000 }]);
    const good1 = recorded(context, 's', 0, { n: 1 });
    const poison = recorded(context, 's', 1, { n: 2, poison: true });
    const good2 = recorded(context, 's', 2, { n: 3 });
    await bus.publish([
      toMessage(good1, topic),
      toMessage(poison, topic),
      { topic, key: 's', value: '{not json', headers: {} },
      toMessage(good2, topic),
    ]);

    let fixed = false;
    const handled: string[] = [];
    const consumer = new EventConsumer({
      bus,
      groupId,
      topics: [topic],
      maxAttempts: 3,
      backoffMs: () => 10,
      handle: async (envelope) => {
        if ((envelope.data as { poison?: boolean }).poison && !fixed) throw new Error('cannot apply n=2');
        handled.push(envelope.id);
      },
    });
    await consumer.start();
    try {
      await eventually(() => handled.length === 2 && consumer.deadLettered === 2, {
        timeoutMs: 30_000,
        what: 'two handled, two dead',
      });
      expect(handled).toEqual([good1.id, good2.id]);

      const dead = new DeadLetters(bus);
      const letters = await dead.list(groupId);
      expect(letters).toHaveLength(2);
      expect(letters[0]).toMatchObject({
        eventId: poison.id,
        eventType: `${context}.thing-happened.v1`,
        reason: 'handler failed after 3 attempts: cannot apply n=2',
        originalTopic: topic,
        attempts: 3,
      });
      expect(letters[1]?.reason).toMatch(/^value is not JSON/);

      fixed = true;
      expect(await dead.redrive(groupId)).toBe(2);
      await eventually(() => handled.includes(poison.id), {
        timeoutMs: 30_000,
        what: 'the redriven event handled',
      });
      // The malformed message cannot be fixed by code: it comes back to the dead-letter topic.
      await eventually(async () => (await dead.list(groupId)).length === 3, {
        timeoutMs: 30_000,
        what: 'the bad message back in the DLQ',
      });
      expect(handled).toEqual([good1.id, good2.id, poison.id]);
      expect(await dead.redrive(groupId)).toBe(1); // only what is new since the last redrive
    } finally {
      await consumer.stop();
    }
  });
});
