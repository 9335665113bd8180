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

/** The consumer groups each service runs, as suffixes of its KAFKA_CONSUMER_GROUP (`<group>-<suffix>`). */
export const CONSUMER_GROUP_SUFFIXES = {
  channels: ['ticket-replies', 'auto-answers', 'delivery', 'erasure', 'conversation-list'],
  contacts: ['resolution', 'unified-view'],
  tickets: ['intake', 'contacts', 'routing', 'timers', 'ticket-board', 'agent-board', 'routing-contacts'],
  knowledge: [
    'auto-answer',
    'article-catalogue',
    'content-gaps',
    'conversation-suggestions',
    'answer-contacts',
    'solved-cases',
  ],
  analytics: ['ticket-records', 'sla-calendars', 'report-contacts', 'journey-facts', 'knowledge-facts'],
} as const;

/**
 * The consumer groups of a service started with KAFKA_CONSUMER_GROUP=`group`: what a test or a benchmark starts
 * at the topics' end, and whose lag a benchmark reads from analytics' monitor.
 */
export function consumerGroupsOf(service: keyof typeof CONSUMER_GROUP_SUFFIXES, group: string): string[] {
  return CONSUMER_GROUP_SUFFIXES[service].map((suffix) => `${group}-${suffix}`);
}
