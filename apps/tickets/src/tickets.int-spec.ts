import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PersonalDataEventStore } from '@journey/eventstore';
import {
  createServiceApp,
  issueLocalToken,
  loadServiceConfig,
  personalDataMasterKey,
  startServiceApp,
} from '@journey/platform';
import type { Role, ServiceConfig } from '@journey/platform';
import {
  eventually,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  startGroupsAtEnd,
  testInfrastructure,
  uniqueName,
} from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
// eslint-disable-next-line @nx/enforce-module-boundaries -- a cross-service spec (channels ↔ tickets over Kafka); it belongs in tools/e2e
import { channelsService } from '../../channels/src/channels.service';
// eslint-disable-next-line @nx/enforce-module-boundaries -- a cross-service spec (channels ↔ tickets over Kafka); it belongs in tools/e2e
import { signRequest } from '../../channels/src/webhooks/signed/signed-request';
// eslint-disable-next-line @nx/enforce-module-boundaries -- a cross-service spec (channels ↔ tickets over Kafka); it belongs in tools/e2e
import { startStandIn, writeChannelsConfig } from '../../channels/src/testing/channels-fixtures';
import { ticketsService } from './tickets.service';

// Tickets and channels run here in one process on one event store, talking only through Kafka, as
// they do deployed. Each test's channel id maps to its own group, so the tickets that other test
// runs left on the shared topics queue elsewhere.

const infra = testInfrastructure();
const run = randomBytes(3).toString('hex');
const partnerSecret = randomBytes(18).toString('base64url');
const partnerId = `partner-${run}`;
const group = `sales-${run}`;

let db: IsolatedDatabase;
let store: PersonalDataEventStore;
let channelsApp: INestApplication;
const tickets: INestApplication[] = [];
let ticketsBase: string;
let channelsBase: string;
let ticketsConfig: ServiceConfig;
let partner: Awaited<ReturnType<typeof startStandIn>>;
const keyFile = join(mkdtempSync(join(tmpdir(), 'journey-tickets-key-')), 'key.json');

const token = (subject: string, ...roles: Role[]) =>
  issueLocalToken({ ...ticketsConfig.auth, keyFile, subject, roles, expiresIn: '1h' });
const api = () => request(ticketsBase);
const as = async (subject: string, ...roles: Role[]) => ({
  authorization: `Bearer ${await token(subject, ...roles)}`,
});

function serviceConfig(service: 'tickets' | 'channels', suffix = ''): ServiceConfig {
  return loadServiceConfig(service, {
    LOG_LEVEL: 'silent',
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_CONSUMER_GROUP: `${uniqueName(`${service}-spec`)}${suffix}`,
    EVENTSTORE_URL: db.url,
    MONGO_URL: isolatedMongoUrl(infra, `${service}_spec`),
    AUTH_LOCAL_KEY_FILE: keyFile,
  });
}

async function startTickets(config: ServiceConfig): Promise<INestApplication> {
  const app = await createServiceApp(ticketsService, config);
  await startServiceApp(app, { ...config, http: { ...config.http, port: 0 } });
  tickets.push(app);
  return app;
}
const baseOf = (app: INestApplication) =>
  `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;

/** A customer message on the partner channel (sentAt in the past backdates it). */
async function customerWrites(user: string, text: string, sentAt?: string): Promise<string> {
  const raw = JSON.stringify({
    idempotencyKey: randomUUID(),
    user: { id: user },
    text,
    ...(sentAt ? { sentAt } : {}),
  });
  const { body } = await request(channelsBase)
    .post(`/v1/webhooks/api/${partnerId}`)
    .set({ 'content-type': 'application/json', ...signRequest(partnerSecret, raw) })
    .send(raw)
    .expect(200);
  return body.conversationId as string;
}

/** The ticket board's view of a conversation's ticket, once it shows what `ready` asks. */
async function ticketOf(conversationId: string, ready: (t: Record<string, unknown>) => boolean = () => true) {
  const headers = await as('sup', 'supervisor');
  return eventually(
    async () => {
      const { body } = await api().get(`/v1/tickets?group=${group}&limit=100`).set(headers);
      const summary = (body.tickets as Record<string, unknown>[] | undefined)?.find(
        (t) => t['conversationId'] === conversationId,
      );
      if (!summary) return false;
      const detail = (
        await api()
          .get(`/v1/tickets/${summary['ticketId'] as string}`)
          .set(headers)
      ).body as Record<string, unknown>;
      return ready(detail) && detail;
    },
    { timeoutMs: 30_000 },
  );
}

async function agent(
  agentId: string,
  profile: Record<string, unknown>,
  presence: 'online' | 'away' | 'offline' = 'online',
) {
  const admin = await as('admin-1', 'admin');
  await api()
    .put(`/v1/agents/${agentId}`)
    .set(admin)
    .send({ groups: [group], capacity: { default: 5 }, ...profile })
    .expect(200);
  await api().put(`/v1/agents/${agentId}/presence`).set(admin).send({ presence }).expect(200);
}

beforeAll(async () => {
  db = await isolatedPostgresDatabase(infra, 'tickets');
  const channelsConfig = serviceConfig('channels');
  store = await PersonalDataEventStore.connectPostgres({
    connectionString: db.url,
    masterKey: await personalDataMasterKey(channelsConfig.personalData),
  });
  partner = await startStandIn(() => ({ status: 200, json: {} }));
  process.env['CHANNELS_CONFIG_FILE'] = writeChannelsConfig({
    email: { webhookSecret: partnerSecret, trustedAuthservIds: [], attachmentMaxBytes: 1024, inboxes: [] },
    wechat: [],
    api: [{ id: partnerId, kind: 'partner-api', secret: partnerSecret, callbackUrl: partner.url }],
    voice: [],
    chat: [],
  });
  process.env['TICKETS_CHANNEL_GROUPS'] = `${partnerId}=${group}`;
  process.env['TICKETS_DISPATCH_INTERVAL_MS'] = '300';
  process.env['TICKETS_TIMER_POLL_MS'] = '100';
  await startGroupsAtEnd(
    infra.kafkaBrokers,
    [`${channelsConfig.kafka.consumerGroup}-ticket-replies`],
    ['journey.tickets.v1'],
  );
  channelsApp = await createServiceApp(channelsService, channelsConfig);
  await startServiceApp(channelsApp, { ...channelsConfig, http: { ...channelsConfig.http, port: 0 } });
  channelsBase = baseOf(channelsApp);
  ticketsConfig = serviceConfig('tickets');
  const g = ticketsConfig.kafka.consumerGroup;
  await startGroupsAtEnd(
    infra.kafkaBrokers,
    ['intake', 'contacts', 'routing', 'timers', 'ticket-board', 'agent-board', 'routing-contacts'].map(
      (s) => `${g}-${s}`,
    ),
    ['journey.channels.v1', 'journey.contacts.v1', 'journey.tickets.v1'],
  );
  ticketsBase = baseOf(await startTickets(ticketsConfig));
}, 120_000);

afterAll(async () => {
  for (const app of tickets) await app.close();
  await channelsApp?.close();
  await partner?.close();
  await store?.close();
  await db?.drop();
  for (const v of [
    'CHANNELS_CONFIG_FILE',
    'TICKETS_CHANNEL_GROUPS',
    'TICKETS_DISPATCH_INTERVAL_MS',
    'TICKETS_TIMER_POLL_MS',
  ])
    delete process.env[v];
}, 60_000);

describe('tickets', () => {
  it('opens a ticket from a channels message, assigns it with its reasons, and channels delivers the reply', async () => {
    await agent(`ann-${run}`, { languages: ['en'], skills: ['billing'] });
    const conversationId = await customerWrites('u-1', 'My invoice is wrong');
    const ticket = await ticketOf(conversationId, (t) => t['assignee'] !== undefined).catch(
      async (err: unknown) => {
        const all = await store.readAll({});
        process.stderr.write(
          `DEBUG ${JSON.stringify(all.map((e) => [e.streamId.slice(0, 20), e.type, e.type.includes('ticket') ? e.data : '']))}\n`,
        );
        throw err;
      },
    );
    expect(ticket).toMatchObject({
      status: 'open',
      group,
      channel: 'partner-api',
      subject: 'My invoice is wrong',
      assignee: `ann-${run}`,
    });
    const reasons = ticket['assignmentReasons'] as { score: number; explanations: string[] };
    expect(reasons.explanations).toContain('load 0/5');
    // A second message of the conversation joins the same ticket.
    await customerWrites('u-1', 'Invoice 42');
    const joined = await ticketOf(
      conversationId,
      (t) =>
        (t['timeline'] as unknown[]).filter((l) => (l as { kind: string }).kind === 'customer-message')
          .length === 2,
    );
    expect(joined['ticketId']).toBe(ticket['ticketId']);

    const reply = await api()
      .post(`/v1/tickets/${ticket['ticketId'] as string}/replies`)
      .set(await as(`ann-${run}`, 'agent'))
      .send({ text: 'We are fixing invoice 42', clientMessageId: 'c-1' })
      .expect(201);
    await api()
      .post(`/v1/tickets/${ticket['ticketId'] as string}/notes`)
      .set(await as(`ann-${run}`, 'agent'))
      .send({ text: 'internal: customer is upset' })
      .expect(201);
    await eventually(() => partner.calls.some((c) => c.body.includes('We are fixing invoice 42')), {
      timeoutMs: 30_000,
    });
    const delivered = await ticketOf(
      conversationId,
      (t) =>
        (t['replies'] as Record<string, { delivery: string }> | undefined)?.[reply.body.replyId]?.delivery ===
        'delivered',
    );
    const kinds = (delivered['timeline'] as { kind: string }[]).map((l) => l.kind);
    expect(kinds).toEqual(expect.arrayContaining(['opened', 'customer-message', 'assigned', 'reply']));
    // The internal note never left the ticket.
    expect(partner.calls.some((c) => c.body.includes('upset'))).toBe(false);
  });

  it('refuses bad input with a 4xx and writes nothing', async () => {
    const agentHeaders = await as('a-x', 'agent');
    const admin = await as('admin-1', 'admin');
    await api().post('/v1/tickets').set(agentHeaders).send({ priority: 'urgent' }).expect(400);
    await api()
      .post('/v1/tickets')
      .set(agentHeaders)
      .send({ subject: 'x', group: 'Not A Handle' })
      .expect(400);
    await api().post('/v1/tickets').send({ subject: 'x' }).expect(401);
    await api()
      .put('/v1/sla-policies')
      .set(admin)
      .send({ policies: [{ id: 'p', calendarId: 'nowhere', targets: { resolution: 60 } }] })
      .expect(400);
    await api().put('/v1/sla-policies').set(agentHeaders).send({ policies: [] }).expect(403);
    await api().post(`/v1/tickets/${randomUUID()}/replies`).set(agentHeaders).send({ text: 'x' }).expect(404);
    await api().post('/v1/csat/not-a-token').send({ score: 5 }).expect(404);
    expect(await store.readStream('sla-policy-book')).toEqual([]);
  });
});
