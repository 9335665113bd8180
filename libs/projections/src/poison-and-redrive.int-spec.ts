import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import type { Db, Document } from 'mongodb';
import { z } from 'zod';
import { defineEvent, EventCatalogue } from '@journey/contracts';
import { PostgresEventStore, START } from '@journey/eventstore';
import type { NewEvent } from '@journey/eventstore';
import {
  DeadLetters,
  EventPreparation,
  EventRelay,
  KafkaJsMessageBus,
  PostgresStreamParking,
} from '@journey/messaging';
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

const infra = testInfrastructure();
const context = uniqueName('poison').replace(/[^a-z0-9]/g, '');
const topic = `journey.${context}.v1`;
const V1 = `${context}.message-received.v1`;
const V2 = `${context}.message-received.v2`;

// v2 added `channel`; stored v1 events are upcast on read, live and on replay alike.
const catalogue = new EventCatalogue(
  [
    defineEvent({
      type: V2,
      description: 'a message',
      contactScoped: true,
      schema: z.object({ n: z.number(), channel: z.string(), poison: z.boolean().optional() }),
    }),
  ],
  [{ from: V1, to: V2, upcast: (d) => ({ ...(d as object), channel: 'legacy' }) }],
);

let broken = true;
const messages: Projection = {
  name: 'message_counts',
  version: 1,
  eventTypes: [V2],
  project: (event) => {
    const data = event.data as { n: number; channel: string; poison?: boolean };
    // A bug for some data, fixed by a later deploy: the kind of failure that is parked, not retried.
    if (data.poison && broken) throw new Error('the projection cannot handle this message yet');
    return [
      {
        id: event.contactId ?? 'unknown',
        inc: { messages: 1, total: data.n },
        addToSet: { channels: data.channel },
        push: { order: `${event.streamId}#${event.revision}` },
      },
    ];
  },
};

describe('projections: a poison event, a rebuild beside the live path, and a redrive', () => {
  let pgDb: IsolatedDatabase;
  let store: PostgresEventStore;
  let mongo: MongoClient;
  let db: Db;
  let parking: PostgresStreamParking;
  let relay: EventRelay;
  let live: LiveProjection;
  const groupId = uniqueName('poison-live');
  const bus = new KafkaJsMessageBus({ clientId: 'poison-spec', brokers: infra.kafkaBrokers });
  const preparation = new EventPreparation({ catalogue });

  const event = (type: string, contact: number, data: unknown): NewEvent => ({
    id: randomUUID(),
    type,
    data,
    metadata: {
      source: context,
      time: new Date().toISOString(),
      contactId: `contact-${contact}`,
      correlationId: 'c',
      schemaVersion: 1,
    },
  });
  const append = (contact: number, type: string, data: unknown) =>
    store.append(`conversation-${contact}`, [event(type, contact, data)], 'any');
  const documents = async (collection?: string) => {
    const name = collection ?? (await new ProjectionState(db).active(messages.name, messages.version));
    return (await db.collection(name).find({}).sort({ _id: 1 }).toArray()) as Document[];
  };
  const visibleLog = (count: number) =>
    eventually(async () => (await store.readAll({ after: START })).length >= count, {
      what: `${count} events in the global log`,
    });

  beforeAll(async () => {
    pgDb = await isolatedPostgresDatabase(infra, 'poison');
    store = await PostgresEventStore.connect({ connectionString: pgDb.url });
    parking = await PostgresStreamParking.connect({ connectionString: pgDb.url });
    mongo = await MongoClient.connect(isolatedMongoUrl(infra, 'poison'));
    db = mongo.db();
    relay = new EventRelay({
      name: 'main',
      store,
      bus,
      connectionString: pgDb.url,
      topics: [{ topic, partitions: 3, retentionMs: 3_600_000 }],
    });
    await relay.start();
    live = new LiveProjection({
      projection: messages,
      bus,
      db,
      topics: [topic],
      groupId,
      catalogue,
      parking,
      maxAttempts: 2,
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

  it('parks the stream behind a poison event live and on rebuild alike, and a redrive restores replay-equality', async () => {
    let appended = 0;
    for (let i = 0; i < 60; i++) {
      const contact = i % 6;
      // conversation-3's fourth event is poison; its later events must wait behind it.
      const poison = contact === 3 && i === 21;
      await append(
        contact,
        i % 4 === 0 ? V1 : V2,
        i % 4 === 0 ? { n: i } : { n: i, channel: 'chat', poison },
      );
      appended += 1;
    }
    await visibleLog(appended);
    const dead = new DeadLetters(bus, parking);
    // 60 events: 10 per conversation; conversation-3 is parked from its 4th event (revision 3) on.
    await eventually(async () => live.applied === 53 && (await dead.parked(groupId))[0]?.messages === 7, {
      timeoutMs: 60_000,
      what: '53 applied, 7 parked',
    });
    const liveWhileBroken = await documents();
    expect(liveWhileBroken.find((d) => d['_id'] === 'contact-3')?.['messages']).toBe(3);
    expect(liveWhileBroken.find((d) => d['_id'] === 'contact-0')?.['channels']).toEqual(['legacy', 'chat']);

    // A rebuild over the poisoned store finishes, parks the same stream, and equals the live view.
    const rebuilt = await rebuildProjection(messages, store, db, { batchSize: 16, preparation, parking });
    expect(rebuilt).toMatchObject({ status: 'switched', parked: 7, parkedUnder: groupId });
    expect(await documents()).toEqual(liveWhileBroken);
    expect(await dead.parked(groupId)).toMatchObject([{ streamKey: 'conversation-3', messages: 7 }]);

    // The fix is deployed; the redrive applies the parked stream in order.
    broken = false;
    expect(await dead.redrive(groupId)).toEqual({ streams: 1, events: 7 });
    await eventually(async () => (await dead.parked(groupId)).length === 0, {
      timeoutMs: 60_000,
      what: 'the stream drained',
    });
    const afterRedrive = await documents();
    const contact3 = afterRedrive.find((d) => d['_id'] === 'contact-3');
    expect(contact3?.['messages']).toBe(10);
    expect(contact3?.['order']).toEqual(Array.from({ length: 10 }, (_, r) => `conversation-3#${r}`));

    const replay = await rebuildProjection(messages, store, db, { batchSize: 16, preparation, parking });
    expect(replay).toMatchObject({ status: 'switched', parked: 0 });
    expect(await documents()).toEqual(afterRedrive);
  });

  it('applies each event once when the live path writes while a rebuild replays its tail', async () => {
    const before = (await store.readAll({ after: START })).length;
    let writing = true;
    let appended = 0;
    // Bounded, so that a slow machine's rebuild still reaches the end of a log that stops growing.
    const writer = (async () => {
      while (writing && appended < 400) {
        await append(appended % 5, V2, { n: 1, channel: 'web' });
        appended += 1;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    // Once the replay has reached the end (a short batch), the switch comes next: the store then answers
    // the tail's reads late, so that the live path has written new events to the new collection first.
    let reachedEnd = false;
    let delayed = false;
    const lateTail = Object.assign(Object.create(store) as PostgresEventStore, {
      readAll: async (o: Parameters<PostgresEventStore['readAll']>[0]) => {
        if (reachedEnd && !delayed) {
          delayed = true;
          await new Promise((r) => setTimeout(r, 1_500));
        }
        const events = await store.readAll(o);
        if (events.length < (o?.maxCount ?? Infinity)) reachedEnd = true;
        return events;
      },
    });
    await new Promise((r) => setTimeout(r, 300));
    const rebuilt = await rebuildProjection(messages, lateTail, db, { batchSize: 64, preparation, parking });
    writing = false;
    await writer;
    expect(rebuilt.status).toBe('switched');
    await visibleLog(before + appended);
    const total = before + appended;
    // Every message counted exactly once: the live path and the tail replay never both applied one.
    const counted = await eventually(
      async () => {
        const docs = await documents();
        const n = docs.reduce((sum, d) => sum + Number(d['messages'] ?? 0), 0);
        return n >= total ? docs : undefined;
      },
      { timeoutMs: 60_000, what: `${total} messages counted` },
    );
    expect(counted.reduce((sum, d) => sum + Number(d['messages'] ?? 0), 0)).toBe(total);
    const again = await rebuildProjection(messages, store, db, { batchSize: 500, preparation, parking });
    expect(again.status).toBe('switched');
    expect(await documents()).toEqual(counted);
  }, 150_000);
});
