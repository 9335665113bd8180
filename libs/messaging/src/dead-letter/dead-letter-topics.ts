import type { IncomingMessage, OutgoingMessage, TopicSpec } from '../bus/message-bus';

/** Each consumer group has its own dead-letter topic, and its own retry topic that redrive feeds. */
export const deadLetterTopic = (groupId: string) => `journey.dlq.${groupId}`;
export const retryTopic = (groupId: string) => `journey.retry.${groupId}`;

export const DLQ = {
  reason: 'journey-dlq-reason',
  group: 'journey-dlq-group',
  originalTopic: 'journey-dlq-original-topic',
  originalPartition: 'journey-dlq-original-partition',
  originalOffset: 'journey-dlq-original-offset',
  attempts: 'journey-dlq-attempts',
  failedAt: 'journey-dlq-failed-at',
  /** The stream the message is parked with: a redrive drains that stream, in order. */
  stream: 'journey-dlq-stream',
} as const;

const DAY = 24 * 60 * 60 * 1000;

/** One partition each, so that a redrive replays dead letters in the order they failed. */
export function consumerSupportTopics(groupId: string): TopicSpec[] {
  return [
    { topic: deadLetterTopic(groupId), partitions: 1, retentionMs: 30 * DAY },
    { topic: retryTopic(groupId), partitions: 1, retentionMs: 7 * DAY },
  ];
}

/** The dead letter of a message: the original key, value and headers, plus why and where it failed. */
export function toDeadLetter(
  message: IncomingMessage,
  groupId: string,
  reason: string,
  attempts: number,
): OutgoingMessage {
  return {
    topic: deadLetterTopic(groupId),
    key: message.key ?? '',
    value: message.value,
    headers: {
      ...message.headers,
      [DLQ.reason]: reason.slice(0, 2_000),
      [DLQ.group]: groupId,
      [DLQ.originalTopic]: message.headers[DLQ.originalTopic] ?? message.topic,
      [DLQ.originalPartition]: String(message.partition),
      [DLQ.originalOffset]: message.offset,
      [DLQ.attempts]: String(attempts),
      [DLQ.failedAt]: new Date().toISOString(),
    },
  };
}
