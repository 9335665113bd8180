import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createServiceApp, issueLocalToken, loadServiceConfig, startServiceApp } from '@journey/platform';
import type { Role, ServiceConfig } from '@journey/platform';
import {
  committedEventCount,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  startGroupsAtEnd,
  testInfrastructure,
  uniqueName,
} from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { ticketsService } from './tickets.service';

// The tickets service alone on real PostgreSQL, Kafka and MongoDB-wire: what its API refuses. The
// journeys across channels, contacts and two tickets replicas are in tests/e2e (tickets-journey).

const infra = testInfrastructure();
const keyFile = join(mkdtempSync(join(tmpdir(), 'journey-tickets-key-')), 'key.json');
let db: IsolatedDatabase;
let app: INestApplication;
let base: string;
let config: ServiceConfig;

const as = async (subject: string, ...roles: Role[]) => ({
  authorization: `Bearer ${await issueLocalToken({ ...config.auth, keyFile, subject, roles, expiresIn: '1h' })}`,
});

beforeAll(async () => {
  db = await isolatedPostgresDatabase(infra, 'tickets');
  config = loadServiceConfig('tickets', {
    LOG_LEVEL: 'silent',
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_CONSUMER_GROUP: uniqueName('tickets-spec'),
    EVENTSTORE_URL: db.url,
    MONGO_URL: isolatedMongoUrl(infra, 'tickets_spec'),
    AUTH_LOCAL_KEY_FILE: keyFile,
  });
  // Only what happens from now on: other runs' customer messages on the shared topics would open tickets.
  await startGroupsAtEnd(
    infra.kafkaBrokers,
    ['intake', 'contacts', 'routing', 'timers', 'ticket-board', 'agent-board', 'routing-contacts'].map(
      (s) => `${config.kafka.consumerGroup}-${s}`,
    ),
    ['journey.channels.v1', 'journey.contacts.v1', 'journey.tickets.v1'],
  );
  app = await createServiceApp(ticketsService, config);
  await startServiceApp(app, { ...config, http: { ...config.http, port: 0 } });
  base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await app?.close();
  await db?.drop();
}, 60_000);

describe('tickets', () => {
  it('refuses bad input with a 4xx and writes nothing', async () => {
    const api = () => request(base);
    const agent = await as('a-x', 'agent');
    const admin = await as('admin-1', 'admin');
    const before = await committedEventCount(db.url);
    await api().post('/v1/tickets').set(agent).send({ priority: 'urgent' }).expect(400);
    await api().post('/v1/tickets').set(agent).send({ subject: 'x', group: 'Not A Handle' }).expect(400);
    await api()
      .post('/v1/tickets')
      .set(agent)
      .send({ subject: 'x'.repeat(999) })
      .expect(400);
    await api().post('/v1/tickets').send({ subject: 'x' }).expect(401);
    await api()
      .put('/v1/sla-policies')
      .set(admin)
      .send({ policies: [{ id: 'p', calendarId: 'nowhere', targets: { resolution: 60 } }] })
      .expect(400);
    await api().put('/v1/sla-policies').set(agent).send({ policies: [] }).expect(403);
    await api()
      .put('/v1/proactive-rules')
      .set(admin)
      .send([{ id: 'r', on: 'order-teleported', group: 'g', subject: 's' }])
      .expect(400);
    await api()
      .put('/v1/agents/ann')
      .set(admin)
      .send({ groups: [], capacity: { default: 2 } })
      .expect(400);
    await api().put('/v1/agents/bob/presence').set(agent).send({ presence: 'online' }).expect(403);
    await api().post(`/v1/tickets/${randomUUID()}/replies`).set(agent).send({ text: 'x' }).expect(404);
    await api().post(`/v1/tickets/${randomUUID()}/replies`).set(agent).send({ text: 'x\u0000' }).expect(400);
    await api().post('/v1/csat/not-a-token').send({ score: 5 }).expect(404);
    await api().post('/v1/csat/not-a-token').send({ score: 6 }).expect(400);
    expect(await committedEventCount(db.url)).toBe(before);
  });
});
