import { Kafka, logLevel } from 'kafkajs';

/**
 * Starts consumer groups at the current end of topics that exist, so a service started by a test reads
 * only what happens from now on (not what earlier test runs left on the shared local topics). The
 * groups must have no running member. Each group joins once, for every topic at a time, and all the
 * groups join side by side (kafkajs' admin.setOffsets joins once per group and topic, seconds each).
 */
export async function startGroupsAtEnd(
  brokers: string[],
  groupIds: string[],
  topics: string[],
): Promise<void> {
  const kafka = new Kafka({ clientId: 'journey-test-offsets', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  let ends: { topic: string; partition: number; offset: string }[];
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    ends = (
      await Promise.all(
        present.map(async (topic) =>
          (await admin.fetchTopicOffsets(topic)).map((p) => ({
            topic,
            partition: p.partition,
            offset: p.high,
          })),
        ),
      )
    ).flat();
  } finally {
    await admin.disconnect();
  }
  if (ends.length === 0) return;
  const subscribed = [...new Set(ends.map((e) => e.topic))];
  await Promise.all(
    groupIds.map(async (groupId) => {
      const consumer = kafka.consumer({ groupId, retry: { retries: 5 } });
      await consumer.connect();
      try {
        const joined = new Promise<void>((resolve) =>
          consumer.on(consumer.events.GROUP_JOIN, () => resolve()),
        );
        await consumer.subscribe({ topics: subscribed, fromBeginning: true });
        // Nothing is consumed: the members pause at once and only commit the ends.
        await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
        consumer.pause(subscribed.map((topic) => ({ topic })));
        await joined;
        await consumer.commitOffsets(ends);
      } finally {
        await consumer.disconnect();
      }
    }),
  );
}
