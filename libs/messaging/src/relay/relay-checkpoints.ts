import type pg from 'pg';
import { formatPosition, parsePosition } from '@journey/eventstore';
import type { LogPosition } from '@journey/eventstore';

/** Where each relay got to in the global log, kept in the event store's database. */
export class RelayCheckpoints {
  constructor(
    private readonly pool: pg.Pool,
    private readonly schema = 'eventstore',
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`"${schema}" is not a valid schema name`);
  }

  async migrate(): Promise<void> {
    await this.pool.query(
      `CREATE SCHEMA IF NOT EXISTS "${this.schema}";
       CREATE TABLE IF NOT EXISTS "${this.schema}".relay_checkpoints (
         relay text PRIMARY KEY, position text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`,
    );
  }

  async load(relay: string): Promise<LogPosition | undefined> {
    const { rows } = await this.pool.query<{ position: string }>(
      `SELECT position FROM "${this.schema}".relay_checkpoints WHERE relay = $1`,
      [relay],
    );
    return rows[0] ? parsePosition(rows[0].position) : undefined;
  }

  async save(relay: string, position: LogPosition): Promise<void> {
    await this.pool.query(
      `INSERT INTO "${this.schema}".relay_checkpoints (relay, position) VALUES ($1, $2)
       ON CONFLICT (relay) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
      [relay, formatPosition(position)],
    );
  }
}
