import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Partitioners } from 'kafkajs';
import request from 'supertest';
import { journeyCatalogue } from '@journey/contracts';
import type { ChannelIdentity } from '@journey/contracts';
import {
  PersonalDataEventStore,
  PersonalDataProtection,
  PostgresEventStore,
  PostgresPersonalDataKeys,
} from '@journey/eventstore';
import type { EventStore } from '@journey/eventstore';
import {
  createServiceApp,
  issueLocalToken,
  loadServiceConfig,
  personalDataMasterKey,
  startServiceApp,
} from '@journey/platform';
import {
  eventually,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  testInfrastructure,
  uniqueName,
} from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { contactsService } from '../contacts.service';
import { ChannelEventsConsumer } from './channel-events.consumer';

/** The Kafka partition a stream's events go to (the producer's partitioner, six partitions). */
const partitionOf = (streamId: string) =>
  Partitioners.DefaultPartitioner()({
    topic: 'journey.channels.v1',
    partitionMetadata: Array.from({ length: 6 }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    })),
    message: { key: streamId, value: null },
  });

/**
 * Identity resolution on two replicas of the contacts service sharing one store, one read model and
 * one consumer group: the channel events reach either replica through Kafka while the shop's orders
 * are posted to both.
 */
const infra = testInfrastructure();
const dir = mkdtempSync(join(tmpdir(), 'journey-resolution-'));
const keyFile = join(dir, 'key.json');
const personalDataKeyFile = join(dir, 'personal-data.key');
const idKeyFile = join(dir, 'ids.key');
const mongoUrl = isolatedMongoUrl(infra, 'contacts_resolution');
let db: IsolatedDatabase;
const replicas: INestApplication[] = [];
const bases: string[] = [];
let stored: PostgresEventStore;
let keys: PostgresPersonalDataKeys;
let store: EventStore;

beforeAll(async () => {
  db = await isolatedPostgresDatabase(infra, 'contacts_resolution');
  const group = uniqueName('contacts-resolution');
  for (let i = 0; i < 2; i++) {
    const config = loadServiceConfig('contacts', {
      LOG_LEVEL: 'silent',
      // The test writes what channels would: the channels relay runs here too, as channels is not running.
      RELAY_CONTEXTS: 'contacts,channels',
      // Fifty races poll at once under one test subject: the per-client budget is not what is tested here.
      RATE_LIMIT_PER_SECOND: '10000',
      RATE_LIMIT_BURST: '100000',
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      KAFKA_CONSUMER_GROUP: group,
      EVENTSTORE_URL: db.url,
      MONGO_URL: mongoUrl,
      AUTH_LOCAL_KEY_FILE: keyFile,
      PERSONAL_DATA_KEY_FILE: personalDataKeyFile,
      ID_KEY_FILE: idKeyFile,
    });
    const app = await createServiceApp(contactsService, config);
    await startServiceApp(app, { ...config, http: { ...config.http, port: 0 } });
    replicas.push(app);
    bases.push(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`);
  }
  stored = await PostgresEventStore.connect({ connectionString: db.url });
  keys = await PostgresPersonalDataKeys.connect({
    connectionString: db.url,
    masterKey: await personalDataMasterKey({ keyFile: personalDataKeyFile }),
  });
  store = new PersonalDataEventStore(stored, new PersonalDataProtection(keys, journeyCatalogue));
  // Both replicas have joined the consumer group once a visit is resolved and viewed.
  const warmUp = new Visit();
  await warmUp.message('warm-up');
  const contactId = await eventually(() => lookup({ visitorId: warmUp.visitorId }), {
    timeoutMs: 90_000,
    what: 'the consumers to start',
  });
  await eventually(async () => (await viewOf(contactId)).timelineSize === 2, { timeoutMs: 90_000 });
}, 240_000);

afterAll(async () => {
  await Promise.all(replicas.map((app) => app.close()));
  await stored?.close();
  await keys?.close();
  await db?.drop();
});

const token = (roles: ('service' | 'agent' | 'supervisor')[], subject = 'tester') =>
  issueLocalToken({
    keyFile,
    issuer: 'journey-local',
    audience: 'journey',
    subject,
    roles,
    expiresIn: '1h',
  }).then((t) => `Bearer ${t}`);

/** What channels records of a web visitor: a first message, then the email they gave (signed by the site or not). */
class Visit {
  readonly visitorId = `v-${randomUUID()}`;
  readonly conversationId = randomUUID();
  private readonly where = { conversationId: this.conversationId, channel: 'web-chat', channelId: 'website' };
  private readonly visitor: ChannelIdentity = { kind: 'visitor-id', value: this.visitorId, verified: true };

  async message(text: string): Promise<void> {
    const at = new Date().toISOString();
    await this.append([
      {
        type: 'channels.conversation-started.v1',
        data: { ...this.where, identities: [this.visitor], startedAt: at },
      },
      {
        type: 'channels.message-received.v1',
        data: {
          ...this.where,
          messageId: randomUUID(),
          providerMessageId: randomUUID(),
          identities: [this.visitor],
          text,
          attachments: [],
          receivedAt: at,
        },
      },
    ]);
  }

  /** A later message of the same conversation. */
  async more(text: string): Promise<void> {
    await this.append([
      {
        type: 'channels.message-received.v1',
        data: {
          ...this.where,
          messageId: randomUUID(),
          providerMessageId: randomUUID(),
          identities: [this.visitor],
          text,
          attachments: [],
          receivedAt: new Date().toISOString(),
        },
      },
    ]);
  }

  async identify(email: string, verified: boolean, name?: string): Promise<void> {
    await this.append([
      {
        type: 'channels.visitor-identified.v1',
        data: {
          ...this.where,
          visitorId: this.visitorId,
          identities: [this.visitor, { kind: 'email', value: email, verified }],
          ...(name ? { name } : {}),
        },
      },
    ]);
  }

  private async append(events: { type: string; data: unknown }[]): Promise<void> {
    await store.append(
      `conversation-${this.conversationId}`,
      events.map((e) => ({
        id: randomUUID(),
        type: e.type,
        data: e.data,
        metadata: {
          source: 'channels',
          correlationId: randomUUID(),
          schemaVersion: 1,
          time: new Date().toISOString(),
        },
      })),
      'any',
    );
  }
}

async function order(base: string, customer: Record<string, string>, extra: Record<string, unknown> = {}) {
  const res = await request(base)
    .post('/v1/journey-events')
    .set('authorization', await token(['service']))
    .send({
      kind: 'order-placed',
      externalId: `order-${randomUUID()}`,
      source: 'shop',
      occurredAt: new Date().toISOString(),
      customer,
      ...extra,
    });
  expect(res.status).toBe(200);
  return res.body.contactId as string;
}

async function lookup(query: Record<string, string>, base = bases[0] as string): Promise<string | undefined> {
  const res = await request(base)
    .get('/v1/contacts/lookup')
    .query(query)
    .set('authorization', await token(['agent']));
  return res.status === 200 ? (res.body.contactId as string) : undefined;
}

async function viewOf(contactId: string) {
  return (
    await request(bases[0] as string)
      .get(`/v1/contacts/${contactId}/view`)
      .set('authorization', await token(['agent']))
      .expect(200)
  ).body;
}

describe('identity resolution, decided in the event store', () => {
  it('gives one customer one contact when the chat, the signed identification and the order race, 50 times on two replicas', async () => {
    const runs = Array.from({ length: 50 }, (_, i) => ({
      i,
      visit: new Visit(),
      email: `race-${i}-${randomUUID().slice(0, 8)}@customer.example`,
      openid: `o-${randomUUID()}`,
    }));
    // Back to back: the message and the identification go through Kafka while the order is posted.
    await Promise.all(
      runs.map(async ({ i, visit, email, openid }) => {
        await visit.message('Do you ship the X200 to Shanghai?');
        await Promise.all([
          visit.identify(email, true),
          order(bases[i % 2] as string, { email, wechatOpenId: openid }),
        ]);
      }),
    );
    for (const { visit, email, openid } of runs) {
      const byVisitor = await eventually(() => lookup({ visitorId: visit.visitorId }), {
        timeoutMs: 60_000,
        what: 'the visitor resolved',
      });
      const one = await eventually(
        async () => {
          const ids = new Set([
            await lookup({ visitorId: visit.visitorId }),
            await lookup({ email }, bases[1]),
            await lookup({ wechatOpenId: openid }),
          ]);
          return ids.size === 1 && [...ids][0];
        },
        { timeoutMs: 30_000, what: `one contact for ${email}` },
      );
      expect(one).toBe(await lookup({ visitorId: visit.visitorId }));
      expect(byVisitor).toBeDefined();
    }
    // Every run ends with one view holding the chat and the order.
    for (const { visit } of runs.slice(0, 5)) {
      const view = await eventually(
        async () => {
          const v = await viewOf((await lookup({ visitorId: visit.visitorId })) as string);
          return v.timelineSize >= 3 && v;
        },
        { timeoutMs: 30_000, what: 'the merged view' },
      );
      expect(view.identities.filter((i: ChannelIdentity) => i.kind === 'email' && i.verified)).toHaveLength(
        1,
      );
    }
  }, 300_000);

  it('never lets an unverified claim steer attested orders: they go to the attested owner, with a merge suggestion', async () => {
    const visit = new Visit();
    const email = `victim-${randomUUID().slice(0, 8)}@customer.example`;
    await visit.message('hello');
    await visit.identify(email, false, 'Attacker');
    const visitor = await eventually(() => lookup({ visitorId: visit.visitorId }), { what: 'the visitor' });
    // The claim is visible for the agent's eyes: the email finds the visitor's contact, as a claim.
    await eventually(async () => (await lookup({ email })) === visitor, { what: 'the claim' });

    const owner = await order(bases[1] as string, {
      email,
      wechatOpenId: `o-${randomUUID()}`,
      name: 'Li Wei',
    });
    expect(owner).not.toBe(visitor);
    expect(await order(bases[0] as string, { email })).toBe(owner);
    expect(await lookup({ email })).toBe(owner);
    const ownerSuggestions = await eventually(
      async () => {
        const v = await viewOf(owner);
        return v.mergeSuggestions.length > 0 && v.mergeSuggestions;
      },
      { what: 'a merge suggestion on the owner' },
    );
    expect(ownerSuggestions).toEqual([
      { otherContactId: visitor, reason: 'the email attested here is claimed on another contact' },
    ]);
    const view = await viewOf(visitor);
    // Nothing of the owner's orders reached the visitor's contact, and the claimed name did not reach the owner.
    expect(view.recent.map((e: { kind: string }) => e.kind)).not.toContain('order-placed');
    const ownerView = await eventually(async () => {
      const v = await viewOf(owner);
      return v.timelineSize === 2 && v;
    });
    expect(ownerView.name).toBe('Li Wei');
  });

  it('lets a name seen later reach an existing contact by precedence: attested over claimed, agent edits over both', async () => {
    const visit = new Visit();
    const email = `named-${randomUUID().slice(0, 8)}@customer.example`;
    await visit.message('hi');
    await visit.identify(email, true, 'li');
    const contactId = await eventually(() => lookup({ email }), { what: 'the contact' });
    await eventually(async () => (await viewOf(contactId)).name === 'li', { what: 'the identify name' });
    await order(bases[0] as string, { email, name: 'Li Wei' });
    await eventually(async () => (await viewOf(contactId)).name === 'Li Wei', { what: "the order's name" });
    await request(bases[1] as string)
      .patch(`/v1/contacts/${contactId}`)
      .set('authorization', await token(['agent']))
      .send({ name: 'Mr Li Wei' })
      .expect(200);
    await order(bases[0] as string, { email, name: 'L. Wei' });
    const marker = await order(bases[0] as string, { email }, { kind: 'order-delivered' });
    expect(marker).toBe(contactId);
    await eventually(async () => (await viewOf(contactId)).timelineSize >= 6, {
      what: 'the later orders applied',
    });
    expect((await viewOf(contactId)).name).toBe('Mr Li Wei');
  });

  it('uses one app user id scheme: the id the app gives is the id the shop gives, found by lookup', async () => {
    const userId = `u-${randomUUID().slice(0, 8)}`;
    const contactId = await order(bases[0] as string, { appUserId: userId });
    expect(await lookup({ appUserId: userId })).toBe(contactId);
    expect(await order(bases[1] as string, { appUserId: userId, phone: '+8613800138000' })).toBe(contactId);
    expect(await lookup({ phone: '+8613800138000' })).toBe(contactId);
  });

  it('does not revive the words of a message still queued for resolution when the customer is erased', async () => {
    const visit = new Visit();
    const email = `queued-${randomUUID().slice(0, 8)}@customer.example`;
    await visit.message('first words');
    await visit.identify(email, true);
    const contactId = await eventually(() => lookup({ email }), { what: 'the contact' });
    await eventually(async () => (await viewOf(contactId)).timelineSize === 3, {
      what: 'the visit resolved',
    });

    // The resolution consumers stop; a message arrives and waits in Kafka while the customer is erased.
    const consumers = replicas.map((app) => app.get(ChannelEventsConsumer));
    await Promise.all(consumers.map((c) => c.onModuleDestroy()));
    const words = `queued words ${randomUUID()}`;
    await visit.more(words);
    await request(bases[0] as string)
      .delete(`/v1/contacts/${contactId}/personal-data`)
      .set('authorization', await token(['supervisor']))
      .expect(200);
    // A marker on the same partition, after the queued message: once it is resolved, so was the message.
    let marker = new Visit();
    while (
      partitionOf(`conversation-${marker.conversationId}`) !==
      partitionOf(`conversation-${visit.conversationId}`)
    )
      marker = new Visit();
    await marker.message('marker');
    await Promise.all(consumers.map((c) => c.onApplicationBootstrap()));
    await eventually(() => lookup({ visitorId: marker.visitorId }), {
      timeoutMs: 90_000,
      what: 'the marker resolved',
    });

    // Nothing new about the erased customer: no contact for the visitor, no interaction holding the words.
    expect(await lookup({ visitorId: visit.visitorId })).toBeUndefined();
    expect(await lookup({ email })).toBeUndefined();
    const recorded = (await store.readAll({ maxCount: 100_000 })).filter(
      (e) => e.streamId.startsWith('contact-') && JSON.stringify(e.data).includes(words),
    );
    expect(recorded).toEqual([]);
  }, 180_000);

  it('never closes a loop when two agents merge two contacts into each other at once, and erasure covers a merge made a moment before', async () => {
    for (let round = 0; round < 10; round++) {
      const a = await order(bases[0] as string, { email: `a-${randomUUID().slice(0, 8)}@example.com` });
      const b = await order(bases[1] as string, { email: `b-${randomUUID().slice(0, 8)}@example.com` });
      const agent = await token(['agent']);
      const [ab, ba] = await Promise.all([
        request(bases[0] as string)
          .post(`/v1/contacts/${a}/merge`)
          .set('authorization', agent)
          .send({ survivorId: b }),
        request(bases[1] as string)
          .post(`/v1/contacts/${b}/merge`)
          .set('authorization', agent)
          .send({ survivorId: a }),
      ]);
      const statuses = [ab.status, ba.status].sort();
      expect(statuses).toEqual([200, 409]);
      const survivor = ab.status === 200 ? b : a;
      const merged = survivor === a ? b : a;
      if (round === 0) {
        // At once, before the view has the merge: the store says who the customer is.
        const erased = await request(bases[1] as string)
          .delete(`/v1/contacts/${survivor}/personal-data`)
          .set('authorization', await token(['supervisor']));
        expect(erased.status).toBe(200);
        expect(erased.body.contacts.sort()).toEqual([a, b].sort());
        continue;
      }
      // Both resolve to the survivor, which is merged into nothing.
      const view = await eventually(async () => {
        const v = await viewOf(merged);
        return v.mergedInto === survivor && v;
      });
      expect(view.mergedInto).toBe(survivor);
      expect((await viewOf(survivor)).mergedInto).toBeUndefined();
    }
  }, 120_000);
});
