import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { WebSocket } from 'ws';
import { PersonalDataEventStore, START } from '@journey/eventstore';
import type { RecordedEvent } from '@journey/eventstore';
import { DeadLetters, KafkaJsMessageBus, toMessage } from '@journey/messaging';
import {
  createServiceApp,
  issueLocalToken,
  loadServiceConfig,
  openApiProblems,
  personalDataMasterKey,
  startServiceApp,
} from '@journey/platform';
import type { Role, ServiceConfig } from '@journey/platform';
import {
  committedEventCount,
  eventually,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  testInfrastructure,
  uniqueName,
} from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { channelsService } from './channels.service';
import type { ChannelsConfig } from './channel-config/channels-config';
import { startSmtpSink, startStandIn, writeChannelsConfig } from './testing/channels-fixtures';
import { WechatCipher, wechatSignature } from './webhooks/wechat/wechat-crypto';
import { buildWechatXml, parseWechatXml } from './webhooks/wechat/wechat-xml';
import { signRequest } from './webhooks/signed/signed-request';

const infra = testInfrastructure();
const secret = () => randomBytes(18).toString('base64url');
const AES = randomBytes(32).toString('base64').replace(/[+/=]/g, 'A').slice(0, 43);

let db: IsolatedDatabase;
/** The store as the service reads it: personal fields opened. */
let store: PersonalDataEventStore;
let app: INestApplication;
let base: string;
let config: ServiceConfig;
let channels: ChannelsConfig;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let wechatApi: Awaited<ReturnType<typeof startStandIn>>;
let partner: Awaited<ReturnType<typeof startStandIn>>;
let brokenPartner: Awaited<ReturnType<typeof startStandIn>>;
const bus = new KafkaJsMessageBus({ clientId: 'channels-spec', brokers: infra.kafkaBrokers });

const http = () => request(base);
const token = (...roles: Role[]) =>
  issueLocalToken({
    ...config.auth,
    keyFile: config.auth.localKeyFile as string,
    subject: 'agent-7',
    roles,
    expiresIn: '1h',
  });
const all = async () => store.readAll({ after: START });
/** Every committed event row, whether or not the global log shows it yet. */
const settledCount = () => committedEventCount(db.url);
/** The events whose data mentions a value, once at least `count` of them show in the global log. */
const eventsMentioning = (value: string, count: number) =>
  eventually(async () => {
    const found = (await all()).filter((e) => JSON.stringify(e.data).includes(value));
    return found.length >= count && found;
  });
const streamOf = (conversationId: string) => store.readStream(`conversation-${conversationId}`);
const typesOf = (events: RecordedEvent[]) => events.map((e) => e.type.replace(/^channels\.|\.v1$/g, ''));
const signed = (channelSecret: string, body: unknown) => {
  const raw = JSON.stringify(body);
  return { raw, headers: { 'content-type': 'application/json', ...signRequest(channelSecret, raw) } };
};

beforeAll(async () => {
  db = await isolatedPostgresDatabase(infra, 'channels');
  store = await PersonalDataEventStore.connectPostgres({
    connectionString: db.url,
    masterKey: await personalDataMasterKey(loadServiceConfig('channels', {}).personalData),
  });
  smtp = await startSmtpSink();
  wechatApi = await startStandIn((call) =>
    call.path === '/cgi-bin/token'
      ? { status: 200, json: { access_token: 'token-1', expires_in: 7200 } }
      : { status: 200, json: { errcode: 0, errmsg: 'ok' } },
  );
  // The partner's callback fails twice, then takes the reply: the worker retries with backoff.
  partner = await startStandIn((_, n) => (n <= 2 ? { status: 503, json: {} } : { status: 200, json: {} }));
  brokenPartner = await startStandIn(() => ({ status: 500, json: {} }));
  channels = {
    email: {
      webhookSecret: secret(),
      trustedAuthservIds: [],
      attachmentMaxBytes: 10 * 1024 * 1024,
      inboxes: [{ id: 'support', address: 'support@example.com', smtpUrl: `smtp://127.0.0.1:${smtp.port}` }],
    },
    wechat: [
      {
        id: 'oa',
        appId: 'wx-test',
        appSecret: secret(),
        token: 'tok3n',
        encodingAesKey: AES,
        apiBaseUrl: wechatApi.url,
      },
      {
        id: 'oa-safe',
        appId: 'wx-safe',
        appSecret: secret(),
        token: 's4fe',
        encodingAesKey: AES,
        apiBaseUrl: wechatApi.url,
        messageMode: 'safe',
      },
    ],
    api: [
      { id: 'mobile', kind: 'app', secret: secret() },
      { id: 'partner', kind: 'partner-api', secret: secret(), callbackUrl: partner.url },
      { id: 'broken', kind: 'partner-api', secret: secret(), callbackUrl: brokenPartner.url },
    ],
    voice: [{ id: 'pbx', secret: secret() }],
    chat: [
      { id: 'website', visitorTokenSecret: secret(), widget: { preChat: 'optional', suggestions: true } },
    ],
  };
  process.env['CHANNELS_CONFIG_FILE'] = writeChannelsConfig(channels);
  process.env['DELIVERY_MAX_ATTEMPTS'] = '3';
  process.env['DELIVERY_BACKOFF_MS'] = '50';
  config = loadServiceConfig('channels', {
    LOG_LEVEL: 'silent',
    // The test writes a contacts event as contacts would: its relay runs here too, as contacts is not running.
    RELAY_CONTEXTS: 'channels,contacts',
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_CONSUMER_GROUP: uniqueName('channels-spec'),
    EVENTSTORE_URL: db.url,
    MONGO_URL: isolatedMongoUrl(infra, 'channels_spec'),
    AUTH_LOCAL_KEY_FILE: join(mkdtempSync(join(tmpdir(), 'journey-channels-key-')), 'key.json'),
    HTTP_BODY_LIMIT: '64kb',
  });
  app = await createServiceApp(channelsService, config);
  await startServiceApp(app, { ...config, http: { ...config.http, port: 0 } });
  base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
});

const openSockets: WebSocket[] = [];
afterAll(async () => {
  for (const s of openSockets) s.terminate();
  await app?.close();
  await Promise.allSettled([smtp?.close(), wechatApi?.close(), partner?.close(), brokenPartner?.close()]);
  await bus.close();
  await store?.close();
  await db?.drop();
  for (const v of ['CHANNELS_CONFIG_FILE', 'DELIVERY_MAX_ATTEMPTS', 'DELIVERY_BACKOFF_MS'])
    delete process.env[v];
});

describe('WeChat official account', () => {
  const account = () => channels.wechat[0]!;
  const query = (extra: Record<string, string> = {}) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomUUID().slice(0, 8);
    return { timestamp, nonce, signature: wechatSignature(account().token, timestamp, nonce), ...extra };
  };
  const textMessage = (openid: string, msgId: string, content: string) =>
    buildWechatXml({
      ToUserName: 'gh_account',
      FromUserName: openid,
      CreateTime: Math.floor(Date.now() / 1000),
      MsgType: 'text',
      Content: content,
      MsgId: msgId,
    });

  it('answers the URL check with echostr only when the signature is right', async () => {
    await http()
      .get('/v1/webhooks/wechat/oa')
      .query(query({ echostr: 'echo-123' }))
      .expect(200, 'echo-123');
    await http()
      .get('/v1/webhooks/wechat/oa')
      .query({ ...query({ echostr: 'x' }), signature: '0'.repeat(40) })
      .expect(401);
  });

  it('records a signed text message once, however often WeChat redelivers it', async () => {
    const openid = `o-${randomUUID()}`;
    const xml = textMessage(openid, '7000000000000001', '你好,我的订单在哪里?');
    for (let i = 0; i < 3; i++)
      await http()
        .post('/v1/webhooks/wechat/oa')
        .query(query())
        .type('text/xml')
        .send(xml)
        .expect(200, 'success');
    const events = await eventsMentioning(openid, 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(typesOf(await eventsMentioning(openid, 2))).toEqual(['conversation-started', 'message-received']);
    expect(events[1]!.data).toMatchObject({
      channel: 'wechat',
      channelId: 'oa',
      providerMessageId: '7000000000000001',
      text: '你好,我的订单在哪里?',
      identities: [{ kind: 'wechat-openid', value: openid, verified: true }],
    });
  });

  it('refuses a captured signature: a stale timestamp, a nonce spent on another message or on the URL check', async () => {
    const forgedId = `o-forged-${randomUUID()}`;
    const signedAt = (seconds: number, nonce = randomUUID().slice(0, 8)) => {
      const timestamp = String(seconds);
      return { timestamp, nonce, signature: wechatSignature(account().token, timestamp, nonce) };
    };
    const now = Math.floor(Date.now() / 1000);
    const stale = await http()
      .post('/v1/webhooks/wechat/oa')
      .query(signedAt(now - 6 * 60))
      .type('text/xml')
      .send(textMessage(`o-${randomUUID()}`, '7100000000000001', 'x'))
      .expect(401);
    expect(stale.body.message).toMatch(/timestamp is more than 5 minutes from this server's clock/);
    await http()
      .get('/v1/webhooks/wechat/oa')
      .query({ ...signedAt(now + 6 * 60), echostr: 'e' })
      .expect(401);

    // WeChat redelivering the same message with the same signature passes; another message with it does not.
    const openid = `o-${randomUUID()}`;
    const q = signedAt(now);
    const first = textMessage(openid, '7100000000000002', '第一条');
    await http().post('/v1/webhooks/wechat/oa').query(q).type('text/xml').send(first).expect(200);
    await http().post('/v1/webhooks/wechat/oa').query(q).type('text/xml').send(first).expect(200);
    const forged = await http()
      .post('/v1/webhooks/wechat/oa')
      .query(q)
      .type('text/xml')
      .send(textMessage(forgedId, '7100000000000003', 'forged'))
      .expect(401);
    expect(forged.body.message).toMatch(/this nonce has already signed another request/);

    // The URL check's signature (GET, visible to whoever sees the URL) cannot post a message.
    const check = { ...signedAt(now), echostr: 'echo' };
    await http().get('/v1/webhooks/wechat/oa').query(check).expect(200, 'echo');
    await http()
      .post('/v1/webhooks/wechat/oa')
      .query({ timestamp: check.timestamp, nonce: check.nonce, signature: check.signature })
      .type('text/xml')
      .send(textMessage(forgedId, '7100000000000004', 'forged'))
      .expect(401);
    // The redelivery was recorded once; the refused requests were refused before anything was written.
    expect(typesOf(await eventsMentioning(openid, 2))).toEqual(['conversation-started', 'message-received']);
    expect((await all()).some((e) => JSON.stringify(e.data).includes(forgedId))).toBe(false);
  });

  it('in safe mode refuses a plaintext message, whatever its signature', async () => {
    const safe = channels.wechat[1]!;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomUUID().slice(0, 8);
    const refused = await http()
      .post('/v1/webhooks/wechat/oa-safe')
      .query({ timestamp, nonce, signature: wechatSignature(safe.token, timestamp, nonce) })
      .type('text/xml')
      .send(textMessage(`o-${randomUUID()}`, '7100000000000005', 'plain'))
      .expect(401);
    expect(refused.body.message).toMatch(/safe mode: messages must come encrypted/);
  });

  it("keeps no openid in clear in an event's provider id", async () => {
    const openid = `o-${randomUUID()}`;
    await http()
      .post('/v1/webhooks/wechat/oa')
      .query(query())
      .type('text/xml')
      .send(
        buildWechatXml({
          ToUserName: 'gh_account',
          FromUserName: openid,
          CreateTime: Math.floor(Date.now() / 1000),
          MsgType: 'event',
          Event: 'subscribe',
        }),
      )
      .expect(200, 'success');
    const events = await eventsMentioning(openid, 2);
    const providerMessageId = events
      .map((e) => (e.data as { providerMessageId?: string }).providerMessageId)
      .find((id) => id !== undefined);
    expect(providerMessageId).toMatch(/^event:[\w-]{43}$/);
    expect(providerMessageId).not.toContain(openid);
  });

  it('refuses a wrong signature (401) and malformed XML (400), storing nothing', async () => {
    const before = await settledCount();
    await http()
      .post('/v1/webhooks/wechat/oa')
      .query({ ...query(), signature: 'f'.repeat(40) })
      .type('text/xml')
      .send(textMessage('o-x', '1', 'x'))
      .expect(401);
    const bad = await http()
      .post('/v1/webhooks/wechat/oa')
      .query(query())
      .type('text/xml')
      .send('<xml><Content>')
      .expect(400);
    expect(bad.body.message).toMatch(/^malformed XML: /);
    await http()
      .post('/v1/webhooks/wechat/oa')
      .query(query())
      .type('text/xml')
      .send('<xml><MsgType>text</MsgType></xml>')
      .expect(400);
    expect(await settledCount()).toBe(before);
  });

  it('in safe mode decrypts the message and answers a keyword with an encrypted passive reply', async () => {
    const supervisor = await token('supervisor');
    await http()
      .put('/v1/channel-rules')
      .set('authorization', `Bearer ${supervisor}`)
      .send({
        rules: [
          {
            id: 'hours',
            name: 'Opening hours',
            when: { keywords: ['营业时间'] },
            then: { autoReply: '我们的营业时间是 9:00–18:00。', route: { group: 'front-desk' } },
          },
        ],
      })
      .expect(200);
    await new Promise((r) => setTimeout(r, 2_100)); // the rule book's cache
    const cipher = new WechatCipher(AES, 'wx-test');
    const openid = `o-${randomUUID()}`;
    const encrypted = cipher.encrypt(textMessage(openid, '7000000000000002', '请问营业时间?'));
    const q = query({ encrypt_type: 'aes' });
    const msgSignature = wechatSignature(account().token, q.timestamp, q.nonce, encrypted);
    const res = await http()
      .post('/v1/webhooks/wechat/oa')
      .query({ ...q, msg_signature: msgSignature })
      .type('text/xml')
      .send(buildWechatXml({ ToUserName: 'gh_account', Encrypt: encrypted }))
      .expect(200);
    const outer = parseWechatXml(res.text);
    expect(outer['MsgSignature']).toBe(
      wechatSignature(account().token, outer['TimeStamp']!, outer['Nonce']!, outer['Encrypt']!),
    );
    const reply = parseWechatXml(cipher.decrypt(outer['Encrypt']!));
    expect(reply).toMatchObject({
      ToUserName: openid,
      FromUserName: 'gh_account',
      MsgType: 'text',
      Content: '我们的营业时间是 9:00–18:00。',
    });
    const events = await eventsMentioning(openid, 1);
    const conversationId = (events[0]!.data as { conversationId: string }).conversationId;
    expect(typesOf(await streamOf(conversationId))).toEqual([
      'conversation-started',
      'message-received',
      'conversation-routed',
      'message-sent',
    ]);
    // A tampered msg_signature is refused.
    await http()
      .post('/v1/webhooks/wechat/oa')
      .query({ ...q, msg_signature: 'a'.repeat(40) })
      .type('text/xml')
      .send(buildWechatXml({ ToUserName: 'gh_account', Encrypt: encrypted }))
      .expect(401);
    await http()
      .put('/v1/channel-rules')
      .set('authorization', `Bearer ${supervisor}`)
      .send({ rules: [] })
      .expect(200);
  });

  it("sends an agent's later reply through the customer-service message API", async () => {
    const openid = `o-${randomUUID()}`;
    await http()
      .post('/v1/webhooks/wechat/oa')
      .query(query())
      .type('text/xml')
      .send(textMessage(openid, '7000000000000003', '退货怎么办?'))
      .expect(200);
    const [started] = await eventsMentioning(openid, 1);
    const conversationId = (started!.data as { conversationId: string }).conversationId;
    const agent = await token('agent');
    const sent = await http()
      .post(`/v1/conversations/${conversationId}/replies`)
      .set('authorization', `Bearer ${agent}`)
      .send({ text: '您好,退货请在订单页申请。' })
      .expect(201);
    const call = await eventually(() =>
      wechatApi.calls.find((c) => c.path === '/cgi-bin/message/custom/send' && c.body.includes(openid)),
    );
    expect(call.query.get('access_token')).toBe('token-1');
    expect(JSON.parse(call.body)).toEqual({
      touser: openid,
      msgtype: 'text',
      text: { content: '您好,退货请在订单页申请。' },
    });
    await eventually(async () => typesOf(await streamOf(conversationId)).includes('message-delivered'));
    const view = await http()
      .get(`/v1/conversations/${conversationId}`)
      .set('authorization', `Bearer ${agent}`)
      .expect(200);
    expect(view.body.messages.map((m: { from: string; delivery: string }) => [m.from, m.delivery])).toEqual([
      ['customer', 'received'],
      ['agent', 'delivered'],
    ]);
    expect(view.body.messages[1].messageId).toBe(sent.body.messageId);
  });
});

describe('email', () => {
  const mime = (messageId: string, extra: string[] = [], body = 'Where is my order 1234?') =>
    [
      'From: Li Wei <li.wei@customer.example>',
      'To: support@example.com',
      'Subject: Order 1234',
      `Message-ID: ${messageId}`,
      ...extra,
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
      '',
    ].join('\r\n');
  const post = (raw: string, type = 'message/rfc822', key = channels.email!.webhookSecret) =>
    http()
      .post('/v1/webhooks/email')
      .set({ 'content-type': type, ...signRequest(key, raw) })
      .send(raw);

  it('threads raw MIME, replies over SMTP with threading headers, and files the answer in the same conversation', async () => {
    const first = `<${randomUUID()}@customer.example>`;
    const received = await post(mime(first)).expect(200);
    expect(received.body.duplicate).toBe(false);
    expect((await post(mime(first)).expect(200)).body).toEqual({ ...received.body, duplicate: true });

    const agent = await token('agent');
    const reply = await http()
      .post(`/v1/conversations/${received.body.conversationId}/replies`)
      .set('authorization', `Bearer ${agent}`)
      .send({ text: 'It ships tomorrow.' })
      .expect(201);
    const mail = await eventually(() => smtp.mails.find((m) => m.inReplyTo === first));
    expect(mail.subject).toBe('Re: Order 1234');
    expect(mail.to).toMatchObject({ value: [{ address: 'li.wei@customer.example' }] });
    expect(mail.from).toMatchObject({ value: [{ address: 'support@example.com' }] });
    expect(mail.references).toEqual(first);
    expect(mail.messageId).toBe(`<${reply.body.messageId}@example.com>`);
    expect(mail.text?.trim()).toBe('It ships tomorrow.');

    const answer = await post(
      mime(
        `<${randomUUID()}@customer.example>`,
        [`In-Reply-To: ${mail.messageId}`, `References: ${first} ${mail.messageId}`],
        'Thanks!',
      ),
    ).expect(200);
    expect(answer.body.conversationId).toBe(received.body.conversationId);
    await eventually(
      async () =>
        typesOf(await streamOf(received.body.conversationId)).join() ===
        'conversation-started,message-received,message-sent,message-delivered,message-received',
    );

    // Kafka delivers the message-sent event again (at-least-once): the customer gets no second mail.
    const sentEvent = (await streamOf(received.body.conversationId)).find(
      (e) => e.type === 'channels.message-sent.v1',
    )!;
    await bus.publish([toMessage(sentEvent, 'journey.channels.v1')]);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(smtp.mails.filter((m) => m.inReplyTo === first)).toHaveLength(1);
    expect(
      typesOf(await streamOf(received.body.conversationId)).filter((t) => t === 'message-delivered'),
    ).toHaveLength(1);
  });

  it('takes the JSON form of mail providers', async () => {
    const body = JSON.stringify({
      messageId: `<${randomUUID()}@b.example>`,
      from: { address: 'Zhang@B.example', name: 'Zhang' },
      to: ['support@example.com'],
      subject: 'Invoice',
      text: 'Please send the invoice',
      dkim: 'pass',
    });
    const res = await post(body, 'application/json').expect(200);
    const [started] = await streamOf(res.body.conversationId);
    expect(started!.data).toMatchObject({
      identities: [{ kind: 'email', value: 'zhang@b.example', verified: true }],
      subject: 'Invoice',
    });
  });

  it('refuses a bad signature (401), malformed MIME (400) and an unknown inbox (422), storing nothing', async () => {
    const before = await settledCount();
    await post(mime(`<${randomUUID()}@x>`), 'message/rfc822', 'wrong-secret-wrong-secret').expect(401);
    const malformed = await post('this is not an email').expect(400);
    expect(malformed.body.message).toMatch(/not a MIME message/);
    await post(mime(`<${randomUUID()}@x>`).replace('support@example.com', 'nobody@example.com')).expect(422);
    await post('{"messageId":"nope"', 'application/json').expect(400);
    expect(await settledCount()).toBe(before);
  });
});

describe('app and partner API', () => {
  const partnerSecret = () => channels.api.find((c) => c.id === 'partner')!.secret;

  it('records a signed message once per idempotency key, and refuses stale, unsigned and invalid calls', async () => {
    const message = {
      idempotencyKey: randomUUID(),
      user: { id: 'u-1', email: 'u1@example.com', emailVerified: true },
      text: '订单 1234 什么时候到?',
    };
    const { raw, headers } = signed(partnerSecret(), message);
    const first = await http().post('/v1/webhooks/api/partner').set(headers).send(raw).expect(200);
    const again = await http()
      .post('/v1/webhooks/api/partner')
      .set(signed(partnerSecret(), message).headers)
      .send(raw)
      .expect(200);
    expect(again.body).toEqual({ ...first.body, duplicate: true });
    const [, received] = await streamOf(first.body.conversationId);
    expect(received!.data).toMatchObject({
      channel: 'partner-api',
      identities: [
        { kind: 'partner-id', value: 'partner:u-1', verified: true },
        { kind: 'email', value: 'u1@example.com', verified: true },
      ],
    });
    // As stored (and so as relayed to Kafka), the customer's words and addresses are sealed.
    const [, sealed] = await store.stored.readStream(`conversation-${first.body.conversationId}`);
    expect(JSON.stringify(sealed!.data)).not.toMatch(/u1@example\.com|订单 1234/);
    expect((sealed!.data as { text: string }).text).toMatch(/^pd1\./);

    const before = await settledCount();
    const stale = { ...headers, ...signRequest(partnerSecret(), raw, Date.now() - 6 * 60_000) };
    await http().post('/v1/webhooks/api/partner').set(stale).send(raw).expect(401);
    await http()
      .post('/v1/webhooks/api/partner')
      .set('content-type', 'application/json')
      .send(raw)
      .expect(401);
    const invalid = signed(partnerSecret(), { idempotencyKey: 'k', user: {} });
    const res = await http()
      .post('/v1/webhooks/api/partner')
      .set(invalid.headers)
      .send(invalid.raw)
      .expect(400);
    expect(res.body.message).toMatch(/user\.id/);
    await http().post('/v1/webhooks/api/nope').set(headers).send(raw).expect(404);
    // Signed, but without a Content-Type: the answer says what is missing, not that the signature is wrong.
    const untyped = await fetch(`${base}/v1/webhooks/api/partner`, {
      method: 'POST',
      headers: signRequest(partnerSecret(), raw),
      body: new TextEncoder().encode(raw),
    });
    expect(untyped.status).toBe(415);
    expect(((await untyped.json()) as { message: string }).message).toMatch(
      /the Content-Type header is missing: send the body as application\/json/,
    );
    // The same idempotency key with other content is a mistake of the caller, not a redelivery (Stripe's rule).
    const reused = signed(partnerSecret(), { ...message, text: '另一个问题' });
    const conflict = await http()
      .post('/v1/webhooks/api/partner')
      .set(reused.headers)
      .send(reused.raw)
      .expect(422);
    expect(conflict.body.message).toBe(
      `idempotencyKey ${message.idempotencyKey} was already used for a message with other content; use a new key for a new message`,
    );
    expect(await settledCount()).toBe(before);
  });

  it('delivers a reply to the partner callback, retrying failures, each attempt an event', async () => {
    const { raw, headers } = signed(partnerSecret(), {
      idempotencyKey: randomUUID(),
      user: { id: 'u-2' },
      text: 'hello',
    });
    const { body } = await http().post('/v1/webhooks/api/partner').set(headers).send(raw).expect(200);
    const agent = await token('agent');
    await http()
      .post(`/v1/conversations/${body.conversationId}/replies`)
      .set('authorization', `Bearer ${agent}`)
      .send({ text: 'Hi from support', clientMessageId: 'r-1' })
      .expect(201);
    await eventually(async () => typesOf(await streamOf(body.conversationId)).includes('message-delivered'), {
      timeoutMs: 30_000,
    });
    const events = await streamOf(body.conversationId);
    expect(typesOf(events).slice(2)).toEqual([
      'message-sent',
      'message-delivery-failed',
      'message-delivery-failed',
      'message-delivered',
    ]);
    expect(events[3]!.data).toMatchObject({ reason: 'the callback answered HTTP 503', attempt: 1 });
    expect(events[5]!.data).toMatchObject({ attempt: 3 });
    const delivered = partner.calls[partner.calls.length - 1]!;
    expect(JSON.parse(delivered.body)).toMatchObject({
      conversationId: body.conversationId,
      userId: 'u-2',
      text: 'Hi from support',
    });
    expect(delivered.headers['x-journey-signature']).toMatch(/^sha256=/);
    // The same client message id again is the same reply, not a second one.
    const again = await http()
      .post(`/v1/conversations/${body.conversationId}/replies`)
      .set('authorization', `Bearer ${agent}`)
      .send({ text: 'Hi from support', clientMessageId: 'r-1' })
      .expect(201);
    expect(again.body.duplicate).toBe(true);
  });

  it('dead-letters a reply whose callback keeps failing, with the reason', async () => {
    const brokenSecret = channels.api.find((c) => c.id === 'broken')!.secret;
    const { raw, headers } = signed(brokenSecret, {
      idempotencyKey: randomUUID(),
      user: { id: 'u-3' },
      text: 'hello',
    });
    const { body } = await http().post('/v1/webhooks/api/broken').set(headers).send(raw).expect(200);
    const agent = await token('agent');
    const sent = await http()
      .post(`/v1/conversations/${body.conversationId}/replies`)
      .set('authorization', `Bearer ${agent}`)
      .send({ text: 'will not arrive' })
      .expect(201);
    const dead = await eventually(
      async () =>
        (await new DeadLetters(bus).list(`${config.kafka.consumerGroup}-delivery`)).find(
          (d) => d.key === `conversation-${body.conversationId}`,
        ),
      { timeoutMs: 30_000 },
    );
    expect(dead.reason).toBe(
      'handler failed after 3 attempts: PermanentFailure: delivery failed: Error: the callback answered HTTP 500',
    );
    const failures = (await streamOf(body.conversationId)).filter(
      (e) => e.type === 'channels.message-delivery-failed.v1',
    );
    expect(failures.map((e) => (e.data as { messageId: string }).messageId)).toEqual([
      sent.body.messageId,
      sent.body.messageId,
      sent.body.messageId,
    ]);
  });
});

describe('phone', () => {
  it('records a call from ringing to transcript, ignores repeated events, and takes no written reply', async () => {
    const pbxSecret = channels.voice[0]!.secret;
    const callId = randomUUID();
    const at = (s: number) => new Date(Date.parse('2026-11-23T09:00:00Z') + s * 1000).toISOString();
    const send = (event: Record<string, unknown>) => {
      const { raw, headers } = signed(pbxSecret, {
        callId,
        from: '+8613800138000',
        to: '+862180000000',
        ...event,
      });
      return http().post('/v1/webhooks/voice/pbx').set(headers).send(raw).expect(200);
    };
    const ringing = await send({ event: 'ringing', at: at(0) });
    await send({ event: 'answered', at: at(5), agentId: 'agent-7' });
    await send({ event: 'answered', at: at(5), agentId: 'agent-7' });
    await send({ event: 'ended', at: at(65) });
    await send({ event: 'recording', at: at(70), recordingUrl: 'https://recordings.example.com/c.mp3' });
    const events = await streamOf(ringing.body.conversationId);
    expect(typesOf(events)).toEqual(['call-started', 'call-answered', 'call-ended', 'call-recorded']);
    expect(events[2]!.data).toMatchObject({ answered: true, durationSeconds: 60 });
    const agent = await token('agent');
    const refused = await http()
      .post(`/v1/conversations/${ringing.body.conversationId}/replies`)
      .set('authorization', `Bearer ${agent}`)
      .send({ text: 'hi' })
      .expect(422);
    expect(refused.body.message).toBe('a phone conversation takes no written reply');
  });
});

describe('web chat', () => {
  const open = (query: string) =>
    new Promise<{ socket: WebSocket; frames: Record<string, unknown>[] }>((resolve, reject) => {
      const socket = new WebSocket(`${base.replace('http', 'ws')}/v1/chat/socket?${query}`);
      openSockets.push(socket);
      const frames: Record<string, unknown>[] = [];
      socket.on('message', (d) => frames.push(JSON.parse(d.toString()) as Record<string, unknown>));
      socket.once('open', () => resolve({ socket, frames }));
      socket.once('error', reject);
    });
  const frame = (frames: Record<string, unknown>[], match: (f: Record<string, unknown>) => boolean) =>
    eventually(() => frames.find(match));

  it("serves the widget's settings per channel, and 404 for a channel that is not a web chat", async () => {
    const settings = (await http().get('/v1/chat/website/widget').expect(200)).body;
    expect(settings).toEqual({
      channelId: 'website',
      preChat: 'optional',
      helpCenterUrl: 'http://127.0.0.1:3104/v1/help',
    });
    await http().get('/v1/chat/nowhere/widget').expect(404);
  });

  it("spends the client's rate budget with each frame: a flood is answered with a rate-limited error, the socket stays open", async () => {
    const session = (await http().post('/v1/chat/website/sessions').send({}).expect(200)).body;
    const visitor = await open(`channelId=website&token=${encodeURIComponent(session.token)}`);
    await frame(visitor.frames, (f) => f['type'] === 'session');
    const burst = config.http.rateLimit.burst;
    for (let i = 0; i < burst + 20; i++) visitor.socket.send(JSON.stringify({ type: 'typing' }));
    const limited = await frame(visitor.frames, (f) => f['code'] === 'rate-limited');
    expect(limited).toMatchObject({ type: 'error', retryAfterSeconds: expect.any(Number) });
    expect(limited['reason']).toMatch(/too many frames from this client; retry in \d+ s/);
    await eventually(() =>
      visitor.frames.filter((f) => f['code'] === 'rate-limited').length === 20 ? true : undefined,
    );
    expect(visitor.socket.readyState).toBe(WebSocket.OPEN);
    // Another visitor has a budget of their own.
    const other = (await http().post('/v1/chat/website/sessions').send({}).expect(200)).body;
    const second = await open(`channelId=website&token=${encodeURIComponent(other.token)}`);
    await frame(second.frames, (f) => f['type'] === 'session');
    second.socket.send(JSON.stringify({ type: 'nonsense' }));
    expect(await frame(second.frames, (f) => f['type'] === 'error')).toMatchObject({ code: 'invalid' });
    visitor.socket.close();
    second.socket.close();
  });

  it('names the refused message and says the refusal is final, so that a client does not send it again', async () => {
    const session = (await http().post('/v1/chat/website/sessions').send({}).expect(200)).body;
    const visitor = await open(`channelId=website&token=${encodeURIComponent(session.token)}`);
    await frame(visitor.frames, (f) => f['type'] === 'session');
    const refusal = async (clientMessageId: string, text: string) => {
      visitor.socket.send(JSON.stringify({ type: 'message', clientMessageId, text }));
      return frame(visitor.frames, (f) => f['type'] === 'error' && f['clientMessageId'] === clientMessageId);
    };
    expect(await refusal('nul-1', 'a\u0000b')).toEqual({
      type: 'error',
      code: 'invalid',
      clientMessageId: 'nul-1',
      reason: expect.stringContaining('NUL'),
    });
    expect(await refusal('long-1', 'x'.repeat(10_001))).toMatchObject({
      code: 'invalid',
      clientMessageId: 'long-1',
    });
    // An id that is not one (too long) is not echoed; the refusal still comes.
    visitor.socket.send(JSON.stringify({ type: 'message', clientMessageId: 'i'.repeat(101), text: 'hi' }));
    const anonymous = await frame(
      visitor.frames,
      (f) => f['type'] === 'error' && String(f['reason']).includes('clientMessageId'),
    );
    expect(anonymous).toMatchObject({ code: 'invalid' });
    expect(anonymous).not.toHaveProperty('clientMessageId');
    // The next message goes through: nothing of the refused ones was stored.
    visitor.socket.send(JSON.stringify({ type: 'message', clientMessageId: 'ok-1', text: 'hello' }));
    await frame(visitor.frames, (f) => f['type'] === 'ack' && f['clientMessageId'] === 'ok-1');
    const events = await streamOf(session.conversationId);
    expect(typesOf(events)).toEqual(['conversation-started', 'message-received']);
    visitor.socket.close();
  });

  it('closes the socket of a frame past 64 KiB (1009) and goes on serving everyone else', async () => {
    const session = (await http().post('/v1/chat/website/sessions').send({}).expect(200)).body;
    const visitor = await open(`channelId=website&token=${encodeURIComponent(session.token)}`);
    await frame(visitor.frames, (f) => f['type'] === 'session');
    const closed = new Promise<number>((resolve) => visitor.socket.once('close', (code) => resolve(code)));
    visitor.socket.send('x'.repeat(1024 * 1024));
    expect(await closed).toBe(1009);
    // The service is still there: the same visitor comes back and writes.
    const again = await open(`channelId=website&token=${encodeURIComponent(session.token)}`);
    await frame(again.frames, (f) => f['type'] === 'session');
    again.socket.send(JSON.stringify({ type: 'message', clientMessageId: 'after-1', text: 'still there?' }));
    await frame(again.frames, (f) => f['type'] === 'ack' && f['clientMessageId'] === 'after-1');
    again.socket.close();
  });

  it('carries a visitor and an agent over WebSockets, and resumes the conversation after a reconnect', async () => {
    const session = (await http().post('/v1/chat/website/sessions').send({}).expect(200)).body;
    const visitor = await open(`channelId=website&token=${encodeURIComponent(session.token)}`);
    await frame(visitor.frames, (f) => f['type'] === 'session');

    visitor.socket.send(
      JSON.stringify({ type: 'message', clientMessageId: 'c-1', text: 'Do you ship to Shanghai?' }),
    );
    const ack = await frame(visitor.frames, (f) => f['type'] === 'ack');
    expect(ack).toMatchObject({ clientMessageId: 'c-1', duplicate: false });

    const agent = await open(`access_token=${await token('agent')}`);
    agent.socket.send(JSON.stringify({ type: 'join', conversationId: session.conversationId }));
    await frame(agent.frames, (f) => f['type'] === 'joined');
    visitor.socket.send(JSON.stringify({ type: 'typing' }));
    await frame(agent.frames, (f) => f['type'] === 'typing');
    agent.socket.send(
      JSON.stringify({
        type: 'reply',
        conversationId: session.conversationId,
        clientMessageId: 'a-1',
        text: 'Yes, in 2 days.',
      }),
    );
    const pushed = await frame(visitor.frames, (f) => f['type'] === 'message' && f['from'] === 'agent');
    expect(pushed).toMatchObject({ text: 'Yes, in 2 days.' });
    visitor.socket.send(JSON.stringify({ type: 'nonsense' }));
    expect(await frame(visitor.frames, (f) => f['type'] === 'error')).toMatchObject({
      reason: expect.stringMatching(/type/),
    });
    visitor.socket.send(JSON.stringify({ type: 'identify', email: 'visitor@example.com', name: 'Wang' }));
    await frame(visitor.frames, (f) => f['type'] === 'identified');
    visitor.socket.close();

    // A reply while the visitor is away waits, and arrives when they come back with the same token.
    const away = await http()
      .post(`/v1/conversations/${session.conversationId}/replies`)
      .set('authorization', `Bearer ${await token('agent')}`)
      .send({ text: 'Anything else?' })
      .expect(201);
    expect(away.body.delivery).toBe('pending');
    const again = await open(`channelId=website&token=${encodeURIComponent(session.token)}`);
    const resumed = await frame(again.frames, (f) => f['type'] === 'session');
    expect(resumed['conversationId']).toBe(session.conversationId);
    expect((resumed['messages'] as { text: string }[]).map((m) => m.text)).toEqual([
      'Do you ship to Shanghai?',
      'Yes, in 2 days.',
      'Anything else?',
    ]);
    again.socket.close();
    agent.socket.close();
    const events = await streamOf(session.conversationId);
    expect(typesOf(events)).toEqual([
      'conversation-started',
      'message-received',
      'message-sent',
      'message-delivered',
      'visitor-identified',
      'message-sent',
      'message-delivered',
    ]);
    expect(events[4]!.data).toMatchObject({
      identities: [{ kind: 'email', value: 'visitor@example.com', verified: false }],
    });
  });

  it('refuses a socket without a valid token, and REST calls without the visitor token', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = new WebSocket(
        `${base.replace('http', 'ws')}/v1/chat/socket?channelId=website&token=forged.token`,
      );
      s.on('close', (code) => resolve(code));
    });
    expect(closed).toBe(4401);
    await http().post('/v1/chat/website/messages').send({ clientMessageId: 'x', text: 'hi' }).expect(401);
  });
});

describe('rules API and events on Kafka', () => {
  it('lets a supervisor (not an agent) replace the rules, validating them', async () => {
    const agent = await token('agent');
    await http()
      .put('/v1/channel-rules')
      .set('authorization', `Bearer ${agent}`)
      .send({ rules: [] })
      .expect(403);
    const supervisor = await token('supervisor');
    const bad = await http()
      .put('/v1/channel-rules')
      .set('authorization', `Bearer ${supervisor}`)
      .send({ rules: [{ id: 'A B', name: '', then: {} }] })
      .expect(400);
    expect(bad.body.message).toMatch(/rules\.0\.id/);
    await http().get('/v1/channel-rules').expect(401);
  });

  it('publishes every recorded event to journey.channels.v1, keyed by conversation', async () => {
    const recorded = (await all()).filter((e) => e.streamId.startsWith('conversation-'));
    const ids = new Set(recorded.map((e) => e.id));
    const onKafka = await eventually(
      async () => {
        const found = (await bus.readTopic('journey.channels.v1')).filter((m) =>
          ids.has(m.headers['ce_id'] ?? ''),
        );
        return new Set(found.map((m) => m.headers['ce_id'])).size === ids.size && found;
      },
      { timeoutMs: 30_000, what: 'every channels event on Kafka' },
    );
    for (const m of onKafka) {
      const event = recorded.find((e) => e.id === m.headers['ce_id'])!;
      expect(m.key).toBe(event.streamId);
    }
    // No personal data in the clear on the topic (the partner's message above, its address).
    const relayed = onKafka.map((m) => m.value.toString('utf8')).join('\n');
    expect(relayed).not.toContain('订单 1234');
    expect(relayed).not.toContain('u1@example.com');
  });
});

describe('bad input: a clear 4xx, and nothing stored', () => {
  const wechat = (xml: string) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomUUID().slice(0, 8);
    const signature = wechatSignature(channels.wechat[0]!.token, timestamp, nonce);
    return http()
      .post('/v1/webhooks/wechat/oa')
      .query({ timestamp, nonce, signature })
      .type('text/xml')
      .send(xml);
  };
  const email = (raw: string, type: string) =>
    http()
      .post('/v1/webhooks/email')
      .set({ 'content-type': type, ...signRequest(channels.email!.webhookSecret, raw) })
      .send(raw);
  const apiSecret = () => channels.api.find((c) => c.id === 'mobile')!.secret;
  const unsafe = /must not contain NUL characters or unpaired UTF-16 surrogates/;

  it('refuses WeChat XML nested past the parser depth limit, and NUL in a field, with 400', async () => {
    const before = await settledCount();
    const deep = await wechat(`<xml>${'<a>'.repeat(200)}x${'</a>'.repeat(200)}</xml>`).expect(400);
    expect(deep.body.message).toMatch(/^malformed XML: /);
    const message = (content: string, from = `o-${randomUUID()}`) =>
      buildWechatXml({ FromUserName: from, CreateTime: 1, MsgType: 'text', Content: content, MsgId: '1' });
    expect((await wechat(message('a\u0000b')).expect(400)).body.message).toMatch(unsafe);
    expect((await wechat(message('hi', 'o'.repeat(200))).expect(400)).body.message).toMatch(/FromUserName/);
    expect(await settledCount()).toBe(before);
  });

  it('refuses NUL and lone surrogates in every field of the API, web chat and JSON email, with 400', async () => {
    const before = await settledCount();
    const api = (body: unknown) => {
      const { raw, headers } = signed(apiSecret(), body);
      return http().post('/v1/webhooks/api/mobile').set(headers).send(raw).expect(400);
    };
    const user = { id: 'u-bad' };
    expect((await api({ idempotencyKey: 'k\u0000', user, text: 'hi' })).body.message).toMatch(
      /idempotencyKey/,
    );
    const attachment = { url: 'https://files.example/a.png', contentType: 'image/png\uD800' };
    expect((await api({ idempotencyKey: 'k', user, attachments: [attachment] })).body.message).toMatch(
      /attachments\.0\.contentType: must not contain/,
    );

    const session = (await http().post('/v1/chat/website/sessions').send({}).expect(200)).body;
    const chat = await http()
      .post('/v1/chat/website/messages')
      .set('x-visitor-token', session.token)
      .send({ clientMessageId: 'c\u0000', text: 'hi' })
      .expect(400);
    expect(chat.body.message).toMatch(/clientMessageId: must not contain/);

    const json = JSON.stringify({
      messageId: '<a\u0000b@customer.example>',
      from: 'li.wei@customer.example',
      to: ['support@example.com'],
      text: 'hi',
    });
    expect((await email(json, 'application/json').expect(400)).body.message).toMatch(/messageId: must not/);
    expect(await settledCount()).toBe(before);
  });

  it('cuts an email body past what a message holds, with a marker, and records that it did', async () => {
    const body = `${'Order 1234 has not arrived. '.repeat(2000)}END`; // 56,003 characters, over MESSAGE_TEXT_MAX
    const messageId = `<${randomUUID()}@customer.example>`;
    const raw = [
      'From: Li Wei <li.wei@customer.example>',
      'To: support@example.com',
      'Subject: Long',
      `Message-ID: ${messageId}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
      '',
    ].join('\r\n');
    const first = await email(raw, 'message/rfc822').expect(200);
    const json = JSON.stringify({
      messageId: `<${randomUUID()}@customer.example>`,
      from: 'li.wei@customer.example',
      to: ['support@example.com'],
      text: body,
    });
    await email(json, 'application/json').expect(200);
    const received = (await streamOf(first.body.conversationId)).find(
      (e) => e.type === 'channels.message-received.v1',
    )!.data as { text: string; textTruncated?: boolean };
    expect(received.textTruncated).toBe(true);
    expect(received.text.endsWith('…[truncated]')).toBe(true);
    expect(received.text.startsWith('Order 1234 has not arrived.')).toBe(true);
    // The provider's retry is the same message: harmless.
    expect((await email(raw, 'message/rfc822').expect(200)).body.duplicate).toBe(true);
  });

  it('declares the error answers and response schema of every operation, in OpenAPI 3.0', async () => {
    const doc = (await http().get('/openapi.json').expect(200)).body;
    expect(openApiProblems(doc)).toEqual([]);
    expect(JSON.stringify(doc)).not.toContain('prefixItems');
    expect(doc.paths['/v1/conversations/{id}'].get.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'id', schema: { type: 'string', format: 'uuid' } }),
      ]),
    );
  });
});

describe('the conversation list', () => {
  const list = async (query: Record<string, string>, status = 200) =>
    http()
      .get('/v1/conversations')
      .query(query)
      .set('authorization', `Bearer ${await token('agent')}`)
      .expect(status);

  it('filters by channel, status, contact and update time, searches, pages with a cursor, and shows calls', async () => {
    const word = `parcel${randomUUID().slice(0, 8)}`;
    const since = new Date().toISOString();
    // Three email conversations about the word, and one phone call.
    const emails: string[] = [];
    for (let i = 0; i < 3; i++) {
      const raw = [
        'From: Li Wei <li.wei@customer.example>',
        'To: support@example.com',
        `Subject: Where is my ${word} ${i}`,
        `Message-ID: <${randomUUID()}@customer.example>`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        `Question ${i} about the ${word}`,
        '',
      ].join('\r\n');
      const res = await http()
        .post('/v1/webhooks/email')
        .set({ 'content-type': 'message/rfc822', ...signRequest(channels.email!.webhookSecret, raw) })
        .send(raw)
        .expect(200);
      emails.push(res.body.conversationId as string);
    }
    const callId = randomUUID();
    const phone = `+86139${String(Date.now()).slice(-8)}`;
    const call = (event: Record<string, unknown>) => {
      const { raw, headers } = signed(channels.voice[0]!.secret, {
        callId,
        from: phone,
        to: '+862180000000',
        ...event,
      });
      return http().post('/v1/webhooks/voice/pbx').set(headers).send(raw).expect(200);
    };
    const t0 = Date.now();
    const ringing = await call({ event: 'ringing', at: new Date(t0).toISOString() });
    await call({ event: 'answered', at: new Date(t0 + 4_000).toISOString(), agentId: 'agent-9' });
    await call({ event: 'ended', at: new Date(t0 + 94_000).toISOString() });
    await call({
      event: 'recording',
      at: new Date(t0 + 95_000).toISOString(),
      recordingUrl: 'https://recordings.example.com/list.mp3',
      transcript: 'Caller asked about the parcel.',
    });
    const phoneId = ringing.body.conversationId as string;
    // contacts attributes the first email to a contact (its interaction-recorded event, on Kafka).
    const contactId = randomUUID();
    await store.append(
      `contact-${contactId}`,
      [
        {
          id: randomUUID(),
          type: 'contacts.interaction-recorded.v1',
          data: {
            contactId,
            sourceEventId: randomUUID(),
            sourceType: 'channels.message-received.v1',
            kind: 'message-received',
            channel: 'email',
            channelId: 'support',
            conversationId: emails[0],
            at: new Date().toISOString(),
          },
          metadata: {
            source: 'contacts',
            contactId,
            correlationId: randomUUID(),
            schemaVersion: 1,
            time: new Date().toISOString(),
          },
        },
      ],
      'any',
    );

    const searched = await eventually(
      async () => {
        const res = await list({ q: word.toUpperCase(), limit: '2' });
        return res.body.conversations.length === 2 && res.body.nextCursor ? res.body : undefined;
      },
      { timeoutMs: 30_000, what: 'the three conversations in the list' },
    );
    const next = await list({ q: word, limit: '2', cursor: searched.nextCursor });
    expect(next.body.nextCursor).toBeUndefined();
    // Most recently updated first, each once across the pages.
    expect(
      [...searched.conversations, ...next.body.conversations].map(
        (c: { conversationId: string }) => c.conversationId,
      ),
    ).toEqual([...emails].reverse());
    expect(searched.conversations[0]).toMatchObject({
      channel: 'email',
      channelId: 'support',
      status: 'awaiting-agent',
      subject: `Where is my ${word} 2`,
      lastMessage: { from: 'customer', excerpt: `Question 2 about the ${word}` },
      messageCount: 1,
      identities: [{ kind: 'email', value: 'li.wei@customer.example', verified: false }],
    });

    const byContact = await eventually(async () => {
      const res = await list({ contact: contactId });
      return res.body.conversations.length === 1 && res.body.conversations;
    });
    expect(byContact[0]).toMatchObject({ conversationId: emails[0], contactIds: [contactId] });

    const phones = await eventually(async () => {
      const res = await list({ channel: 'phone', updatedSince: since, q: phone });
      const found = res.body.conversations.find(
        (c: { conversationId: string }) => c.conversationId === phoneId,
      );
      return found?.calls?.[0]?.recording ? found : undefined;
    });
    expect(phones).toMatchObject({
      status: 'awaiting-customer',
      identities: [{ kind: 'phone', value: phone }],
      calls: [
        {
          callId,
          direction: 'inbound',
          agentId: 'agent-9',
          answered: true,
          durationSeconds: 90,
          recording: true,
          transcript: true,
        },
      ],
    });
    // The conversation itself gives the recording and the transcript.
    const detail = await http()
      .get(`/v1/conversations/${phoneId}`)
      .set('authorization', `Bearer ${await token('agent')}`)
      .expect(200);
    expect(detail.body.calls).toEqual([
      expect.objectContaining({
        callId,
        durationSeconds: 90,
        recordingUrl: 'https://recordings.example.com/list.mp3',
        transcript: 'Caller asked about the parcel.',
      }),
    ]);

    // An agent's reply turns it to the customer; the status filter sees it.
    await http()
      .post(`/v1/conversations/${emails[1]}/replies`)
      .set('authorization', `Bearer ${await token('agent')}`)
      .send({ text: 'On its way.' })
      .expect(201);
    await eventually(async () => {
      const res = await list({ status: 'awaiting-customer', q: word });
      return res.body.conversations.length === 1 && res.body.conversations[0].conversationId === emails[1];
    });

    const bad = await list({ status: 'closed', limit: '1000' }, 400);
    expect(bad.body.message).toMatch(/status/);
    expect(bad.body.message).toMatch(/limit/);
    await list({ cursor: 'garbage' }, 400);
    await list({ contact: 'not-a-uuid' }, 400);
    await http().get('/v1/conversations').expect(401);
  });
});
