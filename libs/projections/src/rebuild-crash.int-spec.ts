import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { Db } from 'mongodb';
import { PostgresEventStore } from '@journey/eventstore';
import type { NewEvent } from '@journey/eventstore';
import { eventually, isolatedMongoUrl, isolatedPostgresDatabase, testInfrastructure } from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import type { Projection } from './projection';
import { ProjectionState } from './projection-state';
import { rebuildProjection } from './rebuild';

const root = join(__dirname, '..', '..', '..');
const infra = testInfrastructure();
const TYPE = 'crash.message-received.v1';

// The same projection, in the child process (plain JS) and here.
const projectSource = `(event) => [{ id: event.contactId, inc: { messages: 1 }, addToSet: { channels: event.data.channel } }]`;
const messages: Projection = {
  name: 'crash_messages',
  version: 1,
  eventTypes: [TYPE],
  project: (event) => [
    {
      id: event.contactId ?? '?',
      inc: { messages: 1 },
      addToSet: { channels: (event.data as { channel: string }).channel },
    },
  ],
};

const childScript = `
const { MongoClient } = require('mongodb');
const { PostgresEventStore } = require('@journey/eventstore');
const { rebuildProjection } = require('@journey/projections');
(async () => {
  const [pgUrl, mongoUrl] = process.argv.slice(1);
  const store = await PostgresEventStore.connect({ connectionString: pgUrl });
  const mongo = await MongoClient.connect(mongoUrl);
  const projection = { name: 'crash_messages', version: 1, eventTypes: ['${TYPE}'], project: ${projectSource} };
  await rebuildProjection(projection, store, mongo.db(), { batchSize: 100, onProgress: (p) => console.log('read ' + p.read) });
  console.log('finished');
})();
`;

describe('a rebuild killed mid-way', () => {
  let pgDb: IsolatedDatabase;
  let store: PostgresEventStore;
  let mongo: MongoClient;
  let db: Db;
  let mongoUrl: string;

  beforeAll(async () => {
    pgDb = await isolatedPostgresDatabase(infra, 'crash');
    store = await PostgresEventStore.connect({ connectionString: pgDb.url });
    mongoUrl = isolatedMongoUrl(infra, 'crash');
    mongo = await MongoClient.connect(mongoUrl);
    db = mongo.db();
  });
  afterAll(async () => {
    await store.close();
    await db.dropDatabase();
    await mongo.close();
    await pgDb.drop();
  });

  it('resumes from its recorded position after SIGKILL and ends with exactly the right documents', async () => {
    const channels = ['chat', 'email', 'wechat'];
    const expected = new Map<string, { messages: number; channels: Set<string> }>();
    for (let i = 0; i < 40; i++) {
      const events: NewEvent[] = Array.from({ length: 100 }, (_, k) => {
        const n = i * 100 + k;
        const contact = `contact-${n % 37}`;
        const channel = channels[n % 3] as string;
        const doc = expected.get(contact) ?? { messages: 0, channels: new Set<string>() };
        doc.messages += 1;
        doc.channels.add(channel);
        expected.set(contact, doc);
        return {
          id: randomUUID(),
          type: TYPE,
          data: { channel },
          metadata: {
            source: 'crash',
            time: new Date().toISOString(),
            contactId: contact,
            correlationId: 'c',
            schemaVersion: 1,
          },
        };
      });
      await store.append(`conversation-${i}`, events, 'no_stream');
    }

    let output = '';
    const child = spawn(process.execPath, ['-e', childScript, pgDb.url, mongoUrl], { cwd: root });
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const read = () => Math.max(0, ...[...output.matchAll(/read (\d+)/g)].map((m) => Number(m[1])));
    await eventually(() => read() >= 1_000, {
      timeoutMs: 60_000,
      intervalMs: 2,
      what: `the child under way (${output.slice(-300)})`,
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    expect(output).not.toContain('finished');

    const state = await new ProjectionState(db).get(messages.name);
    const recorded = state?.build?.read ?? 0;
    expect(recorded).toBeGreaterThanOrEqual(1_000);
    expect(recorded).toBeLessThan(4_000);

    const result = await rebuildProjection(messages, store, db, { batchSize: 100 });
    expect(result.status).toBe('switched');
    if (result.status !== 'switched') return;
    expect(result.read).toBe(4_000 - recorded); // resumed, not restarted
    expect((await new ProjectionState(db).get(messages.name))?.build).toBeUndefined(); // finished builds leave no record

    const docs = await db.collection(result.collection).find({}).sort({ _id: 1 }).toArray();
    expect(docs).toHaveLength(expected.size);
    for (const doc of docs) {
      const want = expected.get(String(doc['_id']));
      expect({
        id: doc['_id'],
        messages: doc['messages'],
        channels: [...(doc['channels'] as string[])].sort(),
      }).toEqual({
        id: doc['_id'],
        messages: want?.messages,
        channels: [...(want?.channels ?? [])].sort(),
      });
    }
  });
});
