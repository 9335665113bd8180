import type { SchemaMigration } from '@journey/eventstore';

/** The durable SLA timers, in the state database (STATE_DATABASE_URL, by default the event store's). */
export const TIMERS_TABLE = 'tickets_timers';

export const TIMERS_MIGRATION: SchemaMigration = {
  name: 'tickets:timers',
  sql: `CREATE TABLE IF NOT EXISTS ${TIMERS_TABLE} (
  ticket_id uuid NOT NULL,
  timer text NOT NULL,
  cycle integer NOT NULL,
  due_at timestamptz NOT NULL,
  revision bigint NOT NULL,
  PRIMARY KEY (ticket_id, timer)
);
CREATE INDEX IF NOT EXISTS ${TIMERS_TABLE}_due ON ${TIMERS_TABLE} (due_at);`,
};

/**
 * The tables the tickets service owns in the state database, beside the platform's: what the migration
 * Job (`journey migrate`, from the service's build) applies and the service checks or applies at start.
 */
export const SCHEMA_MIGRATIONS: readonly SchemaMigration[] = [TIMERS_MIGRATION];
