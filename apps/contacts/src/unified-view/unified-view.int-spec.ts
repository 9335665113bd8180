import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { MongoClient } from 'mongodb';
import request from 'supertest';
import { ERASED, journeyCatalogue } from '@journey/contracts';
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
import { ProjectionState, rebuildProjection } from '@journey/projections';
import {
  eventually,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  testInfrastructure,
  uniqueName,
} from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { contactsService } from '../contacts.service';
import { customerTimelineProjection } from './adapters/customer-timeline.projection';
import { unifiedViewProjection } from './adapters/unified-view.projection';

const infra = testInfrastructure();
const dir = mkdtempSync(join(tmpdir(), 'journey-contacts-'));
const keyFile = join(dir, 'key.json');
const personalDataKeyFile = join(dir, 'personal-data.key');
let db: IsolatedDatabase;
let app: INestApplication;
let base: string;
const mongoUrl = isolatedMongoUrl(infra, 'contacts_view');

beforeAll(async () => {
  db = await isolatedPostgresDatabase(infra, 'contacts_view');
  const config = loadServiceConfig('contacts', {
    LOG_LEVEL: 'silent',
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_CONSUMER_GROUP: uniqueName('contacts-view'),
    EVENTSTORE_URL: db.url,
    MONGO_URL: mongoUrl,
    AUTH_LOCAL_KEY_FILE: keyFile,
    PERSONAL_DATA_KEY_FILE: personalDataKeyFile,
  });
  app = await createServiceApp(contactsService, config);
  await startServiceApp(app, { ...config, http: { ...config.http, port: 0 } });
  base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const token = (roles: ('service' | 'agent' | 'supervisor')[]) =>
  issueLocalToken({
    keyFile,
    issuer: 'journey-local',
    audience: 'journey',
    subject: 'tester',
    roles,
    expiresIn: '1h',
  }).then((t) => `Bearer ${t}`);

/** The store as the service sees it (personal fields opened), and the store as it is on disk. */
async function openStore(): Promise<{
  store: EventStore;
  stored: PostgresEventStore;
  close(): Promise<void>;
}> {
  const stored = await PostgresEventStore.connect({ connectionString: db.url });
  const keys = await PostgresPersonalDataKeys.connect({
    connectionString: db.url,
    masterKey: await personalDataMasterKey({ keyFile: personalDataKeyFile }),
  });
  const store = new PersonalDataEventStore(stored, new PersonalDataProtection(keys, journeyCatalogue));
  return { store, stored, close: async () => void (await Promise.all([stored.close(), keys.close()])) };
}

async function report(email: string, kind: string, externalId: string, extra: Record<string, unknown> = {}) {
  const res = await request(base)
    .post('/v1/journey-events')
    .set('authorization', await token(['service']))
    .send({
      kind,
      externalId,
      source: 'shop',
      occurredAt: new Date().toISOString(),
      customer: { email, ...extra },
      details: { note: `note for ${email}` },
    })
    .expect(200);
  return res.body.contactId as string;
}

const viewOf = async (id: string) =>
  (
    await request(base)
      .get(`/v1/contacts/${id}/view`)
      .set('authorization', await token(['agent']))
      .expect(200)
  ).body;

describe('the unified view', () => {
  it('rebuilt from position 0 of the event store equals what the live path built', async () => {
    const service = `Bearer ${await issueLocalToken({ keyFile, issuer: 'journey-local', audience: 'journey', subject: 's', roles: ['service'], expiresIn: '1h' })}`;
    const customers = Array.from({ length: 3 }, () => `c-${randomUUID().slice(0, 8)}@example.com`);
    const contactIds = new Set<string>();
    let n = 0;
    for (const kind of ['page-viewed', 'lead-created', 'order-placed', 'order-delivered', 'return-requested'])
      for (const email of customers) {
        const res = await request(base)
          .post('/v1/journey-events')
          .set('authorization', service)
          .send({
            kind,
            externalId: `${email}-${kind}`,
            source: 'shop',
            occurredAt: new Date(Date.parse('2026-11-01T00:00:00Z') + ++n * 60_000).toISOString(),
            customer: {
              email,
              ...(kind === 'order-placed' ? { phone: `+86138000${String(n).padStart(5, '0')}` } : {}),
            },
            details: { step: n },
          })
          .expect(200);
        contactIds.add(res.body.contactId as string);
      }
    expect(contactIds.size).toBe(3);

    const mongo = await MongoClient.connect(mongoUrl);
    const { store, close } = await openStore();
    try {
      const views = mongo.db();
      const states = new ProjectionState(views);
      const live = await states.active(unifiedViewProjection.name, unifiedViewProjection.version);
      const liveTimeline = await states.active(
        customerTimelineProjection.name,
        customerTimelineProjection.version,
      );
      const documents = (collection: string) =>
        views
          .collection(collection)
          .find({ _id: { $in: [...contactIds] as never[] } })
          .sort({ _id: 1 })
          .toArray();
      const entries = (collection: string) =>
        views
          .collection(collection)
          .find({ contactId: { $in: [...contactIds] } })
          .sort({ _id: 1 })
          .toArray();
      const before = await eventually(
        async () => {
          const [docs, timeline] = await Promise.all([documents(live), entries(liveTimeline)]);
          return docs.length === 3 && timeline.length === 15 && { docs, timeline };
        },
        { timeoutMs: 30_000, what: 'the live view and timelines of three customers' },
      );
      expect(before.docs.map((d) => d['stageRank'])).toEqual([2, 2, 2]);
      // No document grows with the history: the profile holds no timeline, each entry is its own.
      expect(before.docs.every((d) => d['timeline'] === undefined)).toBe(true);
      const result = await rebuildProjection(unifiedViewProjection, store, views, { batchSize: 4 });
      expect(result.status).toBe('switched');
      if (result.status !== 'switched') return;
      expect(await documents(result.collection)).toEqual(before.docs);
      const rebuilt = await rebuildProjection(customerTimelineProjection, store, views, { batchSize: 4 });
      expect(rebuilt.status).toBe('switched');
      if (rebuilt.status !== 'switched') return;
      expect(await entries(rebuilt.collection)).toEqual(before.timeline);
    } finally {
      await close();
      await mongo.close();
    }
  });

  it('merges two contacts into one view and splits them again, keeping every interaction', async () => {
    const a = `a-${randomUUID().slice(0, 8)}@example.com`;
    const b = `b-${randomUUID().slice(0, 8)}@example.com`;
    const survivor = await report(a, 'page-viewed', `${a}-1`, { name: 'Mei Chen' });
    await report(a, 'order-placed', `${a}-2`);
    const merged = await report(b, 'lead-created', `${b}-1`, { name: 'Mei C.' });
    await eventually(
      async () => (await viewOf(merged)).timelineSize === 1 && (await viewOf(survivor)).timelineSize === 2,
      {
        what: 'both contacts in the view',
      },
    );
    const agent = await token(['agent']);

    await request(base)
      .post(`/v1/contacts/${merged}/merge`)
      .set('authorization', agent)
      .send({ survivorId: merged })
      .expect(409);
    await request(base)
      .post(`/v1/contacts/${merged}/merge`)
      .set('authorization', agent)
      .send({ survivor: 1 })
      .expect(400);
    await request(base)
      .post(`/v1/contacts/${merged}/merge`)
      .set('authorization', agent)
      .send({ survivorId: survivor })
      .expect(200);
    const together = await eventually(
      async () => {
        const v = await viewOf(survivor);
        return v.timelineSize === 3 && v;
      },
      { what: 'the merged view' },
    );
    expect(together.mergedContacts).toEqual([merged]);
    expect(together.name).toBe('Mei Chen'); // the survivor's profile wins
    expect(together.identities.map((i: { value: string }) => i.value).sort()).toEqual([a, b].sort());
    expect(together.recent.map((e: { contactId: string }) => e.contactId).sort()).toEqual(
      [merged, survivor, survivor].sort(),
    );
    expect((await viewOf(merged)).mergedInto).toBe(survivor);
    const lookup = await request(base)
      .get('/v1/contacts/lookup')
      .query({ email: b })
      .set('authorization', agent)
      .expect(200);
    expect(lookup.body).toEqual({ contactId: survivor, heldBy: merged });
    // The survivor cannot be merged into the contact that was merged into it.
    await request(base)
      .post(`/v1/contacts/${survivor}/merge`)
      .set('authorization', agent)
      .send({ survivorId: merged })
      .expect(409);

    // Written while merged: it stays the merged contact's, and shows in the survivor's view.
    await report(b, 'quote-sent', `${b}-2`);
    const four = await eventually(
      async () => {
        const v = await viewOf(survivor);
        // The view counts and lists its entries with two reads: an entry written between them is counted
        // before it is listed (seen once in CI), so both are waited for.
        return v.timelineSize === 4 && (v.recent as unknown[]).length === 4 && v;
      },
      { what: 'the new fact in the merged view' },
    );
    // Paged one entry at a time, the merged timeline is every entry once, oldest first: the newest four
    // of the view, reversed.
    const paged: { eventId: string; at: string }[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await request(base)
        .get(`/v1/contacts/${survivor}/timeline`)
        .query({ limit: 1, ...(cursor ? { cursor } : {}) })
        .set('authorization', agent)
        .expect(200);
      paged.push(...(res.body.entries as { eventId: string; at: string }[]));
      cursor = res.body.nextCursor as string | undefined;
      if (!cursor) break;
    }
    expect(paged.map((e) => e.eventId)).toEqual(
      [...(four.recent as { eventId: string }[])].reverse().map((e) => e.eventId),
    );
    expect(paged.map((e) => e.at)).toEqual(paged.map((e) => e.at).sort());
    expect(paged[0]).not.toHaveProperty('seq');

    await request(base).post(`/v1/contacts/${merged}/split`).set('authorization', agent).expect(200);
    await request(base).post(`/v1/contacts/${merged}/split`).set('authorization', agent).expect(409);
    const apart = await eventually(
      async () => {
        const v = await viewOf(survivor);
        return v.timelineSize === 2 && v;
      },
      { what: 'the split' },
    );
    expect(apart.mergedContacts).toEqual([]);
    const alone = await viewOf(merged);
    expect(alone.mergedInto).toBeUndefined();
    expect(alone.timelineSize).toBe(2);
    expect(alone.recent.map((e: { kind: string }) => e.kind)).toEqual(['quote-sent', 'lead-created']);
  });

  it('suggests a merge, and merges nothing, when a new contact has the name of another', async () => {
    const name = `Chen Jing ${randomUUID().slice(0, 6)}`;
    const first = await report(
      `n1-${randomUUID().slice(0, 8)}@example.com`,
      'page-viewed',
      `v-${randomUUID()}`,
      { name },
    );
    await eventually(async () => (await viewOf(first)).name === name, { what: 'the first contact' });
    const second = await report(
      `n2-${randomUUID().slice(0, 8)}@example.com`,
      'page-viewed',
      `v-${randomUUID()}`,
      {
        name: name.toUpperCase(),
      },
    );
    expect(second).not.toBe(first);
    const view = await eventually(
      async () => {
        const v = await viewOf(second);
        return v.mergeSuggestions.length > 0 && v;
      },
      { what: 'the merge suggestion' },
    );
    expect(view.mergeSuggestions).toEqual([
      { otherContactId: first, reason: 'the same name is on another contact' },
    ]);
    expect(view.mergedContacts).toEqual([]);
  });

  it('keeps profile, tier, traits, preferred channel and consent, and finds the contact by name', async () => {
    const email = `p-${randomUUID().slice(0, 8)}@example.com`;
    const surname = `Zhao${randomUUID().slice(0, 6)}`;
    const id = await report(email, 'page-viewed', `${email}-1`);
    const agent = await token(['agent']);
    await request(base)
      .patch(`/v1/contacts/${id}`)
      .set('authorization', agent)
      .send({ vipTier: 'diamond' })
      .expect(400);
    await request(base)
      .patch(`/v1/contacts/${id}`)
      .set('authorization', agent)
      .send({ timeZone: 'Mars/Base' })
      .expect(400);
    await request(base).patch(`/v1/contacts/${id}`).set('authorization', agent).send({}).expect(400);
    await request(base)
      .patch(`/v1/contacts/${randomUUID()}`)
      .set('authorization', agent)
      .send({ vipTier: 'gold' })
      .expect(404);
    await request(base)
      .patch(`/v1/contacts/${id}`)
      .set('authorization', agent)
      .send({
        name: `Li ${surname}`,
        language: 'zh-CN',
        timeZone: 'Asia/Shanghai',
        vipTier: 'gold',
        traits: { pet: 'dog', city: 'Hangzhou' },
        preferredChannel: 'wechat',
      })
      .expect(200);
    await request(base)
      .patch(`/v1/contacts/${id}`)
      .set('authorization', agent)
      .send({ traits: { city: null } })
      .expect(200);
    await request(base)
      .post(`/v1/contacts/${id}/consents`)
      .set('authorization', agent)
      .send({ purpose: 'marketing', granted: false, source: 'chat' })
      .expect(201);
    const view = await eventually(
      async () => {
        const v = await viewOf(id);
        return v.consent.marketing && v.traits.city === undefined && v;
      },
      { what: 'the profile in the view' },
    );
    expect(view).toMatchObject({
      name: `Li ${surname}`,
      language: 'zh-CN',
      timeZone: 'Asia/Shanghai',
      vipTier: 'gold',
      traits: { pet: 'dog' },
      preferredChannel: { channel: 'wechat', inferred: false },
      consent: { marketing: { granted: false, source: 'chat' } },
    });
    const found = await request(base)
      .get('/v1/contacts')
      .query({ name: surname.toLowerCase() })
      .set('authorization', agent)
      .expect(200);
    expect(found.body.contacts).toEqual([expect.objectContaining({ contactId: id, vipTier: 'gold' })]);
    await request(base).get('/v1/contacts').query({ name: 'x' }).set('authorization', agent).expect(400);
  });

  it('erases personal data from the view, the store, a replay and the index, and keeps the rest', async () => {
    const email = `e-${randomUUID().slice(0, 8)}@example.com`;
    const other = `e2-${randomUUID().slice(0, 8)}@example.com`;
    const name = `Qian ${randomUUID().slice(0, 6)}`;
    const id = await report(email, 'order-placed', `order-${randomUUID()}`, {
      name,
      phone: '+8613912345678',
    });
    const absorbed = await report(other, 'page-viewed', `visit-${randomUUID()}`);
    const agent = await token(['agent']);
    await request(base)
      .patch(`/v1/contacts/${id}`)
      .set('authorization', agent)
      .send({ traits: { pet: 'cat' } })
      .expect(200);
    await eventually(async () => (await viewOf(absorbed)).timelineSize === 1, { what: 'the second contact' });
    await request(base)
      .post(`/v1/contacts/${absorbed}/merge`)
      .set('authorization', agent)
      .send({ survivorId: id })
      .expect(200);
    await eventually(async () => (await viewOf(id)).timelineSize === 2 && (await viewOf(id)).traits.pet, {
      what: 'the merged view',
    });
    const secrets = [email, other, name, '+8613912345678', `note for ${email}`, 'cat'];

    await request(base).delete(`/v1/contacts/${id}/personal-data`).set('authorization', agent).expect(403);
    const supervisor = await token(['supervisor']);
    const erased = await request(base)
      .delete(`/v1/contacts/${id}/personal-data`)
      .set('authorization', supervisor)
      .expect(200);
    expect(erased.body.contacts.sort()).toEqual([id, absorbed].sort());
    expect(erased.body.keysDeleted).toBe(2);
    await request(base)
      .delete(`/v1/contacts/${randomUUID()}/personal-data`)
      .set('authorization', supervisor)
      .expect(404);
    // Asked again (a retry after a timeout): the same contacts, nothing left to delete.
    const again = await request(base)
      .delete(`/v1/contacts/${id}/personal-data`)
      .set('authorization', supervisor)
      .expect(200);
    expect(again.body.contacts.sort()).toEqual([id, absorbed].sort());
    expect(again.body.keysDeleted).toBe(0);

    const mongo = await MongoClient.connect(mongoUrl);
    const { store, stored, close } = await openStore();
    try {
      const views = mongo.db();
      const collection = await new ProjectionState(views).active(
        unifiedViewProjection.name,
        unifiedViewProjection.version,
      );
      const docs = () =>
        views
          .collection(collection)
          .find({ _id: { $in: [id, absorbed] as never[] } })
          .sort({ _id: 1 })
          .toArray();
      const live = await eventually(
        async () => {
          const d = await docs();
          return d.every((x) => x['erasedAt']) && d;
        },
        { what: 'the erasure in the view' },
      );
      const text = (x: unknown) => JSON.stringify(x);
      for (const secret of secrets) expect(text(live)).not.toContain(secret);
      // The timeline's entries stay, without the customer's words (the erasure reached each of them).
      const timeline = await new ProjectionState(views).active(
        customerTimelineProjection.name,
        customerTimelineProjection.version,
      );
      const entries = (collection: string) =>
        views
          .collection(collection)
          .find({ contactId: { $in: [id, absorbed] } })
          .sort({ _id: 1 })
          .toArray();
      const liveEntries = await eventually(
        async () => {
          const found = await entries(timeline);
          return found.length === 2 && found.every((e) => e['details'] === undefined) && found;
        },
        { what: 'the erasure in the timeline' },
      );
      for (const secret of secrets) expect(text(liveEntries)).not.toContain(secret);
      const view = await viewOf(id);
      expect(view.personalDataErasedAt).toBeDefined();
      expect(view.timelineSize).toBe(2); // what happened stays, who it was does not
      expect(view.identities.every((i: { value?: string }) => i.value === undefined)).toBe(true);
      for (const secret of secrets) expect(text(view)).not.toContain(secret);

      // The identity index forgot them.
      await request(base).get('/v1/contacts/lookup').query({ email }).set('authorization', agent).expect(404);
      // The erased contact takes no more changes.
      await request(base)
        .patch(`/v1/contacts/${id}`)
        .set('authorization', agent)
        .send({ vipTier: 'gold' })
        .expect(409);

      // On disk and on replay: ciphertext, then [erased]; never the data.
      const contactEvents = [
        ...(await stored.readStream(`contact-${id}`)),
        ...(await stored.readStream(`contact-${absorbed}`)),
      ];
      for (const secret of secrets) expect(text(contactEvents.map((e) => e.data))).not.toContain(secret);
      const opened = await store.readStream(`contact-${id}`);
      expect(opened[0]?.data).toMatchObject({
        name: ERASED,
        identities: expect.arrayContaining([expect.objectContaining({ value: ERASED })]),
      });

      const rebuilt = await rebuildProjection(unifiedViewProjection, store, views, { batchSize: 50 });
      expect(rebuilt.status).toBe('switched');
      if (rebuilt.status !== 'switched') return;
      const replayed = await views
        .collection(rebuilt.collection)
        .find({ _id: { $in: [id, absorbed] as never[] } })
        .sort({ _id: 1 })
        .toArray();
      for (const secret of secrets) expect(text(replayed)).not.toContain(secret);
      const replayedTimeline = await rebuildProjection(customerTimelineProjection, store, views, {
        batchSize: 50,
      });
      expect(replayedTimeline.status).toBe('switched');
      if (replayedTimeline.status !== 'switched') return;
      expect(await entries(replayedTimeline.collection)).toEqual(liveEntries);
      expect(replayed).toEqual(live);

      // The customer comes back: a new contact starts (the erased one stays closed), readable again.
      const returning = await report(email, 'page-viewed', `visit-${randomUUID()}`);
      expect(returning).not.toBe(id);
      const fresh = await eventually(
        async () => (await viewOf(returning)).timelineSize === 1 && (await viewOf(returning)),
        {
          what: 'the returning customer',
        },
      );
      expect(fresh.identities).toEqual([{ kind: 'email', value: email, verified: true }]);
    } finally {
      await close();
      await mongo.close();
    }
  });
});
