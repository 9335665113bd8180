import pg from 'pg';
import { isolatedPostgresDatabase, testInfrastructure } from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';

describe('PostgreSQL (real server)', () => {
  let db: IsolatedDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await isolatedPostgresDatabase(testInfrastructure(), 'pg_spec');
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('is a server version the event store supports (14 or newer)', async () => {
    const { rows } = await pool.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    expect(Number(rows[0]?.v)).toBeGreaterThanOrEqual(140000);
  });

  it('commits and rolls back transactions, and enforces unique constraints', async () => {
    await pool.query('CREATE TABLE streams (id text PRIMARY KEY, revision bigint NOT NULL)');
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("INSERT INTO streams VALUES ('ticket-1', 0)");
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await client.query("INSERT INTO streams VALUES ('ticket-2', 0)");
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const { rows } = await pool.query<{ id: string }>('SELECT id FROM streams ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual(['ticket-2']);
    await expect(pool.query("INSERT INTO streams VALUES ('ticket-2', 1)")).rejects.toMatchObject({
      code: '23505',
    });
  });

  it('exposes transaction ids and snapshots (what a gap-free global log reader relies on)', async () => {
    const { rows } = await pool.query<{ xid: string; xmin: string }>(
      'SELECT pg_current_xact_id()::text AS xid, pg_snapshot_xmin(pg_current_snapshot())::text AS xmin',
    );
    expect(BigInt(rows[0]?.xid ?? '0')).toBeGreaterThanOrEqual(BigInt(rows[0]?.xmin ?? '0'));
  });
});
