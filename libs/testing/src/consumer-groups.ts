import { Kafka, logLevel } from 'kafkajs';

/**
 * Starts consumer groups at the current end of topics that exist, so a service started by a test reads
 * only what happens from now on (not what earlier test runs left on the shared local topics).
 */
export async function startGroupsAtEnd(
  brokers: string[],
  groupIds: string[],
  topics: string[],
): Promise<void> {
  const admin = new Kafka({ clientId: 'journey-test-offsets', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of topics.filter((t) => existing.has(t))) {
      const ends = await admin.fetchTopicOffsets(topic);
      const partitions = ends.map((p) => ({ partition: p.partition, offset: p.high }));
      for (const groupId of groupIds) await admin.setOffsets({ groupId, topic, partitions });
    }
  } finally {
    await admin.disconnect();
  }
}
