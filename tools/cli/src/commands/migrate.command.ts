import { Command, Option } from 'commander';
import pg from 'pg';
import { checksumOf, ensureMigrated, recordedChecksum } from '@journey/eventstore';
import type { SchemaMigration } from '@journey/eventstore';
import { platformMigrations } from '@journey/messaging';
import { print, table } from '@journey/ops';
import { eventStoreKind } from '@journey/platform';
import { APPS_DIR, serviceSchemaMigrations } from './service-read-models';

const LOCAL_STORE = 'postgres://journey:journey@127.0.0.1:15432/journey';

interface MigrateOptions {
  eventstoreUrl: string;
  stateDatabaseUrl?: string;
  schema: string;
  dryRun?: boolean;
  json?: boolean;
}

interface Planned {
  database: 'event store' | 'state';
  owner: string;
  migration: SchemaMigration;
}

export interface MigrationReport {
  database: Planned['database'];
  owner: string;
  name: string;
  checksum: string;
  /** dry run: pending | changed | up to date; applying: applied | changed | unchanged. */
  outcome: string;
  ms?: number;
}

/**
 * What a release's migration Job applies: the platform's shared schema, then the tables of each service
 * whose build is here (in a service's image, that one service), each to its database.
 */
export function plannedMigrations(options: { schema: string; kurrentDb: boolean }, appsDir = APPS_DIR) {
  const platform = platformMigrations(options.schema);
  const planned: Planned[] = [
    ...(options.kurrentDb
      ? []
      : platform.eventStore.map((migration) => ({
          database: 'event store' as const,
          owner: 'platform',
          migration,
        }))),
    ...platform.state.map((migration) => ({ database: 'state' as const, owner: 'platform', migration })),
    ...serviceSchemaMigrations(appsDir).flatMap(({ service, entries }) =>
      entries.map((migration) => ({ database: 'state' as const, owner: service, migration })),
    ),
  ];
  return planned;
}

/** Applies (or, on a dry run, compares) every planned migration, in order; each line reported as it is done. */
export async function runMigrations(
  options: MigrateOptions,
  appsDir = APPS_DIR,
  report: (line: MigrationReport) => void = () => undefined,
): Promise<MigrationReport[]> {
  const kurrentDb = eventStoreKind(options.eventstoreUrl) === 'kurrentdb';
  if (kurrentDb && !options.stateDatabaseUrl)
    throw new Error(
      'with a KurrentDB event store, --state-database-url (STATE_DATABASE_URL) must name the PostgreSQL database',
    );
  const planned = plannedMigrations({ schema: options.schema, kurrentDb }, appsDir);
  const urls = {
    'event store': options.eventstoreUrl,
    state: options.stateDatabaseUrl ?? options.eventstoreUrl,
  };
  const pools = new Map<string, pg.Pool>();
  const poolFor = (url: string) => {
    let pool = pools.get(url);
    if (!pool) {
      pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 10_000 });
      pool.on('error', () => undefined);
      pools.set(url, pool);
    }
    return pool;
  };
  const reports: MigrationReport[] = [];
  try {
    for (const { database, owner, migration } of planned) {
      const pool = poolFor(urls[database]);
      const checksum = checksumOf(migration);
      const started = Date.now();
      let outcome: string;
      if (options.dryRun) {
        const recorded = await recordedChecksum(pool, migration.name);
        outcome = recorded === undefined ? 'pending' : recorded === checksum ? 'up to date' : 'changed';
      } else {
        outcome = await ensureMigrated(pool, migration, 'apply');
      }
      const line: MigrationReport = {
        database,
        owner,
        name: migration.name,
        checksum,
        outcome,
        ...(options.dryRun ? {} : { ms: Date.now() - started }),
      };
      reports.push(line);
      report(line);
    }
  } finally {
    await Promise.allSettled([...pools.values()].map((p) => p.end()));
  }
  return reports;
}

export function migrateCommand(appsDir = APPS_DIR): Command {
  return new Command('migrate')
    .description(
      "Apply the database schema of this release: the platform's (event store, personal-data keys, parked streams, relay checkpoints) and each built service's own tables. Idempotent; each migration is recorded with its checksum in public.journey_schema_migrations, which services started with DATABASE_MIGRATIONS=verify check instead of changing the schema themselves. This is what the migration Job runs before a rollout.",
    )
    .option(
      '--eventstore-url <url>',
      'the event store (EVENTSTORE_URL): PostgreSQL, or KurrentDB (then only the state database is migrated)',
      process.env['EVENTSTORE_URL'] ?? LOCAL_STORE,
    )
    .addOption(
      new Option(
        '--state-database-url <url>',
        'PostgreSQL for the state beside the events (STATE_DATABASE_URL; default: the event store)',
      ).default(process.env['STATE_DATABASE_URL'] || undefined),
    )
    .option('--schema <name>', "the event store's schema", 'eventstore')
    .option('--dry-run', 'apply nothing: list each migration as pending, changed or up to date')
    .option('--json', 'print JSON lines instead of a table')
    .action(async (options: MigrateOptions) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(options.schema))
        throw new Error(`--schema must be a lower-case SQL name (got "${options.schema}")`);
      const reports = await runMigrations(options, appsDir, (line) => {
        if (options.json) print(JSON.stringify(line));
      });
      if (options.json) return;
      print(
        table([
          ['DATABASE', 'OWNER', 'MIGRATION', 'CHECKSUM', options.dryRun ? 'STATE' : 'OUTCOME', 'MS'],
          ...reports.map((r) => [
            r.database,
            r.owner,
            r.name,
            r.checksum,
            r.outcome,
            r.ms === undefined ? '-' : String(r.ms),
          ]),
        ]),
      );
      const pending = reports.filter((r) => r.outcome === 'pending' || r.outcome === 'changed').length;
      print(
        options.dryRun
          ? `${pending} of ${reports.length} migration(s) to apply`
          : `${reports.length} migration(s) applied or confirmed`,
      );
    });
}
