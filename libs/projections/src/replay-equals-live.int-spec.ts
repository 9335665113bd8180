import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import type { Db, Document } from 'mongodb';
import { formatPosition, PostgresEventStore, START } from '@journey/eventstore';
import type { NewEvent, RecordedEvent } from '@journey/eventstore';
import { EventRelay, KafkaJsMessageBus, PostgresStreamParking, toMessage } from '@journey/messaging';
import {
  eventually,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  testInfrastructure,
  uniqueName,
} from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { LiveProjection } from './live-projection';
import type { Projection } from './projection';
import { ProjectionState } from './projection-state';
import { rebuildProjection } from './rebuild';
import type { RebuildProgress } from './rebuild';

const infra = testInfrastructure();
const context = uniqueName('proj').replace(/[^a-z0-9]/g, '');
const topic = `journey.${context}.v1`;
const T = {
  message: `${context}.message-received.v1`,
  order: `${context}.order-placed.v1`,
  noise: `${context}.ignored.v1`,
};

// A small customer-activity view: messages per contact, channels seen, orders, stage.
const activity: Projection = {
  name: 'contact_activity',
  version: 1,
  eventTypes: [T.message, T.order],
  project: (event) => {
    const contactId = event.contactId ?? 'unknown';
    if (event.type === T.message) {
      const { channel } = event.data as { channel: string };
      return [
        {
          id: contactId,
          inc: { messages: 1 },
          addToSet: { channels: channel },
          max: { lastContactAt: event.time },
          set: { lastChannel: channel },
          setOnInsert: { stage: 'pre-sale' },
        },
      ];
    }
    const { amount } = event.data as { amount: number };
    return [{ id: contactId, inc: { orders: 1, spent: amount }, set: { stage: 'in-sale' } }];
  },
};

describe('projections: replay from position 0 equals the live path', () => {
  let pgDb: IsolatedDatabase;
  let store: PostgresEventStore;
  let mongo: MongoClient;
  let db: Db;
  const bus = new KafkaJsMessageBus({ clientId: 'projections-spec', brokers: infra.kafkaBrokers });
  let relay: EventRelay;
  let live: LiveProjection;
  let parking: PostgresStreamParking;
  const liveGroup = uniqueName('proj-live');

  const channels = ['chat', 'email', 'wechat', 'phone'];
  let time = Date.parse('2026-11-01T00:00:00Z');
  const event = (type: string, contact: number, data: unknown): NewEvent => ({
    id: randomUUID(),
    type,
    data,
    metadata: {
      source: context,
      time: new Date((time += 1000)).toISOString(),
      contactId: `contact-${contact}`,
      correlationId: 'c',
      schemaVersion: 1,
    },
  });
  async function appendSome(count: number) {
    for (let i = 0; i < count; i++) {
      const contact = i % 25;
      const type = i % 7 === 0 ? T.order : i % 11 === 0 ? T.noise : T.message;
      const data = type === T.order ? { amount: 10 + (i % 5) } : { channel: channels[i % channels.length] };
      await store.append(`conversation-${contact}`, [event(type, contact, data)], 'any');
    }
  }
  // The global log shows a commit once every older transaction of the cluster has ended.
  const visibleLog = (count: number) =>
    eventually(
      async () => {
        const log = await store.readAll({ after: START });
        return log.length >= count && log;
      },
      { what: `${count} events visible in the global log` },
    );
  const documents = async (collection: string) =>
    (await db.collection(collection).find({}).sort({ _id: 1 }).toArray()) as Document[];

  beforeAll(async () => {
    pgDb = await isolatedPostgresDatabase(infra, 'proj');
    store = await PostgresEventStore.connect({ connectionString: pgDb.url });
    mongo = await MongoClient.connect(isolatedMongoUrl(infra, 'proj'));
    db = mongo.db();
    relay = new EventRelay({
      name: 'main',
      store,
      bus,
      connectionString: pgDb.url,
      topics: [{ topic, partitions: 3, retentionMs: 3_600_000 }],
    });
    await relay.start();
    parking = await PostgresStreamParking.connect({ connectionString: pgDb.url });
    live = new LiveProjection({
      projection: activity,
      bus,
      db,
      topics: [topic],
      groupId: liveGroup,
      parking,
    });
    await live.start();
  });
  afterAll(async () => {
    await live.stop();
    await relay.stop();
    await bus.close();
    await parking.close();
    await store.close();
    await db.dropDatabase();
    await mongo.close();
    await pgDb.drop();
  });

  it('builds the same documents live (with duplicate deliveries) and by a blue/green rebuild', async () => {
    await appendSome(400);
    const expectedApplied = (await visibleLog(400)).filter((e) => e.type !== T.noise).length;
    await eventually(() => live.applied === expectedApplied, {
      timeoutMs: 60_000,
      what: `${expectedApplied} events projected live`,
    });

    // At-least-once: the same messages delivered again change nothing.
    const again = (await store.readAll({ after: START, maxCount: 50 })).map((e) => toMessage(e, topic));
    await bus.publish(again);
    const liveCollection = await new ProjectionState(db).active(activity.name, activity.version);
    const before = await documents(liveCollection);
    // A positive signal, not a pause: the group has committed past every duplicate, so each was consumed.
    await eventually(async () => (await bus.pendingFor(liveGroup, topic)).size === 0, {
      timeoutMs: 30_000,
      what: 'the duplicates consumed',
    });
    expect(live.applied).toBe(expectedApplied);
    expect(await documents(liveCollection)).toEqual(before);
    expect(before).toHaveLength(25);
    expect(before.find((d) => d['_id'] === 'contact-0')).toMatchObject({
      stage: 'in-sale',
      channels: expect.any(Array),
    });

    const progress: RebuildProgress[] = [];
    const result = await rebuildProjection(activity, store, db, {
      batchSize: 64,
      onProgress: (p) => progress.push(p),
      countAfter: (p) => store.countAfter(p),
    });
    expect(result).toMatchObject({ status: 'switched', previous: liveCollection, read: 400 });
    if (result.status !== 'switched') throw new Error('not switched');
    expect(await documents(result.collection)).toEqual(before);
    expect((await new ProjectionState(db).get(activity.name))?.active).toBe(result.collection);
    expect((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name)).not.toContain(
      liveCollection,
    );
    expect(progress.length).toBeGreaterThan(3);
    expect(progress[progress.length - 1]).toMatchObject({ read: 400, remaining: 0 });
    expect(progress[0]!.eventsPerSecond).toBeGreaterThan(0);

    // After the switch the live path writes to the new collection.
    await appendSome(30);
    const total = (await visibleLog(430)).filter((e) => e.type !== T.noise).length;
    await eventually(
      async () => {
        const docs = await documents(result.collection);
        return docs.reduce((n, d) => n + Number(d['messages'] ?? 0) + Number(d['orders'] ?? 0), 0) === total;
      },
      { timeoutMs: 30_000, what: 'live events in the rebuilt collection' },
    );
  });

  it('resumes an interrupted rebuild where it stopped, and ends with the same documents', async () => {
    await visibleLog(430);
    const state = new ProjectionState(db);
    const serving = (await state.get(activity.name))?.active as string;
    const controller = new AbortController();
    let batches = 0;
    const first = await rebuildProjection(activity, store, db, {
      batchSize: 50,
      resume: false,
      signal: controller.signal,
      onProgress: () => {
        if (++batches === 3) controller.abort();
      },
    });
    expect(first).toMatchObject({ status: 'interrupted', read: 150 });
    expect((await state.get(activity.name))?.active).toBe(serving); // the old collection still serves
    const servingDocuments = await documents(serving); // the switch drops it

    const second = await rebuildProjection(activity, store, db, { batchSize: 50 });
    expect(second.status).toBe('switched');
    if (second.status !== 'switched') throw new Error('not switched');
    expect(second.read).toBe(430 - 150); // resumed: only the rest was read
    expect(servingDocuments).toHaveLength(25);
    expect(await documents(second.collection)).toEqual(servingDocuments);
  });
});

describe('projection state after a rebuild', () => {
  it('keeps no half build record when events land during the switch, so the next rebuild starts cleanly', async () => {
    const infra = testInfrastructure();
    const pgDb = await isolatedPostgresDatabase(infra, 'proj_state');
    const store = await PostgresEventStore.connect({ connectionString: pgDb.url });
    const mongo = await MongoClient.connect(isolatedMongoUrl(infra, 'proj_state'));
    const message = (n: number): NewEvent => ({
      id: randomUUID(),
      type: T.message,
      data: { channel: 'chat' },
      metadata: {
        source: context,
        time: new Date().toISOString(),
        contactId: `contact-${n}`,
        correlationId: 'c',
        schemaVersion: 1,
      },
    });
    const visible = (count: number) =>
      eventually(async () => (await store.readAll({ after: START })).length >= count);
    // The first time the replay reaches the end, an event is appended: it lands between the end of the
    // replay and the switch, and is picked up by the replay of the tail after the switch.
    let landed = false;
    const racing = Object.assign(Object.create(store) as PostgresEventStore, {
      readAll: async (o: Parameters<PostgresEventStore['readAll']>[0]) => {
        const events = await store.readAll(o);
        if (!landed && events.length < (o?.maxCount ?? Infinity)) {
          landed = true;
          await store.append('conversation-2', [message(2)], 'no_stream');
          await visible(2);
        }
        return events;
      },
    });
    try {
      await store.append('conversation-1', [message(1)], 'no_stream');
      await visible(1);
      const first = await rebuildProjection(activity, racing, mongo.db(), { batchSize: 10 });
      expect(first).toMatchObject({ status: 'switched', read: 2 });
      expect((await new ProjectionState(mongo.db()).get(activity.name))?.build).toBeUndefined();
      const second = await rebuildProjection(activity, store, mongo.db(), {});
      expect(second).toMatchObject({ status: 'switched', read: 2 });
    } finally {
      await mongo.db().dropDatabase();
      await mongo.close();
      await store.close();
      await pgDb.drop();
    }
  });

  it('holds the live path back from a switched collection until its tail is replayed, and finishes a tail a stopped rebuild left', async () => {
    const infra = testInfrastructure();
    const pgDb = await isolatedPostgresDatabase(infra, 'proj_tail');
    const store = await PostgresEventStore.connect({ connectionString: pgDb.url });
    const mongo = await MongoClient.connect(isolatedMongoUrl(infra, 'proj_tail'));
    const db = mongo.db();
    const states = new ProjectionState(db);
    const message = (n: number): NewEvent => ({
      id: randomUUID(),
      type: T.message,
      data: { channel: 'chat' },
      metadata: {
        source: context,
        time: new Date().toISOString(),
        contactId: `contact-${n}`,
        correlationId: 'c',
        schemaVersion: 1,
      },
    });
    try {
      await store.append('conversation-1', [message(1)], 'no_stream');
      const first = await rebuildProjection(activity, store, db, {});
      expect(first.status).toBe('switched');
      if (first.status !== 'switched') return;
      expect(await states.liveTarget(activity.name, activity.version)).toBe(first.collection);

      // A rebuild that switched and stopped before replaying its tail: the live path is held back.
      const [before] = await store.readAll({ after: START });
      await store.append('conversation-2', [message(2)], 'no_stream');
      await states.switchTo(
        activity.name,
        first.collection,
        activity.version,
        (before as RecordedEvent).position,
      );
      expect(await states.liveTarget(activity.name, activity.version)).toBeUndefined();

      // The next rebuild replays that tail into the serving collection first (seen when its own replay
      // starts from position 0), releases the live path, then rebuilds.
      await eventually(async () => (await store.readAll({ after: START })).length >= 2);
      const served = db.collection(first.collection);
      let servedWhenRebuilding: unknown;
      const watching = Object.assign(Object.create(store) as PostgresEventStore, {
        readAll: async (o: Parameters<PostgresEventStore['readAll']>[0]) => {
          if (
            o?.after &&
            formatPosition(o.after) === formatPosition(START) &&
            servedWhenRebuilding === undefined
          )
            servedWhenRebuilding = await served.findOne({ _id: 'contact-2' as never });
          return store.readAll(o);
        },
      });
      const second = await rebuildProjection(activity, watching, db, {});
      expect(second).toMatchObject({ status: 'switched', read: 2 });
      expect(servedWhenRebuilding).toMatchObject({ messages: 1 });
      expect((await states.get(activity.name))?.tail).toBeUndefined();
      expect(await states.liveTarget(activity.name, activity.version)).toBe(
        second.status === 'switched' ? second.collection : undefined,
      );
    } finally {
      await db.dropDatabase();
      await mongo.close();
      await store.close();
      await pgDb.drop();
    }
  });
});
