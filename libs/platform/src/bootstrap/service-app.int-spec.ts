import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import request from 'supertest';
import { isolatedMongoUrl, testInfrastructure, uniqueName } from '@journey/testing';
import { issueLocalToken } from '../auth/local-signing-key';
import { Public } from '../auth/public.decorator';
import { openApiProblems } from '../openapi/openapi-document';
import { loadServiceConfig } from '../config/service-config';
import type { ServiceConfig } from '../config/service-config';
import { createServiceApp, startServiceApp } from './service-app';

/** Failures as the service's own code meets them, to see how they are answered. */
@ApiExcludeController()
@Public()
@Controller('probe')
class FailingController {
  @Get('conflict')
  conflict(): never {
    throw Object.assign(new Error('conversation-1: expected revision 3, found 4'), {
      name: 'WrongExpectedRevisionError',
    });
  }

  @Get('store-down')
  storeDown(): never {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:15432'), { code: 'ECONNREFUSED' });
  }

  @Get('bug')
  bug(): never {
    throw new TypeError("Cannot read properties of undefined (reading 'li.wei@example.com')");
  }
}

@Module({ controllers: [FailingController] })
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
    expect(Object.keys(ready.body.details).sort()).toEqual([
      'consumers',
      'eventStore',
      'kafka',
      'readModels',
    ]);
  });

  it('publishes its OpenAPI document and the docs page without a token', async () => {
    const doc = await request(app.getHttpServer()).get('/openapi.json').expect(200);
    expect(doc.body.info.title).toBe('journey tickets service');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/health/live', '/health/ready', '/v1/me']),
    );
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(openApiProblems(doc.body)).toEqual([]);
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
    const res = await request(app.getHttpServer())
      .post('/v1/me')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ pad: 'x'.repeat(1_100_000) }))
      .expect(413);
    expect(res.body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'request entity too large',
    });
  });

  it('says nothing of its framework, and forbids content sniffing on every answer', async () => {
    for (const path of ['/health/live', '/v1/me', '/nowhere', '/openapi.json']) {
      const res = await request(app.getHttpServer()).get(path);
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('answers concurrent writes that ran out of retries with 409 and Retry-After', async () => {
    const res = await request(app.getHttpServer()).get('/probe/conflict').expect(409);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict', message: expect.any(String) });
  });

  it('answers an unreachable store with 503 and Retry-After, not 500', async () => {
    const res = await request(app.getHttpServer()).get('/probe/store-down').expect(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(res.body.message).toMatch(/unreachable/);
  });

  it('answers a bug with a generic 500 naming the correlation id, and nothing of the error', async () => {
    const res = await request(app.getHttpServer())
      .get('/probe/bug')
      .set('x-correlation-id', 'corr-500')
      .expect(500);
    expect(res.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'an unexpected error occurred (correlation id corr-500)',
      correlationId: 'corr-500',
    });
  });
});

describe('a rate-limited client', () => {
  it('gets 429 with Retry-After past its burst, while another client is served', async () => {
    const config = configFor({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '3' });
    const app = await start(config);
    try {
      const tokenOf = (subject: string) =>
        issueLocalToken({
          ...config.auth,
          keyFile: config.auth.localKeyFile,
          subject,
          roles: [],
          expiresIn: '1m',
        });
      for (let i = 0; i < 3; i++) await request(app.getHttpServer()).get('/health/live').expect(200);
      const refused = await request(app.getHttpServer()).get('/health/live').expect(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(refused.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
      // An authenticated caller is counted by its subject, not by the address it shares.
      const agent = `Bearer ${await tokenOf('agent-1')}`;
      await request(app.getHttpServer()).get('/v1/me').set('Authorization', agent).expect(200);
    } finally {
      await app.close();
    }
  });
});

describe('a service called from web pages (HTTP_CORS_ORIGINS)', () => {
  it('answers the listed origin’s preflight and requests, without credentials, and nobody else’s', async () => {
    const app = await start(configFor({ HTTP_CORS_ORIGINS: 'https://shop.example.com' }));
    try {
      const http = request(app.getHttpServer());
      const preflight = await http
        .options('/health/live')
        .set('Origin', 'https://shop.example.com')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type,x-visitor-token');
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://shop.example.com');
      expect(preflight.headers['access-control-allow-headers']).toContain('X-Visitor-Token');
      expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
      const get = await http.get('/health/live').set('Origin', 'https://shop.example.com').expect(200);
      expect(get.headers['access-control-allow-origin']).toBe('https://shop.example.com');
      const other = await http.get('/health/live').set('Origin', 'https://evil.example.net').expect(200);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});

describe('a process at its admission limit', () => {
  it('answers 503 past its requests in flight, 408 to a body that does not arrive, and stays scrapeable', async () => {
    const config = configFor({ HTTP_MAX_IN_FLIGHT: '1', HTTP_BODY_TIMEOUT_MS: '500' });
    const app = await start(config);
    try {
      const { port } = app.getHttpServer().address() as AddressInfo;
      const socket = connect(port, '127.0.0.1');
      await once(socket, 'connect');
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      // Promises a JSON body of 100 bytes and sends 10: it holds the one place.
      socket.write(
        'POST /v1/me HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":"1234',
      );
      const base = `http://127.0.0.1:${port}`;
      let refused: Response | undefined;
      for (let i = 0; i < 200 && !refused; i++) {
        const r = await fetch(`${base}/v1/me`);
        if (r.status === 503) refused = r;
      }
      expect(refused?.headers.get('retry-after')).toBe('1');
      expect(await refused?.json()).toMatchObject({
        statusCode: 503,
        message: expect.stringContaining('load limit'),
      });
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      // /metrics is reached too (here it says telemetry is off: this test process runs no exporter).
      expect(await (await fetch(`${base}/metrics`)).json()).toMatchObject({
        message: expect.stringContaining('metrics are not served here'),
      });
      await once(socket, 'close');
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      // Its place is free again: the next request is served (401 without a token: it was admitted).
      let status = 503;
      for (let i = 0; i < 200 && status === 503; i++) status = (await fetch(`${base}/v1/me`)).status;
      expect(status).toBe(401);
    } finally {
      await app.close();
    }
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
