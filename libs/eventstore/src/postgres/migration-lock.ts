import type pg from 'pg';

/** Runs `work` on `client` while it holds the session advisory lock `name`, released whatever happens. */
export async function underAdvisoryLock<T>(
  client: pg.PoolClient,
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
  try {
    return await work();
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]).catch(() => undefined);
  }
}

/**
 * Runs a schema migration under a PostgreSQL advisory lock. Several processes start at once, and two
 * concurrent `CREATE TABLE IF NOT EXISTS` of one table can both miss it and fail on pg_type's unique
 * index; under the lock the second one finds the table.
 */
export async function migrateUnderLock<T>(
  pool: pg.Pool,
  name: string,
  migrate: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    return await underAdvisoryLock(client, name, () => migrate(client));
  } finally {
    client.release();
  }
}
