import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresEventStore } from '@journey/eventstore';
import { KafkaJsMessageBus, toMessage } from '@journey/messaging';
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

// Channels, contacts and knowledge as processes from their built output on one event store, talking
// only through Kafka: a customer's message on a partner channel is answered with a published article
// (channels delivers the answer to the partner's callback) only when the policy allows it; otherwise
// it is handed off with the suggestions, which an agent reads from knowledge.
const infra = testInfrastructure();
const run = randomBytes(3).toString('hex');
const keyFile = join(mkdtempSync(join(tmpdir(), 'journey-knowledge-e2e-')), 'key.json');
const secret = randomBytes(18).toString('base64url');
const ports = { channels: 3251, contacts: 3252, knowledge: 3253 };
const urls = {
  channels: `http://127.0.0.1:${ports.channels}`,
  contacts: `http://127.0.0.1:${ports.contacts}`,
  knowledge: `http://127.0.0.1:${ports.knowledge}`,
};
const partnerChannel = `kb-partner-${run}`;
const appChannel = `kb-app-${run}`;
const groups = {
  channels: uniqueName('kb-e2e-channels'),
  contacts: uniqueName('kb-e2e-contacts'),
  knowledge: uniqueName('kb-e2e-knowledge'),
};
// A product this run names, so that earlier runs' articles never match its questions.
const gadget = `zorblex${run.replace(/[0-9]/g, '')}`;

let db: IsolatedDatabase;
let store: PostgresEventStore;
let partner: { url: string; calls: string[]; close(): Promise<void> };
const bus = new KafkaJsMessageBus({ clientId: 'knowledge-e2e', brokers: infra.kafkaBrokers });
const services: ServiceProcess[] = [];

const admin = { subject: 'admin-1', roles: ['admin'] as Role[] };
const agent = { subject: 'ann', roles: ['agent'] as Role[] };
const service = { subject: 'shop', roles: ['service'] as Role[] };

async function call(method: string, url: string, as: { subject: string; roles: Role[] }, body?: unknown) {
  const token = await issueLocalToken({
    keyFile,
    issuer: 'journey-local',
    audience: 'journey',
    subject: as.subject,
    roles: as.roles,
    expiresIn: '1h',
  });
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
async function ok(method: string, url: string, as: { subject: string; roles: Role[] }, body?: unknown) {
  const res = await call(method, url, as, body);
  if (res.status >= 300) throw new Error(`${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A customer message on a signed webhook channel (partner API or app). */
async function customerWrites(channelId: string, user: string, text: string): Promise<string> {
  const body = JSON.stringify({ idempotencyKey: randomUUID(), user: { id: user }, text });
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
  expect(res.status).toBe(200);
  return ((await res.json()) as { conversationId: string }).conversationId;
}

type Decision = {
  messageId: string;
  decision: string;
  reasons: string[];
  suggestions: { articleId: string }[];
};

/** The conversation's auto-answer decisions, from its stream in the event store. */
const decisionsOf = async (conversationId: string) =>
  (await store.readStream(`kb-answers-${conversationId}`)).map((e) => e.data as Decision);

/** Waits for the conversation's n-th decision and returns it. */
const decision = (conversationId: string, n: number) =>
  eventually(async () => (await decisionsOf(conversationId))[n - 1], {
    timeoutMs: 30_000,
    what: `decision ${n} of the conversation`,
  });

async function publish(locale: string, title: string, body: string, extra: Record<string, unknown> = {}) {
  const created = await ok('POST', `${urls.knowledge}/v1/articles`, admin, {
    locale,
    title,
    body,
    audience: 'public',
    ...extra,
  });
  const id = created['articleId'] as string;
  await ok('POST', `${urls.knowledge}/v1/articles/${id}/locales/${locale}/publication`, admin, {
    skipReview: true,
  });
  return id;
}

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

let returnsArticle: string;

beforeAll(async () => {
  db = await isolatedPostgresDatabase(infra, 'knowledge_e2e');
  store = await PostgresEventStore.connect({ connectionString: db.url });
  partner = await startPartner();
  const configFile = join(mkdtempSync(join(tmpdir(), 'journey-knowledge-e2e-cfg-')), 'channels.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      api: [
        { id: partnerChannel, kind: 'partner-api', secret, callbackUrl: `${partner.url}/${partnerChannel}` },
        { id: appChannel, kind: 'app', secret },
      ],
    }),
  );
  await startGroupsAtEnd(
    infra.kafkaBrokers,
    [
      ...consumerGroupsOf('channels', groups.channels),
      ...consumerGroupsOf('contacts', groups.contacts),
      ...consumerGroupsOf('knowledge', groups.knowledge),
    ],
    ['journey.channels.v1', 'journey.contacts.v1', 'journey.tickets.v1', 'journey.knowledge.v1'],
  );
  const common = {
    LOG_LEVEL: 'warn',
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    EVENTSTORE_URL: db.url,
    AUTH_LOCAL_KEY_FILE: keyFile,
  };
  services.push(
    launchService('channels', ports.channels, {
      ...common,
      KAFKA_CONSUMER_GROUP: groups.channels,
      MONGO_URL: isolatedMongoUrl(infra, 'knowledge_e2e_channels'),
      CHANNELS_CONFIG_FILE: configFile,
    }),
    launchService('contacts', ports.contacts, {
      ...common,
      KAFKA_CONSUMER_GROUP: groups.contacts,
      MONGO_URL: isolatedMongoUrl(infra, 'knowledge_e2e_contacts'),
    }),
    launchService('knowledge', ports.knowledge, {
      ...common,
      KAFKA_CONSUMER_GROUP: groups.knowledge,
      MONGO_URL: isolatedMongoUrl(infra, 'knowledge_e2e_knowledge'),
      KNOWLEDGE_PORTAL_URL: 'https://help.example.test/articles',
    }),
  );
  await readyServices(services, 90_000);
  await ok('PUT', `${urls.knowledge}/v1/settings/answer-policy`, admin, {
    enabled: true,
    threshold: 0.6,
    humanOnlyVipTiers: ['gold', 'platinum'],
    products: [{ product: `${gadget}-pro`, flags: ['new'], names: [`${gadget} pro`] }],
    personPhrases: ['人工', 'agent', 'real person'],
  });
  await eventually(
    async () =>
      ((await ok('GET', `${urls.knowledge}/v1/settings/answer-policy`, agent))['threshold'] as number) ===
      0.6,
    { what: 'the policy applied' },
  );
  returnsArticle = await publish(
    'en',
    `Return a ${gadget} parcel`,
    `To return a ${gadget} parcel, open your order, choose **Return** and print the label. Refunds take five days.`,
  );
  await publish('zh-CN', `${gadget} 退货运费`, `${gadget} 退货运费由我们承担，请在订单页申请退货。`);
  await eventually(
    async () => ((await ok('GET', `${urls.knowledge}/v1/search?q=${gadget}`, agent))['total'] as number) >= 2,
    { what: 'the articles searchable' },
  );
}, 180_000);

afterAll(async () => {
  await stopServices(services.filter((s) => s.child.exitCode === null && s.child.signalCode === null));
  await bus.close();
  await partner?.close();
  await store?.close();
  await db?.drop();
}, 60_000);

describe('auto-answer across channels, contacts and knowledge', () => {
  it('answers a confident question on its channel once, even when the message is delivered twice; an hour-old one and the next go to a person', async () => {
    const user = `asker-${run}`;
    const conversationId = await customerWrites(partnerChannel, user, `return ${gadget} parcel`);
    const first = await decision(conversationId, 1);
    expect(first).toMatchObject({ decision: 'answered', reasons: ['confident-match'] });
    // Channels delivered the answer to the partner: the article's title, its opening and its link.
    const delivered = await eventually(
      () => partner.calls.find((c) => c.includes(`Return a ${gadget} parcel`)),
      { what: 'the answer delivered to the partner' },
    );
    expect(delivered).toContain(`https://help.example.test/articles/${returnsArticle}?locale=en`);

    // The same Kafka message again (a redelivery): no second decision, no second answer.
    const [received] = (await store.readStream(`conversation-${conversationId}`)).filter(
      (e) => e.type === 'channels.message-received.v1',
    );
    const recorded = received as Parameters<typeof toMessage>[0];
    // And an hour-old message (as after an outage, or a first start on a topic with history): no late answer.
    const old = {
      ...recorded,
      id: randomUUID(),
      data: {
        ...(recorded.data as Record<string, unknown>),
        messageId: randomUUID(),
        receivedAt: new Date(Date.now() - 3_600_000).toISOString(),
      },
    };
    await bus.publish([toMessage(recorded), toMessage(old)]);
    // A marker behind them on the same conversation (same partition): once it is decided, the copies were read.
    await customerWrites(partnerChannel, user, `return ${gadget} parcel again please`);
    const marker = await decision(conversationId, 3);
    const [, late] = await decisionsOf(conversationId);
    // The redelivery decided nothing; the hour-old message went to a person, and so does the next one
    // (never twice in a row, and a person has the conversation now).
    expect(late).toMatchObject({ messageId: old.data.messageId, decision: 'handed-off' });
    expect(late?.reasons).toEqual(expect.arrayContaining(['message-too-old', 'answered-last-time']));
    expect(marker).toMatchObject({ decision: 'handed-off', reasons: ['handed-off-earlier'] });
    expect(await decisionsOf(conversationId)).toHaveLength(3);
    expect(partner.calls.filter((c) => c.includes(`Return a ${gadget} parcel`))).toHaveLength(1);

    // The agent who takes it over sees the hand-off with the article suggested.
    // (A read model: it shows the second decision a moment after the store has it.)
    const seen = await eventually(
      async () => {
        const body = await ok(
          'GET',
          `${urls.knowledge}/v1/conversations/${conversationId}/suggestions`,
          agent,
        );
        return body['handedOff'] === 2 && body;
      },
      { what: 'the hand-offs in the suggestions' },
    );
    expect(seen).toMatchObject({ answered: 1, handedOff: 2, last: { decision: 'handed-off' } });
    expect((seen['last'] as Decision).suggestions.map((s) => s.articleId)).toContain(returnsArticle);
  });

  it('hands off a request for a person, and keeps handing off that conversation; answers Chinese in Chinese', async () => {
    const conversationId = await customerWrites(partnerChannel, `person-${run}`, `转人工 ${gadget} 退货运费`);
    const first = await decision(conversationId, 1);
    expect(first.decision).toBe('handed-off');
    expect(first.reasons).toContain('asked-for-person');
    await customerWrites(partnerChannel, `person-${run}`, `${gadget} 退货运费`);
    const second = await decision(conversationId, 2);
    expect(second.decision).toBe('handed-off');
    expect(second.reasons).toContain('asked-for-person-earlier');

    const chinese = await customerWrites(partnerChannel, `zh-${run}`, `${gadget} 退货运费`);
    expect(await decision(chinese, 1)).toMatchObject({ decision: 'answered' });
  });

  it('hands off a gold customer, a flagged product and a question nothing answers well, with the reasons', async () => {
    // The shop knows the customer and an agent marked them gold before they write.
    const user = `gold-${run}`;
    const { contactId } = await ok('POST', `${urls.contacts}/v1/journey-events`, service, {
      kind: 'order-placed',
      externalId: `kb-order-${run}`,
      source: 'shop',
      occurredAt: new Date().toISOString(),
      customer: { appUserId: user },
    });
    await ok('PATCH', `${urls.contacts}/v1/contacts/${contactId as string}`, agent, { vipTier: 'gold' });
    const gold = await customerWrites(appChannel, user, `return ${gadget} parcel`);
    const vip = await decision(gold, 1);
    expect(vip.decision).toBe('handed-off');
    expect(vip.reasons).toContain('vip-customer');
    expect(vip.suggestions.map((s) => s.articleId)).toContain(returnsArticle);

    const flagged = await customerWrites(partnerChannel, `new-${run}`, `return ${gadget} pro parcel`);
    expect((await decision(flagged, 1)).reasons).toContain('flagged-product');

    const vague = await customerWrites(partnerChannel, `vague-${run}`, `${gadget} warranty extension abroad`);
    const weak = await decision(vague, 1);
    expect(weak.decision).toBe('handed-off');
    expect(weak.reasons).toContain('below-threshold');
  });
});
