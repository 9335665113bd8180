import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { isolatedMongoUrl, testInfrastructure, uniqueName } from '@journey/testing';
import { issueLocalToken } from '../auth/local-signing-key';
import { loadServiceConfig } from '../config/service-config';
import type { ServiceConfig } from '../config/service-config';
import { createServiceApp, startServiceApp } from './service-app';

@Module({})
class EmptyFeatureModule {}

function configFor(overrides: NodeJS.ProcessEnv): ServiceConfig {
  const infra = testInfrastructure();
  return loadServiceConfig('tickets', {
    HTTP_PORT: '3999', // replaced by an ephemeral port in start()
    LOG_LEVEL: 'silent',
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_CONSUMER_GROUP: uniqueName('tickets-spec'),
    EVENTSTORE_URL: infra.postgresUrl,
    MONGO_URL: isolatedMongoUrl(infra, 'svc_spec'),
    AUTH_LOCAL_KEY_FILE: join(mkdtempSync(join(tmpdir(), 'journey-svc-')), 'key.json'),
    READINESS_TIMEOUT_MS: '1500',
    ...overrides,
  });
}

async function start(config: ServiceConfig): Promise<INestApplication> {
  const app = await createServiceApp(
    { name: 'tickets', module: EmptyFeatureModule, description: 'spec' },
    config,
  );
  await startServiceApp(app, { ...config, http: { ...config.http, port: 0 } });
  return app;
}

describe('a service app on the real infrastructure', () => {
  let config: ServiceConfig;
  let app: INestApplication;

  beforeAll(async () => {
    config = configFor({});
    app = await start(config);
  });
  afterAll(() => app.close());

  it('is live, and ready once Kafka, the event store and the read-model store answer', async () => {
    await request(app.getHttpServer()).get('/health/live').expect(200, { status: 'ok', service: 'tickets' });
    const ready = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(ready.body.status).toBe('ok');
    expect(Object.keys(ready.body.details).sort()).toEqual(['eventStore', 'kafka', 'readModels']);
  });

  it('publishes its OpenAPI document and the docs page without a token', async () => {
    const doc = await request(app.getHttpServer()).get('/openapi.json').expect(200);
    expect(doc.body.info.title).toBe('journey tickets service');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/health/live', '/health/ready', '/v1/me']),
    );
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const page = await request(app.getHttpServer()).get('/docs').expect(200);
    expect(page.text).toContain('swagger');
  });

  it('requires a token for its API and reports the verified roles', async () => {
    await request(app.getHttpServer()).get('/v1/me').expect(401);
    const token = await issueLocalToken({
      keyFile: config.auth.localKeyFile,
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      subject: 'sup-1',
      roles: ['supervisor'],
      expiresIn: '2m',
    });
    await request(app.getHttpServer())
      .get('/v1/me')
      .set('Authorization', `Bearer ${token}`)
      .expect(200, { subject: 'sup-1', roles: ['supervisor'] });
  });

  it('echoes a correlation id, or assigns one', async () => {
    const given = await request(app.getHttpServer()).get('/health/live').set('x-correlation-id', 'corr-123');
    expect(given.headers['x-correlation-id']).toBe('corr-123');
    const assigned = await request(app.getHttpServer()).get('/health/live');
    expect(assigned.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a body over the configured limit with 413', async () => {
    await request(app.getHttpServer())
      .post('/v1/me')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ pad: 'x'.repeat(1_100_000) }))
      .expect(413);
  });
});

describe('readiness with a store down', () => {
  it('answers 503 and names the store that does not answer, while staying live', async () => {
    // Nothing listens on port 1: the read-model store is unreachable.
    const app = await start(configFor({ MONGO_URL: 'mongodb://127.0.0.1:1/nowhere' }));
    try {
      await request(app.getHttpServer()).get('/health/live').expect(200);
      const ready = await request(app.getHttpServer()).get('/health/ready').expect(503);
      expect(ready.body.error).toHaveProperty('readModels');
      expect(ready.body.info).toHaveProperty('kafka');
      expect(ready.body.info).toHaveProperty('eventStore');
    } finally {
      await app.close();
    }
  });
});
