import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { Consumer, EachMessagePayload } from 'kafkajs';
import { eventually, testInfrastructure, uniqueName } from '@journey/testing';

// The broker the project runs locally is the newest Kafka that kafkajs 2.2.4 works with; these tests are the proof.
describe('Kafka (real broker)', () => {
  const infra = testInfrastructure();
  const kafka = new Kafka({
    clientId: 'kafka-int-spec',
    brokers: infra.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    await Promise.all([admin.connect(), producer.connect()]);
  });
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect()));
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  });

  it('creates, describes, reconfigures and deletes topics', async () => {
    const topic = uniqueName('admin');
    await admin.createTopics({
      topics: [{ topic, numPartitions: 4, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
      waitForLeaders: true,
    });
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(4);

    await admin.createPartitions({ topicPartitions: [{ topic, count: 6 }] });
    const configs = await admin.describeConfigs({
      resources: [{ type: 2 /* TOPIC */, name: topic, configNames: ['retention.ms'] }],
      includeSynonyms: false,
    });
    expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('3600000');
    expect((await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions).toHaveLength(6);

    await admin.deleteTopics({ topics: [topic] });
    await eventually(async () => !(await admin.listTopics()).includes(topic), { what: 'topic deletion' });
  });

  it('keeps the order of one key, and a consumer group resumes from its committed offset', async () => {
    const topic = uniqueName('orders');
    const groupId = uniqueName('group');
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });

    const firstBatch = Array.from({ length: 30 }, (_, i) => ({ key: `stream-${i % 3}`, value: `e${i}` }));
    await producer.send({ topic, messages: firstBatch });

    const seen: { key: string; value: string; partition: number }[] = [];
    const onMessage = async ({ message, partition }: EachMessagePayload) => {
      seen.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', partition });
    };
    const first = kafka.consumer({ groupId });
    consumers.push(first);
    await first.connect();
    await first.subscribe({ topic, fromBeginning: true });
    await first.run({ eachMessage: onMessage });
    await eventually(() => seen.length === 30, { what: '30 messages consumed' });

    // Every key lands on one partition and keeps its produce order.
    for (const key of ['stream-0', 'stream-1', 'stream-2']) {
      const ofKey = seen.filter((m) => m.key === key);
      expect(new Set(ofKey.map((m) => m.partition)).size).toBe(1);
      expect(ofKey.map((m) => m.value)).toEqual(firstBatch.filter((m) => m.key === key).map((m) => m.value));
    }

    await first.disconnect();
    consumers.splice(consumers.indexOf(first), 1);

    await producer.send({ topic, messages: [{ key: 'stream-0', value: 'after-restart' }] });
    const second = kafka.consumer({ groupId });
    consumers.push(second);
    const resumed: string[] = [];
    await second.connect();
    await second.subscribe({ topic, fromBeginning: true });
    await second.run({
      eachMessage: async ({ message }) => void resumed.push(message.value?.toString() ?? ''),
    });
    await eventually(() => resumed.length >= 1, { what: 'message after restart' });
    await new Promise((r) => setTimeout(r, 500));
    expect(resumed).toEqual(['after-restart']);

    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = offsets[0]?.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    expect(committed).toBe(31);
  });

  it('shares partitions between the members of one group', async () => {
    const topic = uniqueName('shared');
    const groupId = uniqueName('group');
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
    const assigned = new Map<string, Set<number>>();
    const members = ['a', 'b'].map((name) => {
      const consumer = kafka.consumer({ groupId });
      consumers.push(consumer);
      assigned.set(name, new Set());
      return { name, consumer };
    });
    for (const { name, consumer } of members) {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ partition }) => void assigned.get(name)?.add(partition) });
    }
    await eventually(
      async () => {
        const described = await admin.describeGroups([groupId]);
        return described.groups[0]?.state === 'Stable' && described.groups[0].members.length === 2;
      },
      { what: 'a stable group of two', timeoutMs: 30_000 },
    );
    await producer.send({
      topic,
      messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `${i}` })),
    });
    await eventually(() => [...assigned.values()].reduce((n, s) => n + s.size, 0) === 4, {
      what: 'all partitions consumed',
    });
    const [a, b] = [...assigned.values()];
    expect(a?.size).toBeGreaterThan(0);
    expect(b?.size).toBeGreaterThan(0);
    expect([...(a ?? [])].some((p) => b?.has(p))).toBe(false);
  });
});
