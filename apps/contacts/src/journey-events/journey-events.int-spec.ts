import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import {
  createServiceApp,
  issueLocalToken,
  loadServiceConfig,
  openApiProblems,
  startServiceApp,
} from '@journey/platform';
import type { ServiceConfig } from '@journey/platform';
import {
  committedEventCount,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  testInfrastructure,
  uniqueName,
} from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { contactsService } from '../contacts.service';

const infra = testInfrastructure();
const dir = mkdtempSync(join(tmpdir(), 'journey-contacts-edge-'));
let db: IsolatedDatabase;
let app: INestApplication;
let base: string;
let config: ServiceConfig;

beforeAll(async () => {
  db = await isolatedPostgresDatabase(infra, 'contacts_edge');
  config = loadServiceConfig('contacts', {
    LOG_LEVEL: 'silent',
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_CONSUMER_GROUP: uniqueName('contacts-edge'),
    EVENTSTORE_URL: db.url,
    MONGO_URL: isolatedMongoUrl(infra, 'contacts_edge'),
    AUTH_LOCAL_KEY_FILE: join(dir, 'key.json'),
    PERSONAL_DATA_KEY_FILE: join(dir, 'personal-data.key'),
  });
  app = await createServiceApp(contactsService, config);
  await startServiceApp(app, { ...config, http: { ...config.http, port: 0 } });
  base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const service = () =>
  issueLocalToken({
    keyFile: config.auth.localKeyFile,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    subject: 'shop',
    roles: ['service'],
    expiresIn: '10m',
  }).then((t) => `Bearer ${t}`);

const report = async (details: Record<string, unknown>) =>
  request(base)
    .post('/v1/journey-events')
    .set('authorization', await service())
    .send({
      kind: 'order-placed',
      externalId: randomUUID(),
      source: 'shop',
      occurredAt: new Date().toISOString(),
      customer: { email: `c-${randomUUID().slice(0, 8)}@example.com` },
      details,
    });

describe('POST /v1/journey-events at the edge', () => {
  it('records a fact with plain details', async () => {
    const before = await committedEventCount(db.url);
    const res = await report({ total: 99.5, currency: 'CNY', 'order-no': 'A-1' });
    expect(res.status).toBe(200);
    expect(res.body.recorded).toBe(true);
    expect(await committedEventCount(db.url)).toBeGreaterThan(before);
  });

  it('refuses details keys that the read model cannot store, and too many of them, with 400, storing nothing', async () => {
    const before = await committedEventCount(db.url);
    const nul = await report({ 'bad\u0000key': 1 });
    expect(nul.status).toBe(400);
    expect(nul.body.message).toMatch(/details\.\(a key\): must not contain NUL/);
    expect(nul.body.message).not.toContain('bad');
    for (const key of ['$where', 'a.b']) {
      const res = await report({ [key]: 'x' });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(
        /^invalid body: details: keys must not start with \$ or contain a dot/,
      );
    }
    const many = await report(Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])));
    expect(many.status).toBe(400);
    expect(many.body.message).toMatch(/details: at most 32 entries/);
    expect((await report({ ['k'.repeat(65)]: 1 })).status).toBe(400);
    expect(await committedEventCount(db.url)).toBe(before);
  });

  it('declares the error answers and response schema of every operation, in OpenAPI 3.0', async () => {
    const doc = (await request(base).get('/openapi.json').expect(200)).body;
    expect(openApiProblems(doc)).toEqual([]);
    expect(doc.paths['/v1/contacts/{id}/view'].get.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'id', schema: { type: 'string', format: 'uuid' } }),
      ]),
    );
  });
});
