import { eventStoreMigration, personalDataKeysMigration } from '@journey/eventstore';
import type { SchemaMigration } from '@journey/eventstore';
import { streamParkingMigration } from './parking/postgres-stream-parking';
import { relayCheckpointsMigration } from './relay/relay-checkpoints';

/**
 * The schema every service shares, by database: the event store's tables (EVENTSTORE_URL, when it is
 * PostgreSQL) and the state beside it (STATE_DATABASE_URL, by default the same database): personal-data
 * keys, parked streams, relay checkpoints. Each service's own tables are in its `schema-migrations.ts`.
 */
export function platformMigrations(schema = 'eventstore'): {
  eventStore: SchemaMigration[];
  state: SchemaMigration[];
} {
  return {
    eventStore: [eventStoreMigration(schema)],
    state: [
      personalDataKeysMigration(schema),
      streamParkingMigration(schema),
      relayCheckpointsMigration(schema),
    ],
  };
}
