import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { MongoClient } from 'mongodb';
import request from 'supertest';
import { PostgresEventStore } from '@journey/eventstore';
import { createServiceApp, issueLocalToken, loadServiceConfig, startServiceApp } from '@journey/platform';
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
import { unifiedViewProjection } from './unified-view.projection';

const infra = testInfrastructure();
const keyFile = join(mkdtempSync(join(tmpdir(), 'journey-contacts-')), 'key.json');
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
  });
  app = await createServiceApp(contactsService, config);
  await startServiceApp(app, { ...config, http: { ...config.http, port: 0 } });
  base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  await db?.drop();
});

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
    const store = await PostgresEventStore.connect({ connectionString: db.url });
    try {
      const views = mongo.db();
      const live = await new ProjectionState(views).active(
        unifiedViewProjection.name,
        unifiedViewProjection.version,
      );
      const documents = (collection: string) =>
        views
          .collection(collection)
          .find({ _id: { $in: [...contactIds] as never[] } })
          .sort({ _id: 1 })
          .toArray();
      const before = await eventually(
        async () => {
          const docs = await documents(live);
          return docs.length === 3 && docs.every((d) => (d['timeline'] as unknown[]).length === 5) && docs;
        },
        { timeoutMs: 30_000, what: 'the live view of three customers' },
      );
      expect(before.map((d) => d['stageRank'])).toEqual([2, 2, 2]);
      const result = await rebuildProjection(unifiedViewProjection, store, views, { batchSize: 4 });
      expect(result.status).toBe('switched');
      if (result.status !== 'switched') return;
      expect(await documents(result.collection)).toEqual(before);
    } finally {
      await store.close();
      await mongo.close();
    }
  });
});
