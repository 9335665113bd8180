import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { localKafkaScramPassword } from './local-infrastructure';

/** The servers the integration tests of this run talk to, as set by the Jest global setup. */
export interface TestInfrastructure {
  mode: 'containers' | 'local';
  kafkaBrokers: string[];
  postgresUrl: string;
  /** A MongoDB-wire server URL without a database name. */
  mongoUrl: string;
  /** Set only where a KurrentDB answers (containers, or KURRENTDB_URL). */
  kurrentdbUrl?: string;
  /**
   * Kafka's SASL/SCRAM-SHA-512 listener with ACLs enforced, and the password of each service's user
   * (journey-<service>): set only with the local servers, whose Kafka has one (infra/local).
   */
  kafkaScram?: { brokers: string[]; password(user: string): string };
}

export const INFRA_ENV = {
  mode: 'JOURNEY_TEST_INFRA_MODE',
  kafka: 'JOURNEY_TEST_KAFKA_BROKERS',
  postgres: 'JOURNEY_TEST_POSTGRES_URL',
  mongo: 'JOURNEY_TEST_MONGO_URL',
  kurrentdb: 'JOURNEY_TEST_KURRENTDB_URL',
  kafkaScram: 'JOURNEY_TEST_KAFKA_SCRAM_BROKERS',
} as const;

/** Reads the infrastructure the global setup resolved; fails clearly when it did not run. */
export function testInfrastructure(env: NodeJS.ProcessEnv = process.env): TestInfrastructure {
  const mode = env[INFRA_ENV.mode];
  const kafka = env[INFRA_ENV.kafka];
  const postgresUrl = env[INFRA_ENV.postgres];
  const mongoUrl = env[INFRA_ENV.mongo];
  if ((mode !== 'containers' && mode !== 'local') || !kafka || !postgresUrl || !mongoUrl) {
    throw new Error(
      'Integration test infrastructure is not set: run integration specs through their test:integration target ' +
        '(jest -c <project>/jest.int.config.cjs), whose global setup finds or starts the servers.',
    );
  }
  const kurrentdbUrl = env[INFRA_ENV.kurrentdb];
  const scram = env[INFRA_ENV.kafkaScram];
  return {
    mode,
    kafkaBrokers: kafka.split(','),
    postgresUrl,
    mongoUrl,
    ...(kurrentdbUrl ? { kurrentdbUrl } : {}),
    ...(scram ? { kafkaScram: { brokers: scram.split(','), password: localKafkaScramPassword } } : {}),
  };
}

/** A name no other test (or earlier run) uses: topics, groups, databases. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** A MongoDB URL for a database of this test's own. */
export function isolatedMongoUrl(infra: TestInfrastructure, prefix = 'test'): string {
  const url = new URL(infra.mongoUrl);
  url.pathname = `/${uniqueName(prefix).replace(/-/g, '_')}`;
  return url.toString();
}

export interface IsolatedDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates a PostgreSQL database of this test's own; `drop()` removes it. */
export async function isolatedPostgresDatabase(
  infra: TestInfrastructure,
  prefix = 'test',
): Promise<IsolatedDatabase> {
  const name = uniqueName(prefix).replace(/-/g, '_');
  const admin = new pg.Client({ connectionString: infra.postgresUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(infra.postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: infra.postgresUrl });
      await client.connect();
      try {
        // A pool's end() resolves once it has asked its sessions to close, not when they have; a
        // forced drop in that gap terminates a closing session, whose client then raises 57P01 with
        // no listener left. So wait (briefly) for the test's own sessions to leave first.
        const deadline = Date.now() + 5_000;
        while (Date.now() < deadline) {
          const { rows } = await client.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
            [name],
          );
          if ((rows[0]?.n ?? 0) === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 15_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what} not reached within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
