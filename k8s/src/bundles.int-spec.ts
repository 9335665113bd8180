import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICE_NAMES } from '@journey/platform';
import type { ServiceName } from '@journey/platform';
import {
  eventually,
  freePort,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  startGroupsAtEnd,
  testInfrastructure,
  uniqueName,
} from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import pg from 'pg';
import { formatPosition, PostgresEventStore } from '@journey/eventstore';
import { RelayCheckpoints } from '@journey/messaging';
import { declaredConsumerGroups } from './consumer-groups';
import { applyAsOperators } from './kafka-acls';
import { ROOT } from './rendered-manifests';

// What each image holds (tools/image/bundle.mjs, the Dockerfile's bundle stage), assembled into a clean folder
// outside the repository and started there with plain `node` as the image starts it: production settings, a
// read-only folder, no dev dependencies. Without a Docker engine this is the image's contents under test.
const infra = testInfrastructure();
// Where the local Kafka has a SASL/SCRAM listener that enforces the KafkaUsers' ACLs, each bundle connects there
// as its service's principal, as in the cluster; elsewhere (testcontainers) to the plain listener.
const scram = infra.kafkaScram;
const work = mkdtempSync(join(tmpdir(), 'journey-bundles-'));
const databases: IsolatedDatabase[] = [];

// Packages only the build and the tests use: none may be in a bundle.
const DEV_ONLY = [
  'jest',
  'nx',
  '@nx/js',
  'eslint',
  'prettier',
  '@swc/core',
  'testcontainers',
  'supertest',
  '@nestjs/testing',
];

/** A route of each service that needs a token. */
const AUTHENTICATED_ROUTE: Record<ServiceName, string> = {
  channels: '/v1/channel-rules',
  contacts: '/v1/contacts/lookup?email=someone%40example.com',
  tickets: '/v1/agents',
  knowledge: '/v1/articles',
  analytics: '/v1/figures',
};

afterAll(async () => {
  for (const db of databases) await db.drop().catch(() => undefined);
  // The bundles were made read-only: give write back so that they can be removed.
  execFileSync('chmod', ['-R', 'u+w', work]);
  rmSync(work, { recursive: true, force: true });
});

function bundle(service: ServiceName | 'console'): string {
  const dir = join(work, service);
  const printed = execFileSync(
    process.execPath,
    [join(ROOT, 'tools', 'image', 'bundle.mjs'), service, dir, '--offline'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  expect(printed).toMatch(new RegExp(`^bundle: ${service} → .*: \\d+ production packages, [\\d.]+ MiB`, 'm'));
  return dir;
}

/** No package only the build and the tests use, and no TypeScript source, is in a bundle. */
function expectProductionOnly(dir: string): void {
  const missing = DEV_ONLY.filter((name) => !existsSync(join(dir, 'node_modules', name)));
  expect(missing).toEqual(DEV_ONLY);
  const sources = (sub: string): string[] =>
    readdirSync(join(dir, sub), { recursive: true, encoding: 'utf8' }).filter((f) =>
      /\.ts$|\.tsbuildinfo$/.test(f),
    );
  expect([...sources('apps'), ...sources('libs')]).toEqual([]);
}

/** SIGTERM, as the kubelet sends it: the exit code. */
async function stopped(child: ChildProcess | undefined): Promise<number | null> {
  if (!child) throw new Error('not started');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

/** Every file and folder under a path is read-only, as the image's root filesystem is. */
function makeReadOnly(dir: string): void {
  execFileSync('chmod', ['-R', 'a-w', dir]);
  expect(statSync(join(dir, 'main.js')).mode & 0o222).toBe(0);
}

/** The tables a service owns beside the platform's (its build's schema-migrations.js). */
const SERVICE_TABLES: Partial<Record<ServiceName, string[]>> = {
  channels: ['channels:wechat-nonces'],
  tickets: ['tickets:timers'],
};

/** The channels bundle's signed app channel. */
const APP_CHANNEL = { id: 'bundle-app', secret: randomBytes(24).toString('hex') };
const bundleDatabases = new Map<ServiceName, IsolatedDatabase>();

async function productionEnv(service: ServiceName, port: number): Promise<NodeJS.ProcessEnv> {
  const db = await isolatedPostgresDatabase(infra, `bundle_${service}`);
  databases.push(db);
  bundleDatabases.set(service, db);
  // Named as in the cluster (journey-<service>…): the principal's ACLs allow its groups by that prefix.
  const group = uniqueName(`journey-${service}-bundle`);
  const groups = declaredConsumerGroups().filter((g) => g.service === service);
  const groupIds = groups.map((g) => `${group}-${g.suffix}`);
  await startGroupsAtEnd(infra.kafkaBrokers, groupIds, [...new Set(groups.flatMap((g) => g.topics))]);
  // The services may not create topics under their ACLs: the Topic Operator's part, done here.
  if (scram) await applyAsOperators(infra.kafkaBrokers, groupIds);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    NODE_ENV: 'production',
    HTTP_PORT: String(port),
    LOG_LEVEL: 'warn',
    KAFKA_BROKERS: (scram?.brokers ?? infra.kafkaBrokers).join(','),
    ...(scram
      ? {
          KAFKA_SASL_MECHANISM: 'scram-sha-512',
          KAFKA_SASL_USERNAME: `journey-${service}`,
          KAFKA_SASL_PASSWORD: scram.password(`journey-${service}`),
        }
      : {}),
    KAFKA_CONSUMER_GROUP: group,
    EVENTSTORE_URL: db.url,
    MONGO_URL: isolatedMongoUrl(infra, `bundle_${service}`),
    PERSONAL_DATA_KEY: randomBytes(32).toString('base64'),
    ID_KEY: randomBytes(32).toString('base64'),
    // Production refuses local signing keys; the key set is fetched on the first token, not at start.
    AUTH_MODE: 'oidc',
    AUTH_ISSUER: 'https://login.example.test/realms/journey',
    AUTH_AUDIENCE: 'journey',
    AUTH_JWKS_URL: 'https://login.example.test/realms/journey/certs',
    OTEL_TRACES_EXPORTER: 'none',
  };
  if (service === 'channels') {
    const config = join(mkdtempSync(join(work, 'channels-config-')), 'channels.json');
    writeFileSync(
      config,
      JSON.stringify({ api: [{ id: APP_CHANNEL.id, kind: 'app', secret: APP_CHANNEL.secret }] }),
    );
    env['CHANNELS_CONFIG_FILE'] = config;
  }
  return env;
}

describe.each(SERVICE_NAMES)('the %s bundle', (service) => {
  let dir = '';
  let child: ChildProcess | undefined;
  let output = '';
  let childPort = 0;

  beforeAll(() => {
    dir = bundle(service);
  }, 180_000);

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('holds production dependencies only, and no sources', () => {
    expectProductionOnly(dir);
    expect(existsSync(join(dir, 'apps', service, 'dist', 'main.js'))).toBe(true);
    expect(existsSync(join(dir, 'libs', 'testing', 'dist'))).toBe(false);
  });

  it('after the migration Job (its own CLI), starts with node from a read-only folder, only verifying the schema, and answers /health/live and /health/ready', async () => {
    makeReadOnly(dir);
    const port = await freePort();
    childPort = port;
    // As in production: the service may not change the schema, the migration Job (the image's CLI) does.
    const env = { ...(await productionEnv(service, port)), DATABASE_MIGRATIONS: 'verify' };
    const db = bundleDatabases.get(service);
    if (!db) throw new Error('no database');
    if (service === 'tickets') {
      // Before the Job: it refuses to start, saying what to run (tickets has a table of its own too).
      const early = spawnSync(process.execPath, ['main.js'], {
        cwd: dir,
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(early.status).not.toBe(0);
      expect(`${early.stdout}${early.stderr}`).toContain(
        'has not been applied (DATABASE_MIGRATIONS=verify): run the migration Job (`journey migrate`)',
      );
    }
    const migrated = execFileSync(
      process.execPath,
      [join(dir, 'tools', 'cli', 'bin', 'journey.cjs'), 'migrate', '--eventstore-url', db.url, '--json'],
      { cwd: dir, encoding: 'utf8', env: { PATH: process.env['PATH'], NODE_ENV: 'production' } },
    );
    const applied = migrated
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { owner: string; name: string; outcome: string });
    // The platform's schema, and the service's own tables from its build (the bundle holds only its own).
    expect(applied.map((m) => m.owner)).toEqual([
      ...Array<string>(4).fill('platform'),
      ...(SERVICE_TABLES[service] ?? []).map(() => service),
    ]);
    expect(applied.map((m) => m.name).slice(4)).toEqual(SERVICE_TABLES[service] ?? []);
    expect(new Set(applied.map((m) => m.outcome))).toEqual(new Set(['applied']));
    child = spawn(process.execPath, ['main.js'], { cwd: dir, env });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const answers = async (path: string) =>
      (await fetch(`http://127.0.0.1:${port}${path}`).catch(() => undefined))?.status === 200;
    await eventually(() => answers('/health/live'), { timeoutMs: 90_000, what: `${service} live` }).catch(
      (err: Error) => {
        throw new Error(`${err.message}\n${output}`);
      },
    );
    await eventually(() => answers('/health/ready'), { timeoutMs: 60_000, what: `${service} ready` }).catch(
      (err: Error) => {
        throw new Error(`${err.message}\n${output}`);
      },
    );
    // Production asks for a token of the OIDC issuer: none, no data.
    const unauthenticated = await fetch(`http://127.0.0.1:${port}${AUTHENTICATED_ROUTE[service]}`);
    expect({ route: AUTHENTICATED_ROUTE[service], status: unauthenticated.status }).toEqual({
      route: AUTHENTICATED_ROUTE[service],
      status: 401,
    });
  }, 180_000);

  it(`relays ${service === 'analytics' ? 'no events (it writes none)' : 'its own events to Kafka'}${scram ? ', as its own Kafka principal' : ''}`, async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${childPort}/metrics`)).text();
    const leading = /^journey_relay_leading\{relay="([^"]+)"\} (\d)$/gm;
    const relays = [...metrics.matchAll(leading)].map((m) => `${m[1]}=${m[2]}`);
    if (service === 'analytics') return void expect(relays).toEqual([]);
    // Leading means it found its topic (Describe) and holds the lock; a relay that cannot publish resigns.
    expect(relays).toEqual([`journey-${service}=1`]);
    if (service !== 'channels') return;
    // A customer's message: channels stores it, and its relay publishes it (the checkpoint moves only after
    // Kafka acknowledged the write, acks=all, on the topic the principal may write).
    const body = JSON.stringify({ idempotencyKey: randomUUID(), user: { id: 'bundle-user' }, text: 'hello' });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', APP_CHANNEL.secret)
      .update(`${timestamp}.`)
      .update(body)
      .digest('hex');
    const posted = await fetch(`http://127.0.0.1:${childPort}/v1/webhooks/api/${APP_CHANNEL.id}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-journey-timestamp': timestamp,
        'x-journey-signature': `sha256=${signature}`,
      },
      body,
    });
    expect(posted.status).toBe(200);
    const db = bundleDatabases.get(service);
    if (!db) throw new Error('no database');
    const store = await PostgresEventStore.connect({ connectionString: db.url });
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const last = (await store.readAll({})).at(-1);
      expect(last?.type).toMatch(/^channels\./);
      const checkpoints = new RelayCheckpoints(pool);
      await eventually(
        async () => {
          const at = await checkpoints.load('journey-channels');
          return (
            at !== undefined && last !== undefined && formatPosition(at) === formatPosition(last.position)
          );
        },
        { timeoutMs: 20_000, what: 'the channels relay past the stored message' },
      );
    } finally {
      await pool.end();
      await store.close();
    }
  }, 60_000);

  it('stops on SIGTERM with exit code 0', async () => {
    expect(await stopped(child)).toBe(0);
  }, 90_000);

  it('runs the journey CLI, for Jobs', () => {
    const help = execFileSync(process.execPath, [join(dir, 'tools', 'cli', 'bin', 'journey.cjs'), '--help'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'], NODE_ENV: 'production' },
    });
    expect(help).toMatch(/Usage: journey/);
    if (service === 'contacts')
      expect(existsSync(join(dir, 'apps', 'contacts', 'dist', 'replay.js'))).toBe(true);
  });
});

// The agent workspace's image: its pages and its own server, started as the Deployment starts it.
describe('the console bundle', () => {
  let dir = '';
  let child: ChildProcess | undefined;
  let output = '';
  let base = '';

  beforeAll(() => {
    dir = bundle('console');
  }, 180_000);

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('holds its pages and its server, the platform library for telemetry, no CLI, no dev dependency and no source', () => {
    expectProductionOnly(dir);
    for (const file of ['public/index.html', 'public/console.css', 'dist/app/main.js', 'dist/server/main.js'])
      expect({ file, there: existsSync(join(dir, 'apps', 'console', file)) }).toEqual({ file, there: true });
    expect(existsSync(join(dir, 'libs', 'platform', 'dist', 'telemetry', 'index.js'))).toBe(true);
    expect(existsSync(join(dir, 'libs', 'eventstore', 'dist'))).toBe(false);
    expect(existsSync(join(dir, 'tools', 'cli', 'bin'))).toBe(false);
  });

  it('starts with node from a read-only folder in production, with its settings as the ConfigMap gives them', async () => {
    makeReadOnly(dir);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['main.js'], {
      cwd: dir,
      env: {
        PATH: process.env['PATH'],
        NODE_ENV: 'production',
        HTTP_PORT: String(port),
        CHANNELS_URL: 'https://channels.journey.example.test',
        TICKETS_URL: 'https://tickets.journey.example.test',
        OIDC_ISSUER: 'https://login.example.test/realms/journey',
        METRICS_TOKEN: 'a-metrics-token-for-the-bundle',
        OTEL_TRACES_EXPORTER: 'none',
      },
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await eventually(
      async () => (await fetch(`${base}/health/ready`).catch(() => undefined))?.status === 200,
      {
        timeoutMs: 30_000,
        what: 'the console ready',
      },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${output}`);
    });
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain(
      "connect-src 'self' https://channels.journey.example.test",
    );
    // The release's modules, under its build's path and cached for good (production).
    const build = /src="app\/([0-9a-f]{12})\/main\.js"/.exec(await page.text())?.[1];
    const module = await fetch(`${base}/app/${build}/main.js`);
    expect([module.status, module.headers.get('cache-control')]).toEqual([
      200,
      'public, max-age=31536000, immutable',
    ]);
    expect(await (await fetch(`${base}/config.json`)).json()).toMatchObject({
      channels: 'https://channels.journey.example.test',
      tickets: 'https://tickets.journey.example.test',
      oidc: { issuer: 'https://login.example.test/realms/journey', clientId: 'journey-console' },
    });
  }, 60_000);

  it("counts its requests in Prometheus' format, for the holder of the metrics token only", async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const metrics = await (
      await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer a-metrics-token-for-the-bundle' } })
    ).text();
    // The requests above (the page, a module, the config), not the probes.
    const served =
      /^http_server_request_duration_count\{[^}]*http_response_status_code="200"[^}]*\} (\d+)$/m.exec(
        metrics,
      );
    expect(Number(served?.[1])).toBeGreaterThanOrEqual(3);
    expect(metrics).toContain('service_name="journey-console"');
  });

  it('stops on SIGTERM with exit code 0', async () => {
    expect(await stopped(child)).toBe(0);
  }, 30_000);
});

// The bundle script's own refusals.
describe('tools/image/bundle.mjs', () => {
  const run = (...args: string[]) => {
    try {
      execFileSync(process.execPath, [join(ROOT, 'tools', 'image', 'bundle.mjs'), ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { code: 0, stderr: '' };
    } catch (err) {
      const e = err as { status: number; stderr: string };
      return { code: e.status, stderr: e.stderr };
    }
  };

  it('refuses an unknown service and a folder that is not empty, saying why', () => {
    expect(run('billing', join(work, 'billing'))).toEqual({
      code: 1,
      stderr: expect.stringContaining('unknown service "billing"'),
    });
    const full = mkdtempSync(join(work, 'full-'));
    writeFileSync(join(full, 'x'), 'x');
    expect(run('contacts', full)).toEqual({ code: 1, stderr: expect.stringContaining('is not empty') });
  });
});
