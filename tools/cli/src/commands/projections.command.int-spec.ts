import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { ERASED } from '@journey/contracts';
import { PersonalDataEventStore } from '@journey/eventstore';
import { personalDataMasterKey } from '@journey/platform';
import { ProjectionState } from '@journey/projections';
import { isolatedMongoUrl, isolatedPostgresDatabase, testInfrastructure } from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { runJourney } from './run-journey.testing';

const infra = testInfrastructure();
const keyFile = join(mkdtempSync(join(tmpdir(), 'journey-cli-')), 'personal-data.key');
const mongoUrl = isolatedMongoUrl(infra, 'cli_replay');
let db: IsolatedDatabase;
let store: Awaited<ReturnType<typeof PersonalDataEventStore.connectPostgres>>;

const journey = (...args: string[]) =>
  runJourney([
    ...args,
    '--eventstore-url',
    db.url,
    '--mongo-url',
    mongoUrl,
    '--personal-data-key-file',
    keyFile,
  ]);

const contactId = randomUUID();
const conversationId = randomUUID();
const meta = (extra: Record<string, unknown> = {}) => ({
  source: 'test',
  time: new Date().toISOString(),
  correlationId: randomUUID(),
  schemaVersion: 1,
  ...extra,
});

beforeAll(async () => {
  db = await isolatedPostgresDatabase(infra, 'cli_replay');
  store = await PersonalDataEventStore.connectPostgres({
    connectionString: db.url,
    masterKey: await personalDataMasterKey({ keyFile }),
  });
  const at = '2026-11-23T10:00:00.000Z';
  await store.append(
    `conversation-${conversationId}`,
    [
      {
        id: randomUUID(),
        type: 'channels.message-received.v1',
        data: {
          conversationId,
          channel: 'web-chat',
          channelId: 'website',
          messageId: randomUUID(),
          providerMessageId: 'p-1',
          identities: [{ kind: 'email', value: 'ops.tester@example.com', verified: true }],
          text: 'hello from the ops test',
          attachments: [],
          receivedAt: at,
        },
        metadata: meta(),
      },
    ],
    'no_stream',
  );
  await store.append(
    `contact-${contactId}`,
    [
      {
        id: randomUUID(),
        type: 'contacts.contact-created.v1',
        data: {
          contactId,
          identities: [{ kind: 'email', value: 'ops.tester@example.com', verified: true }],
          name: 'Ops Tester',
        },
        metadata: meta({ contactId }),
      },
      {
        id: randomUUID(),
        type: 'contacts.interaction-recorded.v1',
        data: {
          contactId,
          sourceEventId: randomUUID(),
          sourceType: 'channels.message-received.v1',
          kind: 'message-received',
          channel: 'web-chat',
          channelId: 'website',
          conversationId,
          summary: 'hello from the ops test',
          at,
        },
        metadata: meta({ contactId }),
      },
    ],
    'no_stream',
  );
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

describe('journey projections | replay | events', () => {
  it('rebuilds the unified view blue/green, then lists it with its version and documents', async () => {
    const replay = await journey('replay', 'unified-view', '--batch-size', '1');
    expect(replay.err).toBe('');
    expect(replay.out).toMatch(
      /unified-view: rebuilt v5 into unified-view__v5_\w+ from \d+ events .* switched/,
    );
    const timeline = await journey('replay', 'customer-timeline', '--batch-size', '1');
    expect(timeline.out).toMatch(
      /customer-timeline: rebuilt v1 into customer-timeline__v1_\w+ .* switched; peak memory \d+ MiB/,
    );
    const mongo = await MongoClient.connect(mongoUrl);
    try {
      const views = mongo.db();
      const state = await new ProjectionState(views).get('unified-view');
      const doc = await views.collection(state!.active).findOne({ _id: contactId as never });
      expect(doc).toMatchObject({ name: 'Ops Tester' });
      const entries = await views
        .collection((await new ProjectionState(views).get('customer-timeline'))!.active)
        .find({ contactId })
        .toArray();
      expect(entries).toEqual([expect.objectContaining({ summary: 'hello from the ops test' })]);
    } finally {
      await mongo.close();
    }
    const listed = await journey('projections', '--json', '--brokers', infra.kafkaBrokers.join(','));
    const statuses = JSON.parse(listed.out) as {
      name: string;
      version: number;
      documents: number;
      state: string;
    }[];
    // Every service's projections are listed (analytics' records and facts, channels' conversation list, the tickets boards, the knowledge catalogue and gaps too).
    expect(statuses.map((s) => s.name)).toEqual([
      'ticket-records',
      'sla-calendars',
      'report-contacts',
      'journey-facts',
      'knowledge-facts',
      'conversation-list',
      'unified-view',
      'customer-timeline',
      'article-catalogue',
      'content-gaps',
      'conversation-suggestions',
      'answer-contacts',
      'solved-cases',
      'ticket-board',
      'agent-board',
      'routing-contacts',
    ]);
    const status = statuses.find((s) => s.name === 'unified-view');
    expect(status).toMatchObject({ name: 'unified-view', version: 5, activeVersion: 5, documents: 1 });
    expect(status?.state).toBe('built (no live consumer seen)');
  });

  it('catches up in place from a position, applying nothing twice', async () => {
    const caughtUp = await journey('replay', 'unified-view', '--from', '0:0');
    expect(caughtUp.out).toMatch(/caught up .* 0 applied/);
    const bad = await journey('replay', 'unified-view', '--from', 'yesterday');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/not a log position/);
    const unknown = await journey('replay', 'nope');
    expect(unknown.err).toMatch(
      /unknown projection nope \(one of: ticket-records, sla-calendars, report-contacts, journey-facts, knowledge-facts, conversation-list, unified-view, customer-timeline, article-catalogue, content-gaps, conversation-suggestions, answer-contacts, solved-cases, ticket-board, agent-board, routing-contacts\)/,
    );
  });

  it("prints the customer's journey in log order, and after an erasure shows no personal data", async () => {
    const before = await journey('events', '--contact', contactId, '--json');
    const lines = before.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; stream: string });
    expect(lines.map((l) => l.type)).toEqual([
      'channels.message-received.v1',
      'contacts.contact-created.v1',
      'contacts.interaction-recorded.v1',
    ]);
    expect(before.out).toContain('hello from the ops test');

    await store.protection.erase([`contact-${contactId}`, `conversation-${conversationId}`]);
    const after = await journey('events', '--contact', contactId);
    for (const secret of ['hello from the ops test', 'ops.tester@example.com', 'Ops Tester'])
      expect(after.out).not.toContain(secret);
    expect(after.out).toContain(ERASED);

    for (const name of ['unified-view', 'customer-timeline'])
      expect((await journey('replay', name)).out).toMatch(/switched/);
    const mongo = await MongoClient.connect(mongoUrl);
    try {
      const views = mongo.db();
      const state = await new ProjectionState(views).get('unified-view');
      const doc = await views.collection(state!.active).findOne({ _id: contactId as never });
      const entries = await views
        .collection((await new ProjectionState(views).get('customer-timeline'))!.active)
        .find({ contactId })
        .toArray();
      for (const secret of ['hello from the ops test', 'ops.tester@example.com', 'Ops Tester'])
        expect(JSON.stringify([doc, entries])).not.toContain(secret);
      expect(entries).toHaveLength(1); // what happened stays
    } finally {
      await mongo.close();
    }
    const missing = await journey('events', '--contact', 'not-a-uuid');
    expect(missing.err).toMatch(/--contact must be a contact id/);
  });
});
