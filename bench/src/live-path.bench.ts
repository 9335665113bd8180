import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { PostgresEventStore } from '@journey/eventstore';
import type { NewEvent } from '@journey/eventstore';
import { ProjectionState } from '@journey/projections';
import {
  consumerGroupsOf,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  localInfrastructureAddresses,
  startGroupsAtEnd,
  uniqueName,
} from '@journey/testing';
import { describeMachine, percentile, round, writeResult } from './bench-kit';
import { summariseCpuProfiles } from './cpu-profile';
import { histogramQuantileBound, samplesOf, scrape } from './metrics-scrape';
import { cpuMeter, infraPid, launch, ready, runLoadGenerator, stop } from './bench-services';
import type { BenchService } from './bench-services';
// Type only: importing the generator's module would run it.
import type { Summary } from './load-generator';

const CHANNELS_PORT = 3296;
const CONTACTS_PORT = 3297;
const CHANNEL = 'bench-app';
const RATES = (process.env['BENCH_LIVE_RATES'] ?? '100,200,500,1000').split(',').map(Number);
const SECONDS = Number(process.env['BENCH_LIVE_SECONDS'] ?? 60);
const SENDERS = 240;
const HOT = 5;
const PROBES = 20;
/** How often the timelines of the probe senders are read while the load runs. */
const POLL_MS = 50;
const PROFILE_DIR = process.env['BENCH_CPU_PROF'];

/** The store's raw append rate on the same server: 8 writers, one small event per append, 5 s. */
async function rawAppendRate(url: string): Promise<number> {
  const store = await PostgresEventStore.connect({ connectionString: url });
  try {
    const until = Date.now() + 5_000;
    let appended = 0;
    const data = { text: 'x'.repeat(300) };
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (Date.now() < until) {
          const event: NewEvent = {
            id: randomUUID(),
            type: 'bench.raw.v1',
            data,
            metadata: {
              source: 'bench',
              correlationId: 'raw',
              schemaVersion: 1,
              time: new Date().toISOString(),
            },
          };
          await store.append(`raw-${randomUUID()}`, [event], 'no_stream');
          appended++;
        }
      }),
    );
    return appended / 5;
  } finally {
    await store.close();
  }
}

interface Statement {
  query: string;
  calls: number;
  meanMs: number;
  /** Its share of the execution time of every statement on the services' database in the period. */
  share: number;
}

/**
 * PostgreSQL's own account of where its time went on one database (pg_stat_statements, which
 * infra/local loads): reset before a rate, read after it. Undefined when the module is not loaded.
 */
class StatementCosts {
  private constructor(
    private readonly admin: pg.Client,
    private readonly database: string,
  ) {}

  static async open(adminUrl: string, database: string): Promise<StatementCosts | undefined> {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await admin.query('SELECT count(*) FROM pg_stat_statements');
      return new StatementCosts(admin, database);
    } catch (err) {
      process.stdout.write(`  pg_stat_statements not available (${(err as Error).message})\n`);
      await admin.end();
      return undefined;
    }
  }

  reset(): Promise<unknown> {
    return this.admin.query('SELECT pg_stat_statements_reset()');
  }

  async top(limit: number): Promise<{ totalMs: number; statements: Statement[] }> {
    const { rows } = await this.admin.query<{ query: string; calls: string; total: number }>(
      `SELECT s.query, s.calls, s.total_exec_time AS total
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = $1 ORDER BY s.total_exec_time DESC`,
      [this.database],
    );
    const totalMs = rows.reduce((n, r) => n + r.total, 0);
    return {
      totalMs,
      statements: rows.slice(0, limit).map((r) => ({
        query: r.query.replace(/\s+/g, ' ').slice(0, 160),
        calls: Number(r.calls),
        meanMs: round(r.total / Number(r.calls), 3),
        share: round(r.total / (totalMs || 1), 3),
      })),
    };
  }

  close(): Promise<void> {
    return this.admin.end();
  }
}

/**
 * What the two services' /metrics said in the middle of a rate's load: two scrapes (at half and at 90% of
 * the load's time) of each, the window's request rate and latency from the HTTP histogram's deltas, the
 * store's append latency, the relays' lag and the consumers' lag. A series missing is named: the alerts and
 * the dashboard in k8s/components/monitoring query them.
 */
interface MetricsUnderLoad {
  scrapeMsMax: number;
  httpRequestsPerSecond: number;
  httpP99BoundSeconds?: number;
  appendP99BoundSeconds?: number;
  relayLag: Record<string, number>;
  relayLagSeconds: Record<string, number>;
  consumerLagMax: number;
  missing: string[];
}

/** The series the alerts and the dashboard read from channels and contacts. */
const SERIES = {
  channels: [
    'http_server_request_duration_count',
    'http_server_request_duration_bucket',
    'journey_eventstore_append_duration_bucket',
    'journey_relay_leading',
    'journey_relay_lag',
    'journey_relay_lag_seconds',
    'journey_consumer_lag',
    'journey_consumer_stalled',
  ],
  contacts: [
    'journey_relay_leading',
    'journey_relay_lag',
    'journey_relay_lag_seconds',
    'journey_consumer_lag',
  ],
};

async function metricsUnderLoad(seconds: number): Promise<MetricsUnderLoad> {
  const at = (share: number) => new Promise((r) => setTimeout(r, seconds * share * 1000));
  const both = async () => {
    const [channels, contacts] = await Promise.all([scrape(CHANNELS_PORT), scrape(CONTACTS_PORT)]);
    return { channels, contacts, at: Date.now() };
  };
  await at(0.5);
  const first = await both();
  await at(0.4);
  const last = await both();
  const windowSeconds = (last.at - first.at) / 1000;
  const sum = (text: string, name: string) => samplesOf(text, name).reduce((n, s) => n + s.value, 0);
  /** The histogram of the window between the two scrapes: bucket counts subtracted. */
  const windowOf = (name: string) => {
    const before = new Map(
      samplesOf(first.channels.text, `${name}_bucket`).map((s) => [JSON.stringify(s.labels), s.value]),
    );
    return samplesOf(last.channels.text, `${name}_bucket`)
      .map((s) => {
        const labels = Object.entries(s.labels)
          .map(([k, v]) => `${k}="${v}"`)
          .join(',');
        return `${name}_bucket{${labels}} ${s.value - (before.get(JSON.stringify(s.labels)) ?? 0)}`;
      })
      .join('\n');
  };
  const byRelay = (name: string) =>
    Object.fromEntries(
      [last.channels.text, last.contacts.text].flatMap((text) =>
        samplesOf(text, name).map((s) => [s.labels['relay'] ?? '?', s.value]),
      ),
    );
  const missing = Object.entries(SERIES).flatMap(([service, names]) =>
    names
      .filter((name) => samplesOf(last[service as keyof typeof SERIES].text, name).length === 0)
      .map((name) => `${service}: ${name}`),
  );
  const httpP99 = histogramQuantileBound(
    windowOf('http_server_request_duration'),
    'http_server_request_duration',
    0.99,
  );
  const appendP99 = histogramQuantileBound(
    windowOf('journey_eventstore_append_duration'),
    'journey_eventstore_append_duration',
    0.99,
  );
  return {
    scrapeMsMax: round(Math.max(first.channels.ms, first.contacts.ms, last.channels.ms, last.contacts.ms)),
    httpRequestsPerSecond: Math.round(
      (sum(last.channels.text, 'http_server_request_duration_count') -
        sum(first.channels.text, 'http_server_request_duration_count')) /
        windowSeconds,
    ),
    ...(httpP99 !== undefined ? { httpP99BoundSeconds: httpP99 } : {}),
    ...(appendP99 !== undefined ? { appendP99BoundSeconds: appendP99 } : {}),
    relayLag: byRelay('journey_relay_lag'),
    relayLagSeconds: byRelay('journey_relay_lag_seconds'),
    consumerLagMax: Math.max(
      0,
      ...[last.channels.text, last.contacts.text].flatMap((t) =>
        samplesOf(t, 'journey_consumer_lag').map((s) => s.value),
      ),
    ),
    missing,
  };
}

interface RateResult {
  rate: number;
  metrics: MetricsUnderLoad;
  generator: Summary;
  acceptedPerSecond: number;
  timelineMs: {
    p50: number;
    p99: number;
    max: number;
    unseen: number;
    timedOut: boolean;
    /** From the last probe message sent until the timeline's read model held an entry for every one. */
    entriesDrainedMs: number;
  };
  cpu: Record<string, number>;
  postgres?: { totalMs: number; statements: Statement[] };
}

/**
 * The live path under load: signed app webhooks from a load generator (a process of its own) into the
 * channels service, through the store, the relay and Kafka to contacts, which resolves the customer and
 * writes the unified view. Per rate: accepted/s, HTTP latency, errors, and webhook-to-timeline latency of
 * the probe senders (their messages' sentAt against when their timeline showed it, read every 50 ms).
 */
export async function livePathBenchmark(): Promise<void> {
  const infra = { mode: 'local' as const, ...localInfrastructureAddresses() };
  const db = await isolatedPostgresDatabase(infra, 'bench_live');
  const secret = randomBytes(24).toString('base64url');
  const dir = mkdtempSync(join(tmpdir(), 'journey-bench-live-'));
  const configFile = join(dir, 'channels.json');
  writeFileSync(configFile, JSON.stringify({ api: [{ id: CHANNEL, kind: 'app', secret }] }));
  const group = uniqueName('bench-live');
  await startGroupsAtEnd(
    infra.kafkaBrokers,
    [
      ...consumerGroupsOf('channels', `${group}-channels`),
      ...consumerGroupsOf('contacts', `${group}-contacts`),
    ],
    ['journey.channels.v1', 'journey.contacts.v1', 'journey.tickets.v1', 'journey.knowledge.v1'],
  );
  const contactsMongo = isolatedMongoUrl(infra, 'bench_live_contacts');
  const env = (name: string) => ({
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_CONSUMER_GROUP: `${group}-${name}`,
    EVENTSTORE_URL: db.url,
    MONGO_URL: name === 'contacts' ? contactsMongo : isolatedMongoUrl(infra, `bench_live_${name}`),
    AUTH_LOCAL_KEY_FILE: join(dir, 'key.json'),
    CHANNELS_CONFIG_FILE: configFile,
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '1000000',
  });
  const profileDirs = PROFILE_DIR
    ? { channels: join(PROFILE_DIR, 'live-channels'), contacts: join(PROFILE_DIR, 'live-contacts') }
    : undefined;
  if (profileDirs) Object.values(profileDirs).forEach((d) => mkdirSync(d, { recursive: true }));
  const prof = (name: 'channels' | 'contacts') =>
    profileDirs ? ['--cpu-prof', '--cpu-prof-dir', profileDirs[name]] : [];
  const services: BenchService[] = [
    launch('channels', CHANNELS_PORT, env('channels'), prof('channels')),
    launch('contacts', CONTACTS_PORT, env('contacts'), prof('contacts')),
  ];
  const mongo = await MongoClient.connect(contactsMongo);
  const statements = await StatementCosts.open(infra.postgresUrl, new URL(db.url).pathname.slice(1));
  const results: RateResult[] = [];
  let raw = 0;
  try {
    await ready(services);
    // In a database of its own on the same server: the services' store holds only what they accept.
    const rawDb = await isolatedPostgresDatabase(infra, 'bench_live_raw');
    raw = await rawAppendRate(rawDb.url).finally(() => rawDb.drop());
    process.stdout.write(`  the store's raw append rate: ${Math.round(raw)} events/s\n`);
    const webhook = `http://127.0.0.1:${CHANNELS_PORT}/v1/webhooks/api/${CHANNEL}`;
    const generator = (rate: number, seconds: number, prefix: string, ...extra: string[]) =>
      runLoadGenerator([
        ...['--url', webhook, `--secret=${secret}`, '--rate', String(rate), '--seconds', String(seconds)],
        ...['--senders', String(SENDERS), '--hot', String(HOT), '--probes', String(PROBES)],
        ...['--prefix', prefix, ...extra],
      ]);

    // Every sender writes once first, so the contacts exist and the probes' documents are known.
    const first = await generator(
      Math.min(SENDERS, 100),
      SENDERS / Math.min(SENDERS, 100),
      'sender',
      '--each-sender',
    );
    if (first.accepted !== first.offered)
      throw new Error(`the senders' first messages: ${JSON.stringify({ ...first, probes: undefined })}`);
    const db0 = mongo.db();
    const view = async () => {
      const state = await new ProjectionState(db0).get('unified-view');
      return db0.collection(state?.active ?? 'unified_view');
    };
    // The timeline is a read model of its own, fed by its own consumer: its entries are counted apart.
    const probeEntries = async () => {
      const state = await new ProjectionState(db0).get('customer-timeline');
      if (!state) return 0;
      return db0
        .collection(state.active)
        .countDocuments({ contactId: { $in: [...probeIds.values()] }, kind: 'message-received' });
    };
    const probeNames = Array.from({ length: PROBES }, (_, i) => `sender-${SENDERS - PROBES + i}`);
    const probeIds = new Map<string, string>();
    const deadline = Date.now() + 180_000;
    while (probeIds.size < PROBES && Date.now() < deadline) {
      const docs = await (
        await view()
      )
        .find({ 'identities.value': { $in: probeNames } }, { projection: { _id: 1, identities: 1 } })
        .toArray();
      for (const d of docs)
        for (const identity of (d['identities'] ?? []) as { value: string }[])
          if (probeNames.includes(identity.value)) probeIds.set(identity.value, String(d._id));
      if (probeIds.size < PROBES) await new Promise((r) => setTimeout(r, 500));
    }
    if (probeIds.size < PROBES)
      throw new Error(`only ${probeIds.size} of ${PROBES} probe contacts in the view`);

    const pids: Record<string, number> = {
      channels: services[0]?.child.pid ?? 0,
      contacts: services[1]?.child.pid ?? 0,
      kafka: infraPid('kafka'),
      postgres: infraPid('postgres'),
      'mongodb-wire': infraPid('mongo'),
    };
    for (const rate of RATES) {
      process.stdout.write(`  ${rate} msg/s for ${SECONDS} s\n`);
      await statements?.reset();
      const cpuUsed = cpuMeter(pids);
      // Poll the probes' last contact time while the load runs and until every probe message is seen.
      const seen = new Map<string, string>();
      const entriesBefore = await probeEntries();
      let polling = true;
      const observations: { at: number; last: Map<string, string> }[] = [];
      const poller = (async () => {
        const collection = await view();
        const ids = [...probeIds.values()];
        while (polling) {
          const docs = await collection
            .find({ _id: { $in: ids } } as never, { projection: { lastContactAt: 1 } })
            .toArray();
          const at = Date.now();
          const last = new Map(docs.map((d) => [String(d._id), String(d['lastContactAt'] ?? '')]));
          observations.push({ at, last });
          for (const [id, value] of last) seen.set(id, value);
          await new Promise((r) => setTimeout(r, POLL_MS));
        }
      })();
      const scraping = metricsUnderLoad(SECONDS);
      const summary = await generator(rate, SECONDS, 'sender');
      const metrics = await scraping;
      const cpu = cpuUsed();
      // Wait until each probe's timeline shows its last accepted message (at most 120 s).
      const lastSent = new Map(
        Object.entries(summary.probes).map(([name, times]) => [probeIds.get(name) ?? '', Math.max(...times)]),
      );
      const drainDeadline = Date.now() + 120_000;
      const drained = () =>
        [...lastSent].every(([id, t]) => (seen.get(id) ?? '') >= new Date(t).toISOString());
      while (!drained() && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 100));
      const timedOut = !drained();
      polling = false;
      await poller;
      // Then until the timeline's entries of the probes are all there (counted every 200 ms, at most 120 s).
      const probeSends = Object.values(summary.probes).flat();
      const lastProbeSend = Math.max(...probeSends);
      while ((await probeEntries()) < entriesBefore + probeSends.length && Date.now() < drainDeadline)
        await new Promise((r) => setTimeout(r, 200));
      const entriesDrainedMs = Date.now() - lastProbeSend;
      // Each probe message is on the timeline at the first observation whose last contact time reaches it.
      const lags: number[] = [];
      let unseen = 0;
      for (const [name, times] of Object.entries(summary.probes)) {
        const id = probeIds.get(name) ?? '';
        for (const t of times) {
          const iso = new Date(t).toISOString();
          const first = observations.find((o) => (o.last.get(id) ?? '') >= iso);
          if (first) lags.push(first.at - t);
          else unseen++;
        }
      }
      const acceptedPerSecond = summary.accepted / summary.elapsedSeconds;
      const postgres = await statements?.top(6);
      results.push({
        rate,
        metrics,
        generator: summary,
        acceptedPerSecond,
        timelineMs: {
          p50: percentile(lags, 50),
          p99: percentile(lags, 99),
          max: percentile(lags, 100),
          unseen,
          timedOut,
          entriesDrainedMs,
        },
        cpu,
        ...(postgres ? { postgres } : {}),
      });
      process.stdout.write(
        `    accepted ${Math.round(acceptedPerSecond)}/s, HTTP p99 ${round(summary.latencyMs.p99)} ms, errors ${JSON.stringify(summary.errors)} shed ${summary.shed}, timeline p99 ${round(percentile(lags, 99))} ms${timedOut ? ' (timeline still behind after 120 s)' : ''}, timeline entries complete ${entriesDrainedMs} ms after the last probe; CPU ${JSON.stringify(cpu)}\n`,
      );
    }
  } finally {
    await mongo.close();
    await statements?.close();
    await stop(services);
    if (!process.env['BENCH_KEEP']) await db.drop();
  }

  const hotEvents = Math.round((results.reduce((n, r) => n + r.generator.accepted, 0) * 0.2) / HOT);
  const meets = (r: RateResult) =>
    r.generator.accepted === r.generator.offered &&
    r.generator.latencyMs.p99 <= 100 &&
    r.timelineMs.p99 <= 1_000;
  const knee = results
    .filter(meets)
    .map((r) => r.rate)
    .pop();
  const at500 = results.find((r) => r.rate === 500);
  const figures = [
    {
      name: "the store's raw append rate (8 writers, one event per append)",
      value: Math.round(raw),
      unit: 'events/s',
    },
    ...results.flatMap((r) => {
      const errors = r.generator.offered - r.generator.accepted;
      return [
        { name: `${r.rate}/s offered: accepted`, value: Math.round(r.acceptedPerSecond), unit: 'msg/s' },
        { name: `${r.rate}/s offered: HTTP p50`, value: round(r.generator.latencyMs.p50), unit: 'ms' },
        { name: `${r.rate}/s offered: HTTP p95`, value: round(r.generator.latencyMs.p95), unit: 'ms' },
        { name: `${r.rate}/s offered: HTTP p99`, value: round(r.generator.latencyMs.p99), unit: 'ms' },
        { name: `${r.rate}/s offered: errors (not answered 200, or shed)`, value: errors, unit: 'messages' },
        {
          name: `${r.rate}/s offered: /metrics slowest scrape under load`,
          value: r.metrics.scrapeMsMax,
          unit: 'ms',
        },
        {
          name: `${r.rate}/s offered: webhook to timeline p50`,
          value: Math.round(r.timelineMs.p50),
          unit: 'ms',
        },
        {
          name: `${r.rate}/s offered: webhook to timeline p99`,
          value: Math.round(r.timelineMs.p99),
          unit: 'ms',
        },
        {
          name: `${r.rate}/s offered: the timeline's entries of every probe message, after the last one was sent`,
          value: r.timelineMs.entriesDrainedMs,
          unit: 'ms',
        },
      ];
    }),
  ];
  const ratios = results.map((r) => ({
    name: `${r.rate}/s offered: accepted vs the store's raw append rate`,
    value: round(r.acceptedPerSecond / raw, 3),
    against: 'raw single-event appends on the same PostgreSQL, same run (limit)',
  }));
  if (at500)
    ratios.push(
      {
        name: '500/s: HTTP p99 vs 100 ms',
        value: round(at500.generator.latencyMs.p99 / 100),
        against: 'the target (0 errors, p99 ≤ 100 ms)',
        target: '≤ 1×',
        met: at500.generator.latencyMs.p99 <= 100 && at500.generator.accepted === at500.generator.offered,
      } as (typeof ratios)[number],
      {
        name: '500/s: webhook to timeline p99 vs 1 s',
        value: round(at500.timelineMs.p99 / 1_000),
        against: 'the target',
        target: '≤ 1×',
        met: at500.timelineMs.p99 <= 1_000,
      } as (typeof ratios)[number],
    );
  const notes = [
    `The knee (the highest rate with no error, HTTP p99 ≤ 100 ms and timeline p99 ≤ 1 s): ${knee ? `${knee}/s` : 'below the lowest rate tried'}.`,
    `${SENDERS} senders; ${HOT} hot ones take 20% of the messages, so each hot conversation held about ${hotEvents.toLocaleString('en')} messages by the end; ${PROBES} probe senders are timed to their timeline.`,
    'Everything runs on the one machine: the load generator (a process of its own, open loop), channels, contacts, Kafka, PostgreSQL and the MongoDB-wire server share its 2 cores.',
    "Metrics under load: /metrics of channels and contacts scraped at half and at 90% of each rate's time; the request rate and the p99 bounds (the histogram bucket the 99th percentile falls in, as histogram_quantile reads it) are of the window between the two scrapes. " +
      results
        .map(
          (r) =>
            `${r.rate}/s: ${r.metrics.httpRequestsPerSecond} requests/s counted by the HTTP histogram (the generator: ${Math.round(r.acceptedPerSecond)}/s accepted), HTTP p99 ≤ ${r.metrics.httpP99BoundSeconds ?? '?'} s, append p99 ≤ ${r.metrics.appendP99BoundSeconds ?? '?'} s, relay lag ${JSON.stringify(r.metrics.relayLag)} events / ${JSON.stringify(r.metrics.relayLagSeconds)} s, consumer lag max ${r.metrics.consumerLagMax}, slowest scrape ${r.metrics.scrapeMsMax} ms${r.metrics.missing.length ? `; MISSING: ${r.metrics.missing.join(', ')}` : ''}`,
        )
        .join('; ') +
      '.',
    `Webhook to timeline: a probe message's sentAt against the first read (every ${POLL_MS} ms) of its contact's unified view (the profile document) whose last contact time reached it; so the figures carry up to ${POLL_MS} ms of reading delay. The timeline's entries are a read model of their own, fed by their own consumer: after each rate, how long after the last probe message was sent the entries of every probe message were there (counted every 200 ms).`,
    ...results.map(
      (r) =>
        `${r.rate}/s: CPU used, in cores, per process during the load: ${Object.entries(r.cpu)
          .map(([k, v]) => `${k} ${v}`)
          .join(
            ', ',
          )}${r.timelineMs.timedOut ? '; the timelines were still behind 120 s after the last send' : ''}.`,
    ),
  ];
  for (const r of results)
    if (r.postgres)
      notes.push(
        `${r.rate}/s: PostgreSQL's time (pg_stat_statements, ${Math.round(r.postgres.totalMs)} ms executing over the rate and its drain), the costliest statements: ` +
          r.postgres.statements
            .map((q) => `${Math.round(q.share * 100)}% ${q.calls} × ${q.meanMs} ms \`${q.query}\``)
            .join('; '),
      );
  if (profileDirs)
    for (const [name, profileDir] of Object.entries(profileDirs)) {
      const p = summariseCpuProfiles(profileDir, 12);
      notes.push(
        `CPU profile of ${name} over the whole run (node --cpu-prof, self time, ${Math.round(p.totalMs / 1000)} s sampled): ` +
          p.top.map((t) => `${t.where} ${Math.round(t.share * 100)}%`).join('; '),
      );
    }
  writeResult({
    name: 'live-path',
    date: new Date().toISOString(),
    machine: await describeMachine(infra.postgresUrl),
    parameters: {
      rates: RATES.join(', '),
      'seconds per rate': SECONDS,
      senders: SENDERS,
      'hot senders (20% of messages)': HOT,
      probes: PROBES,
      runner: 'node apps/channels/dist/main.js and apps/contacts/dist/main.js; bench/dist/load-generator.js',
      ...(profileDirs ? { profiled: 'yes (node --cpu-prof on both services)' } : {}),
    },
    figures,
    ratios,
    notes,
  });
  const missing = results.flatMap((r) => r.metrics.missing.map((m) => `${r.rate}/s ${m}`));
  if (missing.length > 0) throw new Error(`/metrics did not serve under load: ${missing.join('; ')}`);
}
