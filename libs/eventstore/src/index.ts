export type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  Subscription,
  SubscriptionOptions,
} from './port/event-store.port';
export { DuplicateEventError, WrongExpectedRevisionError } from './port/event-store.port';
export { comparePositions, formatPosition, parsePosition, START } from './port/log-position';
export type { LogPosition } from './port/log-position';
export { InMemoryEventStore } from './in-memory/in-memory-event-store';
export { PostgresEventStore } from './postgres/postgres-event-store';
export { quoteIdent } from './postgres/postgres-schema';
export { KurrentDbEventStore } from './kurrentdb/kurrentdb-event-store';
export type { PostgresEventStoreOptions } from './postgres/postgres-event-store';
export { handleCommand, reject } from './command-handling/handle-command';
export type {
  CommandOutcome,
  DecidedEvent,
  Decider,
  HandleCommandOptions,
  Rejection,
} from './command-handling/handle-command';
