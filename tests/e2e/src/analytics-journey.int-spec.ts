import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresEventStore } from '@journey/eventstore';
import { issueLocalToken } from '@journey/platform';
import type { Role } from '@journey/platform';
import {
  eventually,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  startGroupsAtEnd,
  testInfrastructure,
  uniqueName,
} from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { launchChromium } from './support/browser';
import { consumerGroupsOf, launchService, readyServices, stopServices } from './support/service-processes';
import type { ServiceProcess } from './support/service-processes';

// Channels, contacts, tickets and analytics from their built output on one event store, talking only
// through Kafka: customers write on a partner channel, agents answer and solve, customers rate through
// the survey link, and analytics' figures (JSON, CSV, drill-down) say what happened — then the same
// figures after its read models are rebuilt from position 0.
const infra = testInfrastructure();
const root = join(__dirname, '..', '..', '..');
const run = randomBytes(3).toString('hex');
const keyFile = join(mkdtempSync(join(tmpdir(), 'journey-analytics-e2e-')), 'key.json');
const secret = randomBytes(18).toString('base64url');
const metricsToken = randomBytes(18).toString('base64url');
const ports = { channels: 3251, contacts: 3252, tickets: 3253, analytics: 3254, knowledge: 3255 };
const url = (s: keyof typeof ports) => `http://127.0.0.1:${ports[s]}`;
const channelId = `shop-${run}`;
const group = `care-${run}`;
const groups = {
  channels: uniqueName('analytics-e2e-channels'),
  contacts: uniqueName('analytics-e2e-contacts'),
  tickets: uniqueName('analytics-e2e-tickets'),
  analytics: uniqueName('analytics-e2e-analytics'),
  knowledge: uniqueName('analytics-e2e-knowledge'),
};
const ANALYTICS_READ_MODELS = [
  'ticket-records',
  'sla-calendars',
  'report-contacts',
  'journey-facts',
  'knowledge-facts',
];
const analyticsMongoUrl = isolatedMongoUrl(infra, 'analytics_e2e_analytics');
let db: IsolatedDatabase;
let store: PostgresEventStore;
/** The partner's callback URL: takes what channels delivers (replies, surveys). */
let partner: Server;
const services: ServiceProcess[] = [];

const admin = { subject: 'admin-1', roles: ['admin'] as Role[] };
const supervisor = { subject: 'sup-1', roles: ['supervisor'] as Role[] };
const shop = { subject: 'shop', roles: ['service'] as Role[] };
const agentAs = (agentId: string) => ({ subject: agentId, roles: ['agent'] as Role[] });

async function call(method: string, target: string, as?: { subject: string; roles: Role[] }, body?: unknown) {
  const token = as
    ? await issueLocalToken({ keyFile, issuer: 'journey-local', audience: 'journey', ...as, expiresIn: '1h' })
    : undefined;
  const res = await fetch(target, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, type: res.headers.get('content-type') ?? '' };
}
async function ok(method: string, target: string, as?: { subject: string; roles: Role[] }, body?: unknown) {
  const res = await call(method, target, as, body);
  if (res.status >= 300) throw new Error(`${method} ${target} → ${res.status} ${res.text}`);
  return res.type.includes('json') ? (JSON.parse(res.text) as Record<string, unknown>) : { text: res.text };
}

/** A customer message on the partner channel, signed as the partner signs. */
async function customerWrites(user: string, text: string, sentAt?: string, email?: string): Promise<string> {
  const body = JSON.stringify({
    idempotencyKey: randomUUID(),
    user: { id: user, ...(email ? { email, emailVerified: true } : {}) },
    text,
    ...(sentAt ? { sentAt } : {}),
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  const res = await fetch(`${url('channels')}/v1/webhooks/api/${channelId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-journey-timestamp': timestamp,
      'x-journey-signature': `sha256=${signature}`,
    },
    body,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { conversationId: string }).conversationId;
}

type Ticket = { ticketId: string; assignee?: string; csatLink?: string; [k: string]: unknown };
async function ticketOf(conversationId: string, ready: (t: Ticket) => boolean = () => true): Promise<Ticket> {
  return eventually(
    async () => {
      const page = await ok('GET', `${url('tickets')}/v1/tickets?group=${group}&limit=100`, supervisor);
      const found = (page['tickets'] as Ticket[]).find((t) => t['conversationId'] === conversationId);
      if (!found) return false;
      const detail = (await ok(
        'GET',
        `${url('tickets')}/v1/tickets/${found.ticketId}`,
        supervisor,
      )) as Ticket;
      return ready(detail) && detail;
    },
    { timeoutMs: 30_000, what: `the ticket of ${conversationId}` },
  );
}

/** What the partner received from channels (replies and survey messages). */
const delivered: string[] = [];
/** A survey link channels delivered to the partner that is not one of `seen`. */
async function newSurveyLink(seen: string[]): Promise<string> {
  return (await eventually(
    () =>
      delivered
        .map((body) => /(http:\/\/\S+\/v1\/csat\/[A-Za-z0-9._~%-]+)/.exec(String(JSON.parse(body).text))?.[1])
        .find((link) => link !== undefined && !seen.includes(link)) ?? false,
    { what: 'a survey link at the partner' },
  )) as string;
}

/** This week of tickets (the API measures at most 400 days at once). */
const week = {
  from: new Date(Date.now() - 7 * 86_400_000).toISOString(),
  to: new Date(Date.now() + 86_400_000).toISOString(),
};
const figuresUrl = (path = '', query = '') =>
  `${url('analytics')}/v1/figures${path}?group=${group}&from=${week.from}&to=${week.to}${query}`;

beforeAll(async () => {
  db = await isolatedPostgresDatabase(infra, 'analytics_e2e');
  store = await PostgresEventStore.connect({ connectionString: db.url });
  const configFile = join(mkdtempSync(join(tmpdir(), 'journey-analytics-e2e-cfg-')), 'channels.json');
  partner = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      delivered.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => partner.listen(0, '127.0.0.1', r));
  const callbackUrl = `http://127.0.0.1:${(partner.address() as AddressInfo).port}/hook`;
  writeFileSync(
    configFile,
    JSON.stringify({ api: [{ id: channelId, kind: 'partner-api', secret, callbackUrl }] }),
  );
  await startGroupsAtEnd(
    infra.kafkaBrokers,
    [
      ...consumerGroupsOf('channels', groups.channels),
      ...consumerGroupsOf('contacts', groups.contacts),
      ...consumerGroupsOf('tickets', groups.tickets),
      ...consumerGroupsOf('analytics', groups.analytics),
      ...consumerGroupsOf('knowledge', groups.knowledge),
    ],
    ['journey.channels.v1', 'journey.contacts.v1', 'journey.tickets.v1', 'journey.knowledge.v1'],
  );
  const common = {
    LOG_LEVEL: 'warn',
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    EVENTSTORE_URL: db.url,
    AUTH_LOCAL_KEY_FILE: keyFile,
    RATE_LIMIT_PER_SECOND: '2000',
    RATE_LIMIT_BURST: '4000',
  };
  services.push(
    launchService('channels', ports.channels, {
      ...common,
      KAFKA_CONSUMER_GROUP: groups.channels,
      MONGO_URL: isolatedMongoUrl(infra, 'analytics_e2e_channels'),
      CHANNELS_CONFIG_FILE: configFile,
      CSAT_LINK_BASE: `${url('tickets')}/v1/csat`,
    }),
    launchService('contacts', ports.contacts, {
      ...common,
      KAFKA_CONSUMER_GROUP: groups.contacts,
      MONGO_URL: isolatedMongoUrl(infra, 'analytics_e2e_contacts'),
    }),
    launchService('tickets', ports.tickets, {
      ...common,
      KAFKA_CONSUMER_GROUP: groups.tickets,
      MONGO_URL: isolatedMongoUrl(infra, 'analytics_e2e_tickets'),
      TICKETS_CHANNEL_GROUPS: `${channelId}=${group}`,
      TICKETS_DISPATCH_INTERVAL_MS: '300',
    }),
    launchService('analytics', ports.analytics, {
      ...common,
      KAFKA_CONSUMER_GROUP: groups.analytics,
      MONGO_URL: analyticsMongoUrl,
      ANALYTICS_MONITOR_INTERVAL_MS: '500',
      METRICS_TOKEN: metricsToken,
    }),
    launchService('knowledge', ports.knowledge, {
      ...common,
      KAFKA_CONSUMER_GROUP: groups.knowledge,
      MONGO_URL: isolatedMongoUrl(infra, 'analytics_e2e_knowledge'),
    }),
  );
  await readyServices(services, 90_000);
}, 180_000);

afterAll(async () => {
  await stopServices(services.filter((s) => s.child.exitCode === null && s.child.signalCode === null));
  await new Promise((r) => (partner ? partner.close(r) : r(undefined)));
  await store?.close();
  await db?.drop();
}, 60_000);

describe('analytics over a journey through channels and tickets', () => {
  const ann = `ann-${run}`;
  const bob = `bob-${run}`;
  let first: Ticket;

  it('credits responses to who wrote them, resolution and ratings to the assignee, and drills down to the events', async () => {
    await ok('PUT', `${url('tickets')}/v1/agents/${ann}`, admin, {
      groups: [group],
      capacity: { default: 5 },
    });
    await ok('PUT', `${url('tickets')}/v1/agents/${bob}`, admin, {
      groups: [group],
      capacity: { default: 5 },
    });
    await ok('PUT', `${url('tickets')}/v1/agents/${ann}/presence`, admin, { presence: 'online' });

    // Ticket 1: Ann holds it, Bob answers first, the customer writes again, Ann answers; solved, rated 5.
    const c1 = await customerWrites('u-1', 'My parcel never came');
    first = await ticketOf(c1, (t) => t.assignee === ann);
    const t1 = `${url('tickets')}/v1/tickets/${first.ticketId}`;
    await ok('POST', `${t1}/replies`, agentAs(bob), { text: 'Looking into it' });
    await ok('POST', `${t1}/notes`, agentAs(ann), { text: 'courier says lost' }); // internal: not a response
    await customerWrites('u-1', 'Any news?');
    await ticketOf(
      c1,
      (t) => (t['timeline'] as { kind: string }[]).filter((l) => l.kind === 'customer-message').length === 2,
    );
    await ok('POST', `${t1}/replies`, agentAs(ann), { text: 'A new parcel is on its way' });
    await ok('POST', `${t1}/status`, agentAs(ann), { status: 'solved' });
    const link1 = await newSurveyLink([]);
    expect((await call('POST', link1, undefined, { score: 5 })).status).toBe(200);

    // Ticket 2: Ann answers once and solves; the customer rates 2.
    const c2 = await customerWrites('u-2', 'Wrong size');
    const second = await ticketOf(c2, (t) => t.assignee === ann);
    const t2 = `${url('tickets')}/v1/tickets/${second.ticketId}`;
    await ok('POST', `${t2}/replies`, agentAs(ann), { text: 'Exchange booked' });
    await ok('POST', `${t2}/status`, agentAs(ann), { status: 'solved' });
    const link2 = await newSurveyLink([link1]);
    expect((await call('POST', link2, undefined, { score: 2 })).status).toBe(200);

    // The figures once analytics has read both ratings (the last events of the journey).
    const byAgent = await eventually(
      async () => {
        const answer = await ok('GET', figuresUrl('', '&by=agent'), supervisor);
        const rows = answer['rows'] as { key: { agent: string }; rated: number }[];
        return rows.reduce((n, r) => n + r.rated, 0) === 2 && rows;
      },
      { timeoutMs: 30_000, what: 'both ratings in the figures' },
    );
    const row = (agent: string) => byAgent.find((r) => r.key.agent === agent) as unknown;
    expect(row(bob)).toMatchObject({ firstResponse: { count: 1 }, nextResponse: { count: 0 }, solved: 0 });
    expect(row(ann)).toMatchObject({
      created: 2,
      solved: 2,
      resolutionRate: 1,
      firstResponse: { count: 1 },
      nextResponse: { count: 1 },
      oneTouch: 1, // ticket 2: one reply from agents; ticket 1 had two (Bob's and Ann's)
      firstContactResolution: 0.5,
      surveys: 2,
      rated: 2,
      good: 1,
      csat: 0.5,
      surveyResponseRate: 1,
    });

    // Bob's first response drills down to ticket 1 and the events in its stream that bound it.
    const drill = await ok('GET', figuresUrl('/drilldown', `&figure=firstResponse&agent=${bob}`), supervisor);
    const entries = drill['entries'] as { ticketId: string; events: string[] }[];
    expect(entries.map((e) => e.ticketId)).toEqual([first.ticketId]);
    const ids = new Set((await store.readStream(`ticket-${first.ticketId}`)).map((e) => e.id));
    expect(entries[0]?.events.length).toBe(2);
    expect(entries[0]?.events.every((id) => ids.has(id))).toBe(true);

    // The CSV of the tickets has one line per ticket with calendar and business seconds.
    const csv = (await ok('GET', figuresUrl('/tickets'), supervisor))['text'] as string;
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toContain('firstResponseBusinessSeconds');
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[0])
        .sort(),
    ).toEqual([first.ticketId, second.ticketId].sort());
  }, 120_000);

  it('shows a ticket waiting past its first-response target in the backlog, the operations JSON and /metrics', async () => {
    await ok('PUT', `${url('tickets')}/v1/sla-policies`, admin, {
      calendars: [],
      policies: [{ id: `fast-${run}`, when: { group: [group] }, targets: { 'first-response': 1 } }],
    });
    // Sent 70 s ago with a 1-minute first-response target: due 10 s ago, so the breach fires at once.
    const c3 = await customerWrites(
      'u-3',
      'Still waiting for my refund',
      new Date(Date.now() - 70_000).toISOString(),
    );
    // Ann is online with room: the ticket is hers once assigned, and the backlog shows it under her
    // once analytics has read the assignment (not only the breach).
    const third = await ticketOf(c3, (t) => t.assignee === ann);
    const backlog = await eventually(
      async () => {
        const answer = (await ok(
          'GET',
          `${url('analytics')}/v1/figures/backlog?group=${group}&by=group,agent`,
          supervisor,
        )) as { rows: { key: Record<string, string>; breachedTickets: number }[] };
        return answer.rows.some((r) => r.breachedTickets === 1 && r.key['agent'] === ann) && answer;
      },
      { timeoutMs: 30_000, what: 'the open breach in the backlog, under the assignee' },
    );
    expect(backlog.rows).toEqual([
      expect.objectContaining({
        key: { group, agent: third.assignee },
        open: 1,
        breachedTickets: 1,
        breaches: 1,
        dueSoon: 0,
        nextBreachIn: null,
      }),
    ]);
    expect((backlog.rows[0] as unknown as { ageMax: number }).ageMax).toBeGreaterThanOrEqual(60);

    // The monitor's gauges: the breach, the analytics projections caught up, no dead letter in their groups.
    const operations = await eventually(
      async () => {
        const answer = (await ok('GET', `${url('analytics')}/v1/operations`, supervisor)) as {
          slaBreachesOpen: { group: string; metric: string; breaches: number }[];
          projectionLag: { projection: string; lag: number }[];
          consumerLag: { group: string; lag: number }[];
          deadLetters: { group: string; messages: number }[];
        };
        return (
          answer.slaBreachesOpen.some((b) => b.group === group) &&
          answer.projectionLag.every((p) => p.lag === 0) &&
          answer
        );
      },
      { timeoutMs: 30_000, what: 'the breach and caught-up projections in the operations JSON' },
    );
    expect(operations.slaBreachesOpen.filter((b) => b.group === group)).toEqual([
      { group, metric: 'first-response', breaches: 1 },
    ]);
    const ticketRecords = `${groups.analytics}-ticket-records`;
    expect(operations.consumerLag).toContainEqual(expect.objectContaining({ group: ticketRecords, lag: 0 }));
    expect(operations.deadLetters).toContainEqual(
      expect.objectContaining({ group: ticketRecords, messages: 0 }),
    );

    const scrape = await fetch(`${url('analytics')}/metrics`, {
      headers: { authorization: `Bearer ${metricsToken}` },
    });
    expect(scrape.status).toBe(200);
    const exposition = await scrape.text();
    expect(exposition).toContain(
      `journey_tickets_sla_breaches_open{group="${group}",metric="first-response"} 1`,
    );
    expect(exposition).toMatch(
      new RegExp(
        `journey_kafka_consumer_group_lag\\{service="other",group="${ticketRecords}",topic="journey.tickets.v1"\\} \\d+`,
      ),
    );
    // (The monitor may have read again since: lag is a number here, not necessarily 0.)
    expect(exposition).toMatch(/^journey_analytics_projection_lag\{projection="ticket-records"\} \d+$/m);
    // The service's own instruments are there too: HTTP requests, its consumers' lag.
    expect(exposition).toContain('# TYPE http_server_request_duration histogram');
    expect(exposition).toMatch(
      /^journey_consumer_lag\{messaging_consumer_group_name="[^"]+-ticket-records"/m,
    );
    expect(exposition).toMatch(/^journey_analytics_monitor_age_seconds \d/m);
    // The scrape needs the token; an agent's JWT is not it.
    expect((await fetch(`${url('analytics')}/metrics`)).status).toBe(401);
    const agentToken = await issueLocalToken({
      keyFile,
      issuer: 'journey-local',
      audience: 'journey',
      ...agentAs(ann),
      expiresIn: '1h',
    });
    expect(
      (await fetch(`${url('analytics')}/metrics`, { headers: { authorization: `Bearer ${agentToken}` } }))
        .status,
    ).toBe(401);
    expect((await call('GET', `${url('analytics')}/v1/operations`, agentAs(ann))).status).toBe(403);
  }, 120_000);

  it("serves the platform's own gauges on every service: append latency, relay leadership and lag", async () => {
    const scrape = async (service: keyof typeof ports) => {
      const res = await fetch(`${url(service)}/metrics`, {
        headers: service === 'analytics' ? { authorization: `Bearer ${metricsToken}` } : {},
      });
      expect({ service, status: res.status }).toEqual({ service, status: 200 });
      return res.text();
    };
    const gauge = (exposition: string, name: string, relay: string) =>
      new RegExp(`^${name}\\{relay="${relay}"\\} ([\\d.e+-]+)$`, 'm').exec(exposition)?.[1];
    const services = ['channels', 'contacts', 'tickets', 'knowledge', 'analytics'] as const;
    // Each context's events go out through its own service's relay (one per context; analytics writes none):
    // the four lead, each with nothing left to publish, and no other service runs a relay of theirs.
    await eventually(
      async () => {
        const expositions = await Promise.all(
          services.map(async (s) => ({ service: s, text: await scrape(s) })),
        );
        return (['channels', 'contacts', 'tickets', 'knowledge'] as const).every((context) => {
          const relay = `journey-${context}`;
          const owner = expositions.find((e) => e.service === context);
          const others = expositions.filter((e) => e.service !== context);
          return (
            owner !== undefined &&
            gauge(owner.text, 'journey_relay_leading', relay) === '1' &&
            gauge(owner.text, 'journey_relay_lag', relay) === '0' &&
            gauge(owner.text, 'journey_relay_lag_seconds', relay) === '0' &&
            others.every((e) => gauge(e.text, 'journey_relay_leading', relay) === undefined)
          );
        });
      },
      {
        timeoutMs: 30_000,
        what: "each context's relay leading in its own service, with nothing left to publish",
      },
    );
    expect(/^journey_relay_leading\{/m.test(await scrape('analytics'))).toBe(false);
    // Tickets appended (the ticket, its SLA clocks): each append's duration, by store and outcome.
    const tickets = await scrape('tickets');
    const appended =
      /^journey_eventstore_append_duration_count\{store="postgresql",outcome="ok"\} (\d+)$/m.exec(tickets);
    expect(Number(appended?.[1])).toBeGreaterThan(0);
    expect(tickets).toMatch(
      /^journey_eventstore_append_duration_bucket\{store="postgresql",outcome="ok",le="0.01"\} \d+$/m,
    );
  }, 60_000);

  it('measures channel mix, pre-sale conversion and auto-answer hand-offs from the contacts and knowledge topics', async () => {
    // A fourth customer, known by a verified e-mail, asks before buying; the shop then reports the order.
    const email = `dee-${run}@customer.example`;
    const c4 = await customerWrites('u-4', 'Does the blue one come in size 38?', undefined, email);
    await eventually(
      async () =>
        (
          await call(
            'GET',
            `${url('contacts')}/v1/contacts/lookup?email=${encodeURIComponent(email)}`,
            supervisor,
          )
        ).status === 200,
      { timeoutMs: 30_000, what: 'the contact of the verified e-mail' },
    );
    await ok('POST', `${url('contacts')}/v1/journey-events`, shop, {
      kind: 'order-placed',
      externalId: `order-${run}`,
      source: 'shop',
      occurredAt: new Date().toISOString(),
      customer: { email },
    });
    // An agent searches for something the knowledge base does not have: a content gap.
    // Letters only: knowledge masks a run of five or more digits in a query (a random hex run can be one).
    const missing = `gift wrapping ${run.replace(/\d/g, (d) => 'ghijklmnop'[Number(d)] as string)}`;
    await ok('GET', `${url('knowledge')}/v1/search?q=${encodeURIComponent(missing)}`, agentAs(ann));

    const range = `from=${week.from}&to=${week.to}`;
    type JourneyRow = {
      conversations: number;
      byChannel: Record<string, number>;
      preSale: number;
      converted: number;
      orders: number;
    };
    const journey = await eventually(
      async () => {
        const answer = await ok('GET', `${url('analytics')}/v1/figures/journey?${range}`, supervisor);
        const row = (answer['rows'] as JourneyRow[])[0];
        return row?.orders === 1 && row.converted === 1 && row;
      },
      { timeoutMs: 30_000, what: 'the order in the journey figures' },
    );
    // Four conversations this run (the first customer's two messages are one), all before any order.
    expect(journey).toMatchObject({
      conversations: 4,
      byChannel: { 'partner-api': 4 },
      preSale: 4,
      converted: 1,
      orders: 1,
    });
    const converted = await ok(
      'GET',
      `${url('analytics')}/v1/figures/journey/drilldown?${range}&figure=converted`,
      supervisor,
    );
    expect((converted['entries'] as { conversationId: string }[]).map((e) => e.conversationId)).toEqual([c4]);
    // The same row as CSV, the per-channel counts as columns of their own.
    const [header, line] = (
      await call('GET', `${url('analytics')}/v1/figures/journey/export?${range}`, supervisor)
    ).text.split('\r\n');
    expect(header).toMatch(/^conversations,byChannel\.partner-api,/);
    expect(line).toMatch(/^4,4,/);

    type KnowledgeAnswer = {
      rows: { conversations: number; deflected: number; handOffs: number; deflectionRate: number | null }[];
      contentGaps: { query: string; none: number }[];
    };
    const knowledge = await eventually(
      async () => {
        const answer = (await ok(
          'GET',
          `${url('analytics')}/v1/figures/knowledge?${range}`,
          supervisor,
        )) as KnowledgeAnswer;
        return answer.rows[0]?.conversations === 4 && answer.contentGaps.length > 0 && answer;
      },
      { timeoutMs: 30_000, what: 'the auto-answer decisions and the search in the knowledge figures' },
    );
    // The knowledge base is empty: every message went to a person, nothing was deflected.
    expect(knowledge.rows[0]).toMatchObject({ conversations: 4, deflected: 0, deflectionRate: 0 });
    expect(knowledge.rows[0]?.handOffs).toBeGreaterThanOrEqual(4);
    expect(knowledge.contentGaps).toEqual([expect.objectContaining({ query: missing, none: 1 })]);
    expect(
      (await call('GET', `${url('analytics')}/v1/figures/journey?${range}&conversionDays=0`, supervisor))
        .status,
    ).toBe(400);
    expect(
      (await call('GET', `${url('analytics')}/v1/figures/knowledge?${range}`, agentAs(ann))).status,
    ).toBe(403);
  }, 120_000);

  it('shows the API’s numbers on the supervisor dashboard, in headless Chromium', async () => {
    const from = week.from.slice(0, 10);
    const to = week.to.slice(0, 10);
    const query = `group=${group}&from=${from}&to=${to}&timeZone=UTC&dateBy=created`;
    const api = async (path: string) =>
      (await ok('GET', `${url('analytics')}${path}`, supervisor)) as {
        rows: Record<string, unknown>[];
      };
    const token = await issueLocalToken({
      keyFile,
      issuer: 'journey-local',
      audience: 'journey',
      ...supervisor,
      expiresIn: '1h',
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      await page.goto(`${url('analytics')}/dashboard#token=${token}&from=${from}&to=${to}&group=${group}`);
      await page.waitForSelector('#board[data-state="ready"]', { timeout: 30_000 });
      // The token left the address bar (and the history) once the page kept it.
      expect(page.url()).not.toContain('token=');

      // What a person reads: counts as they are, durations in minutes and rates in percent, one decimal.
      const min = (s: number | null) => (s === null ? '—' : (s / 60).toFixed(1));
      const pct = (r: number | null) => (r === null ? '—' : (r * 100).toFixed(1));
      type Row = {
        key: Record<string, string>;
        created: number;
        solved: number;
        oneTouch: number;
        rated: number;
        csat: number | null;
        resolutionRate: number | null;
        firstContactResolution: number | null;
        surveyResponseRate: number | null;
        firstResponse: { count: number; median: number };
        fullResolution: { count: number; median: number };
      };
      const [total] = (await api(`/v1/figures?${query}`)).rows as unknown as Row[];
      const tiles = await page.$$eval('#tiles dd', (dds) =>
        Object.fromEntries(dds.map((d) => [d.getAttribute('data-figure'), d.textContent])),
      );
      expect(tiles).toMatchObject({
        created: String(total?.created),
        solved: String(total?.solved),
        resolutionRate: pct(total?.resolutionRate ?? null),
        'firstResponse.median': min(total?.firstResponse.median ?? null),
        'fullResolution.median': min(total?.fullResolution.median ?? null),
        firstContactResolution: pct(total?.firstContactResolution ?? null),
        csat: pct(total?.csat ?? null),
        surveyResponseRate: pct(total?.surveyResponseRate ?? null),
      });
      expect(tiles['csat']).toBe('50.0');

      const agents = (await api(`/v1/figures?${query}&by=agent`)).rows as unknown as Row[];
      const shown = await page.$$eval('#agents tbody tr', (trs) =>
        trs.map((tr) => ({
          agent: tr.getAttribute('data-agent'),
          ...Object.fromEntries(
            [...tr.querySelectorAll('td')].map((td) => [td.getAttribute('data-figure'), td.textContent]),
          ),
        })),
      );
      expect(shown).toEqual(
        agents.map((r) => ({
          agent: r.key['agent'],
          created: String(r.created),
          solved: String(r.solved),
          'firstResponse.count': String(r.firstResponse.count),
          'firstResponse.median': r.firstResponse.count ? min(r.firstResponse.median) : '—',
          'fullResolution.median': r.fullResolution.count ? min(r.fullResolution.median) : '—',
          oneTouch: String(r.oneTouch),
          rated: String(r.rated),
          csat: pct(r.csat),
        })),
      );
      expect(shown.map((r) => r.agent)).toEqual(expect.arrayContaining([ann, bob]));

      const backlog = (await api(`/v1/figures/backlog?by=group&group=${group}`)).rows as unknown as {
        open: number;
        breachedTickets: number;
      }[];
      const backlogRow = await page.$$eval(`#backlog tbody tr`, (trs) =>
        trs.map((tr) =>
          Object.fromEntries(
            [...tr.querySelectorAll('td')].map((td) => [td.getAttribute('data-figure'), td.textContent]),
          ),
        ),
      );
      expect(backlogRow).toEqual([
        expect.objectContaining({
          open: String(backlog[0]?.open),
          breachedTickets: String(backlog[0]?.breachedTickets),
        }),
      ]);
      // The journey and knowledge tiles, and the content gaps.
      const range = `from=${from}&to=${to}&timeZone=UTC`;
      const [journeyRow] = (await api(`/v1/figures/journey?${range}`)).rows as {
        conversionRate: number | null;
        conversations: number;
      }[];
      const knowledgeAnswer = (await api(`/v1/figures/knowledge?${range}&gaps=10`)) as unknown as {
        rows: { deflectionRate: number | null; handOffs: number }[];
        contentGaps: { query: string }[];
      };
      const journeyTiles = await page.$$eval('#journey dd', (dds) =>
        Object.fromEntries(dds.map((d) => [d.getAttribute('data-figure'), d.textContent])),
      );
      expect(journeyTiles).toMatchObject({
        'journey.conversations': String(journeyRow?.conversations),
        'journey.conversionRate': pct(journeyRow?.conversionRate ?? null),
        'knowledge.deflectionRate': pct(knowledgeAnswer.rows[0]?.deflectionRate ?? null),
        'knowledge.handOffs': String(knowledgeAnswer.rows[0]?.handOffs),
      });
      expect(await page.locator('#gaps tbody th').allTextContents()).toEqual(
        knowledgeAnswer.contentGaps.map((g) => g.query),
      );
      // One bar per day with tickets, for created and for solved.
      const days = (await api(`/v1/figures?${query}&period=day`)).rows;
      expect(await page.locator('#per-day rect.bar-created').count()).toBe(days.length);
      await page.screenshot({
        path: join(root, '.local', 'screenshots', 'analytics-dashboard.png'),
        fullPage: true,
      });
      expect(problems).toEqual([]);

      // An agent's token opens the page but not the figures: the page says why.
      const agentToken = await issueLocalToken({
        keyFile,
        issuer: 'journey-local',
        audience: 'journey',
        ...agentAs(ann),
        expiresIn: '1h',
      });
      const other = await browser.newPage();
      await other.goto(`${url('analytics')}/dashboard#token=${agentToken}`);
      await other.waitForSelector('#board[data-state="error"]', { timeout: 30_000 });
      expect(await other.locator('#error').textContent()).toMatch(/supervisor/);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('refuses an unknown cut, a reversed period and a reader without the supervisor role', async () => {
    expect((await call('GET', figuresUrl('', '&by=mood'), supervisor)).status).toBe(400);
    expect(
      (await call('GET', `${url('analytics')}/v1/figures?from=2026-02-01&to=2026-01-01`, supervisor)).status,
    ).toBe(400);
    expect((await call('GET', figuresUrl(), agentAs(ann))).status).toBe(403);
    const knowledge = await call('GET', `${url('analytics')}/v1/figures/knowledge?channel=portl`, supervisor);
    expect(knowledge.status).toBe(400);
    expect(knowledge.text).toContain('channel');
    const drill = await call(
      'GET',
      `${url('analytics')}/v1/figures/journey/drilldown?figure=orders&periodStart=2026-03`,
      supervisor,
    );
    expect(drill.status).toBe(400);
    expect(drill.text).toContain('periodStart needs the period');
    expect((await call('GET', figuresUrl())).status).toBe(401);
  });

  it('gives byte-identical figures after its read models are rebuilt from position 0', async () => {
    const query = '&by=agent,channel,priority&period=day&timeZone=Asia/Shanghai';
    const live = (await ok('GET', figuresUrl('', query), supervisor)) as { rows: unknown[] };
    expect(live.rows.length).toBeGreaterThan(0);
    const liveCsv = (await call('GET', figuresUrl('/tickets'), supervisor)).text;
    const range = `from=${week.from}&to=${week.to}&period=day&timeZone=Asia/Shanghai`;
    const liveJourney = (await call('GET', `${url('analytics')}/v1/figures/journey?${range}`, supervisor))
      .text;
    const liveKnowledge = (
      await call('GET', `${url('analytics')}/v1/figures/knowledge?${range}&by=channel`, supervisor)
    ).text;
    expect(JSON.parse(liveJourney).rows.length).toBeGreaterThan(0);
    for (const name of ANALYTICS_READ_MODELS) {
      const replay = spawnSync(
        process.execPath,
        [join(root, 'apps', 'analytics', 'dist', 'replay.js'), name],
        {
          cwd: root,
          env: { PATH: process.env['PATH'], EVENTSTORE_URL: db.url, MONGO_URL: analyticsMongoUrl },
          encoding: 'utf8',
        },
      );
      expect(replay.status).toBe(0);
    }
    expect((await call('GET', figuresUrl('', query), supervisor)).text).toBe(JSON.stringify(live));
    expect((await call('GET', figuresUrl('/tickets'), supervisor)).text).toBe(liveCsv);
    expect((await call('GET', `${url('analytics')}/v1/figures/journey?${range}`, supervisor)).text).toBe(
      liveJourney,
    );
    expect(
      (await call('GET', `${url('analytics')}/v1/figures/knowledge?${range}&by=channel`, supervisor)).text,
    ).toBe(liveKnowledge);
  }, 120_000);
});
