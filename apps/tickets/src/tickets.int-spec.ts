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
import type { Role, ServiceConfig } from '@journey/platform';
import {
  committedEventCount,
  eventually,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  startGroupsAtEnd,
  testInfrastructure,
  uniqueName,
} from '@journey/testing';
import type { IsolatedDatabase } from '@journey/testing';
import { PostgresEventStore } from '@journey/eventstore';
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

  it("imports a Zendesk ticket's history at its own times: SLA outcomes from them, nothing twice, a late entry by its time", async () => {
    const api = () => request(base);
    const admin = await as('admin-1', 'admin');
    await api()
      .put('/v1/sla-policies')
      .set(admin)
      .send({
        calendars: [],
        policies: [
          {
            id: 'imported',
            when: { group: ['zendesk-group-7'] },
            targets: { 'first-response': 60, resolution: 1440 },
          },
        ],
      })
      .expect(200);
    const t0 = Date.parse('2026-03-02T09:00:00.000Z');
    const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
    const exported = (extraComments: unknown[] = [], extraAudits: unknown[] = []) => ({
      source: 'zendesk',
      tickets: [
        {
          id: 4242,
          subject: 'Parcel lost',
          status: 'closed',
          priority: 'high',
          requester_id: 11,
          group_id: 7,
          tags: ['lost'],
          created_at: at(0),
          comments: [
            { id: 1, author_id: 11, body: 'My parcel never arrived', public: true, created_at: at(0) },
            // A trigger's auto-reply: public, but no response for the SLA.
            {
              id: 2,
              author_id: 99,
              body: 'We got your request',
              public: true,
              created_at: at(1),
              via: { channel: 'rule' },
            },
            { id: 3, author_id: 21, body: 'We are tracing it', public: true, created_at: at(90) },
            { id: 4, author_id: 21, body: 'carrier says lost', public: false, created_at: at(95) },
            ...extraComments,
          ],
          audits: [
            {
              id: 50,
              created_at: at(2),
              author_id: 21,
              events: [{ type: 'Change', field_name: 'assignee_id', value: '21' }],
            },
            {
              id: 51,
              created_at: at(120),
              author_id: 21,
              events: [{ type: 'Change', field_name: 'status', value: 'solved' }],
            },
            {
              id: 52,
              created_at: at(7200),
              author_id: 21,
              events: [{ type: 'Change', field_name: 'status', value: 'closed' }],
            },
            ...extraAudits,
          ],
          satisfaction_rating: { score: 'good', comment: 'thanks', created_at: at(200) },
        },
      ],
    });
    const first = await api().post('/v1/imports/tickets').set(admin).send(exported()).expect(200);
    const [outcome] = first.body.tickets as { ticketId: string; recorded: number; skipped: unknown[] }[];
    expect(outcome?.skipped).toEqual([]);
    expect(outcome?.recorded).toBeGreaterThan(10);
    const store = await PostgresEventStore.connect({ connectionString: db.url });
    try {
      const events = await store.readStream(`ticket-${outcome?.ticketId as string}`);
      const of = (type: string) => events.filter((e) => e.type === `tickets.${type}.v1`);
      // The first response was due an hour in, and came at 90 minutes: breached at its due time,
      // recorded between the entries it fell between; the auto-reply answered nothing.
      expect(of('sla-breached').map((e) => e.data)).toEqual([
        expect.objectContaining({ metric: 'first-response', dueAt: at(60), at: at(60) }),
      ]);
      const types = events.map((e) => e.type);
      expect(types.indexOf('tickets.sla-breached.v1')).toBeLessThan(
        events.findIndex(
          (e) => e.type === 'tickets.reply-posted.v1' && !(e.data as { automated?: boolean }).automated,
        ),
      );
      expect(of('reply-posted').map((e) => (e.data as { automated?: boolean }).automated ?? false)).toEqual([
        true,
        false,
      ]);
      expect(
        of('status-changed').map((e) => [(e.data as { to: string }).to, (e.data as { at: string }).at]),
      ).toEqual(
        expect.arrayContaining([
          ['solved', at(120)],
          ['closed', at(7200)],
        ]),
      );
      expect(of('csat-rated').map((e) => e.data)).toEqual([
        expect.objectContaining({ score: 5, at: at(200) }),
      ]);
      // Every event carries its occurrence time; the envelope's is when the import recorded it.
      const importedAt = Date.parse(events[0]?.metadata.time as string);
      expect(Math.abs(Date.now() - importedAt)).toBeLessThan(60_000);
      expect(events.every((e) => e.metadata.time === events[0]?.metadata.time)).toBe(true);

      // The same export again: nothing new.
      const again = await api().post('/v1/imports/tickets').set(admin).send(exported()).expect(200);
      expect(again.body.tickets[0]).toMatchObject({ recorded: 0, skipped: [] });
      // A later export with a message the first one lacked: it is added, at its own time.
      const late = await api()
        .post('/v1/imports/tickets')
        .set(admin)
        .send(
          exported(
            [{ id: 5, author_id: 11, body: 'Any news?', public: true, created_at: at(80) }],
            [
              {
                id: 53,
                created_at: at(30),
                author_id: 21,
                events: [{ type: 'Change', field_name: 'status', value: 'pending' }],
              },
            ],
          ),
        )
        .expect(200);
      // The message is recorded as the fact it is; a change of state in the past is not replayed.
      expect(late.body.tickets[0]).toMatchObject({
        recorded: 1,
        skipped: [{ key: 'audit-53-0', reason: expect.stringMatching(/older than the history/) }],
      });
      const after = await store.readStream(`ticket-${outcome?.ticketId as string}`);
      expect(
        after
          .filter((e) => e.type === 'tickets.customer-message-added.v1')
          .map((e) => (e.data as { at: string }).at),
      ).toEqual([at(0), at(80)]);
      expect(new Set(after.map((e) => e.id)).size).toBe(after.length);
    } finally {
      await store.close();
    }
    await api()
      .post('/v1/imports/tickets')
      .set(admin)
      .send({ source: 'zendesk', tickets: [{ id: 1, status: 'sleeping' }] })
      .expect(400);
    await api()
      .post('/v1/imports/tickets')
      .set(await as('a-x', 'agent'))
      .send(exported())
      .expect(403);
  });

  it('counts SLA time on a Shanghai business calendar across a weekend and a holiday, paused while pending on the customer', async () => {
    const api = () => request(base);
    const admin = await as('admin-1', 'admin');
    await api()
      .put('/v1/sla-policies')
      .set(admin)
      .send({
        calendars: [
          {
            id: 'cn-office',
            timeZone: 'Asia/Shanghai',
            hours: Object.fromEntries(
              ['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ from: '09:00', to: '18:00' }]]),
            ),
            holidays: ['2026-10-05'],
          },
        ],
        policies: [
          {
            id: 'shanghai',
            when: { group: ['zammad-shanghai'] },
            calendarId: 'cn-office',
            targets: { 'first-response': 120, resolution: 600 },
          },
        ],
      })
      .expect(200);
    // Friday 17:30 in Shanghai (09:30Z): the customer writes; the agent answers on Tuesday at 11:00,
    // waits for the customer (pending) until Wednesday 10:00, and solves on Thursday.
    const article = (id: number, sender: string, created_at: string, internal = false) => ({
      id,
      sender,
      internal,
      body: `article ${id}`,
      created_at,
      created_by_id: sender === 'Customer' ? 2 : 3,
    });
    const { body } = await api()
      .post('/v1/imports/tickets')
      .set(admin)
      .send({
        source: 'zammad',
        tickets: [
          {
            id: 9001,
            title: 'Invoice in the wrong currency',
            group: 'Shanghai',
            priority: '2 normal',
            created_at: '2026-10-02T09:30:00Z',
            customer_id: 2,
            articles: [
              article(1, 'Customer', '2026-10-02T09:30:00Z'),
              article(2, 'Agent', '2026-10-06T03:00:00Z'),
              article(3, 'Customer', '2026-10-07T02:00:00Z'),
            ],
            history: [
              {
                id: 1,
                created_at: '2026-10-06T03:00:00Z',
                created_by_id: 3,
                attribute: 'state',
                value_to: 'pending reminder',
              },
              {
                id: 2,
                created_at: '2026-10-08T02:00:00Z',
                created_by_id: 3,
                attribute: 'state',
                value_to: 'closed',
              },
            ],
          },
        ],
      })
      .expect(200);
    const store = await PostgresEventStore.connect({ connectionString: db.url });
    try {
      const events = await store.readStream(`ticket-${body.tickets[0].ticketId as string}`);
      const breaches = events
        .filter((e) => e.type === 'tickets.sla-breached.v1')
        .map((e) => e.data as { metric: string; dueAt: string });
      expect(breaches).toEqual([
        // 30 minutes on Friday, none on the weekend or on Monday's holiday, 90 on Tuesday: 10:30 Shanghai.
        expect.objectContaining({ metric: 'first-response', dueAt: '2026-10-06T02:30:00.000Z' }),
        // 600 minutes: 150 used by Tuesday 11:00, paused while pending until Wednesday 10:00, then 450 more:
        // Wednesday 17:30 Shanghai (without the pause it would have been due Wednesday 09:30).
        expect.objectContaining({ metric: 'resolution', dueAt: '2026-10-07T09:30:00.000Z' }),
      ]);
      const paused = events.find(
        (e) =>
          e.type === 'tickets.sla-clock-set.v1' &&
          (e.data as { state: string; metric: string }).state === 'paused',
      );
      expect(paused?.data).toMatchObject({
        metric: 'resolution',
        elapsedSeconds: 150 * 60,
        at: '2026-10-06T03:00:00.000Z',
      });
    } finally {
      await store.close();
    }
  });

  it('queues an imported open ticket from the time of its import: a live customer who came first is served first', async () => {
    const api = () => request(base);
    const admin = await as('admin-1', 'admin');
    const group = `imports-${randomUUID().slice(0, 6)}`;
    const live = await api()
      .post('/v1/tickets')
      .set(await as('a-x', 'agent'))
      .send({ subject: 'live customer', group })
      .expect(201);
    // Opened in 2020 and still open in the other help desk.
    const imported = await api()
      .post('/v1/imports/tickets')
      .set(admin)
      .send({
        source: 'chatwoot',
        tickets: [
          {
            id: 555,
            status: 'open',
            created_at: Date.parse('2020-01-06T08:00:00Z') / 1000,
            meta: { team: { name: 'ignored' } },
            messages: [
              {
                id: 1,
                content: 'still waiting since 2020',
                message_type: 0,
                created_at: Date.parse('2020-01-06T08:00:00Z') / 1000,
              },
            ],
          },
        ],
      })
      .expect(200);
    const importedId = imported.body.tickets[0].ticketId as string;
    // Moved into the live group, as an admin would after the import.
    await api()
      .post(`/v1/tickets/${importedId}/transfer`)
      .set(await as('sup-1', 'supervisor'))
      .send({ group, note: 'imported backlog' })
      .expect(200);
    await eventually(
      async () => (await api().get(`/v1/tickets?group=${group}&queued=true`).set(admin)).body.total === 2,
      { what: 'both queued on the board' },
    );
    await api()
      .put('/v1/agents/solo')
      .set(admin)
      .send({ groups: [group], capacity: { default: 1 } })
      .expect(200);
    await api().put('/v1/agents/solo/presence').set(admin).send({ presence: 'online' }).expect(200);
    const served = await eventually(
      async () => {
        const { body } = await api().get(`/v1/tickets?group=${group}&assignee=solo`).set(admin);
        return body.total === 1 && (body.tickets[0].ticketId as string);
      },
      { what: 'one ticket assigned' },
    );
    expect(served).toBe(live.body.ticketId);
  });
});

/** Reads a server-sent event stream with fetch (a bearer header, as the agent workspace does). */
async function openStream(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const events: { event: string; data: Record<string, unknown> }[] = [];
  if (res.ok && res.body) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    })();
  }
  return { res, events, close: () => controller.abort() };
}

describe('the agent workspace’s APIs', () => {
  it('declares the error answers and response schema of every operation, in OpenAPI', async () => {
    const doc = (await request(base).get('/openapi.json').expect(200)).body;
    expect(openApiProblems(doc)).toEqual([]);
  });

  it('searches several statuses and groups at once, and refuses an unknown one', async () => {
    const agent = await as('multi-1', 'agent');
    const group = `multi-${randomUUID().slice(0, 8)}`;
    const created = await request(base)
      .post('/v1/tickets')
      .set(agent)
      .send({ subject: 'Two of them', group })
      .expect(201);
    const found = await eventually(
      async () => {
        const page = (
          await request(base)
            .get(`/v1/tickets?group=elsewhere,${group}&status=new,open,pending`)
            .set(agent)
            .expect(200)
        ).body;
        return page.total === 1 && page;
      },
      { what: 'the ticket by a list of groups and statuses' },
    );
    expect(found.tickets[0].ticketId).toBe(created.body.ticketId);
    await request(base).get(`/v1/tickets?status=open,archived`).set(agent).expect(400);
    await request(base)
      .get(`/v1/tickets?group=${'g,'.repeat(30)}g`)
      .set(agent)
      .expect(400);
  });

  it('keeps macros, refuses bad ones, and shows a group its own and the shared ones', async () => {
    const api = () => request(base);
    const admin = await as('admin-1', 'admin');
    const agent = await as('mac-1', 'agent');
    const macro = {
      id: 'refund-sent',
      title: 'Refund sent',
      text: 'Your refund is on its way.',
      status: 'pending',
    };
    await api().put('/v1/macros').set(admin).send([macro, macro]).expect(400);
    await api()
      .put('/v1/macros')
      .set(admin)
      .send([{ ...macro, status: 'archived' }])
      .expect(400);
    await api().put('/v1/macros').set(agent).send([]).expect(403);
    await api()
      .put('/v1/macros')
      .set(admin)
      .send([macro, { id: 'vip-hello', title: 'VIP greeting', text: 'Welcome back!', groups: ['vip'] }])
      .expect(200);
    const all = (await api().get('/v1/macros').set(agent).expect(200)).body as { id: string }[];
    expect(all.map((m) => m.id)).toEqual(['refund-sent', 'vip-hello']);
    const forCare = (await api().get('/v1/macros?group=care').set(agent).expect(200)).body as {
      id: string;
    }[];
    expect(forCare.map((m) => m.id)).toEqual(['refund-sent']);
    expect(forCare[0]).toMatchObject({ status: 'pending', tags: [] });
  });

  it("answers an agent's own profile (presence, groups, load), and 404 before an admin made one", async () => {
    const admin = await as('admin-1', 'admin');
    const agent = await as('self-1', 'agent');
    await request(base).get('/v1/agents/me').set(agent).expect(404);
    await request(base)
      .put('/v1/agents/self-1')
      .set(admin)
      .send({ groups: ['care'], capacity: { default: 3 } })
      .expect(200);
    const me = (await request(base).get('/v1/agents/me').set(agent).expect(200)).body;
    expect(me).toMatchObject({
      agentId: 'self-1',
      groups: ['care'],
      load: { default: { holding: 0, capacity: 3 } },
    });
    await request(base).get('/v1/agents/me').expect(401);
  });

  it('streams a queue and a ticket as they change (server-sent events), and only to agents', async () => {
    const agent = await as('live-1', 'agent');
    const group = `live-${randomUUID().slice(0, 8)}`;
    expect((await fetch(`${base}/v1/tickets/live?group=${group}`)).status).toBe(401);
    expect((await fetch(`${base}/v1/tickets/live?group=NOT%20A%20GROUP`, { headers: agent })).status).toBe(
      400,
    );

    const queue = await openStream(`${base}/v1/tickets/live?group=${group}&limit=10`, agent);
    try {
      expect(queue.res.status).toBe(200);
      expect(queue.res.headers.get('content-type')).toContain('text/event-stream');
      await eventually(() => queue.events.length >= 1, { what: 'the first page' });
      expect(queue.events[0]).toEqual({ event: 'tickets', data: { tickets: [], total: 0 } });

      const created = await request(base)
        .post('/v1/tickets')
        .set(agent)
        .send({ subject: 'Live one', group })
        .expect(201);
      const ticketId = created.body.ticketId as string;
      const page = await eventually(() => queue.events.find((e) => (e.data['total'] as number) === 1)?.data, {
        timeoutMs: 20_000,
        what: 'the queue with the new ticket',
      });
      expect((page['tickets'] as { ticketId: string }[])[0]?.ticketId).toBe(ticketId);

      const one = await openStream(`${base}/v1/tickets/live?ticket=${ticketId}`, agent);
      try {
        await eventually(() => one.events.some((e) => e.event === 'ticket'), { what: 'the ticket' });
        await request(base)
          .post(`/v1/tickets/${ticketId}/notes`)
          .set(agent)
          .send({ text: 'looked at it' })
          .expect(201);
        await eventually(
          () =>
            one.events.some((e) =>
              ((e.data['timeline'] as { kind: string }[] | undefined) ?? []).some((l) => l.kind === 'note'),
            ),
          { timeoutMs: 20_000, what: 'the note on the streamed ticket' },
        );
      } finally {
        one.close();
      }
    } finally {
      queue.close();
    }
  }, 60_000);
});
