import pg from 'pg';
import { ensureMigrated, quoteIdent } from '@journey/eventstore';
import type { SchemaMigration } from '@journey/eventstore';
import type { IncomingMessage } from '../bus/message-bus';
import { streamRevisionOf } from '../relay/event-message';
import { storable } from './stream-parking';
import type { DrainOutcome, ParkedMessage, ParkedStream, StreamParking } from './stream-parking';

interface MessageRow {
  message_id: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer;
  headers: Buffer;
  reason: string;
  parked_at: Date;
}

/** The parking's two tables, in the event store's schema. */
export function streamParkingMigration(schema: string): SchemaMigration {
  return {
    name: `${schema}:stream-parking`,
    sql: `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)};
    CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.parked_streams (
      group_id text NOT NULL, stream_key text NOT NULL, parked_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (group_id, stream_key));
    CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.parked_messages (
      group_id text NOT NULL, stream_key text NOT NULL, seq bigserial NOT NULL, message_id text NOT NULL,
      revision bigint,
      topic text NOT NULL, partition integer NOT NULL, "offset" text NOT NULL, key text,
      value bytea NOT NULL, headers bytea NOT NULL, reason text NOT NULL,
      parked_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (group_id, stream_key, seq),
      UNIQUE (group_id, message_id),
      FOREIGN KEY (group_id, stream_key) REFERENCES ${quoteIdent(schema)}.parked_streams ON DELETE CASCADE)`,
  };
}

/** {@link StreamParking} in the event store's PostgreSQL database: two tables, a row lock per stream. */
export class PostgresStreamParking implements StreamParking {
  private readonly schema: string;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly ownsPool: boolean,
    private readonly schemaName: string,
  ) {
    this.schema = quoteIdent(schemaName);
  }

  /**
   * Connects (or uses `pool`) and creates the tables, safe when several processes start at once (with
   * DATABASE_MIGRATIONS=verify, checks that the migration Job did).
   */
  static async connect(options: {
    connectionString?: string;
    pool?: pg.Pool;
    schema?: string;
  }): Promise<PostgresStreamParking> {
    // A drain holds a connection while it applies a stream: room for one per consumer group and more.
    const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: 8 });
    if (!options.pool) pool.on('error', () => undefined);
    const parking = new PostgresStreamParking(pool, !options.pool, options.schema ?? 'eventstore');
    try {
      await parking.migrate();
    } catch (err) {
      if (!options.pool) await pool.end().catch(() => undefined);
      throw err;
    }
    return parking;
  }

  private async migrate(): Promise<void> {
    await ensureMigrated(this.pool, streamParkingMigration(this.schemaName));
  }

  async parkedAmong(groupId: string, streamKeys: string[]): Promise<Set<string>> {
    if (streamKeys.length === 0) return new Set();
    const { rows } = await this.pool.query<{ stream_key: string }>(
      `SELECT stream_key FROM ${this.schema}.parked_streams WHERE group_id = $1 AND stream_key = ANY($2)`,
      [groupId, [...new Set(streamKeys)]],
    );
    return new Set(rows.map((r) => r.stream_key));
  }

  async park(groupId: string, streamKey: string, message: ParkedMessage): Promise<void> {
    await this.inTransaction(async (client) => {
      await client.query(
        `INSERT INTO ${this.schema}.parked_streams (group_id, stream_key) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [groupId, streamKey],
      );
      await this.insert(client, groupId, streamKey, message);
    });
  }

  async queueIfParked(groupId: string, streamKey: string, message: ParkedMessage): Promise<boolean> {
    return this.inTransaction(async (client) => {
      if (!(await this.lock(client, groupId, streamKey))) return false;
      await this.insert(client, groupId, streamKey, message);
      return true;
    });
  }

  async drain(
    groupId: string,
    streamKey: string,
    apply: (message: ParkedMessage) => Promise<{ ok: true } | { ok: false; reason: string }>,
  ): Promise<DrainOutcome> {
    return this.inTransaction(async (client) => {
      if (!(await this.lock(client, groupId, streamKey))) return { status: 'not-parked' } as const;
      const { rows } = await client.query<MessageRow & { seq: string }>(
        `SELECT seq, ${COLUMNS} FROM ${this.schema}.parked_messages
          WHERE group_id = $1 AND stream_key = $2 ORDER BY ${ORDER}`,
        [groupId, streamKey],
      );
      let applied = 0;
      for (const row of rows) {
        let outcome: { ok: true } | { ok: false; reason: string };
        try {
          outcome = await apply(toParked(row));
        } catch (err) {
          // A passing fault: keep what was applied (committed below), let the caller wait and drain again.
          await client.query('COMMIT');
          await client.query('BEGIN');
          throw err;
        }
        if (!outcome.ok) {
          await client.query(
            `UPDATE ${this.schema}.parked_messages SET reason = $4
              WHERE group_id = $1 AND stream_key = $2 AND seq = $3`,
            [groupId, streamKey, row.seq, outcome.reason.slice(0, 2_000)],
          );
          return { status: 'still-parked', applied, reason: outcome.reason } as const;
        }
        await client.query(
          `DELETE FROM ${this.schema}.parked_messages WHERE group_id = $1 AND stream_key = $2 AND seq = $3`,
          [groupId, streamKey, row.seq],
        );
        applied += 1;
      }
      await client.query(
        `DELETE FROM ${this.schema}.parked_streams WHERE group_id = $1 AND stream_key = $2`,
        [groupId, streamKey],
      );
      return { status: 'drained', applied } as const;
    });
  }

  async transfer(fromGroup: string, toGroup: string): Promise<void> {
    await this.inTransaction(async (client) => {
      await client.query(
        `INSERT INTO ${this.schema}.parked_streams (group_id, stream_key, parked_at)
         SELECT $2, stream_key, parked_at FROM ${this.schema}.parked_streams WHERE group_id = $1
         ON CONFLICT DO NOTHING`,
        [fromGroup, toGroup],
      );
      await client.query(
        `INSERT INTO ${this.schema}.parked_messages
           (group_id, stream_key, message_id, revision, topic, partition, "offset", key, value, headers, reason, parked_at)
         SELECT $2, stream_key, message_id, revision, topic, partition, "offset", key, value, headers, reason, parked_at
           FROM ${this.schema}.parked_messages WHERE group_id = $1 ORDER BY seq
         ON CONFLICT (group_id, message_id) DO NOTHING`,
        [fromGroup, toGroup],
      );
      await client.query(`DELETE FROM ${this.schema}.parked_streams WHERE group_id = $1`, [fromGroup]);
    });
  }

  async release(groupId: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.schema}.parked_streams WHERE group_id = $1`, [groupId]);
  }

  async list(groupId?: string): Promise<ParkedStream[]> {
    const { rows } = await this.pool.query<{
      group_id: string;
      stream_key: string;
      parked_at: Date;
      reason: string | null;
      messages: string;
    }>(
      `SELECT s.group_id, s.stream_key, s.parked_at, count(m.seq) AS messages,
              (SELECT reason FROM ${this.schema}.parked_messages h
                WHERE h.group_id = s.group_id AND h.stream_key = s.stream_key ORDER BY ${ORDER} LIMIT 1) AS reason
         FROM ${this.schema}.parked_streams s
         LEFT JOIN ${this.schema}.parked_messages m ON m.group_id = s.group_id AND m.stream_key = s.stream_key
        WHERE $1::text IS NULL OR s.group_id = $1
        GROUP BY s.group_id, s.stream_key, s.parked_at
        ORDER BY s.group_id, s.parked_at, s.stream_key`,
      [groupId ?? null],
    );
    return rows.map((r) => ({
      groupId: r.group_id,
      streamKey: r.stream_key,
      parkedAt: r.parked_at,
      reason: r.reason ?? '',
      messages: Number(r.messages),
    }));
  }

  async messages(groupId: string, streamKey: string): Promise<ParkedMessage[]> {
    const { rows } = await this.pool.query<MessageRow>(
      `SELECT ${COLUMNS} FROM ${this.schema}.parked_messages
        WHERE group_id = $1 AND stream_key = $2 ORDER BY ${ORDER}`,
      [groupId, streamKey],
    );
    return rows.map(toParked);
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }

  /** Takes the stream's row lock for the transaction; false when the stream is not parked. */
  private async lock(client: pg.PoolClient, groupId: string, streamKey: string): Promise<boolean> {
    const { rowCount } = await client.query(
      `SELECT 1 FROM ${this.schema}.parked_streams WHERE group_id = $1 AND stream_key = $2 FOR UPDATE`,
      [groupId, streamKey],
    );
    return (rowCount ?? 0) > 0;
  }

  private async insert(
    client: pg.PoolClient,
    groupId: string,
    streamKey: string,
    { messageId, message, reason }: ParkedMessage,
  ): Promise<void> {
    // A redelivered message is parked once.
    await client.query(
      `INSERT INTO ${this.schema}.parked_messages
         (group_id, stream_key, message_id, topic, partition, "offset", key, value, headers, reason, revision)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (group_id, message_id) DO NOTHING`,
      [
        groupId,
        streamKey,
        messageId,
        message.topic,
        message.partition,
        message.offset,
        message.key === undefined ? null : storable(message.key),
        message.value,
        Buffer.from(JSON.stringify(message.headers)),
        reason.slice(0, 2_000),
        revisionOf(message),
      ],
    );
  }

  private async inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      // A stream being drained holds its lock while it applies: others wait a moment, then get a
      // lock_not_available (55P03), a passing fault the consumer waits out while it heartbeats.
      await client.query("BEGIN; SET LOCAL lock_timeout = '2s'");
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

const COLUMNS = 'message_id, topic, partition, "offset", key, value, headers, reason, parked_at';
// A stream's events wait in their stream's order, whoever parked them first (the live path or a rebuild).
const ORDER = 'revision NULLS LAST, seq';

const revisionOf = (message: IncomingMessage): string | null => streamRevisionOf(message)?.toString() ?? null;

function toParked(row: MessageRow): ParkedMessage {
  const message: IncomingMessage = {
    topic: row.topic,
    partition: row.partition,
    offset: row.offset,
    key: row.key ?? undefined,
    value: row.value,
    headers: JSON.parse(row.headers.toString('utf8')) as Record<string, string>,
  };
  return { messageId: row.message_id, message, reason: row.reason, parkedAt: row.parked_at };
}
