import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@journey/eventstore';
import type { NewEvent } from '@journey/eventstore';
import { eventually, isolatedPostgresDatabase, testInfrastructure, uniqueName } from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { KafkaJsMessageBus } from '../bus/kafkajs-message-bus';
import type { MessageBus, OutgoingMessage } from '../bus/message-bus';
import { EventRelay } from './event-relay';

const infra = testInfrastructure();

// The relay's lag gauge (journey_relay_lag_seconds), which an alert reads: small while the relay keeps up
// under steady load, growing while it is stuck. Its backlog is measured now and then (every 15 s in the
// services, every 2 s here); between two measurements the gauge must not age with the measurement.
describe("the relay's lag in seconds", () => {
  let db: IsolatedDatabase;
  let store: PostgresEventStore;
  const kafka = new KafkaJsMessageBus({ clientId: 'relay-backlog-spec', brokers: infra.kafkaBrokers });
  /** The real bus, with a gate in front of publish: closed, the relay waits as on a broker that does not answer. */
  let gate: Promise<void> = Promise.resolve();
  let openGate = () => undefined as void;
  const bus: MessageBus = {
    ensureTopics: (t) => kafka.ensureTopics(t),
    publish: async (messages: OutgoingMessage[]) => {
      await gate;
      await kafka.publish(messages);
    },
    consume: (o) => kafka.consume(o),
    readTopic: (t) => kafka.readTopic(t),
    listTopics: () => kafka.listTopics(),
    pendingFor: (g, t) => kafka.pendingFor(g, t),
    close: () => kafka.close(),
  };
  let relay: EventRelay;
  const context = uniqueName('backlog').replace(/[^a-z0-9]/g, '');
  const topic = `journey.${context}.v1`;
  const event = (i: number): NewEvent => ({
    id: randomUUID(),
    type: `${context}.step-recorded.v1`,
    data: { i },
    metadata: { source: context, time: new Date().toISOString(), correlationId: `c${i}`, schemaVersion: 1 },
  });

  beforeAll(async () => {
    db = await isolatedPostgresDatabase(infra, 'relay_backlog');
    store = await PostgresEventStore.connect({ connectionString: db.url });
    relay = new EventRelay({
      name: 'backlog',
      store,
      bus,
      connectionString: db.url,
      topics: [{ topic, partitions: 1, retentionMs: 3_600_000 }],
      backlogIntervalMs: 2_000,
    });
    await relay.start();
  });
  afterAll(async () => {
    openGate();
    await relay.stop();
    await bus.close();
    await store.close();
    await db.drop();
  });

  it('stays small while the relay keeps up with steady writes, then grows while it is stuck', async () => {
    // 5 s of steady writes (an event every 50 ms), the gauge read every 100 ms: two and more measurements
    // fall in the window, each finding an event the relay publishes a moment later.
    const ages: number[] = [];
    const until = Date.now() + 5_000;
    let i = 0;
    while (Date.now() < until) {
      await store.append(`stream-${i % 5}`, [event(i)], 'any');
      i += 1;
      if (i % 2 === 0) ages.push(relay.lastBacklog().ageSeconds);
      await new Promise((r) => setTimeout(r, 50));
    }
    await eventually(() => relay.published >= i, { timeoutMs: 20_000, what: 'every event published' });
    // Measured every 2 s, a gauge aging with its measurement would read up to 2 s; the relay is ms behind.
    expect(Math.max(...ages)).toBeLessThan(1);

    // Stuck: the broker does not answer. An event waits; once a measurement has seen it, its age grows.
    gate = new Promise<void>((resolve) => (openGate = resolve));
    await store.append('stream-stuck', [event(-1)], 'any');
    const stuck = await eventually(
      () => {
        const age = relay.lastBacklog().ageSeconds;
        return age >= 2.5 && age;
      },
      { timeoutMs: 15_000, what: 'the stuck event aging past 2.5 s' },
    );
    expect(relay.lastBacklog().events).toBeGreaterThanOrEqual(1);
    expect(relay.lastBacklog().ageSeconds).toBeGreaterThanOrEqual(stuck);

    // The broker answers again: the event goes out and the gauge falls back.
    openGate();
    await eventually(() => relay.published >= i + 1, {
      timeoutMs: 20_000,
      what: 'the stuck event published',
    });
    await eventually(() => relay.lastBacklog().ageSeconds < 1, {
      timeoutMs: 10_000,
      what: 'the lag back under 1 s',
    });
  }, 60_000);
});
