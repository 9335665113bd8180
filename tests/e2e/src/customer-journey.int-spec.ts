import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { issueLocalToken } from '@journey/platform';
import type { Role } from '@journey/platform';
import {
  eventually,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  testInfrastructure,
  uniqueName,
} from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { postDkimEmail, postWechatText } from './support/customer-messages';
import { launchService, readyServices, stopServices } from './support/service-processes';
import type { ServiceProcess } from './support/service-processes';

// The customer's journey through two services run as processes from their built output, talking
// only through Kafka: channels takes the customer's messages, contacts builds the unified view.
const infra = testInfrastructure();
const secret = () => randomBytes(18).toString('base64url');
const keyFile = join(mkdtempSync(join(tmpdir(), 'journey-scenario-')), 'key.json');
const channelsUrl = 'http://127.0.0.1:3211';
const contactsUrl = 'http://127.0.0.1:3212';
const channels = {
  email: {
    webhookSecret: secret(),
    trustedAuthservIds: ['mx.example.com'],
    inboxes: [{ id: 'support', address: 'support@example.com', smtpUrl: 'smtp://127.0.0.1:1' }],
  },
  wechat: [
    { id: 'oa', appId: 'wx-scenario', appSecret: secret(), token: 'tok3n', apiBaseUrl: 'http://127.0.0.1:1' },
  ],
  api: [],
  voice: [],
  chat: [{ id: 'website', visitorTokenSecret: secret(), identitySecret: secret() }],
};
/** What the shop's site, where the customer is signed in, passes with identify (identity verification). */
const identityHash = (email: string) =>
  createHmac('sha256', channels.chat[0]!.identitySecret).update(email).digest('hex');
let db: IsolatedDatabase;
const children: ServiceProcess[] = [];

function launch(name: 'channels' | 'contacts', port: number, configFile: string) {
  children.push(
    launchService(name, port, {
      LOG_LEVEL: 'warn',
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      KAFKA_CONSUMER_GROUP: uniqueName(`scenario-${name}`),
      EVENTSTORE_URL: db.url,
      MONGO_URL: isolatedMongoUrl(infra, `scenario_${name}`),
      AUTH_LOCAL_KEY_FILE: keyFile,
      CHANNELS_CONFIG_FILE: configFile,
      // 24 journeys at once from one test client: more than one client's default budget.
      RATE_LIMIT_PER_SECOND: '2000',
      RATE_LIMIT_BURST: '4000',
    }),
  );
}

const token = (...roles: Role[]) =>
  issueLocalToken({
    keyFile,
    issuer: 'journey-local',
    audience: 'journey',
    subject: 'scenario',
    roles,
    expiresIn: '1h',
  });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  db = await isolatedPostgresDatabase(infra, 'scenario');
  const configFile = join(mkdtempSync(join(tmpdir(), 'journey-scenario-cfg-')), 'channels.json');
  writeFileSync(configFile, JSON.stringify(channels));
  launch('channels', 3211, configFile);
  launch('contacts', 3212, configFile);
  await readyServices(children);
});

afterAll(async () => {
  if (process.env['E2E_DUMP'])
    for (const c of children) writeFileSync(`${process.env['E2E_DUMP']}-${c.name}.log`, c.output());
  await stopServices(children);
  if (!process.env['E2E_DUMP']) await db?.drop();
});

describe('one customer across web chat, commerce, email and WeChat', () => {
  it('gives one contact whose view holds the whole journey in order, pre-sale to post-sale', async () => {
    const email = `li.wei.${randomUUID().slice(0, 8)}@customer.example`;
    const openid = `o-${randomUUID()}`;
    const agent = `Bearer ${await token('agent')}`;
    const service = `Bearer ${await token('service')}`;

    // Pre-sale: an anonymous visitor chats, then signs in on the shop's site, which identifies them.
    const session = (await request(channelsUrl).post('/v1/chat/website/sessions').send({}).expect(200)).body;
    await request(channelsUrl)
      .post('/v1/chat/website/messages')
      .set('x-visitor-token', session.token)
      .send({ clientMessageId: 'c-1', text: 'Do you ship the X200 to Shanghai?' })
      .expect(200);
    await pause(20);
    await request(channelsUrl)
      .post('/v1/chat/website/identify')
      .set('x-visitor-token', session.token)
      .send({ email, name: 'Li Wei', identityHash: identityHash(email) })
      .expect(200);
    const contactId = (
      await eventually(async () => {
        const res = await request(contactsUrl)
          .get('/v1/contacts/lookup')
          .query({ visitorId: session.visitorId })
          .set('authorization', agent);
        return res.status === 200 && res.body;
      })
    ).contactId as string;

    // The email the site vouched for is on the contact before the shop reports anything about it.
    await eventually(async () => {
      const res = await request(contactsUrl)
        .get('/v1/contacts/lookup')
        .query({ email })
        .set('authorization', agent);
      return res.status === 200 && res.body.contactId === contactId;
    });

    // In-sale: the shop reports the order (with the customer's WeChat login) and its delivery.
    await pause(20);
    const order = {
      kind: 'order-placed',
      externalId: `order-${randomUUID()}`,
      source: 'shop',
      occurredAt: new Date().toISOString(),
      customer: { email, wechatOpenId: openid },
      details: { total: 4999, currency: 'CNY' },
    };
    const placed = await request(contactsUrl)
      .post('/v1/journey-events')
      .set('authorization', service)
      .send(order)
      .expect(200);
    expect(placed.body).toEqual({ contactId, recorded: true });
    expect(
      (
        await request(contactsUrl)
          .post('/v1/journey-events')
          .set('authorization', service)
          .send(order)
          .expect(200)
      ).body,
    ).toEqual({
      contactId,
      recorded: false,
    });
    await request(contactsUrl).post('/v1/journey-events').set('authorization', agent).send(order).expect(403);
    await request(contactsUrl)
      .post('/v1/journey-events')
      .set('authorization', service)
      .send({ ...order, kind: 'order-teleported' })
      .expect(400);
    await pause(20);
    await request(contactsUrl)
      .post('/v1/journey-events')
      .set('authorization', service)
      .send({ ...order, kind: 'order-delivered', occurredAt: new Date().toISOString() })
      .expect(200);

    // Post-sale: an email (DKIM-attested), then an answer on WeChat.
    await pause(20);
    await postDkimEmail(channelsUrl, channels.email.webhookSecret, {
      from: `Li Wei <${email}>`,
      subject: 'X200 screen cracked',
      text: 'The screen arrived cracked.',
    });
    await pause(1_100); // WeChat's CreateTime has whole seconds
    await postWechatText(channelsUrl, {
      openid,
      text: '换一台可以吗?',
      nonce: 'n1',
      msgId: String(Date.now()),
    });

    const view = await eventually(
      async () => {
        const res = await request(contactsUrl)
          .get(`/v1/contacts/${contactId}/view`)
          .set('authorization', agent);
        return res.status === 200 && res.body.timelineSize === 9 && res.body;
      },
      { timeoutMs: 30_000, what: 'the whole journey in the view' },
    );
    expect(view).toMatchObject({
      contactId,
      stage: 'post-sale',
      channels: ['email', 'web-chat', 'wechat'],
      // None was set: the channel the customer last wrote from.
      preferredChannel: { channel: 'wechat', inferred: true },
    });
    expect(view.identities).toEqual(
      expect.arrayContaining([
        { kind: 'visitor-id', value: session.visitorId, verified: true },
        { kind: 'email', value: email, verified: true },
        { kind: 'wechat-openid', value: openid, verified: true },
      ]),
    );
    for (const [param, value] of [
      ['email', email],
      ['wechatOpenId', openid],
    ] as const)
      expect(
        (
          await request(contactsUrl)
            .get('/v1/contacts/lookup')
            .query({ [param]: value })
            .set('authorization', agent)
        ).body,
      ).toEqual({ contactId });

    const first = await request(contactsUrl)
      .get(`/v1/contacts/${contactId}/timeline`)
      .query({ limit: 5 })
      .set('authorization', agent)
      .expect(200);
    const rest = await request(contactsUrl)
      .get(`/v1/contacts/${contactId}/timeline`)
      .query({ cursor: first.body.nextCursor, limit: 5 })
      .set('authorization', agent)
      .expect(200);
    expect(rest.body.nextCursor).toBeUndefined();
    const timeline = [...first.body.entries, ...rest.body.entries] as {
      kind: string;
      channel?: string;
      summary?: string;
    }[];
    expect(timeline.map((e) => (e.channel ? `${e.channel}:${e.kind}` : e.kind))).toEqual([
      'web-chat:conversation-started',
      'web-chat:message-received',
      'web-chat:visitor-identified',
      'order-placed',
      'order-delivered',
      'email:conversation-started',
      'email:message-received',
      'wechat:conversation-started',
      'wechat:message-received',
    ]);
    expect(timeline[6]!.summary).toBe('The screen arrived cracked.');
    expect(timeline[8]!.summary).toBe('换一台可以吗?');
  });

  it('ends with one contact in every order of arrival of the chat, the order, the email and the WeChat message', async () => {
    type Step = 'chat' | 'order' | 'email' | 'wechat';
    const permutations = (items: Step[]): Step[][] =>
      items.length <= 1
        ? [items]
        : items.flatMap((first, i) =>
            permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [first, ...rest]),
          );
    const agent = `Bearer ${await token('agent')}`;
    const service = `Bearer ${await token('service')}`;
    const lookup = async (query: Record<string, string>) => {
      const res = await request(contactsUrl)
        .get('/v1/contacts/lookup')
        .query(query)
        .set('authorization', agent);
      return res.status === 200 ? (res.body.contactId as string) : undefined;
    };
    const journeys = permutations(['chat', 'order', 'email', 'wechat']).map((order, n) => ({
      order,
      email: `arrival-${n}-${randomUUID().slice(0, 8)}@customer.example`,
      openid: `o-${randomUUID()}`,
      visitorId: '',
    }));
    expect(journeys).toHaveLength(24);
    const steps: Record<Step, (j: (typeof journeys)[number], n: number) => Promise<void>> = {
      async chat(j) {
        const session = (await request(channelsUrl).post('/v1/chat/website/sessions').send({}).expect(200))
          .body;
        j.visitorId = session.visitorId;
        await request(channelsUrl)
          .post('/v1/chat/website/messages')
          .set('x-visitor-token', session.token)
          .send({ clientMessageId: 'c-1', text: 'Is the X200 in stock?' })
          .expect(200);
        await request(channelsUrl)
          .post('/v1/chat/website/identify')
          .set('x-visitor-token', session.token)
          .send({ email: j.email, identityHash: identityHash(j.email) })
          .expect(200);
      },
      async order(j) {
        await request(contactsUrl)
          .post('/v1/journey-events')
          .set('authorization', service)
          .send({
            kind: 'order-placed',
            externalId: `order-${randomUUID()}`,
            source: 'shop',
            occurredAt: new Date().toISOString(),
            customer: { email: j.email, wechatOpenId: j.openid },
          })
          .expect(200);
      },
      async email(j) {
        await postDkimEmail(channelsUrl, channels.email.webhookSecret, {
          from: `<${j.email}>`,
          subject: 'Delivery date',
          text: 'When will it arrive?',
        });
      },
      async wechat(j, n) {
        await postWechatText(channelsUrl, {
          openid: j.openid,
          text: '到了吗?',
          nonce: `arrival-${n}-${randomUUID().slice(0, 8)}`,
          msgId: `${Date.now()}${n}`,
        });
      },
    };
    // Each journey's steps one after the other, each waiting until the one before is resolved, so
    // that the order of arrival is the one intended; the journeys themselves run side by side.
    const settled: Record<Step, (j: (typeof journeys)[number]) => Promise<unknown>> = {
      chat: (j) =>
        eventually(() => lookup({ visitorId: j.visitorId }), { timeoutMs: 30_000, intervalMs: 250 }),
      order: (j) =>
        eventually(() => lookup({ wechatOpenId: j.openid }), { timeoutMs: 30_000, intervalMs: 250 }),
      email: (j) => eventually(() => lookup({ email: j.email }), { timeoutMs: 30_000, intervalMs: 250 }),
      wechat: (j) =>
        eventually(() => lookup({ wechatOpenId: j.openid }), { timeoutMs: 30_000, intervalMs: 250 }),
    };
    await Promise.all(
      journeys.map(async (j, n) => {
        for (const step of j.order) {
          await steps[step](j, n);
          await settled[step](j);
        }
      }),
    );
    for (const j of journeys) {
      const contactId = await eventually(
        async () => {
          const ids = new Set([
            await lookup({ visitorId: j.visitorId }),
            await lookup({ email: j.email }),
            await lookup({ wechatOpenId: j.openid }),
          ]);
          return ids.size === 1 && [...ids][0];
        },
        { timeoutMs: 30_000, what: `one contact after ${j.order.join(' → ')}` },
      );
      const view = await eventually(
        async () => {
          const res = await request(contactsUrl)
            .get(`/v1/contacts/${contactId}/view`)
            .set('authorization', agent);
          return res.status === 200 && res.body.timelineSize === 8 && res.body;
        },
        { timeoutMs: 30_000, what: `the whole journey after ${j.order.join(' → ')}` },
      );
      expect(view.mergedInto).toBeUndefined();
      expect(view.channels).toEqual(['email', 'web-chat', 'wechat']);
    }
  }, 240_000);

  it('refuses the view without a token, and bad lookups and cursors with a reason', async () => {
    const agent = `Bearer ${await token('agent')}`;
    await request(contactsUrl).get(`/v1/contacts/${randomUUID()}/view`).expect(401);
    await request(contactsUrl)
      .get(`/v1/contacts/${randomUUID()}/view`)
      .set('authorization', agent)
      .expect(404);
    const both = await request(contactsUrl)
      .get('/v1/contacts/lookup')
      .query({ email: 'a@b.example', phone: '+8613800000000' })
      .set('authorization', agent)
      .expect(400);
    expect(both.body.message).toMatch(/exactly one of/);
    await request(contactsUrl)
      .get(`/v1/contacts/${randomUUID()}/timeline`)
      .query({ cursor: '-3' })
      .set('authorization', agent)
      .expect(400);
  });
});
