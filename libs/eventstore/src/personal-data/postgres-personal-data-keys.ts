import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ensureMigrated } from '../postgres/schema-migrations';
import type { SchemaMigration } from '../postgres/schema-migrations';
import { quoteIdent } from '../postgres/postgres-schema';
import { keyRef, KeyWrapper } from './personal-data-keys';
import type { DataKey, PersonalDataKeys } from './personal-data-keys';

export interface PostgresPersonalDataKeysOptions {
  connectionString: string;
  /** Same default as the event store: the keys sit beside the events, in their own table. */
  schema?: string;
  masterKey: Buffer;
  poolSize?: number;
}

/**
 * The keys' tables, and the vault's id: made once per database, at random (12 hex digits), and kept.
 */
export function personalDataKeysMigration(schemaName: string): SchemaMigration {
  const schema = quoteIdent(schemaName);
  return {
    name: `${schemaName}:personal-data-keys`,
    sql: `CREATE SCHEMA IF NOT EXISTS ${schema};
CREATE TABLE IF NOT EXISTS ${schema}.personal_data_keys (
  subject text NOT NULL,
  generation integer NOT NULL,
  wrapped_key bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  erased_at timestamptz,
  PRIMARY KEY (subject, generation)
);
CREATE TABLE IF NOT EXISTS ${schema}.personal_data_vault (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  vault_id text NOT NULL
);
INSERT INTO ${schema}.personal_data_vault (vault_id)
  VALUES (substr(md5(random()::text || clock_timestamp()::text), 1, 12)) ON CONFLICT DO NOTHING;`,
  };
}

/**
 * Data keys in PostgreSQL. Erasing sets the wrapped key to NULL (the row stays as proof of the
 * erasure and to number the next generation); VACUUM then removes the old row versions from disk.
 */
export class PostgresPersonalDataKeys implements PersonalDataKeys {
  private readonly pool: pg.Pool;
  private readonly table: string;
  private readonly wrapper: KeyWrapper;
  vaultId = '';

  private constructor(options: PostgresPersonalDataKeysOptions) {
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 5 });
    this.pool.on('error', () => undefined);
    this.table = `${quoteIdent(options.schema ?? 'eventstore')}.personal_data_keys`;
    this.wrapper = new KeyWrapper(options.masterKey);
  }

  /**
   * Connects and creates the tables (with DATABASE_MIGRATIONS=verify, checks the migration Job did), then
   * reads the vault's id.
   */
  static async connect(options: PostgresPersonalDataKeysOptions): Promise<PostgresPersonalDataKeys> {
    const keys = new PostgresPersonalDataKeys(options);
    const schema = quoteIdent(options.schema ?? 'eventstore');
    try {
      await ensureMigrated(keys.pool, personalDataKeysMigration(options.schema ?? 'eventstore'));
      const { rows } = await keys.pool.query<{ vault_id: string }>(
        `SELECT vault_id FROM ${schema}.personal_data_vault`,
      );
      keys.vaultId = rows[0]?.vault_id ?? '';
    } catch (err) {
      await keys.pool.end().catch(() => undefined);
      throw err;
    }
    return keys;
  }

  async currentKey(subject: string): Promise<DataKey> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const { rows } = await this.pool.query<{ generation: number; wrapped_key: Buffer | null }>(
        `SELECT generation, wrapped_key FROM ${this.table} WHERE subject = $1 ORDER BY generation DESC LIMIT 1`,
        [subject],
      );
      const latest = rows[0];
      if (latest?.wrapped_key)
        return {
          subject,
          generation: latest.generation,
          key: this.wrapper.unwrap(subject, latest.generation, latest.wrapped_key),
        };
      const generation = (latest?.generation ?? 0) + 1;
      const key = randomBytes(32);
      // Two writers creating the same generation at once: one insert wins, the other reads it.
      const inserted = await this.pool.query(
        `INSERT INTO ${this.table} (subject, generation, wrapped_key) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING`,
        [subject, generation, this.wrapper.wrap(subject, generation, key)],
      );
      if (inserted.rowCount === 1) return { subject, generation, key };
    }
    throw new Error('could not create a personal-data key (too many concurrent attempts)');
  }

  async keys(refs: { subject: string; generation: number }[]): Promise<Map<string, Buffer>> {
    const found = new Map<string, Buffer>();
    if (refs.length === 0) return found;
    const { rows } = await this.pool.query<{ subject: string; generation: number; wrapped_key: Buffer }>(
      `SELECT k.subject, k.generation, k.wrapped_key
         FROM ${this.table} k
         JOIN unnest($1::text[], $2::int[]) AS r(subject, generation)
           ON k.subject = r.subject AND k.generation = r.generation
        WHERE k.wrapped_key IS NOT NULL`,
      [refs.map((r) => r.subject), refs.map((r) => r.generation)],
    );
    for (const row of rows)
      found.set(
        keyRef(row.subject, row.generation),
        this.wrapper.unwrap(row.subject, row.generation, row.wrapped_key),
      );
    return found;
  }

  async erase(subjects: string[]): Promise<number> {
    if (subjects.length === 0) return 0;
    const result = await this.pool.query(
      `UPDATE ${this.table} SET wrapped_key = NULL, erased_at = now()
        WHERE subject = ANY($1::text[]) AND wrapped_key IS NOT NULL`,
      [subjects],
    );
    return result.rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
