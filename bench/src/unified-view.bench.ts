import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { PersonalDataEventStore, START } from '@journey/eventstore';
import type { LogPosition, NewEvent, RecordedEvent } from '@journey/eventstore';
import { ProjectionState } from '@journey/projections';
import { isolatedMongoUrl, isolatedPostgresDatabase, localInfrastructureAddresses } from '@journey/testing';
import { describeMachine, REPO, round, writeResult } from './bench-kit';

/** The contacts service's replay entry point: what `journey replay unified-view` and the replay Job run. */
const CONTACTS_REPLAY = join(REPO, 'apps', 'contacts', 'dist', 'replay.js');
const MASTER_KEY = Buffer.alloc(32, 9);

const CONTACTS = 3_000;
const BATCH = 1_000;
const CHANNELS = ['web-chat', 'email', 'wechat', 'app', 'phone'] as const;

/** One customer's journey as the contacts service records it: ten events, five with personal data sealed. */
function journeyOf(n: number): NewEvent[] {
  const contactId = randomUUID();
  const conversationId = randomUUID();
  const base = Date.parse('2026-10-01T00:00:00Z') + n * 60_000;
  const at = (k: number) => new Date(base + k * 1_000).toISOString();
  const metadata = { source: 'contacts', contactId, correlationId: randomUUID(), schemaVersion: 1 };
  const event = (type: string, data: Record<string, unknown>, k: number): NewEvent => ({
    id: randomUUID(),
    type,
    data: { contactId, ...data },
    metadata: { ...metadata, time: at(k) },
  });
  const channel = CHANNELS[n % CHANNELS.length] as string;
  const interaction = (kind: string, k: number, summary?: string) =>
    event(
      'contacts.interaction-recorded.v1',
      {
        sourceEventId: randomUUID(),
        sourceType: `channels.${kind}.v1`,
        kind,
        channel,
        channelId: 'bench',
        conversationId,
        ...(summary ? { summary } : {}),
        at: at(k),
      },
      k,
    );
  return [
    event(
      'contacts.contact-created.v1',
      { identities: [{ kind: 'visitor-id', value: `v-${n}`, verified: true }] },
      0,
    ),
    interaction('conversation-started', 1),
    interaction('message-received', 2, `Customer ${n} asks where order ${n} is`),
    interaction('message-sent', 3, 'It ships tomorrow'),
    event(
      'contacts.identity-linked.v1',
      { identity: { kind: 'email', value: `c${n}@example.com`, verified: true } },
      4,
    ),
    event(
      'contacts.journey-event-recorded.v1',
      {
        kind: 'order-placed',
        externalId: `o-${n}`,
        source: 'shop',
        occurredAt: at(5),
        details: { total: n },
      },
      5,
    ),
    interaction('message-received', 6, 'Thanks!'),
    event('contacts.vip-tier-set.v1', { tier: 'gold', by: 'bench' }, 7),
    event(
      'contacts.journey-event-recorded.v1',
      { kind: 'order-delivered', externalId: `d-${n}`, source: 'shop', occurredAt: at(8), details: {} },
      8,
    ),
    event('contacts.traits-set.v1', { traits: { pet: 'dog' }, by: 'bench' }, 9),
  ];
}

async function readEverything(store: {
  readAll(o: { after: LogPosition; maxCount: number }): Promise<RecordedEvent[]>;
}) {
  let position = START;
  let read = 0;
  for (;;) {
    const events = await store.readAll({ after: position, maxCount: BATCH });
    read += events.length;
    if (events.length < BATCH) return read;
    position = (events[events.length - 1] as RecordedEvent).position;
  }
}

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

/**
 * Replay throughput of the unified customer view: the whole log read through crypto-shredding and
 * projected into MongoDB, against reading the same log (opened, and as stored) without projecting.
 */
export async function unifiedViewBenchmark(): Promise<void> {
  const infra = { mode: 'local' as const, ...localInfrastructureAddresses() };
  const db = await isolatedPostgresDatabase(infra, 'bench_unified_view');
  const store = await PersonalDataEventStore.connectPostgres({
    connectionString: db.url,
    masterKey: MASTER_KEY,
  });
  const mongoUrl = isolatedMongoUrl(infra, 'bench_unified_view');
  const mongo = await MongoClient.connect(mongoUrl);
  try {
    let events = 0;
    for (let n = 0; n < CONTACTS; n++) {
      const journey = journeyOf(n);
      events += journey.length;
      await store.append(`contact-${journey[0]?.metadata.contactId}`, journey, 'no_stream');
      if (n % 500 === 499) process.stdout.write(`  seeded ${n + 1}/${CONTACTS} contacts\n`);
    }

    const rawStarted = process.hrtime.bigint();
    const rawRead = await readEverything(store.stored);
    const rawSeconds = seconds(rawStarted);
    const openStarted = process.hrtime.bigint();
    const opened = await readEverything(store);
    const openSeconds = seconds(openStarted);
    if (rawRead !== events || opened !== events)
      throw new Error(`read ${rawRead}/${opened} of ${events} events`);

    // The replay as ops run it: a process of its own (start-up included), through the service's build.
    const started = process.hrtime.bigint();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        CONTACTS_REPLAY,
        'unified-view',
        '--batch-size',
        String(BATCH),
        '--eventstore-url',
        db.url,
        '--mongo-url',
        mongoUrl,
      ],
      { env: { ...process.env, PERSONAL_DATA_KEY: MASTER_KEY.toString('base64') } },
    );
    const replaySeconds = seconds(started);
    const rebuilt = /rebuilt (v\d+) into (\S+) from (\d+) events/.exec(stdout);
    if (!rebuilt || Number(rebuilt[3]) !== events) throw new Error(`the rebuild did not finish: ${stdout}`);
    const state = await new ProjectionState(mongo.db()).get('unified-view');
    if (!state || state.active !== rebuilt[2]) throw new Error(`the rebuild did not switch: ${stdout}`);
    const documents = await mongo.db().collection(state.active).countDocuments();
    if (documents !== CONTACTS) throw new Error(`${documents} documents for ${CONTACTS} contacts`);

    const replayRate = events / replaySeconds;
    const openRate = events / openSeconds;
    const rawRate = events / rawSeconds;
    writeResult({
      name: 'unified-view',
      date: new Date().toISOString(),
      machine: await describeMachine(infra.postgresUrl),
      parameters: {
        contacts: CONTACTS,
        events,
        'events with sealed personal data': CONTACTS * 7,
        batch: BATCH,
        projection: `unified-view ${rebuilt[1]}`,
        runner: 'node apps/contacts/dist/replay.js unified-view (a process of its own, start-up included)',
        server: 'mongo-java-server 1.47.0 (H2)',
      },
      figures: [
        {
          name: 'replay of the unified view: store → open personal data → project → MongoDB wire',
          value: Math.round(replayRate),
          unit: 'events/s',
        },
        {
          name: 'reading the log with personal data opened, no projection',
          value: Math.round(openRate),
          unit: 'events/s',
        },
        {
          name: 'reading the log as stored (sealed), no projection',
          value: Math.round(rawRate),
          unit: 'events/s',
        },
        { name: 'full rebuild', value: round(replaySeconds, 1), unit: 's' },
      ],
      ratios: [
        {
          name: 'replay vs reading the same log opened',
          value: round(replayRate / openRate),
          against: 'the read alone (what projecting and writing cost)',
        },
        {
          name: 'opened read vs sealed read',
          value: round(openRate / rawRate),
          against: 'the read without opening personal data (what crypto-shredding costs a reader)',
        },
      ],
      notes: [
        'Each contact: ten events (created, four interactions, identity linked, order placed and delivered, tier, traits); seven of them hold sealed personal fields.',
        'The local MongoDB-wire server is mongo-java-server on H2, not MongoDB: the replay figure says as much about it as about the projection.',
      ],
    });
  } finally {
    await mongo
      .db()
      .dropDatabase()
      .catch(() => undefined);
    await mongo.close();
    await store.close();
    await db.drop();
  }
}
