import { context as otelContext, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import pg from 'pg';
import type {
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
} from '../port/event-store.port';
import { DuplicateEventError, WrongExpectedRevisionError } from '../port/event-store.port';
import { measuredAppend } from '../port/append-metrics';
import { AppendSignal } from '../port/append-signal';
import { catchUpSubscription } from '../port/catch-up-subscription';
import { START } from '../port/log-position';
import type { LogPosition } from '../port/log-position';
import { ensureMigrated } from './schema-migrations';
import { eventStoreMigration, quoteIdent } from './postgres-schema';

export interface PostgresEventStoreOptions {
  connectionString: string;
  /** Database schema of the store's tables (default `eventstore`). */
  schema?: string;
  poolSize?: number;
  /** How often an idle subscription looks for new events (default 100 ms); appends made through this
   *  store object wake its subscriptions at once. */
  pollIntervalMs?: number;
  /** Group commit: appends that arrive while `maxInFlight` are being written wait and go together, as one
   *  transaction of at most `maxAppends` (defaults 4 and 32; `false`: every append its own transaction). */
  groupCommit?: { maxInFlight?: number; maxAppends?: number } | false;
}

interface QueuedAppend {
  streamId: string;
  events: NewEvent[];
  expected: ExpectedRevision;
  /** The caller's trace context: the append's statement is traced under it. */
  context: Context;
  resolve(result: AppendResult): void;
  reject(err: unknown): void;
}

const tracer = trace.getTracer('journey-eventstore');

interface BatchRow {
  r_ord: number;
  r_conflict: boolean;
  r_revision: string | null;
  r_transaction_id: string | null;
  r_last_position: string | null;
}

interface EventRow {
  global_position: string;
  transaction_text: string;
  stream_id: string;
  stream_revision: string;
  event_id: string;
  type: string;
  data: unknown;
  metadata: NewEvent['metadata'];
  recorded_at: Date;
}

// The text form of the transaction id gets its own name: an output column called transaction_id would
// be what ORDER BY transaction_id sorts by, as text, and 100000 would come before 99999.
const COLUMNS =
  'global_position, transaction_id::text AS transaction_text, stream_id, stream_revision, event_id, type, data, metadata, recorded_at';

/** The default event store: PostgreSQL, one schema, appends in one statement, a gap-free global log. */
export class PostgresEventStore implements EventStore {
  private readonly pool: pg.Pool;
  private readonly schema: string;
  /** The schema, quoted for SQL. */
  private readonly sqlSchema: string;
  private readonly table: string;
  private readonly pollIntervalMs: number;
  private readonly appended = new AppendSignal();
  private readonly maxInFlight: number;
  private readonly maxAppends: number;
  private readonly queued: QueuedAppend[] = [];
  private inFlight = 0;
  private closing = false;

  private constructor(options: PostgresEventStoreOptions) {
    this.schema = options.schema ?? 'eventstore';
    this.sqlSchema = quoteIdent(this.schema);
    this.table = `${this.sqlSchema}.events`;
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 });
    this.pool.on('error', () => undefined); // an idle client's lost connection is replaced on next use
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    const group =
      options.groupCommit === false ? { maxInFlight: Infinity, maxAppends: 1 } : options.groupCommit;
    this.maxInFlight = group?.maxInFlight ?? 4;
    this.maxAppends = group?.maxAppends ?? 32;
    if (!(this.maxInFlight >= 1) || !(this.maxAppends >= 1))
      throw new Error('groupCommit needs maxInFlight and maxAppends of at least 1');
  }

  /**
   * Connects and creates (or updates) the schema, safe when several processes start at once; with
   * DATABASE_MIGRATIONS=verify, only checks that the migration Job applied it.
   */
  static async connect(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const store = new PostgresEventStore(options);
    try {
      await ensureMigrated(store.pool, eventStoreMigration(store.schema));
    } catch (err) {
      await store.pool.end().catch(() => undefined);
      throw err;
    }
    return store;
  }

  append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return measuredAppend('postgresql', () => {
      if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
      if (this.closing) return Promise.reject(new Error('the event store is closed'));
      return new Promise<AppendResult>((resolve, reject) => {
        this.queued.push({ streamId, events, expected, context: otelContext.active(), resolve, reject });
        this.writeQueued();
      });
    });
  }

  /**
   * Group commit. An append goes at once while fewer than `maxInFlight` are being written; the ones that
   * arrive meanwhile wait for a place and then go together, in one transaction and one round trip. So a
   * lone append waits for nobody, and under load the commits (and their WAL flushes) are shared.
   */
  private writeQueued(): void {
    while (this.queued.length > 0 && this.inFlight < this.maxInFlight) {
      const batch = this.queued.splice(0, this.maxAppends);
      this.inFlight++;
      void this.traced(batch).finally(() => {
        this.inFlight--;
        this.writeQueued();
      });
    }
  }

  /**
   * A lone append is traced in its caller's trace. A batch serves several traces: its statement gets a
   * span of its own, linked to each caller's, so that no caller's trace holds another's statement.
   */
  private traced(batch: QueuedAppend[]): Promise<void> {
    if (batch.length === 1) return this.writeBatch(batch);
    const links = batch
      .map((a) => trace.getSpanContext(a.context))
      .filter((c) => c !== undefined)
      .map((c) => ({ context: c }));
    return tracer.startActiveSpan(
      'eventstore append batch',
      { links, attributes: { 'journey.eventstore.appends': batch.length } },
      ROOT_CONTEXT,
      (span) => this.writeBatch(batch).finally(() => span.end()),
    );
  }

  private async writeBatch(batch: QueuedAppend[]): Promise<void> {
    if (batch.length > 1) {
      let results: (AppendResult | WrongExpectedRevisionError)[];
      try {
        results = await this.appendBatch(batch);
      } catch (err) {
        // PostgreSQL refused the statement (a known event id, say): the batch's transaction rolled back,
        // so each append goes alone, in order, and gets its own outcome. Anything else (the connection
        // lost before the answer) leaves the outcome unknown: each caller gets the error, as a single
        // append would, and finds out by reading (a retry would write a command's effect twice).
        if (!rolledBack(err)) {
          for (const a of batch) a.reject(err);
          return;
        }
        for (const a of batch) await this.appendAlone(a);
        return;
      }
      this.appended.notify();
      batch.forEach((a, i) => {
        const result = results[i];
        if (result instanceof WrongExpectedRevisionError || result === undefined)
          a.reject(result ?? new Error('append batch returned no row'));
        else a.resolve(result);
      });
      return;
    }
    for (const a of batch) await this.appendAlone(a);
  }

  /** One queued append in its own transaction, traced in its caller's trace. */
  private appendAlone(a: QueuedAppend): Promise<void> {
    return otelContext.with(a.context, () =>
      this.appendNow(a.streamId, a.events, a.expected).then(a.resolve, a.reject),
    );
  }

  private async appendBatch(batch: QueuedAppend[]): Promise<(AppendResult | WrongExpectedRevisionError)[]> {
    const events = batch.flatMap((a) => a.events);
    const { rows } = await this.pool.query<BatchRow>(
      `SELECT r_ord, r_conflict, r_revision::text, r_transaction_id::text, r_last_position::text
         FROM ${this.sqlSchema}.append_batch($1::text[], $2::text[], $3::bigint[], $4::int[],
                                             $5::uuid[], $6::text[], $7::jsonb[], $8::jsonb[])`,
      [
        batch.map((a) => a.streamId),
        batch.map((a) => (typeof a.expected === 'bigint' ? 'exact' : a.expected)),
        batch.map((a) => (typeof a.expected === 'bigint' ? a.expected.toString() : null)),
        batch.map((a) => a.events.length),
        events.map((e) => e.id),
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.data)),
        events.map((e) => JSON.stringify(e.metadata)),
      ],
    );
    const out: (AppendResult | WrongExpectedRevisionError)[] = [];
    for (const row of rows) {
      const a = batch[row.r_ord - 1] as QueuedAppend;
      out[row.r_ord - 1] = row.r_conflict
        ? new WrongExpectedRevisionError(
            a.streamId,
            a.expected,
            row.r_revision === null ? undefined : BigInt(row.r_revision),
          )
        : {
            nextExpectedRevision: BigInt(row.r_revision as string),
            position: {
              commit: BigInt(row.r_transaction_id as string),
              prepare: BigInt(row.r_last_position as string),
            },
          };
    }
    return out;
  }

  private async appendNow(
    streamId: string,
    events: NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    const kind = typeof expected === 'bigint' ? 'exact' : expected;
    try {
      const { rows } = await this.pool.query<{
        next_revision: string;
        transaction_id: string;
        last_position: string;
      }>(
        `SELECT next_revision, transaction_id::text AS transaction_id, last_position
           FROM ${this.sqlSchema}.append_events($1, $2, $3, $4::uuid[], $5::text[], $6::jsonb[], $7::jsonb[])`,
        [
          streamId,
          kind,
          typeof expected === 'bigint' ? expected.toString() : null,
          events.map((e) => e.id),
          events.map((e) => e.type),
          events.map((e) => JSON.stringify(e.data)),
          events.map((e) => JSON.stringify(e.metadata)),
        ],
      );
      const row = rows[0];
      if (!row) throw new Error('append returned no row');
      this.appended.notify();
      return {
        nextExpectedRevision: BigInt(row.next_revision),
        position: { commit: BigInt(row.transaction_id), prepare: BigInt(row.last_position) },
      };
    } catch (err) {
      const e = err as { code?: string; detail?: string; constraint?: string };
      if (e.code === 'JE409') {
        throw new WrongExpectedRevisionError(streamId, expected, e.detail ? BigInt(e.detail) : undefined);
      }
      if (e.code === '23505' && e.constraint === 'events_event_id_key') {
        const id = /\(event_id\)=\(([^)]+)\)/.exec(e.detail ?? '')?.[1] ?? 'unknown';
        throw new DuplicateEventError(id);
      }
      throw err;
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const params: unknown[] = [streamId];
    let where = 'stream_id = $1';
    if (options.fromRevision !== undefined) {
      params.push(options.fromRevision.toString());
      where += backwards ? ' AND stream_revision <= $2' : ' AND stream_revision >= $2';
    }
    params.push(options.maxCount ?? null);
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE ${where}
        ORDER BY stream_revision ${backwards ? 'DESC' : 'ASC'} LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRecorded);
  }

  async readStreams(reads: readonly StreamRead[]): Promise<RecordedEvent[][]> {
    if (reads.length === 0) return [];
    // One statement: each asked stream's tail by the (stream_id, stream_revision) index, in the order asked.
    const { rows } = await this.pool.query<EventRow & { asked: string }>(
      `SELECT asked.n AS asked, e.*
         FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS asked(stream_id, from_revision, n)
         CROSS JOIN LATERAL (
           SELECT ${COLUMNS} FROM ${this.table}
            WHERE stream_id = asked.stream_id AND stream_revision >= asked.from_revision
         ) e
        ORDER BY asked.n, e.stream_revision`,
      [reads.map((r) => r.streamId), reads.map((r) => (r.fromRevision ?? 0n).toString())],
    );
    const out: RecordedEvent[][] = reads.map(() => []);
    for (const row of rows) (out[Number(row.asked) - 1] as RecordedEvent[]).push(toRecorded(row));
    return out;
  }

  async streamRevision(streamId: string): Promise<bigint | undefined> {
    const { rows } = await this.pool.query<{ revision: string }>(
      `SELECT revision FROM ${this.sqlSchema}.streams WHERE stream_id = $1 AND NOT deleted`,
      [streamId],
    );
    return rows[0] ? BigInt(rows[0].revision) : undefined;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = options.after ?? START;
    const prefixes = options.streamPrefixes?.map((p) => `${p.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${COLUMNS} FROM ${this.table}
        WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
          ${prefixes ? 'AND stream_id LIKE ANY($4::text[])' : ''}
        ORDER BY transaction_id, global_position
        LIMIT $3`,
      [
        after.commit.toString(),
        after.prepare.toString(),
        options.maxCount ?? null,
        ...(prefixes ? [prefixes] : []),
      ],
    );
    return rows.map(toRecorded);
  }

  /** How many committed events follow a position (for progress and ETA of replays). */
  async countAfter(after: LogPosition): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.table}
        WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())`,
      [after.commit.toString(), after.prepare.toString()],
    );
    return Number(rows[0]?.n ?? 0);
  }

  subscribeToAll(options: SubscriptionOptions): Subscription {
    return catchUpSubscription(
      { readAll: (o) => this.readAll(o), appended: this.appended },
      options,
      this.pollIntervalMs,
    );
  }

  async deleteStream(streamId: string): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`DELETE FROM ${this.table} WHERE stream_id = $1`, [streamId]);
      await client.query(`UPDATE ${this.sqlSchema}.streams SET deleted = true WHERE stream_id = $1`, [
        streamId,
      ]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async truncateStream(streamId: string, beforeRevision: bigint): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.table} WHERE stream_id = $1 AND stream_revision < $2`, [
      streamId,
      beforeRevision.toString(),
    ]);
  }

  /** Takes no more appends, lets those queued and under way finish, then closes the pool. */
  async close(): Promise<void> {
    this.closing = true;
    this.appended.release();
    while (this.inFlight > 0 || this.queued.length > 0) await new Promise((r) => setTimeout(r, 5));
    await this.pool.end();
  }
}

/**
 * Whether a failed statement surely wrote nothing: PostgreSQL answered with an error of its own (an
 * SQLSTATE), so its transaction rolled back. A connection-class error (08…) or a socket error leaves
 * the outcome unknown.
 */
function rolledBack(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08');
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    streamId: row.stream_id,
    revision: BigInt(row.stream_revision),
    position: { commit: BigInt(row.transaction_text), prepare: BigInt(row.global_position) },
    recordedAt: row.recorded_at,
  };
}
