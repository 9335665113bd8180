import { MongoClient } from 'mongodb';
import type { Db, Document } from 'mongodb';
import { isolatedMongoUrl, testInfrastructure } from '@journey/testing';
import type { ProjectedEvent, Projection } from './projection';
import { applyBatch, GUARD_FIELD, servedFields, streamKey, VERSIONS_FIELD } from './read-model-writer';
import type { DocumentVersions, VersionCache } from './read-model-writer';

const infra = testInfrastructure();

// Per customer: how many messages, from which conversations, and the last one's text.
const tally: Projection = {
  name: 'writer_tally',
  version: 1,
  eventTypes: ['t.message.v1'],
  project: (event) => {
    const { customer, text } = event.data as { customer: string; text: string };
    return [
      { id: customer, inc: { messages: 1 }, addToSet: { streams: event.streamId }, set: { last: text } },
      { id: 'all', inc: { messages: 1 } },
    ];
  },
};

/** Conversations of several customers, each stream's revisions from 0, in log order. */
function conversationLog(streams: number, perStream: number): ProjectedEvent[] {
  const events: ProjectedEvent[] = [];
  for (let revision = 0; revision < perStream; revision++)
    for (let s = 0; s < streams; s++)
      events.push({
        id: `e-${s}-${revision}`,
        type: 't.message.v1',
        streamId: `conversation-${s}`,
        revision: BigInt(revision),
        time: new Date(Date.UTC(2026, 10, 1, 0, 0, revision)).toISOString(),
        data: { customer: `customer-${s % 4}`, text: `message ${revision} of ${s}` },
      });
  return events;
}

describe('read-model writer: each event applied once per document, guarded by a field the _id index serves', () => {
  let mongo: MongoClient;
  let db: Db;
  const documents = async (name: string) =>
    (await db.collection(name).find({}).sort({ _id: 1 }).toArray()) as Document[];

  beforeAll(async () => {
    mongo = await MongoClient.connect(isolatedMongoUrl(infra, 'writer'));
    db = mongo.db();
  });
  afterAll(async () => {
    await db.dropDatabase();
    await mongo.close();
  });

  it('writes the same documents, guard included, one event at a time and as coalesced batches', async () => {
    const log = conversationLog(10, 12);
    for (const event of log) await applyBatch(db.collection('one_by_one'), tally, [event]);
    for (let i = 0; i < log.length; i += 25)
      await applyBatch(db.collection('batched'), tally, log.slice(i, i + 25));

    const single = await documents('one_by_one');
    expect(await documents('batched')).toEqual(single);
    const all = single.find((d) => d['_id'] === 'all') as Document;
    expect(all['messages']).toBe(120);
    // The guard names the revisions seen: the same whichever way they were written.
    expect(all[GUARD_FIELD]).toEqual(expect.any(String));
    expect(Object.keys(all[VERSIONS_FIELD] as object)).toHaveLength(10);
    const indexes = await db.collection('batched').indexes();
    expect(indexes.map((i) => i.key)).toContainEqual({ _id: 1, [GUARD_FIELD]: 1 });
  });

  it('applies each event once when two writers with their own caches race for the same documents', async () => {
    const log = conversationLog(8, 30);
    const target = db.collection('raced');
    const cacheA = new Map<string, DocumentVersions>();
    const cacheB = new Map<string, DocumentVersions>();
    // Both writers see every event, in batches that overlap and are offset, at the same time.
    const run = async (cache: Map<string, DocumentVersions>, size: number) => {
      let applied = 0;
      for (let i = 0; i < log.length; i += size)
        applied += (await applyBatch(target, tally, log.slice(i, i + size), cache)).applied;
      return applied;
    };
    const [a, b] = await Promise.all([run(cacheA, 7), run(cacheB, 11)]);

    const all = (await target.findOne({ _id: 'all' as never })) as Document;
    expect(all['messages']).toBe(log.length);
    // Each (document, event) pair was applied by exactly one writer: 240 events × 2 documents each.
    expect(a + b).toBe(log.length * 2);
    const customers = await target.find({ _id: { $ne: 'all' } as never }).toArray();
    expect(customers.reduce((sum, d) => sum + (d['messages'] as number), 0)).toBe(log.length);

    // A writer whose cache is stale (the other one wrote since) reads again instead of double counting.
    const again = await applyBatch(target, tally, log.slice(0, 50), cacheA);
    expect(again).toEqual({ applied: 0, skipped: 100 });
  });

  it('takes over documents written before the guard existed, and skips what they have seen', async () => {
    const target = db.collection('legacy');
    const key = streamKey('conversation-0');
    await target.insertOne({
      _id: 'customer-0' as never,
      messages: 3,
      streams: ['conversation-0'],
      last: 'message 2 of 0',
      [VERSIONS_FIELD]: { [key]: 2 },
    });
    const log = conversationLog(1, 5).map((e) => ({ ...e }));
    const result = await applyBatch(target, tally, log);
    // Revisions 0–2 were in the document already; 3 and 4 are new (and both reach 'all').
    expect(result).toEqual({ applied: 2 + 5, skipped: 3 });
    const doc = (await target.findOne({ _id: 'customer-0' as never })) as Document;
    expect(doc).toMatchObject({ messages: 5, last: 'message 4 of 0', [GUARD_FIELD]: expect.any(String) });
    expect(servedFields(doc)).toEqual({ messages: 5, streams: ['conversation-0'], last: 'message 4 of 0' });
  });

  it('trusts a cache that claims to know every document only until a guard proves it wrong', async () => {
    const target = db.collection('claimed_complete');
    const log = conversationLog(4, 6);
    // Another writer got there first with the first half; this writer's cache says the collection is empty.
    await applyBatch(target, tally, log.slice(0, 12));
    const cache: VersionCache = Object.assign(new Map<string, DocumentVersions>(), { complete: true });
    const result = await applyBatch(target, tally, log, cache);
    expect(cache.complete).toBe(false);
    expect(result).toEqual({ applied: 24, skipped: 24 });
    const all = (await target.findOne({ _id: 'all' as never })) as Document;
    expect(all['messages']).toBe(24);
  });

  it('applies a change for existing documents only: absent ones are not made, nor one made in the same batch missed', async () => {
    // One entry per message, keyed by stream and revision; a redaction names every revision its stream had.
    const entries: Projection = {
      name: 'writer_entries',
      version: 1,
      eventTypes: ['t.message.v1', 't.redacted.v1'],
      project: (event) => {
        const at = (revision: number) => `${event.streamId}@${revision}`;
        if (event.type === 't.message.v1')
          return [{ id: at(Number(event.revision)), set: { text: (event.data as { text: string }).text } }];
        return Array.from({ length: Number(event.revision) }, (_, r) => ({
          id: at(r),
          existing: true as const,
          unset: { text: true as const },
        }));
      },
    };
    const event = (revision: number, type: string): ProjectedEvent => ({
      id: `x-${revision}`,
      type,
      streamId: 'stream-x',
      revision: BigInt(revision),
      time: '2026-11-25T00:00:00.000Z',
      data: { text: `words ${revision}` },
    });
    // Revisions 0 and 2 are messages, 1 something else; 3 and 4 are messages written with the redaction
    // at 5 in one batch.
    const target = db.collection('existing_only');
    await applyBatch(target, entries, [
      event(0, 't.message.v1'),
      event(1, 't.other.v1'),
      event(2, 't.message.v1'),
    ]);
    const result = await applyBatch(target, entries, [
      event(3, 't.message.v1'),
      event(4, 't.message.v1'),
      event(5, 't.redacted.v1'),
    ]);
    const docs = await documents('existing_only');
    expect(docs.map((d) => d['_id'])).toEqual(['stream-x@0', 'stream-x@2', 'stream-x@3', 'stream-x@4']);
    expect(docs.every((d) => d['text'] === undefined)).toBe(true);
    expect(result).toEqual({ applied: 6, skipped: 1 });
    // Delivered again, it changes nothing and makes nothing.
    expect(await applyBatch(target, entries, [event(5, 't.redacted.v1')])).toEqual({
      applied: 0,
      skipped: 5,
    });
    expect(await db.collection('existing_only').countDocuments()).toBe(4);
  });

  it('keeps at most maxEntries versions, and writes the same documents as an unbounded cache', async () => {
    const log = conversationLog(12, 10);
    const unbounded: VersionCache = Object.assign(new Map<string, DocumentVersions>(), { complete: true });
    const bounded: VersionCache = Object.assign(new Map<string, DocumentVersions>(), {
      complete: true,
      maxEntries: 2,
    });
    // Per-conversation documents as well as per-customer ones, so that evicted documents are met again.
    const perStream: Projection = {
      ...tally,
      name: 'writer_per_stream',
      project: (event) => [...tally.project(event), { id: event.streamId, inc: { messages: 1 } }],
    };
    for (let i = 0; i < log.length; i += 9) {
      await applyBatch(db.collection('bounded_no'), perStream, log.slice(i, i + 9), unbounded);
      await applyBatch(db.collection('bounded_yes'), perStream, log.slice(i, i + 9), bounded);
      expect(bounded.size).toBeLessThanOrEqual(2);
    }
    expect(bounded.complete).toBe(false);
    expect(await documents('bounded_yes')).toEqual(await documents('bounded_no'));
    expect((await documents('bounded_yes')).find((d) => d['_id'] === 'all')?.['messages']).toBe(120);
  });
});
