import pg from 'pg';
import { MIGRATIONS_TABLE } from '@journey/eventstore';
import { isolatedPostgresDatabase, testInfrastructure } from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { runJourney } from './run-journey.testing';

let db: IsolatedDatabase;
beforeAll(async () => {
  db = await isolatedPostgresDatabase(testInfrastructure(), 'cli_migrate');
});
afterAll(() => db.drop());

const journey = (...args: string[]) => runJourney(args);

const lines = (out: string) =>
  out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { owner: string; name: string; outcome: string });

describe('journey migrate', () => {
  it("lists, applies and confirms the platform's schema and every built service's tables", async () => {
    const planned = await journey('migrate', '--eventstore-url', db.url, '--dry-run', '--json');
    expect(planned.code).toBe(0);
    // From the repository, every built service is here: channels and tickets have tables of their own.
    expect(lines(planned.out).map((l) => [l.owner, l.name, l.outcome])).toEqual([
      ['platform', 'eventstore:events', 'pending'],
      ['platform', 'eventstore:personal-data-keys', 'pending'],
      ['platform', 'eventstore:stream-parking', 'pending'],
      ['platform', 'eventstore:relay-checkpoints', 'pending'],
      ['channels', 'channels:wechat-nonces', 'pending'],
      ['tickets', 'tickets:timers', 'pending'],
    ]);

    const applied = await journey('migrate', '--eventstore-url', db.url);
    expect(applied.code).toBe(0);
    expect(applied.out).toMatch(/^DATABASE\s+OWNER\s+MIGRATION\s+CHECKSUM\s+OUTCOME\s+MS$/m);
    expect(applied.out).toMatch(/^state\s+tickets\s+tickets:timers\s+[0-9a-f]{16}\s+applied\s+\d+$/m);
    expect(applied.out).toContain('6 migration(s) applied or confirmed');
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${MIGRATIONS_TABLE}`);
      expect(rows[0]?.n).toBe('6');
      const tables = await pool.query<{ t: string | null }>(
        "SELECT to_regclass(unnest(ARRAY['eventstore.events','eventstore.personal_data_keys','eventstore.parked_streams','eventstore.relay_checkpoints','wechat_nonces','tickets_timers'])) AS t",
      );
      expect(tables.rows.map((r) => r.t)).not.toContain(null);
    } finally {
      await pool.end();
    }

    const again = await journey('migrate', '--eventstore-url', db.url, '--json');
    expect(new Set(lines(again.out).map((l) => l.outcome))).toEqual(new Set(['unchanged']));
    const checked = await journey('migrate', '--eventstore-url', db.url, '--dry-run');
    expect(checked.out).toContain('0 of 6 migration(s) to apply');
  });

  it('refuses a KurrentDB event store without the state database, and a schema that is not a name', async () => {
    const kurrent = await journey('migrate', '--eventstore-url', 'kurrentdb://127.0.0.1:2113?tls=false');
    expect(kurrent.code).not.toBe(0);
    expect(kurrent.err).toContain('with a KurrentDB event store, --state-database-url (STATE_DATABASE_URL)');
    const schema = await journey('migrate', '--eventstore-url', db.url, '--schema', 'x; DROP TABLE y');
    expect(schema.code).not.toBe(0);
    expect(schema.err).toContain('--schema must be a lower-case SQL name');
  });

  it('with a KurrentDB event store, migrates the state database only', async () => {
    const state = await isolatedPostgresDatabase(testInfrastructure(), 'cli_migrate_state');
    try {
      const run = await journey(
        'migrate',
        '--eventstore-url',
        'kurrentdb://127.0.0.1:2113?tls=false',
        '--state-database-url',
        state.url,
        '--json',
      );
      expect(run.code).toBe(0);
      expect(lines(run.out).map((l) => l.name)).not.toContain('eventstore:events');
      expect(lines(run.out)).toHaveLength(5);
    } finally {
      await state.drop();
    }
  });
});
