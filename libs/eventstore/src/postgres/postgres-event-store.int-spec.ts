import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { eventually, isolatedPostgresDatabase, testInfrastructure } from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { eventStoreContract } from '../contract/event-store.contract';
import type { NewEvent, RecordedEvent } from '../port/event-store.port';
import { formatPosition, START } from '../port/log-position';
import { DuplicateEventError, WrongExpectedRevisionError } from '../port/event-store.port';
import { PostgresEventStore } from './postgres-event-store';
import type { PostgresEventStoreOptions } from './postgres-event-store';

const databases: IsolatedDatabase[] = [];
async function openStore(
  schema?: string,
  options: Partial<PostgresEventStoreOptions> = {},
): Promise<PostgresEventStore> {
  const db = await isolatedPostgresDatabase(testInfrastructure(), 'es');
  databases.push(db);
  return PostgresEventStore.connect({
    connectionString: db.url,
    poolSize: 12,
    ...(schema ? { schema } : {}),
    ...options,
  });
}
afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

eventStoreContract(
  'PostgreSQL',
  () => openStore(),
  (store) => store.close(),
);

const event = (writer: number, n: number): NewEvent => ({
  id: randomUUID(),
  type: 'tickets.note-added.v1',
  data: { writer, n },
  metadata: {
    source: 'tickets',
    time: new Date().toISOString(),
    correlationId: `w${writer}`,
    schemaVersion: 1,
  },
});

describe('PostgreSQL global log under concurrent writers', () => {
  it('gives a live subscriber every event exactly once, in the order a later full read gives', async () => {
    const store = await openStore();
    const seen: RecordedEvent[] = [];
    const subscription = store.subscribeToAll({
      after: START,
      batchSize: 100,
      onBatch: async (batch) => void seen.push(...batch),
    });

    // 8 writers, 150 appends each of 1–3 events, into 40 shared streams: transactions overlap and
    // commit out of sequence order, which is what loses events in a naive "position > checkpoint" reader.
    const writers = 8;
    const appendsPerWriter = 150;
    let written = 0;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < appendsPerWriter; i++) {
          const batch = Array.from({ length: 1 + ((w + i) % 3) }, (_, k) => event(w, i * 10 + k));
          await store.append(`ticket-${(w * 7 + i) % 40}`, batch, 'any');
          written += batch.length;
        }
      }),
    );

    const deadline = Date.now() + 30_000;
    while (seen.length < written && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300)); // anything extra would arrive now
    await subscription.stop();

    expect(seen).toHaveLength(written);
    expect(new Set(seen.map((e) => e.id)).size).toBe(written);
    const full = await store.readAll({ after: START });
    expect(seen.map((e) => formatPosition(e.position))).toEqual(full.map((e) => formatPosition(e.position)));
    expect(seen.map((e) => e.id)).toEqual(full.map((e) => e.id));
    // Within each stream, revisions arrive in order with no gap.
    const byStream = new Map<string, bigint[]>();
    for (const e of seen) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e.revision]);
    for (const revisions of byStream.values()) expect(revisions).toEqual(revisions.map((_, i) => BigInt(i)));
    await store.close();
  });

  it('does not show an uncommitted transaction’s events, nor anything after them, until it commits', async () => {
    const store = await openStore('held');
    const db = databases[databases.length - 1] as IsolatedDatabase;
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await store.append('ticket-a', [event(0, 0)], 'no_stream');
      // A writer starts a transaction and inserts, but does not commit yet…
      await holder.query('BEGIN');
      await holder.query(
        `SELECT * FROM "held".append_events('ticket-b', 'no_stream', NULL, ARRAY[$1]::uuid[], ARRAY['tickets.note-added.v1'], ARRAY['{}']::jsonb[], ARRAY['{"source":"tickets","time":"2026-11-23T00:00:00Z","correlationId":"h","schemaVersion":1}']::jsonb[])`,
        [randomUUID()],
      );
      // …while a later transaction commits.
      await store.append('ticket-c', [event(0, 1)], 'no_stream');
      // ticket-a shows once every older transaction of the cluster has ended (other databases'
      // included); ticket-c, committed after the held transaction began, must not show with it.
      const visible = await eventually(async () => {
        const log = await store.readAll({ after: START });
        return log.length > 0 && log;
      });
      await new Promise((r) => setTimeout(r, 200));
      expect((await store.readAll({ after: START })).map((e) => e.streamId)).toEqual(['ticket-a']);

      await holder.query('COMMIT');
      const after = await eventually(async () => {
        const log = await store.readAll({ after: visible[0]!.position });
        return log.length >= 2 && log;
      });
      expect(after.map((e) => e.streamId)).toEqual(['ticket-b', 'ticket-c']);
    } finally {
      await holder.end();
      await store.close();
    }
  });

  it('orders the log by transaction id as a number, also where ids gain a digit (9 before 10)', async () => {
    const store = await openStore('digits');
    const db = databases[databases.length - 1] as IsolatedDatabase;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // Transaction ids 9 and 10 are long committed in any cluster; as text, "10" sorts before "9".
      for (const [tx, stream] of [
        ['10', 'ticket-ten'],
        ['9', 'ticket-nine'],
      ] as const) {
        await client.query(
          `INSERT INTO "digits".events (transaction_id, stream_id, stream_revision, event_id, type, data, metadata)
           VALUES ($1::xid8, $2, 0, $3, 'tickets.note-added.v1', '{}', '{"source":"t","time":"2026-11-23T00:00:00Z","correlationId":"c","schemaVersion":1}')`,
          [tx, stream, randomUUID()],
        );
      }
    } finally {
      await client.end();
    }
    expect((await store.readAll({ after: START })).map((e) => [e.streamId, e.position.commit])).toEqual([
      ['ticket-nine', 9n],
      ['ticket-ten', 10n],
    ]);
    expect((await store.readAll({ after: { commit: 9n, prepare: 999n } })).map((e) => e.streamId)).toEqual([
      'ticket-ten',
    ]);
    await store.close();
  });

  it('creates its schema once when several processes start together', async () => {
    const db = await isolatedPostgresDatabase(testInfrastructure(), 'es');
    databases.push(db);
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => PostgresEventStore.connect({ connectionString: db.url })),
    );
    await stores[0]!.append('s', [event(0, 0)], 'no_stream');
    expect(await stores[3]!.streamRevision('s')).toBe(0n);
    await Promise.all(stores.map((s) => s.close()));
  });
});

describe('PostgreSQL group commit', () => {
  it('writes appends that wait for a place together, each with its own outcome', async () => {
    // One place: the first append goes alone, the 40 that arrive meanwhile share transactions.
    const store = await openStore(undefined, { groupCommit: { maxInFlight: 1, maxAppends: 16 } });
    try {
      const known = event(0, 0);
      await store.append('seed', [known, event(0, 1)], 'no_stream');
      const outcomes = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) => {
          if (i === 7) return store.append('seed', [event(1, i)], 0n); // stale: seed is at revision 1
          if (i === 8) return store.append('fresh-stream', [event(1, i)], 'stream_exists'); // no such stream
          return store.append(`ticket-${i % 5}`, [event(1, i), event(1, i + 100)], 'any');
        }),
      );
      const conflicts = outcomes.filter(
        (o) => o.status === 'rejected' && o.reason instanceof WrongExpectedRevisionError,
      );
      expect(conflicts.map((o) => (o as PromiseRejectedResult).reason.actual)).toEqual([1n, undefined]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(38);
      // The 38 written appends are whole, in order per stream, and shared fewer transactions than appends.
      const log = await eventually(async () => {
        const all = await store.readAll({ after: START });
        return all.length === 2 + 38 * 2 && all;
      });
      for (let s = 0; s < 5; s++) {
        const revisions = log.filter((e) => e.streamId === `ticket-${s}`).map((e) => e.revision);
        expect(revisions).toEqual(revisions.map((_, i) => BigInt(i)));
      }
      const transactions = new Set(log.map((e) => e.position.commit.toString()));
      expect(transactions.size).toBeLessThan(20);
      // Each fulfilled append's position is its last event's.
      const byPosition = new Map(log.map((e) => [formatPosition(e.position), e]));
      for (const o of outcomes)
        if (o.status === 'fulfilled') expect(byPosition.get(formatPosition(o.value.position))).toBeDefined();

      // A known event id in a batch: the batch is undone and its members go alone, so only that one fails.
      const again = await Promise.allSettled([
        store.append('ticket-0', [event(2, 0)], 'any'),
        store.append('ticket-1', [event(2, 1)], 'any'),
        store.append('ticket-2', [known], 'any'),
        store.append('ticket-3', [event(2, 3)], 'any'),
      ]);
      expect(again.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect((again[2] as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateEventError);
      expect((await store.readStream('ticket-2')).some((e) => e.id === known.id)).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('does not deadlock when two processes batch the same streams in opposite orders', async () => {
    const db = await isolatedPostgresDatabase(testInfrastructure(), 'es');
    databases.push(db);
    const [a, b] = await Promise.all(
      [0, 1].map(() =>
        PostgresEventStore.connect({
          connectionString: db.url,
          groupCommit: { maxInFlight: 2, maxAppends: 20 },
        }),
      ),
    );
    try {
      const streams = Array.from({ length: 20 }, (_, i) => `order-${i}`);
      await Promise.all(
        Array.from({ length: 10 }, (_, round) => [
          ...streams.map((s) => a!.append(s, [event(0, round)], 'any')),
          ...[...streams].reverse().map((s) => b!.append(s, [event(1, round)], 'any')),
        ]).flat(),
      );
      for (const s of streams) expect(await a!.streamRevision(s)).toBe(19n);
    } finally {
      await Promise.all([a!.close(), b!.close()]);
    }
  });
});
