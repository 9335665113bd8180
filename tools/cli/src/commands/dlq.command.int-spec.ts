import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@journey/contracts';
import { EventConsumer, KafkaJsMessageBus, PostgresStreamParking, toMessage } from '@journey/messaging';
import { eventually, testInfrastructure, uniqueName } from '@journey/testing';
import { runJourney } from './run-journey.testing';

const infra = testInfrastructure();

const journey = (...args: string[]) =>
  runJourney([...args, '--brokers', infra.kafkaBrokers.join(','), '--eventstore-url', infra.postgresUrl]);

describe('journey dlq', () => {
  const bus = new KafkaJsMessageBus({ clientId: 'cli-dlq-spec', brokers: infra.kafkaBrokers });
  afterAll(() => bus.close());

  it('lists, shows and redrives the dead letters of a group; the fixed consumer then applies them', async () => {
    const topic = `journey.${uniqueName('clidlq').replace(/[^a-z0-9]/g, '')}.v1`;
    const groupId = uniqueName('cli-dlq');
    await bus.ensureTopics([{ topic, partitions: 1, retentionMs: 3_600_000 }]);
    let broken = true;
    const parking = await PostgresStreamParking.connect({ connectionString: infra.postgresUrl });
    const applied: EventEnvelope[] = [];
    const consumer = new EventConsumer({
      bus,
      groupId,
      topics: [topic],
      maxAttempts: 2,
      backoffMs: () => 10,
      parking,
      handle: async (envelope) => {
        if (broken) throw new Error('the projection has a bug');
        applied.push(envelope);
      },
    });
    await consumer.start();
    const id = randomUUID();
    await bus.publish([
      toMessage(
        {
          id,
          type: 'channels.message-sent.v1',
          data: { text: 'hello' },
          metadata: {
            source: 'channels',
            time: '2026-11-23T10:00:00.000Z',
            correlationId: 'c',
            schemaVersion: 1,
          },
          streamId: 'conversation-1',
          revision: 0n,
          position: { commit: 1n, prepare: 0n },
          recordedAt: new Date(),
        },
        topic,
      ),
    ]);
    await eventually(() => consumer.deadLettered === 1, { what: 'the dead letter' });

    const groups = await journey('dlq', 'list', '--json');
    expect(JSON.parse(groups.out)).toContainEqual({ group: groupId, deadLetters: 1, parkedStreams: 1 });
    const table = await journey('dlq', 'list', groupId);
    expect(table.out).toMatch(/^OFFSET\s+FAILED AT \(UTC\)\s+EVENT TYPE\s+STREAM\s+TRIES\s+REASON/);
    expect(table.out).toContain(
      'channels.message-sent.v1  conversation-1  2      handler failed after 2 attempts: Error: the projection has a bug',
    );
    expect(table.out).toMatch(/parked streams \(waiting for a redrive, in order\):\nSTREAM\s+PARKED AT/);
    expect(table.out).toMatch(/conversation-1\s+\S+ \S+\s+1\s+handler failed after 2 attempts/);
    const shown = JSON.parse((await journey('dlq', 'show', groupId, '0')).out);
    expect(shown).toMatchObject({
      eventId: id,
      originalTopic: topic,
      attempts: 2,
      event: { id, data: { text: 'hello' } },
    });
    expect(await journey('dlq', 'show', groupId, '99')).toMatchObject({
      code: 1,
      err: `no dead letter at offset 99 for ${groupId}`,
    });

    broken = false; // the fix is deployed
    expect(await journey('dlq', 'redrive', groupId, '--stream', 'conversation-9')).toMatchObject({
      code: 1,
      err: `stream conversation-9 is not parked for ${groupId}`,
    });
    expect((await journey('dlq', 'redrive', groupId)).out.trim()).toBe(
      `1 parked stream(s) of ${groupId} (1 event(s)) sent to journey.retry.${groupId} to be applied in order; journey dlq list ${groupId} shows what is still parked`,
    );
    await eventually(() => applied.length === 1, { what: 'the redriven event applied' });
    expect(applied[0]!.id).toBe(id);
    expect((await journey('dlq', 'list', groupId)).out).toContain(`no parked streams for ${groupId}`);
    expect((await journey('dlq', 'redrive', groupId)).out.trim()).toMatch(/^0 parked stream\(s\)/);
    await consumer.stop();
    await parking.close();
  });

  it('says so when a group has no dead-letter topic', async () => {
    expect(await journey('dlq', 'list', 'no-such-group')).toMatchObject({
      code: 1,
      err: 'no dead-letter topic for group no-such-group (journey dlq list shows the groups that have one)',
    });
  });
});
