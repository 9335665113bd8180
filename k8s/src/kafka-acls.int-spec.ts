import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaConnectionConfig } from '@journey/platform';
import { eventually, testInfrastructure, uniqueName } from '@journey/testing';
import { applyAsOperators } from './kafka-acls';

const infra = testInfrastructure();
const scram = infra.kafkaScram;
if (!scram) {
  // Only the local servers' Kafka has a SCRAM listener (infra/local); a testcontainers Kafka has none.
  process.stdout.write('[kafka ACLs] skipped: no SASL/SCRAM listener in this run’s infrastructure\n');
}

/**
 * A client of the SCRAM listener, authenticated as it would be in a pod, through the services' own settings.
 * `refusals` collects the error codes the brokers answered with, which kafkajs logs (at debug) but does not
 * always pass on: a refused FindCoordinator surfaces as "Failed to find group coordinator".
 */
const as = (user: string, password = scram?.password(user) ?? '', refusals: string[] = []) =>
  new Kafka({
    clientId: `${user}-acl-spec`,
    ...kafkaConnectionConfig({
      brokers: scram?.brokers ?? [],
      sasl: { mechanism: 'scram-sha-512', username: user, password },
    }),
    logLevel: logLevel.DEBUG,
    logCreator:
      () =>
      ({ log }) => {
        const type = (log['error'] as { type?: unknown } | undefined)?.type;
        if (typeof type === 'string' && type.endsWith('_AUTHORIZATION_FAILED')) refusals.push(type);
      },
    retry: { retries: 1, initialRetryTime: 100 },
  });

async function produce(kafka: Kafka, topic: string): Promise<string> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'k', value: JSON.stringify({ id: randomUUID() }) }],
    });
    return 'written';
  } catch (err) {
    return (err as { type?: string }).type ?? (err as Error).message;
  } finally {
    await producer.disconnect();
  }
}

/** Joins the group and reads the topic from its start: 'read' once a message arrives, or the broker's refusal. */
async function consume(kafka: Kafka, groupId: string, topic: string): Promise<string> {
  const consumer = kafka.consumer({ groupId, retry: { retries: 0 } });
  let outcome: string | undefined;
  // A refused join or fetch does not reject run(): the consumer crashes in the background and says why.
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    outcome ??= (payload.error as { type?: string }).type ?? payload.error.message;
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async () => {
        outcome ??= 'read';
      },
    });
    return await eventually(() => outcome, {
      timeoutMs: 20_000,
      what: `a message of ${topic} for ${groupId}`,
    });
  } catch (err) {
    return (err as { type?: string }).type ?? (err as Error).message;
  } finally {
    await consumer.disconnect();
  }
}

// The KafkaUsers of k8s/base/kafka/users.yaml applied to a real Kafka (as Strimzi's User Operator applies
// them), and each service's principal connecting over SASL/SCRAM-SHA-512 with the services' own settings.
(scram ? describe : describe.skip)('the KafkaUsers’ ACLs on a Kafka that enforces them', () => {
  beforeAll(async () => {
    await applyAsOperators(infra.kafkaBrokers, []);
  }, 60_000);

  it('let each service write its own event topic and no other', async () => {
    expect(await produce(as('journey-channels'), 'journey.channels.v1')).toBe('written');
    expect(await produce(as('journey-tickets'), 'journey.tickets.v1')).toBe('written');
    expect(await produce(as('journey-channels'), 'journey.tickets.v1')).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await produce(as('journey-tickets'), 'journey.contacts.v1')).toBe('TOPIC_AUTHORIZATION_FAILED');
    // Analytics writes no events at all.
    expect(await produce(as('journey-analytics'), 'journey.tickets.v1')).toBe('TOPIC_AUTHORIZATION_FAILED');
  }, 60_000);

  it('let a service read what it subscribes to in its own groups, and not in another service’s', async () => {
    expect(
      await consume(as('journey-tickets'), uniqueName('journey-tickets-acl'), 'journey.channels.v1'),
    ).toBe('read');
    // Another service's group: the broker refuses to name its coordinator.
    const refusals: string[] = [];
    const foreignGroup = uniqueName('journey-contacts-acl');
    const outcome = await consume(
      as('journey-tickets', undefined, refusals),
      foreignGroup,
      'journey.channels.v1',
    );
    expect(outcome).not.toBe('read');
    expect(refusals).toContain('GROUP_AUTHORIZATION_FAILED');
    // Analytics consumes no channels events: it may not read them.
    expect(
      await consume(as('journey-analytics'), uniqueName('journey-analytics-acl'), 'journey.channels.v1'),
    ).toMatch(/TOPIC_AUTHORIZATION_FAILED|Not authorized to access topics: \[Topic authorization failed\]/);
  }, 90_000);

  it('refuse a wrong password', async () => {
    const producer = as('journey-channels', 'not-the-password').producer();
    await expect(producer.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/i);
  }, 30_000);
});
