import type { TopicSpec } from '../bus/message-bus';

const DAY = 24 * 60 * 60 * 1000;

import { EVENT_CONTEXTS } from '@journey/platform';

export { EVENT_CONTEXTS };

/**
 * The event topics. Kafka is a transport, not the record (the event store is), so retention is long
 * enough to ride out an outage of a consumer, not forever; replays read the store.
 */
export const JOURNEY_EVENT_TOPICS: TopicSpec[] = EVENT_CONTEXTS.map((context) => ({
  topic: `journey.${context}.v1`,
  partitions: 6,
  retentionMs: 14 * DAY,
}));
