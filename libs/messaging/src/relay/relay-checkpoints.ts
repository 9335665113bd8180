import type pg from 'pg';
import { ensureMigrated, formatPosition, parsePosition, quoteIdent } from '@journey/eventstore';
import type { LogPosition, SchemaMigration } from '@journey/eventstore';

/** The relays' checkpoint table, in the event store's schema. */
export function relayCheckpointsMigration(schema: string): SchemaMigration {
  const s = quoteIdent(schema);
  return {
    name: `${schema}:relay-checkpoints`,
    sql: `CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.relay_checkpoints (
  relay text PRIMARY KEY, position text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`,
  };
}

/** Where each relay got to in the global log, kept in the event store's database. */
export class RelayCheckpoints {
  private readonly schema: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly schemaName = 'eventstore',
  ) {
    this.schema = quoteIdent(schemaName);
  }

  /** Creates the table (every service's relay does at start-up), or checks the migration Job did. */
  async migrate(): Promise<void> {
    await ensureMigrated(this.pool, relayCheckpointsMigration(this.schemaName));
  }

  async load(relay: string): Promise<LogPosition | undefined> {
    const { rows } = await this.pool.query<{ position: string }>(
      `SELECT position FROM ${this.schema}.relay_checkpoints WHERE relay = $1`,
      [relay],
    );
    return rows[0] ? parsePosition(rows[0].position) : undefined;
  }

  async save(relay: string, position: LogPosition): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.schema}.relay_checkpoints (relay, position) VALUES ($1, $2)
       ON CONFLICT (relay) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
      [relay, formatPosition(position)],
    );
  }
}
