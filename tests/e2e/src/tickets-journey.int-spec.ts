import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { MongoClient } from 'mongodb';
import { PostgresEventStore } from '@journey/eventstore';
import { ProjectionState } from '@journey/projections';
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
import { consumerGroupsOf, launchService, readyServices, stopServices } from './support/service-processes';
import type { ServiceProcess } from './support/service-processes';

// Channels, contacts and two tickets replicas run as processes from their built output on one event
// store, talking only through Kafka, as deployed. Each scenario writes on its own partner channel,
// which the tickets service maps to its own group (TICKETS_CHANNEL_GROUPS), so scenarios and earlier
// runs' tickets on the shared topics never meet in a queue.
const infra = testInfrastructure();
const root = join(__dirname, '..', '..', '..');
const run = randomBytes(3).toString('hex');
const keyFile = join(mkdtempSync(join(tmpdir(), 'journey-tickets-e2e-')), 'key.json');
const secret = randomBytes(18).toString('base64url');
const ports = { channels: 3241, contacts: 3242, ticketsA: 3243, ticketsB: 3244 };
const urls = {
  channels: `http://127.0.0.1:${ports.channels}`,
  contacts: `http://127.0.0.1:${ports.contacts}`,
  tickets: `http://127.0.0.1:${ports.ticketsA}`,
  ticketsB: `http://127.0.0.1:${ports.ticketsB}`,
};
/** Scenario → its partner channel id and its group. */
const scenario = (name: string) => ({ channelId: `${name}-${run}`, group: `${name}-${run}` });
const main = scenario('sales');
const care = scenario('care');
const load = scenario('load');
const sla = scenario('sla');
const groups = {
  channels: uniqueName('tickets-e2e-channels'),
  contacts: uniqueName('tickets-e2e-contacts'),
  tickets: uniqueName('tickets-e2e-tickets'),
};

const logistics = `logistics-${run}`;
const lateShipmentRule = {
  id: 'late-shipment',
  on: 'order-shipped',
  when: { delayDays: { atLeast: 2 } },
  group: logistics,
  priority: 'high',
  subject: 'Shipment running late',
  tags: ['proactive'],
};

// One read-model database for both replicas (each consumes part of the partitions).
const ticketsMongoUrl = isolatedMongoUrl(infra, 'tickets_e2e_tickets');
let db: IsolatedDatabase;
let store: PostgresEventStore;
let partner: { url: string; calls: string[]; close(): Promise<void> };
let channelsEnv: NodeJS.ProcessEnv;
const services: ServiceProcess[] = [];
const tickets: Partial<Record<'A' | 'B', ServiceProcess>> = {};

const token = (subject: string, roles: Role[]) =>
  issueLocalToken({ keyFile, issuer: 'journey-local', audience: 'journey', subject, roles, expiresIn: '1h' });

async function call(
  method: string,
  url: string,
  as: { subject: string; roles: Role[] } | undefined,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(as ? { authorization: `Bearer ${await token(as.subject, as.roles)}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
const admin = { subject: 'admin-1', roles: ['admin'] as Role[] };
const supervisor = { subject: 'sup-1', roles: ['supervisor'] as Role[] };
const agentAs = (agentId: string) => ({ subject: agentId, roles: ['agent'] as Role[] });
const service = { subject: 'shop', roles: ['service'] as Role[] };

/** Calls that must succeed: a failure says what the service answered. */
async function ok(method: string, url: string, as: Parameters<typeof call>[2], body?: unknown) {
  const res = await call(method, url, as, body);
  if (res.status >= 300) throw new Error(`${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A customer message on a partner channel, signed as the partner signs (sentAt backdates it). */
async function customerWrites(channelId: string, user: string, text: string, sentAt?: string) {
  const body = JSON.stringify({
    idempotencyKey: randomUUID(),
    user: { id: user },
    text,
    ...(sentAt ? { sentAt } : {}),
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  const res = await fetch(`${urls.channels}/v1/webhooks/api/${channelId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-journey-timestamp': timestamp,
      'x-journey-signature': `sha256=${signature}`,
    },
    body,
  });
  const answer = (await res.json()) as { conversationId: string };
  expect(res.status).toBe(200);
  return answer.conversationId;
}

type Ticket = Record<string, unknown> & {
  ticketId: string;
  timeline: { kind: string; [k: string]: unknown }[];
};

/** The board's ticket of a conversation (or found by `match`), once it shows what `ready` asks. */
async function ticketWhere(
  group: string,
  match: (t: Record<string, unknown>) => boolean,
  ready: (t: Ticket) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<Ticket> {
  return eventually(
    async () => {
      const page = await ok('GET', `${urls.tickets}/v1/tickets?group=${group}&limit=100`, supervisor);
      const summary = (page['tickets'] as Record<string, unknown>[]).find(match);
      if (!summary) return false;
      const detail = (await ok(
        'GET',
        `${urls.tickets}/v1/tickets/${summary['ticketId'] as string}`,
        supervisor,
      )) as Ticket;
      return ready(detail) && detail;
    },
    { timeoutMs, what: `a ticket in ${group}` },
  );
}
const ofConversation = (conversationId: string) => (t: Record<string, unknown>) =>
  t['conversationId'] === conversationId;

async function agent(agentId: string, profile: Record<string, unknown>) {
  await ok('PUT', `${urls.tickets}/v1/agents/${agentId}`, admin, { capacity: { default: 5 }, ...profile });
  await ok('PUT', `${urls.tickets}/v1/agents/${agentId}/presence`, admin, { presence: 'online' });
}

const typesOf = async (ticketId: string) => (await store.readStream(`ticket-${ticketId}`)).map((e) => e.type);

function launchTickets(replica: 'A' | 'B') {
  const s = launchService('tickets', replica === 'A' ? ports.ticketsA : ports.ticketsB, {
    LOG_LEVEL: 'warn',
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_CONSUMER_GROUP: groups.tickets,
    EVENTSTORE_URL: db.url,
    MONGO_URL: ticketsMongoUrl,
    AUTH_LOCAL_KEY_FILE: keyFile,
    TICKETS_CHANNEL_GROUPS: [main, care, load, sla].map((s) => `${s.channelId}=${s.group}`).join(','),
    TICKETS_DISPATCH_INTERVAL_MS: '300',
    TICKETS_TIMER_POLL_MS: '100',
    RATE_LIMIT_PER_SECOND: '2000',
    RATE_LIMIT_BURST: '4000',
  });
  tickets[replica] = s;
  services.push(s);
  return s;
}

/** A partner's callback URL: records what channels delivers (replies, surveys). */
async function startPartner(): Promise<typeof partner> {
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      calls.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

beforeAll(async () => {
  db = await isolatedPostgresDatabase(infra, 'tickets_e2e');
  store = await PostgresEventStore.connect({ connectionString: db.url });
  partner = await startPartner();
  const configFile = join(mkdtempSync(join(tmpdir(), 'journey-tickets-e2e-cfg-')), 'channels.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      api: [
        ...[main, load, sla].map((s) => ({
          id: s.channelId,
          kind: 'partner-api',
          secret,
          callbackUrl: `${partner.url}/${s.channelId}`,
        })),
        // The app's users are the shop's users: contacts knows them before they write.
        { id: care.channelId, kind: 'app', secret },
      ],
    }),
  );
  // Only what happens from now on: earlier runs' events on the shared topics are not this run's.
  await startGroupsAtEnd(
    infra.kafkaBrokers,
    [
      ...consumerGroupsOf('channels', groups.channels),
      ...consumerGroupsOf('contacts', groups.contacts),
      ...consumerGroupsOf('tickets', groups.tickets),
    ],
    ['journey.channels.v1', 'journey.contacts.v1', 'journey.tickets.v1'],
  );
  const common = {
    LOG_LEVEL: 'warn',
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    EVENTSTORE_URL: db.url,
    AUTH_LOCAL_KEY_FILE: keyFile,
    RATE_LIMIT_PER_SECOND: '2000',
    RATE_LIMIT_BURST: '4000',
  };
  channelsEnv = {
    ...common,
    KAFKA_CONSUMER_GROUP: groups.channels,
    MONGO_URL: isolatedMongoUrl(infra, 'tickets_e2e_channels'),
    CHANNELS_CONFIG_FILE: configFile,
    CSAT_LINK_BASE: `${urls.tickets}/v1/csat`,
  };
  services.push(launchService('channels', ports.channels, channelsEnv));
  services.push(
    launchService('contacts', ports.contacts, {
      ...common,
      KAFKA_CONSUMER_GROUP: groups.contacts,
      MONGO_URL: isolatedMongoUrl(infra, 'tickets_e2e_contacts'),
    }),
  );
  launchTickets('A');
  launchTickets('B');
  await readyServices(services, 90_000);
}, 180_000);

afterAll(async () => {
  await stopServices(services.filter((s) => s.child.exitCode === null && s.child.signalCode === null));
  await partner?.close();
  await store?.close();
  await db?.drop();
}, 60_000);

describe('tickets across channels, contacts and two tickets replicas', () => {
  it('opens a ticket from a channels message, assigns it with its reasons, delivers the reply through channels, keeps the note inside, transfers and escalates with context, and takes the rating once', async () => {
    const ann = `ann-${run}`;
    await agent(ann, { groups: [main.group], languages: ['en'], skills: ['billing'] });
    const conversationId = await customerWrites(main.channelId, 'u-1', 'My invoice is wrong');
    const ticket = await ticketWhere(
      main.group,
      ofConversation(conversationId),
      (t) => t['assignee'] !== undefined,
    );
    expect(ticket).toMatchObject({
      status: 'open',
      channel: 'partner-api',
      subject: 'My invoice is wrong',
      assignee: ann,
    });
    expect((ticket['assignmentReasons'] as { explanations: string[] }).explanations).toContain('load 0/5');
    const ticketUrl = `${urls.tickets}/v1/tickets/${ticket.ticketId}`;

    // A second message of the conversation joins the same ticket.
    await customerWrites(main.channelId, 'u-1', 'Invoice 42');
    await ticketWhere(
      main.group,
      ofConversation(conversationId),
      (t) => t.timeline.filter((l) => l.kind === 'customer-message').length === 2,
    );

    const reply = await ok('POST', `${ticketUrl}/replies`, agentAs(ann), {
      text: 'We are fixing invoice 42',
    });
    await ok('POST', `${ticketUrl}/notes`, agentAs(ann), { text: 'internal: customer is upset' });
    await eventually(() => partner.calls.some((c) => c.includes('We are fixing invoice 42')), {
      what: 'the reply at the partner',
    });
    await ticketWhere(
      main.group,
      ofConversation(conversationId),
      (t) =>
        (t['replies'] as Record<string, { delivery: string }> | undefined)?.[reply['replyId'] as string]
          ?.delivery === 'delivered',
    );

    // Transfer with a context note, then a manual escalation that raises the priority.
    await ok('POST', `${ticketUrl}/transfer`, agentAs(ann), {
      group: `billing-${run}`,
      note: 'refund approved, needs the payout',
    });
    await ok('POST', `${ticketUrl}/escalate`, supervisor, {
      group: `tier2-${run}`,
      note: 'second refund this month',
      raisePriority: 'high',
    });
    const moved = await ticketWhere(
      `tier2-${run}`,
      (t) => t['ticketId'] === ticket.ticketId,
      (t) => t.timeline.some((l) => l.kind === 'escalated'),
    );
    expect(moved).toMatchObject({ group: `tier2-${run}`, priority: 'high' });
    expect(moved.timeline.find((l) => l.kind === 'transferred')).toMatchObject({
      toGroup: `billing-${run}`,
      note: 'refund approved, needs the payout',
    });
    expect(moved.timeline.find((l) => l.kind === 'escalated')).toMatchObject({
      note: 'second refund this month',
    });
    expect(moved['assignee']).toBeUndefined(); // the transfer took it off Ann; tier 2 has nobody online

    // Solved: channels sends the survey on the customer's channel; the link's token rates once.
    await ok('POST', `${ticketUrl}/status`, supervisor, { status: 'solved' });
    const survey = await eventually(() => partner.calls.find((c) => c.includes('/v1/csat/')), {
      what: 'the survey at the partner',
    });
    const link = /(http:\/\/\S+\/v1\/csat\/[A-Za-z0-9._~%-]+)/.exec(
      JSON.parse(survey).text as string,
    )?.[1] as string;
    expect(link).toBeDefined();
    const first = await call('POST', link, undefined, { score: 5, comment: 'quick and kind' });
    expect(first.status).toBe(200);
    const again = await call('POST', link, undefined, { score: 1 });
    expect(again.status).toBe(422);
    const rated = await ticketWhere(
      `tier2-${run}`,
      (t) => t['ticketId'] === ticket.ticketId,
      (t) => t.timeline.some((l) => l.kind === 'rated'),
    );
    expect(rated['csat']).toMatchObject({ score: 5, comment: 'quick and kind' });
    expect((await typesOf(ticket.ticketId)).filter((t) => t === 'tickets.csat-rated.v1')).toHaveLength(1);
    // A supervisor evaluates Ann's handling against a rubric (she held it before the transfer).
    await ok('POST', `${ticketUrl}/evaluations`, supervisor, {
      rubric: 'quality-v1',
      scores: { tone: 5, accuracy: 4 },
      comment: 'kind and exact',
    });
    const evaluated = await ticketWhere(
      `tier2-${run}`,
      (t) => t['ticketId'] === ticket.ticketId,
      (t) => t.timeline.some((l) => l.kind === 'evaluated'),
    );
    expect(evaluated.timeline.find((l) => l.kind === 'evaluated')).toMatchObject({
      agentId: ann,
      rubric: 'quality-v1',
      percent: 90,
      by: supervisor.subject,
    });
    // The internal note never left the ticket.
    expect(partner.calls.some((c) => c.includes('upset'))).toBe(false);

    // The customer's unified view (contacts) shows the hand-over, the escalation and the rating.
    const view = await eventually(
      async () => {
        const v = await ok(
          'GET',
          `${urls.contacts}/v1/contacts/${rated['contactId'] as string}/view`,
          agentAs(ann),
        );
        const recent = v['recent'] as { kind: string; [k: string]: unknown }[];
        return recent.some((e) => e.kind === 'csat-rated') && recent;
      },
      { what: 'the ticket facts in the unified view' },
    );
    expect(view.find((e) => e.kind === 'ticket-transferred')).toMatchObject({
      ticketId: ticket.ticketId,
      toGroup: `billing-${run}`,
      summary: 'refund approved, needs the payout',
    });
    expect(view.find((e) => e.kind === 'ticket-escalated')).toMatchObject({
      toGroup: `tier2-${run}`,
      priority: 'high',
      cause: 'manual',
    });
    expect(view.find((e) => e.kind === 'csat-rated')).toMatchObject({ score: 5, summary: 'quick and kind' });
    expect(view.map((e) => e.kind)).toEqual(expect.arrayContaining(['ticket-linked', 'ticket-status']));
  });

  it('opens a proactive ticket from a journey event that matches a rule, and none from one that does not', async () => {
    await ok('PUT', `${urls.tickets}/v1/proactive-rules`, admin, [lateShipmentRule]);
    const shipped = async (externalId: string, delayDays: number) =>
      ok('POST', `${urls.contacts}/v1/journey-events`, service, {
        kind: 'order-shipped',
        externalId,
        source: 'shop',
        occurredAt: new Date().toISOString(),
        customer: { appUserId: `shopper-${run}` },
        details: { delayDays },
      });
    // The rules reach every replica through the event store's topic, not a shared memory: wait until
    // a matching fact opens a ticket, with an on-time one before it on the same customer's stream.
    await shipped(`on-time-${run}`, 0);
    const late = await shipped(`late-${run}`, 3);
    const proactive = await ticketWhere(logistics, (t) => t['contactId'] === late['contactId']);
    expect(proactive).toMatchObject({
      priority: 'high',
      subject: 'Shipment running late',
      tags: ['proactive'],
    });
    expect(proactive.timeline[0]).toMatchObject({ kind: 'opened', origin: 'proactive' });
    const page = await ok(
      'GET',
      `${urls.tickets}/v1/tickets?group=${logistics}&contact=${late['contactId'] as string}`,
      supervisor,
    );
    expect(page['total']).toBe(1);
  });

  it('routes a VIP customer to the VIP desk with shared traits, and their next ticket to the agent who served them, with the reasons', async () => {
    const desk = `desk-${run}`;
    const plain = `plain-${run}`;
    await ok('PUT', `${urls.tickets}/v1/groups/vipdesk-${run}`, admin, {
      name: 'VIP desk',
      tier: 'vip',
      vipTiers: ['gold', 'platinum'],
    });
    await agent(desk, {
      groups: [care.group, `vipdesk-${run}`],
      traits: { temperament: 'calm', hobby: 'chess' },
    });
    await agent(plain, { groups: [care.group], traits: { temperament: 'lively' } });
    // The shop knows the customer; an agent marks them gold with traits, before they write.
    const user = `vip-${run}`;
    const { contactId } = await ok('POST', `${urls.contacts}/v1/journey-events`, service, {
      kind: 'order-placed',
      externalId: `order-${run}`,
      source: 'shop',
      occurredAt: new Date().toISOString(),
      customer: { appUserId: user },
    });
    await ok('PATCH', `${urls.contacts}/v1/contacts/${contactId as string}`, agentAs(plain), {
      vipTier: 'gold',
      traits: { temperament: 'calm', hobby: 'chess' },
    });
    // A marker behind the profile change on the contact's stream: once the proactive rule opened its
    // ticket, the tickets service has read the tier and the traits before it.
    await ok('PUT', `${urls.tickets}/v1/proactive-rules`, admin, [lateShipmentRule]);
    await ok('POST', `${urls.contacts}/v1/journey-events`, service, {
      kind: 'order-shipped',
      externalId: `vip-late-${run}`,
      source: 'shop',
      occurredAt: new Date().toISOString(),
      customer: { appUserId: user },
      details: { delayDays: 4 },
    });
    await ticketWhere(logistics, (t) => t['contactId'] === contactId);

    const conversationId = await customerWrites(care.channelId, user, 'Where is my parcel?');
    const t = await ticketWhere(
      care.group,
      ofConversation(conversationId),
      (x) => x['assignee'] !== undefined,
    );
    expect(t['contactId']).toBe(contactId);
    expect(t['assignee']).toBe(desk);
    const reasons = t['assignmentReasons'] as { explanations: string[]; runnersUp: { agentId: string }[] };
    expect(reasons.explanations).toEqual(
      expect.arrayContaining(['gold customer to the VIP desk', 'shares traits: hobby, temperament']),
    );
    expect(reasons.runnersUp.map((r) => r.agentId)).toContain(plain);
    // Trait values are the customer's: the reasons name traits, never their values.
    expect(JSON.stringify(reasons)).not.toMatch(/calm|chess/);
    // The next ticket for the same customer (opened by an agent) goes back to the agent who served them.
    const opened = await ok('POST', `${urls.tickets}/v1/tickets`, agentAs(plain), {
      subject: 'Follow-up on the parcel',
      contactId,
      group: care.group,
    });
    const followUp = await ticketWhere(
      care.group,
      (t) => t['ticketId'] === opened['ticketId'],
      (t) => t['assignee'] !== undefined,
    );
    expect(followUp['assignee']).toBe(desk);
    expect((followUp['assignmentReasons'] as { explanations: string[] }).explanations).toContain(
      'served this customer before',
    );
  });

  it('never puts an agent past capacity when 20 tickets arrive at once on two replicas, and gives a freed slot to the oldest queued ticket', async () => {
    const agents = [`l1-${run}`, `l2-${run}`];
    for (const a of agents) await agent(a, { groups: [load.group], capacity: { default: 3 } });
    const base = Date.now() - 60_000;
    // 20 customers at once; their messages were sent a millisecond apart, oldest first.
    const conversations = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        customerWrites(
          load.channelId,
          `burst-${i}`,
          `order ${i} is missing`,
          new Date(base + i).toISOString(),
        ),
      ),
    );
    const all = async () =>
      (await ok('GET', `${urls.tickets}/v1/tickets?group=${load.group}&limit=100`, supervisor))[
        'tickets'
      ] as {
        ticketId: string;
        conversationId: string;
        assignee?: string;
        openedAt: string;
      }[];
    // What was last seen, so that a timeout says whether tickets were missing, unassigned or over capacity.
    let seen = 'nothing yet';
    const settled = await eventually(
      async () => {
        const page = await all();
        const perAgent = agents.map((a) => `${a}: ${page.filter((t) => t.assignee === a).length}`);
        seen = `${page.length} tickets, ${page.filter((t) => t.assignee).length} assigned (${perAgent.join(', ')})`;
        return page.length === 20 && page.filter((t) => t.assignee).length === 6 && page;
      },
      { timeoutMs: 60_000, what: '20 tickets, 6 of them assigned' },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last seen: ${seen}`);
    });
    // Decided on the agents' streams: no agent ever held more than 3 at a time, and no ticket was
    // assigned twice, whichever replica planned it.
    for (const a of agents) {
      let held = 0;
      let peak = 0;
      for (const e of await store.readStream(`agent-${a}`)) {
        if (e.type === 'tickets.agent-ticket-claimed.v1') held += 1;
        if (e.type === 'tickets.agent-ticket-released.v1') held -= 1;
        peak = Math.max(peak, held);
      }
      expect(peak).toBeLessThanOrEqual(3);
    }
    for (const t of settled)
      expect(
        (await typesOf(t.ticketId)).filter((x) => x === 'tickets.ticket-assigned.v1').length,
      ).toBeLessThanOrEqual(1);
    // A slot frees: the oldest ticket still queued is the one that takes it. Tickets opened in the same
    // millisecond (20 webhooks at once) are ordered by id, as the queue orders them.
    const queued = settled
      .filter((t) => !t.assignee)
      .sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.ticketId.localeCompare(b.ticketId));
    const held = settled.find((t) => t.assignee === agents[0]) as { ticketId: string };
    await ok('POST', `${urls.tickets}/v1/tickets/${held.ticketId}/status`, agentAs(agents[0] as string), {
      status: 'solved',
    });
    const oldest = await ticketWhere(
      load.group,
      (t) => t['ticketId'] === queued[0]?.ticketId,
      (t) => t['assignee'] !== undefined,
    );
    expect(oldest['assignee']).toBe(agents[0]);
    expect(conversations).toHaveLength(20);
  });

  it('fires an SLA breach that fell due while every tickets replica was killed with SIGKILL, once, after a restart', async () => {
    await ok('PUT', `${urls.tickets}/v1/sla-policies`, admin, {
      calendars: [],
      policies: [{ id: `fast-${run}`, when: { group: [sla.group] }, targets: { 'first-response': 1 } }],
    });
    // Sent 50 s ago: its first response is due about 10 s from now.
    const clockedTicket = async (user: string, sentAgoMs: number) => {
      const conversationId = await customerWrites(
        sla.channelId,
        user,
        'anyone there?',
        new Date(Date.now() - sentAgoMs).toISOString(),
      );
      return ticketWhere(sla.group, ofConversation(conversationId), (t) =>
        Boolean((t['clocks'] as Record<string, { dueAt?: string }> | undefined)?.['first-response']?.dueAt),
      );
    };
    const ticket = await clockedTicket('waiting-1', 50_000);
    const dueAt = (ticket['clocks'] as Record<string, { dueAt: string }>)['first-response']?.dueAt as string;
    expect(Date.parse(dueAt)).toBeGreaterThan(Date.now() + 2_000);

    for (const r of ['A', 'B'] as const) tickets[r]?.child.kill('SIGKILL');
    await Promise.all(
      (['A', 'B'] as const).map(
        (r) =>
          new Promise((done) =>
            tickets[r]?.child.exitCode !== null ? done(0) : tickets[r]?.child.once('exit', done),
          ),
      ),
    );
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(dueAt) - Date.now()) + 2_000));
    // Nothing was there to fire it while it fell due.
    expect(await typesOf(ticket.ticketId)).not.toContain('tickets.sla-breached.v1');

    const restarted = launchTickets('A');
    await readyServices([restarted], 90_000);
    const breached = await eventually(
      async () => {
        const events = (await store.readStream(`ticket-${ticket.ticketId}`)).filter(
          (e) => e.type === 'tickets.sla-breached.v1',
        );
        return events.length > 0 && events;
      },
      { timeoutMs: 30_000, what: 'the breach after the restart' },
    );
    expect(breached[0]?.data).toMatchObject({ metric: 'first-response', dueAt });
    // A second replica starts; a later ticket's breach is the marker that both have fired what was due.
    await readyServices([launchTickets('B')], 90_000);
    const marker = await clockedTicket('waiting-2', 57_000);
    await eventually(async () => (await typesOf(marker.ticketId)).includes('tickets.sla-breached.v1'), {
      timeoutMs: 30_000,
      what: "the marker's breach",
    });
    expect((await typesOf(ticket.ticketId)).filter((t) => t === 'tickets.sla-breached.v1')).toHaveLength(1);
    const board = await ticketWhere(sla.group, (t) => t['ticketId'] === ticket.ticketId);
    expect(board['breaches']).toBe(1);
  }, 240_000);

  it('rebuilds every tickets read model from position 0 into what the live path built', async () => {
    const mongo = await MongoClient.connect(ticketsMongoUrl);
    try {
      const views = mongo.db();
      const documents = (collection: string) =>
        views.collection(collection).find({}).sort({ _id: 1 }).toArray();
      for (const name of ['ticket-board', 'agent-board', 'routing-contacts']) {
        const live = (await new ProjectionState(views).get(name))?.active as string;
        // The live path has applied everything once two looks a moment apart agree.
        const before = await eventually(
          async () => {
            const first = JSON.stringify(await documents(live));
            await new Promise((r) => setTimeout(r, 500));
            const second = await documents(live);
            return JSON.stringify(second) === first && second;
          },
          { what: `${name} at rest` },
        );
        expect(before.length).toBeGreaterThan(0);
        const replay = spawnSync(
          process.execPath,
          [join(root, 'apps', 'tickets', 'dist', 'replay.js'), name],
          {
            cwd: root,
            env: { PATH: process.env['PATH'], EVENTSTORE_URL: db.url, MONGO_URL: ticketsMongoUrl },
            encoding: 'utf8',
          },
        );
        expect(replay.status).toBe(0);
        const rebuilt = (await new ProjectionState(views).get(name))?.active as string;
        expect(rebuilt).not.toBe(live);
        expect(await documents(rebuilt)).toEqual(before);
      }
    } finally {
      await mongo.close();
    }
  });
});
