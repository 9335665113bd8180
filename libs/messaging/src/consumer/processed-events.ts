import type pg from 'pg';
import { ensureMigrated } from '@journey/eventstore';

/**
 * Exactly-once effects for handlers that write to PostgreSQL: the effect and the "processed" mark
 * commit in one transaction, so a redelivered event finds its mark and does nothing.
 */
export class ProcessedEvents {
  constructor(
    private readonly pool: pg.Pool,
    private readonly table = 'processed_events',
  ) {
    if (!/^[a-z_][a-z0-9_.]*$/.test(table)) throw new Error(`"${table}" is not a valid table name`);
  }

  async migrate(): Promise<void> {
    await ensureMigrated(this.pool, {
      name: `processed-events:${this.table}`,
      sql: `CREATE TABLE IF NOT EXISTS ${this.table} (
        consumer text NOT NULL, event_id uuid NOT NULL, processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id))`,
    });
  }

  /** Runs `effect` in a transaction unless `consumer` already processed `eventId`; true if it ran. */
  async runOnce(
    consumer: string,
    eventId: string,
    effect: (tx: pg.PoolClient) => Promise<void>,
  ): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const claimed = await client.query(
        `INSERT INTO ${this.table} (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [consumer, eventId],
      );
      if (claimed.rowCount === 0) {
        await client.query('ROLLBACK');
        return false;
      }
      await effect(client);
      await client.query('COMMIT');
      return true;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
