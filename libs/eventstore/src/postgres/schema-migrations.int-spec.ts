import pg from 'pg';
import { isolatedPostgresDatabase, testInfrastructure } from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { PostgresPersonalDataKeys } from '../personal-data/postgres-personal-data-keys';
import { PostgresEventStore } from './postgres-event-store';
import {
  checksumOf,
  ensureMigrated,
  migrationModeFromEnv,
  MigrationPendingError,
  MIGRATIONS_TABLE,
} from './schema-migrations';

let db: IsolatedDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await isolatedPostgresDatabase(testInfrastructure(), 'migrations');
  pool = new pg.Pool({ connectionString: db.url, max: 12 });
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const table = (name: string, column = 'x') => ({
  name: `test:${name}`,
  sql: `CREATE TABLE IF NOT EXISTS ${name} (${column} int)`,
});
const tableExists = async (name: string) =>
  (await pool.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [name])).rows[0]?.t !== null;

describe('schema migrations on PostgreSQL', () => {
  it('apply once, record the checksum, and say unchanged or changed when applied again', async () => {
    expect(await ensureMigrated(pool, table('m_one'), 'apply')).toBe('applied');
    expect(await tableExists('m_one')).toBe(true);
    expect(await ensureMigrated(pool, table('m_one'), 'apply')).toBe('unchanged');
    const next = {
      ...table('m_one'),
      sql: `${table('m_one').sql}; ALTER TABLE m_one ADD COLUMN IF NOT EXISTS y int`,
    };
    expect(await ensureMigrated(pool, next, 'apply')).toBe('changed');
    const { rows } = await pool.query<{ checksum: string }>(
      `SELECT checksum FROM ${MIGRATIONS_TABLE} WHERE name = 'test:m_one'`,
    );
    expect(rows).toEqual([{ checksum: checksumOf(next) }]);
  });

  it('in verify mode change nothing, and refuse a migration not applied or applied with other SQL', async () => {
    await expect(ensureMigrated(pool, table('m_two'), 'verify')).rejects.toThrow(
      'the database schema "test:m_two" has not been applied (DATABASE_MIGRATIONS=verify): run the migration Job (`journey migrate`) of this release first',
    );
    expect(await tableExists('m_two')).toBe(false);
    await ensureMigrated(pool, table('m_two'), 'apply');
    expect(await ensureMigrated(pool, table('m_two'), 'verify')).toBe('verified');
    // The next release changed the SQL; its Job has not run yet.
    const changed = table('m_two', 'z');
    const refused = await ensureMigrated(pool, changed, 'verify').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(MigrationPendingError);
    expect((refused as Error).message).toContain(
      `was applied with other SQL (checksum ${checksumOf(table('m_two'))}, this release has ${checksumOf(changed)})`,
    );
  });

  it('verify on a database no migration ever ran in (no record table) as not applied', async () => {
    const empty = await isolatedPostgresDatabase(testInfrastructure(), 'migrations_empty');
    const emptyPool = new pg.Pool({ connectionString: empty.url, max: 2 });
    try {
      await expect(ensureMigrated(emptyPool, table('m_three'), 'verify')).rejects.toBeInstanceOf(
        MigrationPendingError,
      );
    } finally {
      await emptyPool.end();
      await empty.drop();
    }
  });

  it('apply safely when ten processes start at once', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => ensureMigrated(pool, table('m_four'), 'apply')),
    );
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'unchanged')).toHaveLength(9);
  });

  it('let the event store and the data keys start in verify mode once applied, and not before', async () => {
    const fresh = await isolatedPostgresDatabase(testInfrastructure(), 'migrations_stores');
    const options = { connectionString: fresh.url, masterKey: Buffer.alloc(32, 7) };
    const before = process.env['DATABASE_MIGRATIONS'];
    try {
      process.env['DATABASE_MIGRATIONS'] = 'verify';
      await expect(PostgresEventStore.connect(options)).rejects.toBeInstanceOf(MigrationPendingError);
      await expect(PostgresPersonalDataKeys.connect(options)).rejects.toBeInstanceOf(MigrationPendingError);
      process.env['DATABASE_MIGRATIONS'] = 'apply';
      await (await PostgresEventStore.connect(options)).close();
      const applied = await PostgresPersonalDataKeys.connect(options);
      const vault = applied.vaultId;
      await applied.close();
      process.env['DATABASE_MIGRATIONS'] = 'verify';
      await (await PostgresEventStore.connect(options)).close();
      const verified = await PostgresPersonalDataKeys.connect(options);
      // The vault's id was made once, by the migration, and is read back.
      expect(verified.vaultId).toMatch(/^[0-9a-f]{12}$/);
      expect(verified.vaultId).toBe(vault);
      await verified.close();
    } finally {
      if (before === undefined) delete process.env['DATABASE_MIGRATIONS'];
      else process.env['DATABASE_MIGRATIONS'] = before;
      await fresh.drop();
    }
  });
});

describe('DATABASE_MIGRATIONS', () => {
  it('is apply by default, and a typo is refused', () => {
    expect(migrationModeFromEnv({})).toBe('apply');
    expect(migrationModeFromEnv({ DATABASE_MIGRATIONS: 'verify' })).toBe('verify');
    expect(() => migrationModeFromEnv({ DATABASE_MIGRATIONS: 'verfy' })).toThrow(
      'DATABASE_MIGRATIONS must be apply or verify (got "verfy")',
    );
  });
});
