import type pg from 'pg';
import { formatPosition, migrateUnderLock, parsePosition, quoteIdent } from '@journey/eventstore';
import type { LogPosition } from '@journey/eventstore';

/** Where each relay got to in the global log, kept in the event store's database. */
export class RelayCheckpoints {
  private readonly schema: string;

  constructor(
    private readonly pool: pg.Pool,
    schema = 'eventstore',
  ) {
    this.schema = quoteIdent(schema);
  }

  /** Creates the table; every service's relay does at start-up, so under a lock. */
  async migrate(): Promise<void> {
    await migrateUnderLock(this.pool, `journey-relay-checkpoints:${this.schema}`, (client) =>
      client.query(
        `CREATE SCHEMA IF NOT EXISTS ${this.schema};
         CREATE TABLE IF NOT EXISTS ${this.schema}.relay_checkpoints (
           relay text PRIMARY KEY, position text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`,
      ),
    );
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
