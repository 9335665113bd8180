import { createHash } from 'node:crypto';
import type pg from 'pg';
import { migrateUnderLock, underAdvisoryLock } from './migration-lock';

/**
 * One named piece of schema (tables, indexes, functions) in idempotent SQL: applying it again changes
 * nothing. Its checksum is the SQL's, so a release that changes the SQL changes the checksum, and a
 * service checking the schema in `verify` mode sees that the new version has not been applied yet.
 */
export interface SchemaMigration {
  /** Unique per database, stable across releases (`eventstore:events`, `tickets:timers`, …). */
  name: string;
  sql: string;
}

/**
 * How a process treats its schema at start-up (setting DATABASE_MIGRATIONS):
 * - `apply` (the default): it applies its migrations itself, under an advisory lock per migration, as
 *   before there was a migration Job; needs a database role that may create tables.
 * - `verify`: it changes nothing and refuses to start until each of its migrations is recorded with the
 *   same checksum, i.e. until the migration Job (`journey migrate`) has run with the release's SQL; the
 *   service's role then needs no DDL rights.
 */
export type MigrationMode = 'apply' | 'verify';
export const MIGRATION_MODES: readonly MigrationMode[] = ['apply', 'verify'];

/** Where applied migrations are recorded: one table per database, beside the tables they made. */
export const MIGRATIONS_TABLE = 'public.journey_schema_migrations';

const RECORD_TABLE_LOCK = 'journey-migrations-table';
const RECORD_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  name text PRIMARY KEY,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** Thrown in `verify` mode when a migration is missing from the database or recorded with other SQL. */
export class MigrationPendingError extends Error {
  constructor(
    readonly migration: string,
    readonly recorded: string | undefined,
    readonly expected: string,
  ) {
    super(
      recorded === undefined
        ? `the database schema "${migration}" has not been applied (DATABASE_MIGRATIONS=verify): run the migration Job (\`journey migrate\`) of this release first`
        : `the database schema "${migration}" was applied with other SQL (checksum ${recorded}, this release has ${expected}) (DATABASE_MIGRATIONS=verify): run the migration Job (\`journey migrate\`) of this release first`,
    );
    this.name = 'MigrationPendingError';
  }
}

export const checksumOf = (migration: SchemaMigration): string =>
  createHash('sha256').update(migration.sql).digest('hex').slice(0, 16);

/** DATABASE_MIGRATIONS, checked: unset is `apply`, anything else but the two modes throws. */
export function migrationModeFromEnv(env: NodeJS.ProcessEnv = process.env): MigrationMode {
  const value = env['DATABASE_MIGRATIONS'];
  if (value === undefined || value === '') return 'apply';
  if ((MIGRATION_MODES as readonly string[]).includes(value)) return value as MigrationMode;
  throw new Error(`DATABASE_MIGRATIONS must be ${MIGRATION_MODES.join(' or ')} (got "${value}")`);
}

export type MigrationOutcome = 'applied' | 'changed' | 'unchanged' | 'verified';

/**
 * Applies a migration and records it (`apply`), or checks that it is recorded with this SQL
 * (`verify`, throwing {@link MigrationPendingError} otherwise). Applying runs the SQL every time
 * (it is idempotent, and a table dropped by hand comes back); the outcome says whether the record was new,
 * changed or already there.
 */
export async function ensureMigrated(
  pool: pg.Pool,
  migration: SchemaMigration,
  mode: MigrationMode = migrationModeFromEnv(),
): Promise<MigrationOutcome> {
  const checksum = checksumOf(migration);
  if (mode === 'verify') {
    const recorded = await recordedChecksum(pool, migration.name);
    if (recorded !== checksum) throw new MigrationPendingError(migration.name, recorded, checksum);
    return 'verified';
  }
  return migrateUnderLock(pool, `journey-migration:${migration.name}`, async (client) => {
    // The record table, made once: under a lock of its own (two migrations may start together).
    await underAdvisoryLock(client, RECORD_TABLE_LOCK, () => client.query(RECORD_TABLE_SQL));
    await client.query(migration.sql);
    const { rows } = await client.query<{ previous: string | null }>(
      `WITH previous AS (SELECT checksum FROM ${MIGRATIONS_TABLE} WHERE name = $1)
       INSERT INTO ${MIGRATIONS_TABLE} (name, checksum) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum,
         applied_at = CASE WHEN ${MIGRATIONS_TABLE}.checksum = EXCLUDED.checksum
                           THEN ${MIGRATIONS_TABLE}.applied_at ELSE now() END
       RETURNING (SELECT checksum FROM previous) AS previous`,
      [migration.name, checksum],
    );
    const previous = rows[0]?.previous ?? null;
    return previous === null ? 'applied' : previous === checksum ? 'unchanged' : 'changed';
  });
}

/** The checksum a migration is recorded with, if any (no record table yet: none). */
export async function recordedChecksum(pool: pg.Pool, name: string): Promise<string | undefined> {
  try {
    const { rows } = await pool.query<{ checksum: string }>(
      `SELECT checksum FROM ${MIGRATIONS_TABLE} WHERE name = $1`,
      [name],
    );
    return rows[0]?.checksum;
  } catch (err) {
    if ((err as { code?: string }).code === UNDEFINED_TABLE) return undefined;
    throw err;
  }
}

const UNDEFINED_TABLE = '42P01';
