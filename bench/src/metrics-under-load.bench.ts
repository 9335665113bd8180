import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { issueLocalToken } from '@journey/platform';
import {
  CONSUMER_GROUP_SUFFIXES,
  consumerGroupsOf,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  localInfrastructureAddresses,
  startGroupsAtEnd,
  uniqueName,
} from '@journey/testing';
import { describeMachine, round, writeResult } from './bench-kit';
import type { BenchResult } from './bench-kit';
import { cpuMeter, infraPid, launch, ready, runLoadGenerator, signedHeaders, stop } from './bench-services';
import type { BenchService } from './bench-services';
import { samplesOf, scrape } from './metrics-scrape';
import type { Sample } from './metrics-scrape';
// Type only: importing the generator's module would run it.
import type { Summary } from './load-generator';

type Service = keyof typeof CONSUMER_GROUP_SUFFIXES;
const SERVICES = Object.keys(CONSUMER_GROUP_SUFFIXES) as Service[];
const PORTS: Record<Service, number> = {
  channels: 3286,
  contacts: 3287,
  tickets: 3288,
  knowledge: 3289,
  analytics: 3290,
};
const CHANNEL = 'bench-app';
const RATES = (process.env['BENCH_METRICS_RATES'] ?? '50,100').split(',').map(Number);
const SECONDS = Number(process.env['BENCH_METRICS_SECONDS'] ?? 60);
const SENDERS = 240;
/** Customers whose first message is sent already past its first-response target: open breaches at once. */
const LATE = 10;
/** Analytics' monitor interval: the production default. */
const MONITOR_INTERVAL_MS = 15_000;
/** Prometheus' default scrape timeout, the limit a scrape's time is compared with. */
const SCRAPE_TIMEOUT_MS = 10_000;
const TOPICS = ['journey.channels.v1', 'journey.contacts.v1', 'journey.tickets.v1', 'journey.knowledge.v1'];

const CONSUMER_SERIES = ['journey_consumer_lag', 'journey_consumer_stalled', 'journey_consumer_parked_total'];
/** A service that writes events: its appends and its relay, besides its consumers. */
const WRITER_SERIES = [
  'journey_eventstore_append_duration_bucket',
  'journey_relay_lag',
  'journey_relay_lag_seconds',
  ...CONSUMER_SERIES,
];
/**
 * The series each service must serve, the ones the PrometheusRule alerts and the Grafana dashboard in
 * k8s/components/monitoring query. Parked messages (a counter made at the first one) are required because
 * the run delivers a poison message to every group that reads journey.channels.v1.
 */
const REQUIRED: Record<Service, string[]> = {
  channels: [
    'http_server_request_duration_bucket',
    'http_server_request_duration_count',
    'journey_relay_leading',
    ...WRITER_SERIES,
  ],
  contacts: WRITER_SERIES,
  tickets: WRITER_SERIES,
  knowledge: CONSUMER_SERIES,
  analytics: [
    'journey_consumer_lag',
    'journey_consumer_stalled',
    'journey_kafka_consumer_group_lag',
    'journey_kafka_dead_letters',
    'journey_analytics_projection_lag',
    'journey_tickets_sla_breaches_open',
    'journey_analytics_monitor_age_seconds',
  ],
};

/** What one round of scrapes (every service, side by side) read. */
interface Round {
  at: number;
  texts: Record<Service, string>;
  ms: Record<Service, number>;
}

interface RateResult {
  rate: number;
  generator: Summary;
  rounds: Round[];
  cpu: Record<string, number>;
}

const at = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every service's /metrics, side by side, as Prometheus scrapes them. */
async function scrapeAll(token: string): Promise<Round> {
  const answers = await Promise.all(SERVICES.map((s) => scrape(PORTS[s], token)));
  return {
    at: Date.now(),
    texts: Object.fromEntries(SERVICES.map((s, i) => [s, answers[i]?.text ?? ''])) as Record<Service, string>,
    ms: Object.fromEntries(SERVICES.map((s, i) => [s, round(answers[i]?.ms ?? 0)])) as Record<
      Service,
      number
    >,
  };
}

/** What analytics' monitor said in one scrape, about this run's groups only (the local Kafka is shared). */
interface MonitorReading {
  /** Per service: the largest lag of its groups, and how many of its groups had a lag series. */
  groupLag: Record<Service, { max: number; groups: number }>;
  deadLetters: number;
  projectionLagMax: number;
  slaBreachesOpen: number;
  monitorAgeSeconds: number;
  /** Groups of this run the monitor saw that the table of groups does not name. */
  unknownGroups: string[];
}

/**
 * Every service's /metrics under load, with all five services running on one event store and talking through
 * Kafka: signed app webhooks at a steady rate into channels, which contacts, tickets, knowledge and analytics
 * consume. Some customers write already past their first-response target (open SLA breaches), and one
 * message no consumer can read is delivered to every group on the inbound topic (dead letters, parked
 * counters). Each service's /metrics is scraped with its metrics token at half and at 90% of the load's
 * time; the run fails if a series the alerts and the dashboard read is missing, or if analytics' monitor does
 * not show this run's groups, dead letters and breaches.
 */
export async function metricsUnderLoadBenchmark(): Promise<void> {
  const infra = { mode: 'local' as const, ...localInfrastructureAddresses() };
  const db = await isolatedPostgresDatabase(infra, 'bench_metrics');
  const secret = randomBytes(24).toString('base64url');
  const metricsToken = randomBytes(24).toString('base64url');
  const dir = mkdtempSync(join(tmpdir(), 'journey-bench-metrics-'));
  const keyFile = join(dir, 'key.json');
  const configFile = join(dir, 'channels.json');
  writeFileSync(configFile, JSON.stringify({ api: [{ id: CHANNEL, kind: 'app', secret }] }));
  const run = randomBytes(3).toString('hex');
  const slaGroup = `bench-care-${run}`;
  const prefix = uniqueName('bench-metrics');
  const groupOf = (service: Service) => `${prefix}-${service}`;
  await startGroupsAtEnd(
    infra.kafkaBrokers,
    SERVICES.flatMap((s) => consumerGroupsOf(s, groupOf(s))),
    TOPICS,
  );
  const env = (service: Service): NodeJS.ProcessEnv => ({
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_CONSUMER_GROUP: groupOf(service),
    EVENTSTORE_URL: db.url,
    MONGO_URL: isolatedMongoUrl(infra, `bench_metrics_${service}`),
    AUTH_LOCAL_KEY_FILE: keyFile,
    METRICS_TOKEN: metricsToken,
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '1000000',
    ...(service === 'channels' ? { CHANNELS_CONFIG_FILE: configFile } : {}),
    ...(service === 'tickets' ? { TICKETS_CHANNEL_GROUPS: `${CHANNEL}=${slaGroup}` } : {}),
    ...(service === 'analytics' ? { ANALYTICS_MONITOR_INTERVAL_MS: String(MONITOR_INTERVAL_MS) } : {}),
  });
  const services: BenchService[] = SERVICES.map((s) => launch(s, PORTS[s], env(s)));
  const webhook = `http://127.0.0.1:${PORTS.channels}/v1/webhooks/api/${CHANNEL}`;
  const results: RateResult[] = [];
  try {
    await ready(services);
    const admin = await issueLocalToken({
      keyFile,
      issuer: 'journey-local',
      audience: 'journey',
      subject: 'bench-admin',
      roles: ['admin'],
      expiresIn: '1h',
    });
    const policies = await fetch(`http://127.0.0.1:${PORTS.tickets}/v1/sla-policies`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({
        calendars: [],
        policies: [{ id: `bench-${run}`, when: { group: [slaGroup] }, targets: { 'first-response': 1 } }],
      }),
    });
    if (policies.status !== 200)
      throw new Error(`PUT /v1/sla-policies: ${policies.status} ${await policies.text()}`);
    const pids: Record<string, number> = {
      ...Object.fromEntries(services.map((s) => [s.name, s.child.pid ?? 0])),
      kafka: infraPid('kafka'),
      postgres: infraPid('postgres'),
      'mongodb-wire': infraPid('mongo'),
    };
    for (const rate of RATES) {
      process.stdout.write(`  ${rate} msg/s for ${SECONDS} s\n`);
      const cpuUsed = cpuMeter(pids);
      const rounds: Round[] = [];
      const scraping = (async () => {
        await at(SECONDS * 500);
        rounds.push(await scrapeAll(metricsToken));
        await at(SECONDS * 400);
        rounds.push(await scrapeAll(metricsToken));
      })();
      const load = runLoadGenerator([
        ...['--url', webhook, `--secret=${secret}`, '--rate', String(rate), '--seconds', String(SECONDS)],
        ...['--senders', String(SENDERS), '--prefix', `sender-${run}-${rate}`],
      ]);
      // Customers who wrote 70 s ago to a group whose first-response target is 1 minute.
      for (let i = 0; i < LATE; i++) {
        const body = JSON.stringify({
          idempotencyKey: randomUUID(),
          user: { id: `late-${run}-${rate}-${i}` },
          text: 'I have been waiting for an answer',
          sentAt: new Date(Date.now() - 70_000).toISOString(),
        });
        const res = await fetch(webhook, { method: 'POST', headers: signedHeaders(secret, body), body });
        if (res.status !== 200)
          throw new Error(`a late customer's message: ${res.status} ${await res.text()}`);
      }
      await poison(infra.kafkaBrokers, `${run}-${rate}`);
      const generator = await load;
      await scraping;
      const cpu = cpuUsed();
      results.push({ rate, generator, rounds, cpu });
      process.stdout.write(
        `    accepted ${Math.round(generator.accepted / generator.elapsedSeconds)}/s, HTTP p99 ${round(generator.latencyMs.p99)} ms, errors ${JSON.stringify(generator.errors)} shed ${generator.shed}; scrapes ${JSON.stringify(rounds.map((r) => r.ms))}; CPU ${JSON.stringify(cpu)}\n`,
      );
    }
  } finally {
    await stop(services);
    if (!process.env['BENCH_KEEP']) await db.drop();
  }

  const problems: string[] = [];
  const figures: BenchResult['figures'] = [];
  const notes: string[] = [
    "All five services, Kafka, PostgreSQL, the MongoDB-wire server and the load generator share the one machine. /metrics of every service scraped with its METRICS_TOKEN at half and at 90% of each rate's time.",
    `Series checked in every scrape (what the PrometheusRule alerts and the Grafana dashboard query): ${SERVICES.map((s) => `${s}: ${REQUIRED[s].join(', ')}`).join('; ')}.`,
    "Analytics' monitor figures are of this run's consumer groups only (the local Kafka is shared with other runs); the dead letters come from one message no consumer can read, produced to journey.channels.v1 while each rate's load runs, which every group reading that topic parks.",
  ];
  for (const { rate, generator, rounds, cpu } of results) {
    const readings = rounds.map((r) => monitorReading(r.texts.analytics, prefix));
    const missing = rounds.flatMap((r, i) =>
      SERVICES.flatMap((s) =>
        REQUIRED[s]
          .filter((name) => samplesOf(r.texts[s], name).length === 0)
          .map((name) => `${rate}/s scrape ${i + 1} ${s}: ${name}`),
      ),
    );
    problems.push(...missing);
    const last = readings[readings.length - 1];
    if (!last) problems.push(`${rate}/s: no scrape`);
    else {
      for (const s of SERVICES.filter((s) => s !== 'analytics'))
        if (last.groupLag[s].groups !== CONSUMER_GROUP_SUFFIXES[s].length)
          problems.push(
            `${rate}/s: analytics' monitor showed the lag of ${last.groupLag[s].groups} of ${s}' ${CONSUMER_GROUP_SUFFIXES[s].length} groups`,
          );
      if (last.unknownGroups.length)
        problems.push(`groups not in the table: ${last.unknownGroups.join(', ')}`);
      if (last.deadLetters < 1) problems.push(`${rate}/s: no dead letter counted for the poison message`);
      if (last.slaBreachesOpen < LATE)
        problems.push(`${rate}/s: ${last.slaBreachesOpen} SLA breaches open, at least ${LATE} expected`);
    }
    const window = ((rounds[1]?.at ?? 0) - (rounds[0]?.at ?? 0)) / 1000;
    const sum = (text: string | undefined, name: string) =>
      samplesOf(text ?? '', name).reduce((n, s) => n + s.value, 0);
    const httpPerSecond = Math.round(
      (sum(rounds[1]?.texts.channels, 'http_server_request_duration_count') -
        sum(rounds[0]?.texts.channels, 'http_server_request_duration_count')) /
        window,
    );
    const slowest = (s: Service) => Math.max(...rounds.map((r) => r.ms[s]));
    figures.push(
      {
        name: `${rate}/s offered: accepted`,
        value: Math.round(generator.accepted / generator.elapsedSeconds),
        unit: 'msg/s',
      },
      { name: `${rate}/s offered: HTTP p99 (generator)`, value: round(generator.latencyMs.p99), unit: 'ms' },
      {
        name: `${rate}/s offered: errors (not answered 200, or shed)`,
        value: generator.offered - generator.accepted,
        unit: 'messages',
      },
      {
        name: `${rate}/s offered: channels' HTTP histogram between the scrapes`,
        value: httpPerSecond,
        unit: 'req/s',
      },
      ...SERVICES.map((s) => ({
        name: `${rate}/s offered: ${s} slowest /metrics scrape`,
        value: slowest(s),
        unit: 'ms',
      })),
      ...readings.flatMap((r, i) => [
        {
          name: `${rate}/s offered, scrape ${i + 1}: analytics' consumer-group lag, largest of this run's groups`,
          value: Math.max(...SERVICES.map((s) => r.groupLag[s].max)),
          unit: 'messages',
        },
        {
          name: `${rate}/s offered, scrape ${i + 1}: dead letters (this run's groups)`,
          value: r.deadLetters,
          unit: 'messages',
        },
        {
          name: `${rate}/s offered, scrape ${i + 1}: analytics projection lag (max)`,
          value: r.projectionLagMax,
          unit: 'messages',
        },
        {
          name: `${rate}/s offered, scrape ${i + 1}: SLA breaches open`,
          value: r.slaBreachesOpen,
          unit: 'breaches',
        },
        {
          name: `${rate}/s offered, scrape ${i + 1}: analytics monitor age`,
          value: r.monitorAgeSeconds,
          unit: 's',
        },
      ]),
    );
    notes.push(
      `${rate}/s: generator errors ${JSON.stringify(generator.errors)}, shed ${generator.shed}; analytics' consumer-group lag per service at the two scrapes ${JSON.stringify(readings.map((r) => Object.fromEntries(SERVICES.filter((s) => s !== 'analytics').map((s) => [s, r.groupLag[s].max]))))}; CPU used, in cores, per process: ${Object.entries(
        cpu,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}${missing.length ? `; MISSING: ${missing.join(', ')}` : '; every series served'}.`,
    );
  }
  const scrapeMs = (r: RateResult) => Math.max(...r.rounds.flatMap((x) => Object.values(x.ms)));
  const ratios: BenchResult['ratios'] = results.flatMap((r) => {
    const ages = r.rounds.map((x) => monitorReading(x.texts.analytics, prefix).monitorAgeSeconds);
    return [
      {
        name: `${r.rate}/s offered: slowest /metrics scrape vs the scrape timeout`,
        value: round(scrapeMs(r) / SCRAPE_TIMEOUT_MS, 4),
        against: "Prometheus' default scrape timeout (10 s)",
        target: '≤ 0.1×',
        met: scrapeMs(r) <= SCRAPE_TIMEOUT_MS / 10,
      },
      {
        name: `${r.rate}/s offered: analytics monitor's oldest reading vs its interval`,
        value: round((Math.max(...ages) * 1000) / MONITOR_INTERVAL_MS),
        against: `ANALYTICS_MONITOR_INTERVAL_MS (${MONITOR_INTERVAL_MS / 1000} s, the default): older than two intervals means the monitor fell behind`,
        target: '≤ 2×',
        met: Math.max(...ages) * 1000 <= 2 * MONITOR_INTERVAL_MS,
      },
    ];
  });
  writeResult({
    name: 'metrics-under-load',
    date: new Date().toISOString(),
    machine: await describeMachine(infra.postgresUrl),
    parameters: {
      rates: `${RATES.join(', ')} msg/s`,
      'seconds per rate': SECONDS,
      senders: SENDERS,
      'customers past their first-response target, per rate': LATE,
      'analytics monitor interval': `${MONITOR_INTERVAL_MS / 1000} s`,
      runner: 'node apps/<service>/dist/main.js for all five services; bench/dist/load-generator.js',
    },
    figures,
    ratios,
    notes,
  });
  if (problems.length) throw new Error(`metrics under load: ${problems.join('; ')}`);
}

/** Analytics' monitor gauges in one scrape, restricted to this run's groups (`<prefix>-<service>-…`). */
function monitorReading(text: string, prefix: string): MonitorReading {
  const ours = (s: Sample) => (s.labels['group'] ?? '').startsWith(`${prefix}-`);
  const lag = samplesOf(text, 'journey_kafka_consumer_group_lag').filter(ours);
  const known = new Set(SERVICES.flatMap((s) => consumerGroupsOf(s, `${prefix}-${s}`)));
  const groupLag = Object.fromEntries(
    SERVICES.map((service) => {
      const own = lag.filter((s) => (s.labels['group'] ?? '').startsWith(`${prefix}-${service}-`));
      return [
        service,
        {
          max: Math.max(0, ...own.map((s) => s.value)),
          groups: new Set(own.map((s) => s.labels['group'])).size,
        },
      ];
    }),
  ) as Record<Service, { max: number; groups: number }>;
  return {
    groupLag,
    deadLetters: samplesOf(text, 'journey_kafka_dead_letters')
      .filter(ours)
      .reduce((n, s) => n + s.value, 0),
    projectionLagMax: Math.max(0, ...samplesOf(text, 'journey_analytics_projection_lag').map((s) => s.value)),
    slaBreachesOpen: samplesOf(text, 'journey_tickets_sla_breaches_open').reduce((n, s) => n + s.value, 0),
    monitorAgeSeconds: round(
      Math.max(0, ...samplesOf(text, 'journey_analytics_monitor_age_seconds').map((s) => s.value)),
    ),
    unknownGroups: [...new Set(lag.map((s) => s.labels['group'] ?? ''))].filter((g) => !known.has(g)),
  };
}

/** One message no consumer can read, on the inbound topic, keyed by a stream no one else writes. */
async function poison(brokers: string[], run: string): Promise<void> {
  const producer = new Kafka({
    clientId: 'journey-bench-poison',
    brokers,
    logLevel: logLevel.NOTHING,
  }).producer();
  await producer.connect();
  try {
    await producer.send({
      topic: 'journey.channels.v1',
      messages: [{ key: `bench-poison-${run}`, value: 'not an event envelope' }],
    });
  } finally {
    await producer.disconnect();
  }
}
