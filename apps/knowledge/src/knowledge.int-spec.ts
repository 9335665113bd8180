import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import {
  createLogger,
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
import type { EventStore } from '@journey/eventstore';
import { EVENT_STORE } from '@journey/messaging';
import { Catalogue } from './article/catalogue';
import { ArticleScheduler } from './article/article-scheduler';
import { knowledgeService } from './knowledge.service';
import { SearchIndex } from './search/search-index';

// The knowledge service alone on real PostgreSQL, Kafka and MongoDB-wire: the article workflow, search
// in Chinese and English with audience enforced, readers' feedback and the content-gap report, and the
// index rebuilt from the log answering exactly as the live one.

const infra = testInfrastructure();
const keyFile = join(mkdtempSync(join(tmpdir(), 'journey-knowledge-key-')), 'key.json');
let db: IsolatedDatabase;
let app: INestApplication;
let base: string;
let config: ServiceConfig;
const api = () => request(base);

const as = async (subject: string, ...roles: Role[]) => ({
  authorization: `Bearer ${await issueLocalToken({ ...config.auth, keyFile, subject, roles, expiresIn: '1h' })}`,
});

beforeAll(async () => {
  db = await isolatedPostgresDatabase(infra, 'knowledge');
  config = loadServiceConfig('knowledge', {
    LOG_LEVEL: 'silent',
    // The test writes tickets events as tickets would: its relay runs here too, as tickets is not running.
    RELAY_CONTEXTS: 'knowledge,tickets',
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_CONSUMER_GROUP: uniqueName('knowledge-spec'),
    EVENTSTORE_URL: db.url,
    MONGO_URL: isolatedMongoUrl(infra, 'knowledge_spec'),
    AUTH_LOCAL_KEY_FILE: keyFile,
  });
  process.env['KNOWLEDGE_SCHEDULER_INTERVAL_MS'] = '300';
  await startGroupsAtEnd(
    infra.kafkaBrokers,
    [
      'article-catalogue',
      'content-gaps',
      'conversation-suggestions',
      'answer-contacts',
      'auto-answer',
      'solved-cases',
    ].map((s) => `${config.kafka.consumerGroup}-${s}`),
    ['journey.knowledge.v1', 'journey.contacts.v1', 'journey.channels.v1', 'journey.tickets.v1'],
  );
  app = await createServiceApp(knowledgeService, config);
  await startServiceApp(app, { ...config, http: { ...config.http, port: 0 } });
  base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  await app.get(SearchIndex).ready();
}, 120_000);

afterAll(async () => {
  await app?.close();
  await db?.drop();
  delete process.env['KNOWLEDGE_SCHEDULER_INTERVAL_MS'];
}, 60_000);

/** Creates, reviews, approves and publishes an article; returns its id. */
async function publishedArticle(article: Record<string, unknown>): Promise<string> {
  const author = await as('ann', 'agent');
  const reviewer = await as('rob', 'agent');
  const supervisor = await as('sue', 'supervisor');
  const locale = (article['locale'] as string | undefined) ?? 'en';
  const { body } = await api()
    .post('/v1/articles')
    .set(author)
    .send({ locale, ...article })
    .expect(201);
  const id = body.articleId as string;
  await api()
    .post(`/v1/articles/${id}/locales/${locale}/review-requests`)
    .set(author)
    .send({ reviewers: ['rob'] })
    .expect(201);
  await api().post(`/v1/articles/${id}/locales/${locale}/approvals`).set(reviewer).expect(200);
  await api().post(`/v1/articles/${id}/locales/${locale}/publication`).set(supervisor).send({}).expect(200);
  return id;
}

const publicSearch = async (q: string, extra: Record<string, string> = {}) =>
  (
    await api()
      .get('/v1/help/search')
      .query({ q, ...extra })
      .expect(200)
  ).body as {
    total: number;
    hits: {
      articleId: string;
      confidence: number;
      highlights: { title: string; snippet: string };
      outdated: boolean;
    }[];
  };

describe('knowledge', () => {
  it('refuses an unknown locale, a body too large and malformed front matter with a 400, and stores nothing', async () => {
    const agent = await as('ann', 'agent');
    const before = await committedEventCount(db.url);
    const unknown = await api()
      .post('/v1/articles')
      .set(agent)
      .send({ locale: 'xx-YY', title: 't', body: 'b' })
      .expect(400);
    expect(unknown.body.message).toContain('unknown locale "xx-YY"');
    const large = await api()
      .post('/v1/articles')
      .set(agent)
      .send({ locale: 'en', title: 't', body: 'x'.repeat(100_001) })
      .expect(400);
    expect(large.body.message).toContain('the body is longer than 100000 characters');
    const fm = await api()
      .post('/v1/articles')
      .set(agent)
      .send({ markdown: '---\ntitle: [unclosed\nlocale: en\n---\nBody' })
      .expect(400);
    expect(fm.body.message).toMatch(/invalid body: front matter: /);
    await api().post('/v1/articles').set(agent).send({ markdown: '---\ntitle: t\n---\nBody' }).expect(400); // no locale
    await api().post('/v1/articles').send({ locale: 'en', title: 't', body: 'b' }).expect(401);
    await api()
      .get('/v1/help/search')
      .query({ q: 'x'.repeat(201) })
      .expect(400);
    await api().get('/v1/help/search').query({ q: 'x', locale: 'klingon' }).expect(400);
    await api().post(`/v1/articles/${randomUUID()}/locales/en/approvals`).set(agent).expect(404);
    expect(await committedEventCount(db.url)).toBe(before);
  });

  it('takes an article from a Markdown file through review to publication, then flags it stale after its review-by date', async () => {
    const author = await as('ann', 'agent');
    const reviewer = await as('rob', 'agent');
    const supervisor = await as('sue', 'supervisor');
    const markdown =
      '---\nlocale: en\ntitle: Parcel locker pickup\ntags: [locker, pickup]\nproducts: [parcel-locker]\nreviewIntervalDays: 30\n---\nOpen the locker with the **six-digit code** from your SMS.';
    const { body } = await api().post('/v1/articles').set(author).send({ markdown }).expect(201);
    const id = body.articleId as string;
    // Not before review, not approved by its own author.
    await api().post(`/v1/articles/${id}/locales/en/publication`).set(supervisor).send({}).expect(422);
    await api()
      .post(`/v1/articles/${id}/locales/en/review-requests`)
      .set(author)
      .send({ reviewers: ['rob', 'ann'] })
      .expect(201);
    await api().post(`/v1/articles/${id}/locales/en/approvals`).set(author).expect(422);
    await api()
      .post(`/v1/articles/${id}/locales/en/comments`)
      .set(reviewer)
      .send({ text: 'Say where the lockers are.' })
      .expect(201);
    await api()
      .post(`/v1/articles/${id}/locales/en/change-requests`)
      .set(reviewer)
      .send({ note: 'add locations' })
      .expect(200);
    await api()
      .post(`/v1/articles/${id}/locales/en/revisions`)
      .set(author)
      .send({
        title: 'Parcel locker pickup',
        body: 'Open the locker with the **six-digit code**. Lockers are at every metro station.',
        tags: ['locker'],
        baseRevision: 1,
      })
      .expect(201);
    // A second editor who started from revision 1 too is told to reload.
    await api()
      .post(`/v1/articles/${id}/locales/en/revisions`)
      .set(reviewer)
      .send({ title: 'x', body: 'y', baseRevision: 1 })
      .expect(409);
    await api()
      .post(`/v1/articles/${id}/locales/en/review-requests`)
      .set(author)
      .send({ reviewers: ['rob'] })
      .expect(201);
    await api().post(`/v1/articles/${id}/locales/en/approvals`).set(reviewer).expect(200);
    await api().post(`/v1/articles/${id}/locales/en/publication`).set(supervisor).send({}).expect(200);

    const hits = await eventually(async () => {
      const found = await publicSearch('metro station locker');
      return found.hits[0]?.articleId === id ? found : undefined;
    });
    expect(hits.hits[0]?.highlights.title).toContain('<mark>');
    const read = await api()
      .get(`/v1/help/articles/${id}`)
      .query({ locale: 'en', channel: 'widget' })
      .expect(200);
    expect(read.body.html).toContain('<strong>six-digit code</strong>');

    const catalogue = await eventually(async () => {
      const doc = (await api().get(`/v1/articles/${id}`).set(author).expect(200)).body;
      return doc.locales?.en?.published?.revision === 2 ? doc : undefined;
    });
    expect(catalogue.locales.en.comments).toBe(1);
    const comments = await api().get(`/v1/articles/${id}/locales/en/comments`).set(author).expect(200);
    expect(comments.body.comments.map((c: { text: string }) => c.text)).toEqual([
      'Say where the lockers are.',
    ]);

    // History: the diff between revisions and a restore of the first.
    const diff = await api()
      .get(`/v1/articles/${id}/locales/en/diff`)
      .query({ from: 1, to: 2 })
      .set(author)
      .expect(200);
    expect(diff.body.patch).toContain(
      '+Open the locker with the **six-digit code**. Lockers are at every metro station.',
    );
    expect(diff.body.tags).toEqual({ added: [], removed: ['pickup'] });
    const restored = await api()
      .post(`/v1/articles/${id}/locales/en/restorations`)
      .set(author)
      .send({ revision: 1 })
      .expect(201);
    expect(restored.body.revision).toBe(3);
    const revisions = await api().get(`/v1/articles/${id}/locales/en/revisions`).set(author).expect(200);
    expect(revisions.body.revisions.map((r: { restoredFrom?: number }) => r.restoredFrom)).toEqual([
      undefined,
      undefined,
      1,
    ]);

    // 31 days on, the scheduler flags it to its owner; verifying clears the flag.
    await eventually(async () =>
      (await api().get(`/v1/articles/${id}`).set(author)).body.locales?.en?.latest === 3 ? true : undefined,
    );
    const later = new Date(Date.now() + 31 * 86_400_000).toISOString();
    expect(await app.get(ArticleScheduler).tick(later)).toBeGreaterThanOrEqual(1);
    const stale = await eventually(async () => {
      const page = (
        await api().get('/v1/articles').query({ owner: 'me', stale: 'true' }).set(author).expect(200)
      ).body;
      return page.articles.some((a: { articleId: string }) => a.articleId === id) ? page : undefined;
    });
    expect(stale.articles.find((a: { articleId: string }) => a.articleId === id).locales.en.stale).toBe(true);
    expect(await app.get(ArticleScheduler).tick(later)).toBe(0); // flagged once
    await api().post(`/v1/articles/${id}/locales/en/verification`).set(author).expect(200);
    await eventually(async () =>
      (await api().get(`/v1/articles/${id}`).set(author)).body.locales?.en?.stale === false
        ? true
        : undefined,
    );
  });

  it('publishes a scheduled revision at its time, not before', async () => {
    const author = await as('ann', 'agent');
    const reviewer = await as('rob', 'agent');
    const supervisor = await as('sue', 'supervisor');
    const { body } = await api()
      .post('/v1/articles')
      .set(author)
      .send({
        locale: 'en',
        title: 'Spring sale vouchers',
        body: 'Vouchers apply at checkout during the spring sale.',
      })
      .expect(201);
    const id = body.articleId as string;
    await api()
      .post(`/v1/articles/${id}/locales/en/review-requests`)
      .set(author)
      .send({ reviewers: ['rob'] })
      .expect(201);
    await api().post(`/v1/articles/${id}/locales/en/approvals`).set(reviewer).expect(200);
    const publishAt = new Date(Date.now() + 3_000).toISOString();
    await api()
      .post(`/v1/articles/${id}/locales/en/schedule`)
      .set(supervisor)
      .send({ publishAt })
      .expect(200);
    expect((await publicSearch('spring sale vouchers')).hits.some((h) => h.articleId === id)).toBe(false);
    await eventually(
      async () =>
        (await publicSearch('spring sale vouchers')).hits.some((h) => h.articleId === id) ? true : undefined,
      {
        timeoutMs: 20_000,
      },
    );
    const doc = (await api().get(`/v1/articles/${id}`).set(author).expect(200)).body;
    expect(Date.parse(doc.locales.en.published.at)).toBeGreaterThanOrEqual(Date.parse(publishAt));
  });

  it('finds Chinese words inside longer phrases, English with a typo, and synonyms an admin sets', async () => {
    const admin = await as('admin-1', 'admin');
    const zh = await publishedArticle({
      locale: 'zh-CN',
      title: '退货运费险怎么理赔',
      body: '购买时勾选运费险，退货寄出后自动理赔到原支付账户。',
    });
    const en = await publishedArticle({
      title: 'Refund timelines',
      body: 'Refunds reach your card within 5 working days.',
    });
    await eventually(async () => ((await publicSearch('Refund timelines')).total > 0 ? true : undefined));
    expect((await publicSearch('运费')).hits[0]?.articleId).toBe(zh);
    expect((await publicSearch('運費險 理賠')).hits[0]?.articleId).toBe(zh);
    expect((await publicSearch('refnds', { locale: 'en' })).hits[0]?.articleId).toBe(en);
    expect((await publicSearch('reimbursement', { locale: 'en' })).total).toBe(0);
    await api()
      .put('/v1/settings/synonyms')
      .set(admin)
      .send({ locale: 'en', sets: [['refund', 'reimbursement', 'money back']] })
      .expect(200);
    await eventually(async () =>
      (await publicSearch('reimbursement', { locale: 'en' })).hits[0]?.articleId === en ? true : undefined,
    );
  });

  it('never shows internal or VIP-only articles to the public; agents and services see what their role allows', async () => {
    const tag = `cobalt${Date.now()}`;
    const pub = await publishedArticle({ title: `Warranty ${tag} public`, body: 'Two years.' });
    const internal = await publishedArticle({
      title: `Warranty ${tag} override`,
      body: 'Staff only.',
      audience: 'internal',
    });
    const vip = await publishedArticle({
      title: `Warranty ${tag} concierge`,
      body: 'Gold desk.',
      audience: 'vip',
    });
    const agentIds = async (who: Record<string, string>, audience?: string) =>
      (
        await api()
          .get('/v1/search')
          .query({ q: `warranty ${tag}`, ...(audience ? { audience } : {}) })
          .set(who)
          .expect(200)
      ).body.hits
        .map((h: { articleId: string }) => h.articleId)
        .sort();
    const agent = await as('ann', 'agent');
    await eventually(async () => ((await agentIds(agent)).length === 3 ? true : undefined));
    expect((await publicSearch(`warranty ${tag}`)).hits.map((h) => h.articleId)).toEqual([pub]);
    expect(await agentIds(await as('wechat', 'service'))).toEqual([pub, vip].sort()); // a service asks internal: capped at VIP
    expect(await agentIds(agent, 'public')).toEqual([pub]);
    await api().get(`/v1/help/articles/${internal}`).query({ locale: 'en' }).expect(404);
    await api().get(`/v1/help/articles/${vip}`).query({ locale: 'en' }).expect(404);
  });

  it('marks a translation out of date when its source is published again', async () => {
    const author = await as('li', 'agent');
    const reviewer = await as('rob', 'agent');
    const supervisor = await as('sue', 'supervisor');
    const id = await publishedArticle({
      title: 'Invoice requests',
      body: 'Ask for an e-invoice on the order page.',
    });
    const publish = async (locale: string, body: Record<string, unknown>) => {
      await api().post(`/v1/articles/${id}/locales/${locale}/revisions`).set(author).send(body).expect(201);
      await api()
        .post(`/v1/articles/${id}/locales/${locale}/review-requests`)
        .set(author)
        .send({ reviewers: ['rob'] })
        .expect(201);
      await api().post(`/v1/articles/${id}/locales/${locale}/approvals`).set(reviewer).expect(200);
      await api()
        .post(`/v1/articles/${id}/locales/${locale}/publication`)
        .set(supervisor)
        .send({})
        .expect(200);
    };
    await publish('zh-CN', { title: '如何开发票', body: '在订单页面申请电子发票。' });
    const zhRead = async () =>
      (await api().get(`/v1/help/articles/${id}`).query({ locale: 'zh-CN' }).expect(200)).body;
    expect(
      await eventually(async () => ((await zhRead()).translations.length === 2 ? zhRead() : undefined)),
    ).toMatchObject({ outdated: false });
    await publish('en', {
      title: 'Invoice requests',
      body: 'Ask for an e-invoice on the order page within 30 days.',
    });
    await eventually(async () => ((await zhRead()).outdated ? true : undefined));
    const doc = await eventually(async () => {
      const d = (await api().get(`/v1/articles/${id}`).set(author).expect(200)).body;
      return d.locales['zh-CN'].outdated ? d : undefined;
    });
    expect(doc.locales.en.outdated).toBe(false);
  });

  it("renders a body's script and handlers inert in the portal", async () => {
    const id = await publishedArticle({
      title: 'Gift wrapping',
      body: 'Wrap it <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))',
    });
    const read = await eventually(async () => {
      const r = await api().get(`/v1/help/articles/${id}`).query({ locale: 'en' });
      return r.status === 200 ? r.body : undefined;
    });
    expect(read.html).not.toMatch(/<script|<img[^>]*onerror|href="javascript:/i);
  });

  it('turns searches without answers, unhelpful votes and update requests into the content-gap report', async () => {
    const agent = await as('olga', 'agent');
    const id = await publishedArticle({
      title: 'Store opening hours',
      body: 'Stores open 10:00–22:00.',
      owner: 'olga',
    });
    await eventually(async () => ((await publicSearch('store opening hours')).total > 0 ? true : undefined));
    // Letters only: a run of digits in a query is masked.
    const missing = `teleport${Date.now()
      .toString(36)
      .replace(/\d/g, (d) => 'qrstuvwxyz'[Number(d)] as string)}`;
    await publicSearch(`How do I ${missing} my order 13800138000?`);
    await publicSearch(`how do i ${missing.toUpperCase()} my order 13912345678`);
    await api().post(`/v1/help/articles/${id}/feedback`).send({ locale: 'en', helpful: false }).expect(400); // no reason
    await api()
      .post(`/v1/help/articles/${id}/feedback`)
      .send({ locale: 'en', helpful: false, reason: 'outdated', comment: 'Hours changed in May' })
      .expect(201);
    await api().post(`/v1/help/articles/${id}/feedback`).send({ locale: 'en', helpful: true }).expect(201);
    const { body: req } = await api()
      .post(`/v1/help/articles/${id}/update-requests`)
      .send({ locale: 'en', reason: 'outdated', text: 'Sunday hours are missing' })
      .expect(201);
    const report = await eventually(async () => {
      const r = (await api().get('/v1/reports/content-gaps').set(agent).expect(200)).body;
      const row = r.queries.find((q: { query: string }) => q.query.includes(missing));
      const art = r.articles.find((a: { articleId: string }) => a.articleId === id);
      return row?.searches === 2 && art?.openRequests === 1 ? { row, art } : undefined;
    });
    // Both spellings are one query; the phone numbers are masked.
    expect(report.row.query).toBe(`how do i ${missing} my order #`);
    expect(report.row.none + report.row.poor).toBe(2); // nothing, or only a weak match on "order"
    expect(report.art).toMatchObject({ helpful: 1, notHelpful: 1, reasons: { outdated: 1 } });
    const mine = (await api().get('/v1/update-requests').query({ owner: 'me' }).set(agent).expect(200)).body;
    expect(mine.requests.map((r: { requestId: string }) => r.requestId)).toContain(req.requestId);
    await api()
      .post(`/v1/articles/${id}/update-requests/${req.requestId}/resolution`)
      .set(agent)
      .send({ resolution: 'updated' })
      .expect(200);
    await api()
      .post(`/v1/articles/${id}/update-requests/${req.requestId}/resolution`)
      .set(agent)
      .send({ resolution: 'updated' })
      .expect(409);
    await eventually(async () => {
      const r = (await api().get('/v1/reports/content-gaps').set(agent).expect(200)).body;
      return r.articles.find((a: { articleId: string }) => a.articleId === id)?.openRequests === 0
        ? true
        : undefined;
    });
  });

  it('declares the error answers and response schema of every operation, in OpenAPI 3.0', async () => {
    const doc = (await api().get('/openapi.json').expect(200)).body;
    expect(openApiProblems(doc)).toEqual([]);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/help/search', '/v1/search', '/v1/articles']),
    );
  });

  it('rebuilds the index from the log to exactly the index the replica serves', async () => {
    const live = app.get(SearchIndex);
    const store = await PostgresEventStore.connect({ connectionString: db.url });
    const rebuilt = new SearchIndex(store, createLogger('knowledge', 'silent'));
    rebuilt.onApplicationBootstrap();
    await rebuilt.ready();
    try {
      for (const q of [
        '运费',
        'refund',
        'parcel locker metro',
        'warranty',
        'invoice',
        '发票',
        'store hours',
      ]) {
        const request = { query: q, audiences: ['public', 'vip', 'internal'] as const, offset: 0, limit: 20 };
        expect(rebuilt.search({ ...request, audiences: [...request.audiences] })).toEqual(
          live.search({ ...request, audiences: [...request.audiences] }),
        );
      }
      expect(rebuilt.status().articles).toBe(live.status().articles);

      // A publish drops the cached terms of its partition; the replica's warmer looks them up again on
      // the new index while idle, so the same questions then walk nothing and answer as a fresh build does.
      const ask = (index: SearchIndex) =>
        index.search({
          query: 'refund warranty invoice',
          locale: 'en',
          audiences: ['public'],
          offset: 0,
          limit: 5,
        });
      const applied = (id: string) =>
        eventually(async () => (rebuilt.articles.get(id, 'en', ['public']) ? true : undefined));
      await applied(
        await publishedArticle({
          title: 'Invoice copies',
          body: 'Download the invoice a warranty or refund claim needs.',
        }),
      );
      const cache = rebuilt.articles.termResults;
      expect(ask(rebuilt).total).toBeGreaterThan(0);
      expect(cache.matches).toBeGreaterThan(0);
      const added = await publishedArticle({
        title: 'Warranty refunds',
        body: 'A warranty refund needs the invoice.',
      });
      await applied(added);
      // (Every word was in an article before: no lookup changes from typo-tolerant to exact.)
      // Positive signal: nothing waits for the warmer any more (a deadline already past does no work).
      await eventually(async () => (rebuilt.articles.warm(0) === 0 ? true : undefined));
      const misses = cache.misses;
      const after = ask(rebuilt);
      expect(cache.misses).toBe(misses);
      expect(after.hits[0]?.articleId).toBe(added);
      const fresh = new SearchIndex(store, createLogger('knowledge', 'silent'));
      fresh.onApplicationBootstrap();
      await fresh.ready();
      try {
        await eventually(async () => (fresh.articles.get(added, 'en', ['public']) ? true : undefined));
        expect(after).toEqual(ask(fresh));
      } finally {
        await fresh.onModuleDestroy();
      }
    } finally {
      await rebuilt.onModuleDestroy();
      await store.close();
    }
  });

  it('suggests solved tickets like a question, in English and Chinese, never an unsolved or erased one', async () => {
    // Tickets events as the tickets service writes them (sealed personal fields, through the relay and Kafka).
    const store = app.get<EventStore>(EVENT_STORE);
    const word = `zq${randomUUID().slice(0, 6).replace(/[0-9]/g, 'x')}`;
    const at = () => new Date().toISOString();
    const meta = { source: 'tickets', correlationId: 'similar-spec', schemaVersion: 1 };
    const ticket = async (subject: string, reply: string | undefined, solved: boolean) => {
      const ticketId = randomUUID();
      const events: { type: string; data: Record<string, unknown> }[] = [
        {
          type: 'tickets.ticket-opened.v1',
          data: {
            ticketId,
            origin: { kind: 'api' },
            subject,
            priority: 'normal',
            group: 'care',
            tags: [],
            skills: [],
            openedBy: 'ann',
            openedAt: at(),
          },
        },
      ];
      if (reply)
        events.push({
          type: 'tickets.reply-posted.v1',
          data: { ticketId, replyId: randomUUID(), authorId: 'ann', text: reply, attachments: [], at: at() },
        });
      if (solved)
        events.push({
          type: 'tickets.status-changed.v1',
          data: { ticketId, from: 'open', to: 'solved', cause: 'agent', by: 'ann', at: at() },
        });
      await store.append(
        `ticket-${ticketId}`,
        events.map((e) => ({ id: randomUUID(), ...e, metadata: { ...meta, time: at() } })),
        'no_stream',
      );
      return ticketId;
    };
    const broken = await ticket(
      `My ${word} parcel arrived broken`,
      'We sent a replacement; keep the broken one.',
      true,
    );
    const open = await ticket(`${word} parcel broken on arrival`, undefined, false);
    const late = await ticket(`Where is my ${word} parcel?`, 'It left the depot today.', true);
    const chinese = await ticket(`${word} 快递破损怎么办`, '我们会为您补发一件。', true);
    const agent = await as('ann', 'agent');
    const similar = async (path: string) =>
      (await api().get(path).set(agent).expect(200)).body.cases as { ticketId: string; reply?: string }[];
    const found = await eventually(
      async () => {
        const cases = await similar(`/v1/similar-cases?q=${encodeURIComponent(`${word} parcel broken`)}`);
        // Each ticket reaches the solved cases on its own: wait for the two English solved ones (the
        // Chinese one shares the word and may come first), then judge the ranking.
        const ids = cases.map((c) => c.ticketId);
        return ids.includes(broken) && ids.includes(late) && cases;
      },
      { what: 'the solved cases' },
    );
    expect(found[0]).toMatchObject({
      ticketId: broken,
      reply: 'We sent a replacement; keep the broken one.',
    });
    expect(found.map((c) => c.ticketId)).toContain(late);
    expect(found.map((c) => c.ticketId)).not.toContain(open);
    // The Chinese ticket too arrives on its own: once it is there, it comes first for a Chinese question.
    const inChinese = await eventually(
      async () => {
        const cases = await similar(`/v1/similar-cases?q=${encodeURIComponent(`${word} 快递破损`)}`);
        return cases.some((c) => c.ticketId === chinese) && cases;
      },
      { what: 'the Chinese solved case' },
    );
    expect(inChinese[0]?.ticketId).toBe(chinese);
    // Cases like an open ticket: the one solved the same way first.
    // (The open ticket reaches the read model on its own partition: wait for it to be known.)
    const likeOpen = await eventually(
      async () => {
        const res = await api().get(`/v1/tickets/${open}/similar-cases`).set(agent);
        return res.status === 200 && (res.body.cases as { ticketId: string }[]);
      },
      { what: 'the open ticket known to the solved cases' },
    );
    expect(likeOpen[0]?.ticketId).toBe(broken);
    await api().get(`/v1/tickets/${randomUUID()}/similar-cases`).set(agent).expect(404);
    await api().get('/v1/similar-cases?q=').set(agent).expect(400);

    // Erased: gone from the suggestions, and no word of it left in the read model.
    await store.append(
      `ticket-${broken}`,
      [
        {
          id: randomUUID(),
          type: 'tickets.ticket-erased.v1',
          data: { ticketId: broken, erasedAt: at() },
          metadata: { ...meta, time: at() },
        },
      ],
      'any',
    );
    await eventually(
      async () =>
        !(await similar(`/v1/similar-cases?q=${encodeURIComponent(`${word} parcel broken`)}`)).some(
          (c) => c.ticketId === broken,
        ),
      { what: 'the erased case gone' },
    );
    const doc = await (await app.get(Catalogue).solvedCases()).findOne({ _id: broken as never });
    expect(JSON.stringify(doc)).not.toMatch(/broken|replacement|broke/);
  });

  it('imports the seed corpus from JSON lines, changes nothing on a second import, and exports what imports back unchanged', async () => {
    const admin = await as('ada', 'admin');
    const seed = readFileSync(join(__dirname, '..', 'corpus', 'seed-articles.jsonl'), 'utf8');
    const before = await committedEventCount(db.url);
    // One bad line refuses the whole body: nothing is written.
    const bad = await api()
      .post('/v1/articles/import')
      .set(admin)
      .set('content-type', 'application/x-ndjson')
      .send(
        `${seed.split('\n')[0]}\n{"sourceLocale":"xx","locales":{}}\nnot json\n` +
          '{"externalId":"nul","sourceLocale":"en","locales":{"en":{"title":"t\\u0000","body":"b"}}}\n',
      )
      .expect(400);
    expect(bad.body.message).toMatch(
      /line 2: .*locale.*; line 3: not JSON; line 4: locales\.en\.title: must not contain NUL/,
    );
    await api()
      .post('/v1/articles/import')
      .set(await as('ann', 'agent'))
      .set('content-type', 'application/x-ndjson')
      .send(seed)
      .expect(403);
    expect(await committedEventCount(db.url)).toBe(before);

    const first = await api()
      .post('/v1/articles/import')
      .set(admin)
      .set('content-type', 'application/x-ndjson')
      .send(seed)
      .expect(201);
    const lines = seed.trim().split('\n').length;
    expect(first.body).toMatchObject({ created: lines, updated: 0, unchanged: 0, failed: 0 });
    const again = await api()
      .post('/v1/articles/import')
      .set(admin)
      .set('content-type', 'application/x-ndjson')
      .send(seed)
      .expect(201);
    expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: lines, failed: 0 });
    // Searchable at once in both languages, and only public articles for the public.
    const imported = first.body.articles as { articleId: string }[];
    await eventually(
      async () => (await publicSearch('退货运费险')).hits[0]?.articleId === imported[35]?.articleId,
      { what: 'line 36 (return shipping insurance) found first for 退货运费险' },
    );
    expect((await publicSearch('Terra Kettle descale vinegar')).total).toBeGreaterThan(0);
    expect((await publicSearch('chargeback')).hits.map((h) => h.articleId)).not.toContain(
      imported[40]?.articleId, // line 41: an internal article
    );

    // The export (once the catalogue shows them all) is the import format: importing it changes nothing.
    // (The export lists the catalogue, a read model: it shows an article a moment after its events.)
    const ids = imported.map((a) => a.articleId);
    const catalogue = await app.get(Catalogue).articlesCollection();
    await eventually(
      async () =>
        (await catalogue.countDocuments({ _id: { $in: ids as never[] }, articleId: { $exists: true } })) ===
        ids.length,
      { what: 'the catalogue showing every imported article' },
    );
    const exportAll = async () =>
      (
        await api()
          .get('/v1/articles/export')
          .set(admin)
          .buffer(true)
          .parse((res, done) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => done(null, text));
          })
          .expect(200)
          .expect('content-type', /application\/x-ndjson/)
      ).body as string;
    const exported = await exportAll();
    // The seed and what the other tests wrote, one article per line.
    expect(exported.trim().split('\n').length).toBeGreaterThanOrEqual(lines);
    const roundTrip = await api()
      .post('/v1/articles/import')
      .set(admin)
      .set('content-type', 'application/x-ndjson')
      .send(exported)
      .expect(201);
    // Importing what was exported changes nothing, and the next export is the same, byte for byte.
    expect(await exportAll()).toBe(exported);
    expect(roundTrip.body).toMatchObject({ created: 0, updated: 0, failed: 0 });
  });
});
