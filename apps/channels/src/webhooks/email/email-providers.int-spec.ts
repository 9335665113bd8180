import { execFileSync } from 'node:child_process';
import { createHmac, createSign, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
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
import type { ServiceConfig } from '@journey/platform';
import {
  committedEventCount,
  eventually,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  testInfrastructure,
  uniqueName,
} from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { channelsService } from '../../channels.service';
import type { ChannelsConfig } from '../../channel-config/channels-config';
import { startSmtpSink, startStandIn, writeChannelsConfig } from '../../testing/channels-fixtures';
import { signRequest } from '../signed/signed-request';
import { snsStringToSign } from './email-providers';
import type { SnsMessage } from './email-providers';

// The providers' posts below are the samples in ./samples, shaped as each provider documents its
// inbound webhook; each test gives them a fresh Message-ID and signs them as the provider would.

const infra = testInfrastructure();
const secret = () => randomBytes(18).toString('base64url');
const sample = (name: string) => readFileSync(join(__dirname, 'samples', name), 'utf8');
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:inbound-support';
const ATTACHMENT_MAX = 1024 * 1024;

let db: IsolatedDatabase;
let store: PersonalDataEventStore;
let app: INestApplication;
let base: string;
let config: ServiceConfig;
let channels: ChannelsConfig;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let sns: Awaited<ReturnType<typeof startStandIn>>;
let sendgridPrivateKey: ReturnType<typeof generateKeyPairSync>['privateKey'];
let snsKey: string;
let snsCertificate: string;

const http = () => request(base);
const streamOf = (conversationId: string) => store.readStream(`conversation-${conversationId}`);
const received = async (conversationId: string) =>
  (await streamOf(conversationId)).filter((e) => e.type === 'channels.message-received.v1');

/** A multipart/form-data body with exact bytes (SendGrid signs them). */
function multipart(
  fields: Record<string, string>,
  files: { field: string; name: string; type: string; bytes: Buffer }[] = [],
) {
  const boundary = `----journey${randomUUID()}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  for (const f of files)
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.name}"\r\nContent-Type: ${f.type}\r\n\r\n`,
      ),
      f.bytes,
      Buffer.from('\r\n'),
    );
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

beforeAll(async () => {
  db = await isolatedPostgresDatabase(infra, 'channels');
  store = await PersonalDataEventStore.connectPostgres({
    connectionString: db.url,
    masterKey: await personalDataMasterKey(loadServiceConfig('channels', {}).personalData),
  });
  smtp = await startSmtpSink();
  // SNS's certificate host, standing in: a self-signed certificate and the subscription confirmation.
  const dir = mkdtempSync(join(tmpdir(), 'journey-sns-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=sns.us-east-1.amazonaws.test',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  snsKey = readFileSync(join(dir, 'key.pem'), 'utf8');
  snsCertificate = readFileSync(join(dir, 'cert.pem'), 'utf8');
  sns = await startStandIn((call) =>
    call.path === '/SimpleNotificationService-test.pem'
      ? { status: 200, text: snsCertificate, type: 'application/x-pem-file' }
      : { status: 200, json: { ConfirmSubscriptionResponse: {} } },
  );
  const sendgridKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  sendgridPrivateKey = sendgridKeys.privateKey;
  channels = {
    email: {
      webhookSecret: secret(),
      trustedAuthservIds: ['mx.mailgun.org', 'inbound.postmarkapp.com'],
      attachmentMaxBytes: ATTACHMENT_MAX,
      mailgun: { signingKey: secret() },
      sendgrid: {
        verificationKey: sendgridKeys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
      },
      postmark: { username: 'postmark', password: secret() },
      ses: {
        topicArns: [TOPIC],
        certificateUrlPattern: `^${sns.url.replace(/\./g, '\\.')}/SimpleNotificationService-[a-z]+\\.pem$`,
      },
      inboxes: [{ id: 'support', address: 'support@example.com', smtpUrl: `smtp://127.0.0.1:${smtp.port}` }],
    },
    wechat: [],
    api: [],
    voice: [],
    chat: [],
  };
  process.env['CHANNELS_CONFIG_FILE'] = writeChannelsConfig(channels);
  process.env['DELIVERY_BACKOFF_MS'] = '50';
  config = loadServiceConfig('channels', {
    LOG_LEVEL: 'silent',
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_CONSUMER_GROUP: uniqueName('email-providers-spec'),
    EVENTSTORE_URL: db.url,
    MONGO_URL: isolatedMongoUrl(infra, 'email_providers_spec'),
    AUTH_LOCAL_KEY_FILE: join(mkdtempSync(join(tmpdir(), 'journey-email-key-')), 'key.json'),
    // Every other route keeps a small body limit; the email webhooks take their attachments.
    HTTP_BODY_LIMIT: '64kb',
  });
  app = await createServiceApp(channelsService, config);
  await startServiceApp(app, { ...config, http: { ...config.http, port: 0 } });
  base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await app?.close();
  await Promise.allSettled([smtp?.close(), sns?.close()]);
  await store?.close();
  await db?.drop();
  for (const v of ['CHANNELS_CONFIG_FILE', 'DELIVERY_BACKOFF_MS']) delete process.env[v];
});

const mime = (messageId: string, headers: string[], body: string) =>
  [
    'From: Li Wei <li.wei@customer.example>',
    'To: support@example.com',
    'Subject: Order 1234',
    `Message-ID: ${messageId}`,
    ...headers,
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\r\n');
const postMime = (raw: string) =>
  http()
    .post('/v1/webhooks/email')
    .set({ 'content-type': 'message/rfc822', ...signRequest(channels.email!.webhookSecret, raw) })
    .send(raw);

describe('email threading', () => {
  it('files a reply naming any message of the thread (not its first) in that conversation, ours included', async () => {
    const first = `<${randomUUID()}@customer.example>`;
    const second = `<${randomUUID()}@customer.example>`;
    const opened = await postMime(mime(first, [], 'My order has not arrived.')).expect(200);
    const conversationId = opened.body.conversationId as string;
    // A second message with full headers, then one whose client named only the second in In-Reply-To.
    await postMime(mime(second, [`In-Reply-To: ${first}`, `References: ${first}`], 'Any news?')).expect(200);
    const third = await postMime(
      mime(`<${randomUUID()}@customer.example>`, [`In-Reply-To: ${second}`], 'Hello?'),
    ).expect(200);
    expect(third.body.conversationId).toBe(conversationId);
    // References whose root was cut off by the client: a later one is enough.
    const fourth = await postMime(
      mime(
        `<${randomUUID()}@customer.example>`,
        [`References: <unknown@elsewhere.example> ${second}`],
        'Still there?',
      ),
    ).expect(200);
    expect(fourth.body.conversationId).toBe(conversationId);

    // The customer answers our reply, naming only it.
    const agent = await issueLocalToken({
      ...config.auth,
      keyFile: config.auth.localKeyFile as string,
      subject: 'agent-7',
      roles: ['agent'],
      expiresIn: '1h',
    });
    const reply = await http()
      .post(`/v1/conversations/${conversationId}/replies`)
      .set('authorization', `Bearer ${agent}`)
      .send({ text: 'It ships today.' })
      .expect(201);
    const ours = `<${reply.body.messageId}@example.com>`;
    await eventually(() => smtp.mails.find((m) => m.messageId === ours));
    const answer = await postMime(
      mime(`<${randomUUID()}@customer.example>`, [`In-Reply-To: ${ours}`], 'Thanks!'),
    ).expect(200);
    expect(answer.body.conversationId).toBe(conversationId);
    expect((await received(conversationId)).map((e) => (e.data as { text: string }).text)).toEqual([
      'My order has not arrived.',
      'Any news?',
      'Hello?',
      'Still there?',
      'Thanks!',
    ]);
    // Someone else naming the thread's messages (a quoted Message-ID, or the thread's own id reused
    // first) does not get into the customer's conversation, nor do its replies go to them.
    const stranger = (
      await postMime(
        mime(
          `<${randomUUID()}@elsewhere.example>`,
          [`In-Reply-To: ${ours}`, `References: ${first} ${ours}`],
          'Let me in',
        ).replace('From: Li Wei <li.wei@customer.example>', 'From: Mallory <mallory@elsewhere.example>'),
      ).expect(200)
    ).body;
    expect(stranger.conversationId).not.toBe(conversationId);
    // A new message naming nothing known starts its own conversation.
    const other = await postMime(mime(`<${randomUUID()}@customer.example>`, [], 'New question')).expect(200);
    expect(other.body.conversationId).not.toBe(conversationId);
  });
});

describe('an attachment over the size limit', () => {
  it('keeps the text, records the attachment as refused with its size and name, and tells the sender', async () => {
    const big = randomBytes(ATTACHMENT_MAX + 300_000)
      .toString('base64')
      .replace(/.{76}/g, '$&\r\n');
    const small = randomBytes(2_000).toString('base64');
    const messageId = `<${randomUUID()}@customer.example>`;
    // The receiving server vouches for the sender (only a verified sender is told of refused attachments).
    const raw = [
      'Authentication-Results: mx.mailgun.org; dkim=pass header.d=customer.example',
      'From: Li Wei <li.wei@customer.example>',
      'To: support@example.com',
      'Subject: Photos of the damage',
      `Message-ID: ${messageId}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'The screen is cracked, photos attached.',
      '--b1',
      'Content-Type: image/jpeg; name="damage.jpg"',
      'Content-Disposition: attachment; filename="damage.jpg"',
      'Content-Transfer-Encoding: base64',
      '',
      big,
      '--b1',
      'Content-Type: image/png; name="label.png"',
      'Content-Disposition: attachment; filename="label.png"',
      'Content-Transfer-Encoding: base64',
      '',
      small,
      '--b1--',
      '',
    ].join('\r\n');
    const res = await postMime(raw).expect(200);
    expect(res.body.refusedAttachments).toEqual([
      { name: 'damage.jpg', sizeBytes: ATTACHMENT_MAX + 300_000 },
    ]);
    const [message] = await received(res.body.conversationId);
    expect(message!.data).toMatchObject({
      text: 'The screen is cracked, photos attached.',
      attachments: [{ name: 'label.png', contentType: 'image/png', sizeBytes: 2_000 }],
      refusedAttachments: [
        {
          name: 'damage.jpg',
          contentType: 'image/jpeg',
          sizeBytes: ATTACHMENT_MAX + 300_000,
          reason: 'too-large',
          limitBytes: ATTACHMENT_MAX,
        },
      ],
    });
    const notice = await eventually(() =>
      smtp.mails.find((m) => m.inReplyTo === messageId && /damage\.jpg/.test(m.text ?? '')),
    );
    expect(notice.text).toMatch(/damage\.jpg \(1\.3 MB\)/);
    expect(notice.text).toMatch(/up to 1\.0 MB/);
    // The provider's redelivery records nothing again, and sends no second notice.
    expect((await postMime(raw).expect(200)).body).toMatchObject({ duplicate: true });
    expect((await received(res.body.conversationId)).length).toBe(1);
  });
});

describe('Mailgun routes', () => {
  const signed = (fields: Record<string, string>, key = channels.email!.mailgun!.signingKey) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const token = randomBytes(25).toString('hex');
    const signature = createHmac('sha256', key)
      .update(timestamp + token)
      .digest('hex');
    return { ...fields, timestamp, token, signature };
  };
  const fieldsOf = (messageId: string, inReplyTo: string) =>
    JSON.parse(
      sample('mailgun-route.json').replaceAll('MESSAGE_ID', messageId).replaceAll('IN_REPLY_TO', inReplyTo),
    ) as Record<string, string>;

  it("records the sample post with its text, attachment and the receiving server's DKIM pass; refuses a forged or replayed one", async () => {
    const id = `${randomUUID()}@customer.example`;
    const { body, type } = multipart(signed(fieldsOf(id, `${randomUUID()}@example.com`)), [
      { field: 'attachment-1', name: 'box.jpg', type: 'image/jpeg', bytes: randomBytes(5_000) },
    ]);
    const res = await http()
      .post('/v1/webhooks/email/mailgun')
      .set('content-type', type)
      .send(body)
      .expect(200);
    const [started, message] = await streamOf(res.body.conversationId);
    expect(started!.data).toMatchObject({
      channel: 'email',
      identities: [{ kind: 'email', value: 'chen.jing@customer.example', verified: true }],
      subject: 'Re: Your order 5521',
    });
    expect(message!.data).toMatchObject({
      providerMessageId: `<${id}>`,
      text: expect.stringMatching(/^The parcel arrived damaged/),
      attachments: [{ name: 'box.jpg', contentType: 'image/jpeg', sizeBytes: 5_000 }],
    });

    const before = await committedEventCount(db.url);
    const forged = multipart(signed(fieldsOf(`${randomUUID()}@x`, 'y@x'), secret()));
    const refused = await http()
      .post('/v1/webhooks/email/mailgun')
      .set('content-type', forged.type)
      .send(forged.body)
      .expect(401);
    expect(refused.body.message).toMatch(/signature does not match/);
    // The same signed post captured and sent again: its token was spent.
    const replay = multipart(signed(fieldsOf(`${randomUUID()}@x`, 'y@x')));
    await http()
      .post('/v1/webhooks/email/mailgun')
      .set('content-type', replay.type)
      .send(replay.body)
      .expect(200);
    const again = await http()
      .post('/v1/webhooks/email/mailgun')
      .set('content-type', replay.type)
      .send(replay.body)
      .expect(401);
    expect(again.body.message).toMatch(/token was used already/);
    // The one fresh post: conversation started, message received, its Message-ID indexed.
    expect(await committedEventCount(db.url)).toBe(before + 3);
  });
});

describe('SendGrid Inbound Parse', () => {
  const post = (
    fields: Record<string, string>,
    files: Parameters<typeof multipart>[1] = [],
    tamper = false,
  ) => {
    const { body, type } = multipart(fields, files);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createSign('sha256')
      .update(timestamp)
      .update(body)
      .sign(sendgridPrivateKey)
      .toString('base64');
    // Changed after signing: one letter of the customer's text.
    if (tamper) body.write('f', body.indexOf('the invoice') + 'the invoic'.length);
    return http()
      .post('/v1/webhooks/email/sendgrid')
      .set({
        'content-type': type,
        'x-twilio-email-event-webhook-signature': signature,
        'x-twilio-email-event-webhook-timestamp': timestamp,
      })
      .send(body);
  };

  it('records the sample post (parsed mode), DKIM from its dkim field; refuses a body changed after signing', async () => {
    const id = `${randomUUID()}@customer.example`;
    const fields = JSON.parse(sample('sendgrid-parse.json').replaceAll('MESSAGE_ID', id)) as Record<
      string,
      string
    >;
    const res = await post(fields, [
      { field: 'attachment1', name: 'order-7730.png', type: 'image/png', bytes: randomBytes(3_000) },
    ]).expect(200);
    const [started, message] = await streamOf(res.body.conversationId);
    expect(started!.data).toMatchObject({
      identities: [{ kind: 'email', value: 'wang.fang@customer.example', verified: true }],
      subject: 'Invoice for order 7730',
    });
    expect(message!.data).toMatchObject({
      providerMessageId: `<${id}>`,
      text: 'Could you send the invoice for order 7730 to this address?',
      attachments: [{ name: 'order-7730.png', contentType: 'image/png', sizeBytes: 3_000 }],
    });
    const tampered = await post(
      { ...fields, headers: fields['headers']!.replace(id, `${randomUUID()}@x`) },
      [],
      true,
    ).expect(401);
    expect(tampered.body.message).toMatch(/signature/);
  });

  it('takes the raw mode, where the MIME message is one field', async () => {
    const id = `<${randomUUID()}@customer.example>`;
    const res = await post({
      email: mime(id, [], 'Raw mode message'),
      envelope: '{"to":["support@example.com"],"from":"li.wei@customer.example"}',
      dkim: '{@customer.example : pass}',
    }).expect(200);
    const [started2, message] = await streamOf(res.body.conversationId);
    expect(started2!.data).toMatchObject({ identities: [{ verified: true }] });
    expect(message!.data).toMatchObject({ providerMessageId: id, text: 'Raw mode message' });
  });
});

describe('Postmark inbound', () => {
  const body = (id: string) =>
    JSON.parse(
      sample('postmark-inbound.json').replaceAll('MESSAGE_ID', id).replaceAll('POSTMARK_ID', randomUUID()),
    ) as object;
  const auth = (password = channels.email!.postmark!.password) =>
    `Basic ${Buffer.from(`postmark:${password}`).toString('base64')}`;

  it('records the sample post given the basic-auth credentials of its URL, and refuses it without them', async () => {
    const id = `${randomUUID()}@customer.example`;
    const res = await http()
      .post('/v1/webhooks/email/postmark')
      .set('authorization', auth())
      .send(body(id))
      .expect(200);
    const [started, message] = await streamOf(res.body.conversationId);
    expect(started!.data).toMatchObject({
      identities: [{ kind: 'email', value: 'zhao.lei@customer.example', verified: true }],
      subject: 'Return for order 8812',
    });
    expect(message!.data).toMatchObject({
      providerMessageId: `<${id}>`,
      text: 'I would like to return the blue jacket from order 8812.',
      attachments: [{ name: 'jacket.jpg', contentType: 'image/jpeg', sizeBytes: 160 }],
    });
    await http()
      .post('/v1/webhooks/email/postmark')
      .set('authorization', auth(secret()))
      .send(body(`${randomUUID()}@x`))
      .expect(401);
    await http()
      .post('/v1/webhooks/email/postmark')
      .send(body(`${randomUUID()}@x`))
      .expect(401);
    const invalid = await http()
      .post('/v1/webhooks/email/postmark')
      .set('authorization', auth())
      .send({ MessageID: 'x' })
      .expect(400);
    expect(invalid.body.message).toMatch(/FromFull/);
  });
});

describe('Amazon SES through SNS', () => {
  const snsMessage = (
    fields: Omit<SnsMessage, 'Signature' | 'SignatureVersion' | 'SigningCertURL'>,
    version: '1' | '2' = '2',
  ) => {
    const unsigned = {
      ...fields,
      SignatureVersion: version,
      SigningCertURL: `${sns.url}/SimpleNotificationService-test.pem`,
    };
    const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
      .update(snsStringToSign({ ...unsigned, Signature: 'x' } as SnsMessage))
      .sign(snsKey)
      .toString('base64');
    return { ...unsigned, Signature: signature };
  };
  const notification = (id: string, verdict = 'PASS') =>
    snsMessage({
      Type: 'Notification',
      MessageId: randomUUID(),
      TopicArn: TOPIC,
      Subject: 'Amazon SES Email Receipt Notification',
      Message: sample('ses-received.json')
        .replaceAll('MESSAGE_ID', id)
        .replace('"dmarcVerdict": { "status": "PASS" }', `"dmarcVerdict": { "status": "${verdict}" }`),
      Timestamp: new Date().toISOString(),
    });
  // SNS posts its JSON as text/plain.
  const post = (message: unknown) =>
    http()
      .post('/v1/webhooks/email/ses')
      .set('content-type', 'text/plain; charset=UTF-8')
      .send(JSON.stringify(message));

  it('confirms the subscription at its SubscribeURL, then records the sample notification, verified by SES verdicts', async () => {
    const confirm = snsMessage(
      {
        Type: 'SubscriptionConfirmation',
        MessageId: randomUUID(),
        TopicArn: TOPIC,
        Token: randomBytes(32).toString('hex'),
        Message: 'You have chosen to subscribe to the topic.',
        SubscribeURL: `${sns.url}/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=t`,
        Timestamp: new Date().toISOString(),
      },
      '1',
    );
    expect((await post(confirm).expect(200)).body).toEqual({ received: 'subscription-confirmed' });
    expect(sns.calls.some((c) => c.query.get('Action') === 'ConfirmSubscription')).toBe(true);

    const id = `${randomUUID()}@customer.example`;
    const res = await post(notification(id)).expect(200);
    expect(res.body).toMatchObject({ received: 'email', duplicate: false });
    const [started, message] = await streamOf(res.body.conversationId);
    expect(started!.data).toMatchObject({
      identities: [{ kind: 'email', value: 'sun.mei@customer.example', verified: true }],
      subject: 'Delivery address change',
    });
    expect(message!.data).toMatchObject({
      providerMessageId: `<${id}>`,
      text: expect.stringMatching(/^Please deliver order 9004/),
    });
    // Without DMARC's pass the address is only claimed.
    const weak = await post(notification(`${randomUUID()}@customer.example`, 'FAIL')).expect(200);
    const [weakStart] = await streamOf(weak.body.conversationId);
    expect(weakStart!.data).toMatchObject({ identities: [{ verified: false }] });
  });

  it('refuses a notification whose signature, topic or certificate host is wrong, storing nothing', async () => {
    const before = await committedEventCount(db.url);
    const good = notification(`${randomUUID()}@customer.example`);
    const changed = { ...good, Message: good.Message.replace('88 Century Avenue', '1 Other Road') };
    expect((await post(changed).expect(401)).body.message).toMatch(/signature does not match/);
    await post({ ...good, TopicArn: 'arn:aws:sns:us-east-1:123456789012:someone-else' }).expect(401);
    const elsewhere = {
      ...good,
      SigningCertURL: 'https://attacker.example/SimpleNotificationService-test.pem',
    };
    expect((await post(elsewhere).expect(401)).body.message).toMatch(/not an allowed SNS certificate/);
    await post({ Type: 'Notification' }).expect(400);
    expect(await committedEventCount(db.url)).toBe(before);
  });
});
