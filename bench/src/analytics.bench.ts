import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { journeyCatalogue } from '@journey/contracts';
import { PostgresEventStore, START } from '@journey/eventstore';
import type { NewEvent } from '@journey/eventstore';
import { issueLocalToken } from '@journey/platform';
import {
  eventually,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  localInfrastructureAddresses,
  startGroupsAtEnd,
  uniqueName,
} from '@journey/testing';
import { describeMachine, last, median, REPO, round, writeResult } from './bench-kit';

// The analytics service as deployed: its replay entry rebuilds ticket-records from a store of a year of
// tickets, then its build serves the figures of one month over HTTP.
const ANALYTICS_MAIN = join(REPO, 'apps', 'analytics', 'dist', 'main.js');
const ANALYTICS_REPLAY = join(REPO, 'apps', 'analytics', 'dist', 'replay.js');
const TICKETS = Number(process.env['BENCH_ANALYTICS_TICKETS'] ?? 100_000);
const EVENTS_PER_TICKET = 10;
const AGENTS = 40;
const GROUPS = 4;
const WRITERS = 8;
const REPEATS = 15;
const PORT = 3292;
const BASE = `http://127.0.0.1:${PORT}`;
const YEAR_START = Date.parse('2025-01-01T00:00:00Z');
const YEAR_MS = 365 * 86_400_000;
const CHANNELS = ['web-chat', 'email', 'wechat', 'app', 'partner-api', 'phone'] as const;

/** One ticket's stream: opened, first-response clock, assigned, reply, customer, reply, solve, survey, rating. */
function ticketEvents(i: number): { streamId: string; events: NewEvent[] } {
  const ticketId = randomUUID();
  const opened = YEAR_START + Math.floor((i / TICKETS) * YEAR_MS);
  const agent = `agent-${i % AGENTS}`;
  const group = `group-${i % GROUPS}`;
  const t = (minutes: number) => new Date(opened + minutes * 60_000).toISOString();
  const firstReply = 2 + (i % 90);
  const surveyId = randomUUID();
  const data: [string, Record<string, unknown>][] = [
    [
      'tickets.ticket-opened.v1',
      {
        ticketId,
        origin: {
          kind: 'conversation',
          conversationId: randomUUID(),
          channel: CHANNELS[i % CHANNELS.length],
          channelId: 'bench',
        },
        priority: i % 10 === 0 ? 'high' : 'normal',
        group,
        tags: [],
        skills: [],
        openedBy: 'customer',
        openedAt: t(0),
      },
    ],
    [
      'tickets.sla-clock-set.v1',
      {
        ticketId,
        metric: 'first-response',
        cycle: 0,
        state: 'running',
        elapsedSeconds: 0,
        runningSince: t(0),
        targetMinutes: 60,
        dueAt: t(60),
        at: t(0),
      },
    ],
    ['tickets.ticket-assigned.v1', { ticketId, agentId: agent, group, by: 'assignment-engine', at: t(1) }],
    [
      'tickets.reply-posted.v1',
      {
        ticketId,
        replyId: randomUUID(),
        authorId: agent,
        text: 'Thanks, looking into it',
        attachments: [],
        at: t(firstReply),
      },
    ],
    [
      'tickets.sla-clock-set.v1',
      {
        ticketId,
        metric: 'first-response',
        cycle: 0,
        state: 'achieved',
        elapsedSeconds: firstReply * 60,
        targetMinutes: 60,
        at: t(firstReply),
      },
    ],
    [
      'tickets.customer-message-added.v1',
      { ticketId, conversationId: randomUUID(), messageId: randomUUID(), at: t(firstReply + 30) },
    ],
    [
      'tickets.reply-posted.v1',
      {
        ticketId,
        replyId: randomUUID(),
        authorId: agent,
        text: 'Done',
        attachments: [],
        at: t(firstReply + 45),
      },
    ],
    [
      'tickets.status-changed.v1',
      { ticketId, from: 'open', to: 'solved', cause: 'agent', by: agent, at: t(firstReply + 46) },
    ],
    [
      'tickets.csat-requested.v1',
      { ticketId, surveyId, token: 'bench-token', expiresAt: t(10_000), at: t(firstReply + 46) },
    ],
    [
      'tickets.csat-rated.v1',
      { ticketId, surveyId, score: 1 + (i % 5), agentId: agent, at: t(firstReply + 600) },
    ],
  ];
  return {
    streamId: `ticket-${ticketId}`,
    events: data.map(([type, d]) => ({
      id: randomUUID(),
      type,
      data: d,
      metadata: {
        source: 'bench',
        time: String(d['at'] ?? d['openedAt']),
        correlationId: ticketId,
        schemaVersion: 1,
      },
    })),
  };
}

function stats(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    p50: median(sorted),
    p95: sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] as number,
  };
}

export async function analyticsBenchmark(): Promise<void> {
  const local = localInfrastructureAddresses();
  const infra = { mode: 'local' as const, ...local };
  const db = await isolatedPostgresDatabase(infra, 'bench_analytics');
  const mongoUrl = isolatedMongoUrl(infra, 'bench_analytics');
  const store = await PostgresEventStore.connect({ connectionString: db.url });
  const keyFile = join(mkdtempSync(join(tmpdir(), 'journey-bench-analytics-')), 'key.json');
  let child: ChildProcess | undefined;
  try {
    // Every kind of event the bench writes is what the contracts accept (the replay would park others).
    for (const e of ticketEvents(0).events) {
      const v = journeyCatalogue.validate(e.type, e.data);
      if (!v.ok) throw new Error(`bench event rejected by the contracts: ${v.reason}`);
    }

    // 1. A year of tickets in the store, 8 writers.
    const appendStarted = process.hrtime.bigint();
    let next = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        while (next < TICKETS) {
          const { streamId, events } = ticketEvents(next++);
          await store.append(streamId, events, 'no_stream');
          if (next % 10_000 === 0) process.stdout.write(`  appended ${next.toLocaleString('en')} tickets\r`);
        }
      }),
    );
    const appendSeconds = Number(process.hrtime.bigint() - appendStarted) / 1e9;
    const events = TICKETS * EVENTS_PER_TICKET;
    process.stdout.write(
      `\n  ${events.toLocaleString('en')} events appended in ${appendSeconds.toFixed(0)} s\n`,
    );

    // 2. The limit: the sealed global log read in batches of 1,000, nothing applied.
    const readStarted = process.hrtime.bigint();
    let read = 0;
    let after = START;
    for (;;) {
      const batch = await store.readAll({ after, maxCount: 1_000 });
      if (batch.length === 0) break;
      read += batch.length;
      after = last(batch).position;
    }
    const readSeconds = Number(process.hrtime.bigint() - readStarted) / 1e9;
    if (read !== events) throw new Error(`read ${read} events, expected ${events}`);

    // 3. The replay entry rebuilds ticket-records (blue/green) from position 0, as a Job would.
    const replayStarted = process.hrtime.bigint();
    const replay = spawnSync(process.execPath, [ANALYTICS_REPLAY, 'ticket-records'], {
      cwd: REPO,
      env: { PATH: process.env['PATH'], EVENTSTORE_URL: db.url, MONGO_URL: mongoUrl },
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const replaySeconds = Number(process.hrtime.bigint() - replayStarted) / 1e9;
    if (replay.status !== 0) throw new Error(`replay failed: ${replay.stderr}`);

    // 4. The service over the rebuilt records: the figures of one month (the seventh), over HTTP.
    const group = uniqueName('bench-analytics');
    await startGroupsAtEnd(
      infra.kafkaBrokers,
      ['ticket-records', 'sla-calendars', 'report-contacts', 'journey-facts', 'knowledge-facts'].map(
        (s) => `${group}-${s}`,
      ),
      ['journey.tickets.v1', 'journey.contacts.v1', 'journey.knowledge.v1'],
    );
    child = spawn(process.execPath, [ANALYTICS_MAIN], {
      cwd: REPO,
      env: {
        PATH: process.env['PATH'],
        HTTP_PORT: String(PORT),
        LOG_LEVEL: 'warn',
        KAFKA_BROKERS: infra.kafkaBrokers.join(','),
        KAFKA_CONSUMER_GROUP: group,
        // The bench writes tickets, contacts and knowledge events alone: analytics relays them (it writes none).
        RELAY_CONTEXTS: 'tickets,contacts,knowledge',
        EVENTSTORE_URL: db.url,
        MONGO_URL: mongoUrl,
        AUTH_LOCAL_KEY_FILE: keyFile,
        RATE_LIMIT_PER_SECOND: '100000',
        RATE_LIMIT_BURST: '1000000',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await eventually(
      async () => (await fetch(`${BASE}/health/ready`).catch(() => undefined))?.status === 200,
      {
        timeoutMs: 120_000,
        what: 'the analytics service ready',
      },
    );
    const token = await issueLocalToken({
      keyFile,
      issuer: 'journey-local',
      audience: 'journey',
      subject: 'bench-supervisor',
      roles: ['supervisor'],
      expiresIn: '2h',
    });
    const month = `from=2025-07-01&to=2025-08-01&timeZone=Asia/Shanghai`;
    const queries = {
      'month totals': `/v1/figures?${month}`,
      'month by agent': `/v1/figures?${month}&by=agent`,
      'month by agent and day': `/v1/figures?${month}&by=agent&period=day`,
      'month per-ticket CSV (streamed)': `/v1/figures/tickets?${month}`,
    };
    const timings: Record<string, { p50: number; p95: number; bytes: number }> = {};
    let monthTickets = 0;
    for (const [name, path] of Object.entries(queries)) {
      const ms: number[] = [];
      let bytes = 0;
      for (let r = 0; r < REPEATS + 2; r++) {
        const started = process.hrtime.bigint();
        const res = await fetch(`${BASE}${path}`, { headers: { authorization: `Bearer ${token}` } });
        const body = await res.text();
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 200)}`);
        if (r >= 2) ms.push(Number(process.hrtime.bigint() - started) / 1e6);
        bytes = body.length;
        if (name === 'month totals')
          monthTickets = (JSON.parse(body) as { rows: { created: number }[] }).rows[0]?.created ?? 0;
      }
      timings[name] = { ...stats(ms), bytes };
    }

    // The limit: the same month's records fetched from the read model by the bench, nothing measured.
    const mongo = await MongoClient.connect(mongoUrl);
    const rawMs: number[] = [];
    try {
      const state = await mongo
        .db()
        .collection('projection_state')
        .findOne({ _id: 'ticket-records' as never });
      const records = mongo.db().collection(String(state?.['active']));
      for (let r = 0; r < REPEATS + 2; r++) {
        const started = process.hrtime.bigint();
        const docs = await records
          .find({ openedAt: { $gte: '2025-06-30T16:00:00.000Z', $lt: '2025-07-31T16:00:00.000Z' } })
          .sort({ _id: 1 })
          .toArray();
        if (r >= 2) rawMs.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (docs.length === 0) throw new Error('no records in the month');
      }
    } finally {
      await mongo.close();
    }
    const raw = stats(rawMs);

    const replayRate = events / replaySeconds;
    const readRate = read / readSeconds;
    const totals = timings['month totals'] as { p50: number; p95: number };
    writeResult({
      name: 'analytics',
      date: new Date().toISOString(),
      machine: await describeMachine(infra.postgresUrl),
      parameters: {
        tickets: TICKETS,
        events,
        eventsPerTicket: EVENTS_PER_TICKET,
        span: '12 months',
        monthTickets,
        agents: AGENTS,
        groups: GROUPS,
        repeats: REPEATS,
        runner: 'apps/analytics/dist (replay entry, then the service over HTTP)',
      },
      figures: [
        {
          name: 'append (8 writers, one stream per ticket)',
          value: Math.round(events / appendSeconds),
          unit: 'events/s',
        },
        {
          name: 'sealed global-log read, batches of 1,000 (limit)',
          value: Math.round(readRate),
          unit: 'events/s',
        },
        {
          name: 'replay of ticket-records from position 0 (replay entry, whole process)',
          value: Math.round(replayRate),
          unit: 'events/s',
        },
        { name: 'replay wall time', value: round(replaySeconds, 1), unit: 's' },
        ...Object.entries(timings).flatMap(([name, t]) => [
          { name: `${name}, p50`, value: round(t.p50, 1), unit: 'ms' },
          { name: `${name}, p95`, value: round(t.p95, 1), unit: 'ms' },
        ]),
        {
          name: "reading the month's records from the read model (limit), p50",
          value: round(raw.p50, 1),
          unit: 'ms',
        },
      ],
      ratios: [
        {
          name: 'replay rate',
          value: round(replayRate / readRate, 3),
          against: 'sealed global-log read (limit)',
        },
        {
          name: 'month totals p50',
          value: round(totals.p50 / raw.p50, 2),
          against: "reading the month's records (limit); above 1 is the cost of measuring them",
        },
      ],
      notes: [
        `A year of ${TICKETS.toLocaleString('en')} tickets (${EVENTS_PER_TICKET} events each: opened, first-response clock running and achieved, assigned, two replies, a customer message, solved, survey, rating), one stream per ticket, appended with 'no_stream'; the month asked holds ${monthTickets.toLocaleString('en')} tickets.`,
        'Personal fields (reply texts, the survey token) are stored in clear here, so the replay opens no data key; the unified-view bench measures that cost.',
        'Queries are timed from the bench process over loopback HTTP with a supervisor token, 2 warm-ups then the repeats; the CSV is read to its end.',
        'The replay time is the whole process: start, connections, the rebuild into a green collection and the switch.',
      ],
    });
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await store.close();
    await db.drop();
    const mongo = await MongoClient.connect(mongoUrl);
    await mongo.db().dropDatabase();
    await mongo.close();
  }
}
