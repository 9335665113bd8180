import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import request from 'supertest';
import { journeyCatalogue } from '@journey/contracts';
import {
  PersonalDataEventStore,
  PersonalDataProtection,
  personalDataSubject,
  PostgresEventStore,
  PostgresPersonalDataKeys,
} from '@journey/eventstore';
import { JOURNEY_EVENT_TOPICS } from '@journey/messaging';
import { issueLocalToken, personalDataMasterKey } from '@journey/platform';
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

// Right to erasure, checked the way a data-protection officer would: after the erasure, every place
// the platform writes (the event store's tables, decrypted too; every journey topic on Kafka, opened
// too; both services' read models; the services' logs) is scanned for the customer's identities and
// words, and none of them is found.
const infra = testInfrastructure();
const secret = () => randomBytes(18).toString('base64url');
const dir = mkdtempSync(join(tmpdir(), 'journey-erasure-'));
const keyFile = join(dir, 'key.json');
const personalDataKeyFile = join(dir, 'personal-data.key');
const channelsUrl = 'http://127.0.0.1:3221';
const contactsUrl = 'http://127.0.0.1:3222';
const channels = {
  email: {
    webhookSecret: secret(),
    trustedAuthservIds: ['mx.example.com'],
    inboxes: [{ id: 'support', address: 'support@example.com', smtpUrl: 'smtp://127.0.0.1:1' }],
  },
  wechat: [
    { id: 'oa', appId: 'wx-erasure', appSecret: secret(), token: 'tok3n', apiBaseUrl: 'http://127.0.0.1:1' },
  ],
  api: [],
  voice: [],
  chat: [{ id: 'website', visitorTokenSecret: secret(), identitySecret: secret() }],
};
const mongoUrls = {
  channels: isolatedMongoUrl(infra, 'erasure_channels'),
  contacts: isolatedMongoUrl(infra, 'erasure_contacts'),
};
const groups = [uniqueName('erasure-channels'), uniqueName('erasure-contacts')];
let db: IsolatedDatabase;
const children: ServiceProcess[] = [];

beforeAll(async () => {
  db = await isolatedPostgresDatabase(infra, 'erasure');
  const configFile = join(dir, 'channels.json');
  writeFileSync(configFile, JSON.stringify(channels));
  for (const [name, port, group] of [
    ['channels', 3221, groups[0]],
    ['contacts', 3222, groups[1]],
  ] as const)
    children.push(
      launchService(name, port, {
        LOG_LEVEL: 'debug',
        KAFKA_BROKERS: infra.kafkaBrokers.join(','),
        KAFKA_CONSUMER_GROUP: group,
        EVENTSTORE_URL: db.url,
        MONGO_URL: mongoUrls[name],
        AUTH_LOCAL_KEY_FILE: keyFile,
        PERSONAL_DATA_KEY_FILE: personalDataKeyFile,
        CHANNELS_CONFIG_FILE: configFile,
      }),
    );
  await readyServices(children);
}, 120_000);

afterAll(async () => {
  await stopServices(children);
  await db?.drop();
});

const token = (...roles: Role[]) =>
  issueLocalToken({
    keyFile,
    issuer: 'journey-local',
    audience: 'journey',
    subject: 'dpo',
    roles,
    expiresIn: '1h',
  }).then((t) => `Bearer ${t}`);

/** Every place a needle turns up, as "where: needle". */
async function scan(needles: string[]): Promise<string[]> {
  const found: string[] = [];
  const look = (where: string, text: string) => {
    for (const n of needles) if (text.includes(n)) found.push(`${where}: ${n}`);
  };

  // The event store's database, every table of every schema, as stored.
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const tables = await client.query<{ schema: string; name: string }>(
      "select table_schema as schema, table_name as name from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema') and table_type = 'BASE TABLE'",
    );
    for (const t of tables.rows) {
      const rows = await client.query<{ row: string }>(
        `select row_to_json(t)::text as row from "${t.schema}"."${t.name}" t`,
      );
      for (const r of rows.rows) look(`postgres ${t.schema}.${t.name}`, r.row);
    }
  } finally {
    await client.end();
  }

  // The events opened with the keys that are left.
  const stored = await PostgresEventStore.connect({ connectionString: db.url });
  const keys = await PostgresPersonalDataKeys.connect({
    connectionString: db.url,
    masterKey: await personalDataMasterKey({ keyFile: personalDataKeyFile }),
  });
  const protection = new PersonalDataProtection(keys, journeyCatalogue);
  try {
    const opened = new PersonalDataEventStore(stored, protection);
    for (const e of await opened.readAll({ maxCount: 1_000_000 }))
      look(`event ${e.type} in ${e.streamId} (opened)`, JSON.stringify(e.data));

    // Every journey topic from its start, as published and opened.
    const kafka = new Kafka({
      brokers: infra.kafkaBrokers,
      clientId: 'erasure-scan',
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    // The event topics, and the dead-letter and retry topics of these services' consumer groups (the
    // broker is shared with other tests, whose own topics are none of this installation's).
    const topics = (await admin.listTopics()).filter(
      (t) =>
        JOURNEY_EVENT_TOPICS.some((spec) => spec.topic === t) ||
        groups.some(
          (g) =>
            t === `journey.dlq.${g}` ||
            t.startsWith(`journey.dlq.${g}-`) ||
            t === `journey.retry.${g}` ||
            t.startsWith(`journey.retry.${g}-`),
        ),
    );
    const ends = new Map<string, number>();
    for (const topic of topics)
      for (const p of await admin.fetchTopicOffsets(topic))
        if (Number(p.high) > 0) ends.set(`${topic}/${p.partition}`, Number(p.high));
    await admin.disconnect();
    const consumer = kafka.consumer({ groupId: uniqueName('erasure-scan') });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    const pending = new Set(ends.keys());
    await new Promise<void>((resolve, reject) => {
      if (pending.size === 0) return resolve();
      const timer = setTimeout(
        () => reject(new Error(`the Kafka scan did not reach the end of ${[...pending].join(', ')}`)),
        180_000,
      );
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            const items = [];
            for (const m of batch.messages) {
              const raw = `${m.key?.toString() ?? ''} ${m.value?.toString() ?? ''} ${JSON.stringify(
                Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, v?.toString()])),
              )}`;
              look(`kafka ${batch.topic}`, raw);
              try {
                const envelope = JSON.parse(m.value?.toString() ?? '');
                if (envelope?.type && envelope.data !== undefined)
                  items.push({
                    type: envelope.type as string,
                    data: envelope.data as unknown,
                    subject: personalDataSubject(envelope.subject, envelope.contactId),
                  });
              } catch {
                // Not an event envelope (a retry or dead-letter record): scanned as it is above.
              }
            }
            // The batch's last offset counts transaction and control records, which carry no message.
            if (Number(batch.lastOffset()) + 1 >= (ends.get(`${batch.topic}/${batch.partition}`) ?? 0))
              pending.delete(`${batch.topic}/${batch.partition}`);
            for (const data of await protection.reveal(items))
              look(`kafka ${batch.topic} (opened)`, JSON.stringify(data));
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
  } finally {
    await Promise.all([stored.close(), keys.close()]);
  }

  // Both services' read models, every collection.
  for (const [name, url] of Object.entries(mongoUrls)) {
    const mongo = await MongoClient.connect(url);
    try {
      const mdb = mongo.db();
      for (const c of await mdb.listCollections({}, { nameOnly: true }).toArray())
        for (const doc of await mdb.collection(c.name).find({}).toArray())
          look(`mongo ${name}.${c.name}`, JSON.stringify(doc));
    } finally {
      await mongo.close();
    }
  }

  // What the services logged.
  for (const child of children) look(`logs of ${child.name}`, child.output());
  return found;
}

describe('erasure, scanned everywhere', () => {
  it("leaves nothing in the store, on Kafka, in the read models or in the logs that is or opens to the customer's identities or words", async () => {
    const startedAt = new Date().toISOString();
    const tag = randomUUID().slice(0, 8);
    const email = `erase.me.${tag}@customer.example`;
    const name = `Zhang ${tag}`;
    const openid = `o-erase-${randomUUID()}`;
    const words = [`chat words ${tag}`, `email words ${tag}`, `wechat words ${tag}`, `order note ${tag}`];
    const agent = await token('agent');

    // The journey: web chat (signed identification), the shop's order, an email, a WeChat message.
    const session = (await request(channelsUrl).post('/v1/chat/website/sessions').send({}).expect(200)).body;
    await request(channelsUrl)
      .post('/v1/chat/website/messages')
      .set('x-visitor-token', session.token)
      .send({ clientMessageId: 'c-1', text: words[0] })
      .expect(200);
    const hash = createHmac('sha256', channels.chat[0]!.identitySecret).update(email).digest('hex');
    await request(channelsUrl)
      .post('/v1/chat/website/identify')
      .set('x-visitor-token', session.token)
      .send({ email, name, identityHash: hash })
      .expect(200);
    const contactId = await eventually(async () => {
      const res = await request(contactsUrl)
        .get('/v1/contacts/lookup')
        .query({ email })
        .set('authorization', agent);
      return res.status === 200 && (res.body.contactId as string);
    });
    await request(contactsUrl)
      .post('/v1/journey-events')
      .set('authorization', await token('service'))
      .send({
        kind: 'order-placed',
        externalId: `order-${tag}`,
        source: 'shop',
        occurredAt: new Date().toISOString(),
        customer: { email, wechatOpenId: openid, name },
        details: { note: words[3] },
      })
      .expect(200);
    await postDkimEmail(channelsUrl, channels.email.webhookSecret, {
      from: `${name} <${email}>`,
      subject: words[1] as string,
      text: words[1] as string,
    });
    await postWechatText(channelsUrl, {
      openid,
      text: words[2] as string,
      nonce: tag,
      msgId: String(Date.now()),
    });
    await eventually(
      async () => {
        const res = await request(contactsUrl)
          .get(`/v1/contacts/${contactId}/view`)
          .set('authorization', agent);
        return res.status === 200 && res.body.timelineSize === 8;
      },
      { timeoutMs: 30_000, what: 'the whole journey in the view' },
    );
    const needles = [email, name, openid, session.visitorId as string, ...words];
    // The scan finds the customer before the erasure: it would see a leak.
    expect((await scan(needles)).length).toBeGreaterThan(0);

    const erased = await request(contactsUrl)
      .delete(`/v1/contacts/${contactId}/personal-data`)
      .set('authorization', await token('supervisor'))
      .expect(200);
    expect(erased.body.conversations).toBe(3);
    // Channels acts on the erasure: each of the three conversations records that it was erased.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await eventually(
      async () =>
        (
          await client.query(
            "select count(*)::int as n from eventstore.events where type = 'channels.conversation-erased.v1'",
          )
        ).rows[0].n === 3,
      { timeoutMs: 30_000, what: 'channels to erase the conversations' },
    );
    await client.end();
    // The view drops the customer (its projections applied the erasure: the profile's, and the
    // timeline's, whose entries keep what happened without the customer's words).
    await eventually(async () => {
      const res = await request(contactsUrl)
        .get(`/v1/contacts/${contactId}/view`)
        .set('authorization', agent);
      return (
        res.status === 200 &&
        res.body.personalDataErasedAt !== undefined &&
        res.body.timelineSize === 8 &&
        (res.body.recent as Record<string, unknown>[]).every(
          (e) => e['summary'] === undefined && e['details'] === undefined,
        )
      );
    });

    // So does channels' conversation list (its projection applied the three conversation-erased events).
    await eventually(
      async () => {
        const res = await request(channelsUrl)
          .get('/v1/conversations')
          .query({ status: 'erased', updatedSince: startedAt })
          .set('authorization', agent);
        return res.status === 200 && res.body.conversations.length >= 3;
      },
      { timeoutMs: 30_000, what: 'the conversation list to apply the erasure' },
    );

    expect(await scan(needles)).toEqual([]);
  }, 600_000);
});
