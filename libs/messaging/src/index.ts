export type {
  BatchContext,
  ConsumeOptions,
  IncomingMessage,
  MessageBus,
  OutgoingMessage,
  RunningConsumer,
  TopicSpec,
} from './bus/message-bus';
export { KafkaJsMessageBus } from './bus/kafkajs-message-bus';
export {
  decodeMessage,
  STREAM_REVISION_HEADER,
  streamRevisionOf,
  toEnvelope,
  toMessage,
  topicForEventType,
} from './relay/event-message';
export type { DecodedMessage } from './relay/event-message';
export { EventRelay, splitByBytes } from './relay/event-relay';
export type { EventRelayOptions } from './relay/event-relay';
export { RelayCheckpoints, relayCheckpointsMigration } from './relay/relay-checkpoints';
export { EVENT_CONTEXTS, JOURNEY_EVENT_TOPICS } from './relay/journey-topics';
export { EventConsumer } from './consumer/event-consumer';
export type { ConsumedEvent, EventConsumerOptions } from './consumer/event-consumer';
export { ProcessedEvents } from './consumer/processed-events';
export { EventPreparation } from './consumer/event-preparation';
export type { EventPreparationOptions, PreparedEvent } from './consumer/event-preparation';
export { CONSUMER_SESSION_TIMEOUT_MS } from './bus/kafkajs-message-bus';
export { cleanReason, failureReason } from './dead-letter/failure-reason';
export { InMemoryStreamParking } from './parking/in-memory-stream-parking';
export { PostgresStreamParking, streamParkingMigration } from './parking/postgres-stream-parking';
export { platformMigrations } from './platform-migrations';
export { parkedMessageId, streamKeyOf } from './parking/stream-parking';
export type { DrainOutcome, ParkedMessage, ParkedStream, StreamParking } from './parking/stream-parking';
export { stopOnSignals } from './consumer/stop-on-signals';
export type { Stoppable } from './consumer/stop-on-signals';
export {
  consumerSupportTopics,
  deadLetterTopic,
  DLQ,
  retryTopic,
  toDeadLetter,
} from './dead-letter/dead-letter-topics';
export { DeadLetters } from './dead-letter/dead-letters';
export type { DeadLetter } from './dead-letter/dead-letters';
export {
  AGGREGATE_CACHES,
  EVENT_STORE,
  EventSourcingModule,
  MESSAGE_BUS,
  KEYED_IDS,
  PERSONAL_DATA,
  READ_MODEL_FEED,
  STREAM_PARKING,
} from './nest/event-sourcing.module';
export type { ReadModelFeed } from './nest/event-sourcing.module';
