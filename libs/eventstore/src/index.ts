export type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamRead,
  Subscription,
  SubscriptionOptions,
} from './port/event-store.port';
export { DuplicateEventError, readStreams, WrongExpectedRevisionError } from './port/event-store.port';
export { comparePositions, formatPosition, parsePosition, START } from './port/log-position';
export type { LogPosition } from './port/log-position';
export { InMemoryEventStore } from './in-memory/in-memory-event-store';
export { PostgresEventStore } from './postgres/postgres-event-store';
export { eventStoreMigration, quoteIdent } from './postgres/postgres-schema';
export {
  checksumOf,
  ensureMigrated,
  MIGRATION_MODES,
  migrationModeFromEnv,
  MigrationPendingError,
  MIGRATIONS_TABLE,
  recordedChecksum,
} from './postgres/schema-migrations';
export type { MigrationMode, MigrationOutcome, SchemaMigration } from './postgres/schema-migrations';
export { migrateUnderLock } from './postgres/migration-lock';
export { KurrentDbEventStore } from './kurrentdb/kurrentdb-event-store';
export type { PostgresEventStoreOptions } from './postgres/postgres-event-store';
export { foldAll, handleCommand, loadState, loadStates, reject } from './command-handling/handle-command';
export {
  AggregateCache,
  AggregateCaches,
  confirmedSince,
  StreamBusy,
} from './command-handling/aggregate-cache';
export type { AggregateCacheOptions, CachedAggregate } from './command-handling/aggregate-cache';
export type {
  CommandOutcome,
  DecidedEvent,
  Decider,
  HandleCommandOptions,
  HandleCommandWithContext,
  LoadedState,
  Rejection,
} from './command-handling/handle-command';
export { InMemoryPersonalDataKeys, KeyWrapper } from './personal-data/personal-data-keys';
export { CachedPersonalDataKeys, KEY_CACHE_DEFAULTS } from './personal-data/cached-personal-data-keys';
export type { KeyCacheOptions } from './personal-data/cached-personal-data-keys';
export type { DataKey, PersonalDataKeys } from './personal-data/personal-data-keys';
export {
  personalDataKeysMigration,
  PostgresPersonalDataKeys,
} from './personal-data/postgres-personal-data-keys';
export type { PostgresPersonalDataKeysOptions } from './personal-data/postgres-personal-data-keys';
export {
  isEncrypted,
  personalDataSubject,
  PersonalDataProtection,
} from './personal-data/personal-data-protection';
export type { ProtectedItem } from './personal-data/personal-data-protection';
export { InvalidEventError, PersonalDataEventStore } from './personal-data/personal-data-event-store';
export { asStoredInJsonb, decideOnStoredEvents, playDecider } from './testing/decider-properties';
export type { PlayedCommand } from './testing/decider-properties';
