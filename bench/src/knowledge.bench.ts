import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import MiniSearch from 'minisearch';
import { PostgresEventStore, START } from '@journey/eventstore';
import type { NewEvent } from '@journey/eventstore';
import { createLogger } from '@journey/platform';
import { isolatedPostgresDatabase, localInfrastructureAddresses } from '@journey/testing';
import { describeMachine, REPO, round, writeResult } from './bench-kit';

// The knowledge service's search as its build exports it: the index every replica folds from the
// article log, fed with the shop corpus grown to 50,000 articles (100,000 locale documents), the
// labelled questions for recall, and the index rebuilt from real PostgreSQL as a replica does at start.
const DIST = join(REPO, 'apps', 'knowledge', 'dist');
const ARTICLES = 50_000;
const QUERY_ROUNDS = 4;
const P95_TARGET_MS = 10;
/**
 * Under writes: one more article (both locales) published before every this many searches — a heavy
 * editorial rate (at 100 searches/s, 5 and 1 publishes a second).
 */
const PUBLISH_EVERY = [20, 100] as const;
/** The warmer's slice between two searches, as the service runs it while idle (WARM_SLICE_MS). */
const WARM_SLICE_MS = 4;

type Event = { type: string; data: Record<string, unknown> };
type Hit = { articleId: string };
interface ArticleIndexLike {
  apply(event: Event): void;
  search(request: Record<string, unknown>): { total: number; hits: Hit[] };
  readonly size: number;
  readonly termResults: { clear(): void; hits: number; misses: number; matches: number };
  warm(deadline: number): number;
}
interface CorpusArticle {
  externalId: string;
  locales: Record<string, { title: string; body: string; tags: string[] }>;
}
interface Query {
  query: string;
  locale: string;
  expected: string;
  audience: string;
}

const load = createRequire(__filename);
const { ArticleIndex } = load(join(DIST, 'search', 'domain', 'article-index.js')) as {
  ArticleIndex: new () => ArticleIndexLike;
};
const corpus = load(join(DIST, 'corpus', 'shop-corpus.js')) as {
  grownArticles(n: number): Iterable<CorpusArticle>;
  seedQueries(): Query[];
  corpusArticleId(externalId: string): string;
};
const { corpusEvents } = load(join(DIST, 'corpus', 'corpus-events.js')) as {
  corpusEvents(a: CorpusArticle): Event[];
};
const { withSeedSynonyms } = load(join(DIST, 'corpus', 'search-quality.js')) as {
  withSeedSynonyms(index?: ArticleIndexLike): ArticleIndexLike;
};
const { audiencesFor } = load(join(DIST, 'search', 'knowledge-search.js')) as {
  audiencesFor(widest: string): string[];
};
const { SearchIndex } = load(join(DIST, 'search', 'search-index.js')) as {
  SearchIndex: new (
    store: unknown,
    logger: unknown,
  ) => {
    onApplicationBootstrap(): void;
    ready(): Promise<void>;
    onModuleDestroy(): Promise<void>;
    status(): { events: number; articles: number };
  };
};

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMiB = () => {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  // Typed arrays (the term cache's) live outside the JavaScript heap.
  return (heapUsed + arrayBuffers) / 2 ** 20;
};

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;

/** Each labelled question QUERY_ROUNDS times, timed one by one: p50/p95/p99 and queries per second. */
function timeQueries(search: (q: Query) => Hit[], queries: Query[]) {
  const times: number[] = [];
  const firstRound: number[] = [];
  let found = 0;
  const started = process.hrtime.bigint();
  for (let round = 0; round < QUERY_ROUNDS; round++)
    for (const q of queries) {
      const t0 = process.hrtime.bigint();
      const hits = search(q);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (round === 0) firstRound.push(times[times.length - 1] as number);
      if (round === 0 && hits.some((h) => h.articleId === corpus.corpusArticleId(q.expected))) found += 1;
    }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  times.sort((a, b) => a - b);
  firstRound.sort((a, b) => a - b);
  return {
    firstRoundP95: percentile(firstRound, 95),
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    perSecond: times.length / seconds,
    recall: found / queries.length,
  };
}

export async function knowledgeBenchmark(): Promise<void> {
  const queries = corpus.seedQueries();
  const articles = [...corpus.grownArticles(ARTICLES)];
  const events = articles.flatMap((a) => corpusEvents(a));

  // 1. Indexing: the fold every replica does, in memory.
  const before = heapMiB();
  const started = process.hrtime.bigint();
  const index = withSeedSynonyms(new ArticleIndex());
  for (const e of events) index.apply(e);
  const indexSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const heap = heapMiB() - before;
  process.stdout.write(
    `indexed ${articles.length} articles (${index.size} documents) in ${indexSeconds.toFixed(1)} s\n`,
  );

  // 2. Search on 50,000 articles: every labelled question, as the portal asks it (top 5, its locale).
  const request = (q: Query) => ({
    query: q.query,
    locale: q.locale,
    audiences: audiencesFor(q.audience),
    offset: 0,
    limit: 5,
  });
  // As served: the term cache starts empty and fills as the questions come (see the notes).
  const ours = timeQueries((q) => index.search(request(q)).hits, queries);
  const cache = {
    hitShare: index.termResults.hits / (index.termResults.hits + index.termResults.misses),
    matches: index.termResults.matches,
    mib: heapMiB() - before - heap,
  };
  // As a replica serves once its warmer has looked up the most frequent terms (right after it is built):
  // each question once, the warming timed on its own.
  index.termResults.clear();
  const primingStarted = performance.now();
  index.warm(Number.POSITIVE_INFINITY);
  const priming = { ms: performance.now() - primingStarted, matches: index.termResults.matches };
  const primedOnce: number[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    index.search(request(q));
    primedOnce.push(performance.now() - t0);
  }
  primedOnce.sort((x, y) => x - y);
  // Cold: the cache dropped before each search, so every term's postings are walked (as after every change).
  const cold = timeQueries((q) => {
    index.termResults.clear();
    return index.search(request(q)).hits;
  }, queries);
  // Under writes: the questions QUERY_ROUNDS times more, an article published before every `every`th search
  // (both public partitions change), once with the warmer's slice after each search and once without.
  const searchesUnderWrites = queries.length * QUERY_ROUNDS;
  const publishes = (every: number) => Math.floor(searchesUnderWrites / every);
  const extra = [
    ...corpus.grownArticles(ARTICLES + 2 * PUBLISH_EVERY.reduce((n, every) => n + publishes(every), 0)),
  ]
    .slice(ARTICLES)
    .map((a) => corpusEvents(a));
  const underWrites = (every: number, warmer: boolean) => {
    const times: number[] = [];
    let warming = 0;
    for (let round = 0; round < QUERY_ROUNDS; round++)
      for (const q of queries) {
        // Untimed: the publish (the fold of its events), and the warmer's slice in the idle time after a search.
        if ((times.length + 1) % every === 0) for (const e of extra.shift() ?? []) index.apply(e);
        const t0 = performance.now();
        index.search(request(q));
        times.push(performance.now() - t0);
        if (warmer) {
          const w0 = performance.now();
          index.warm(w0 + WARM_SLICE_MS);
          warming += performance.now() - w0;
        }
      }
    times.sort((x, y) => x - y);
    return {
      every,
      warmer,
      p50: percentile(times, 50),
      p95: percentile(times, 95),
      p99: percentile(times, 99),
      warmingMsPerPublish: warming / publishes(every),
    };
  };
  for (const q of queries) index.search(request(q));
  const written = PUBLISH_EVERY.flatMap((every) => [underWrites(every, true), underWrites(every, false)]);
  const plain = new ArticleIndex();
  for (const e of events) plain.apply(e);
  const withoutSynonyms = timeQueries((q) => plain.search(request(q)).hits, queries);
  process.stdout.write(`search p95 ${ours.p95.toFixed(2)} ms, recall@5 ${ours.recall.toFixed(3)}\n`);

  // 3. The peer: MiniSearch with its defaults (its own tokenizer, no CJK analysis), same documents.
  const peer = new MiniSearch<{ id: string; articleId: string; title: string; tags: string; text: string }>({
    fields: ['title', 'tags', 'text'],
    storeFields: ['articleId'],
    searchOptions: { boost: { title: 3, tags: 2 }, fuzzy: 0.2, prefix: true },
  });
  const peerStarted = process.hrtime.bigint();
  for (const a of articles)
    for (const [locale, l] of Object.entries(a.locales))
      peer.add({
        id: `${a.externalId}:${locale}`,
        articleId: corpus.corpusArticleId(a.externalId),
        title: l.title,
        tags: l.tags.join(' '),
        text: l.body,
      });
  const peerIndexSeconds = Number(process.hrtime.bigint() - peerStarted) / 1e9;
  const peerSearch = timeQueries(
    (q) =>
      peer
        .search(q.query)
        .slice(0, 5)
        .map((r) => ({ articleId: String(r['articleId']) })),
    queries,
  );

  // 4. Rebuild from the log: a replica starting on 50,000 published articles in PostgreSQL.
  const infra = { mode: 'local' as const, ...localInfrastructureAddresses() };
  const db = await isolatedPostgresDatabase(infra, 'bench_knowledge');
  const store = await PostgresEventStore.connect({ connectionString: db.url });
  let replay = { seconds: 0, events: 0, readSeconds: 0, articles: 0 };
  try {
    const meta = {
      source: 'knowledge',
      correlationId: 'bench',
      schemaVersion: 1,
      time: '2026-01-01T00:00:00.000Z',
    };
    const writers = 4;
    let next = 0;
    await Promise.all(
      Array.from({ length: writers }, async () => {
        for (let i = next++; i < articles.length; i = next++) {
          const a = articles[i] as CorpusArticle;
          const evs: NewEvent[] = corpusEvents(a).map((e) => ({ id: randomUUID(), ...e, metadata: meta }));
          await store.append(`article-${corpus.corpusArticleId(a.externalId)}`, evs, 'no_stream');
        }
      }),
    );
    // The limit: reading the same log, filtered the same way, doing nothing with it.
    const readStarted = process.hrtime.bigint();
    let after = START;
    let read = 0;
    for (;;) {
      const batch = await store.readAll({
        after,
        maxCount: 1_000,
        streamPrefixes: ['article-', 'kb-settings-'],
      });
      if (batch.length === 0) break;
      read += batch.length;
      after = batch[batch.length - 1]?.position ?? after;
    }
    const readSeconds = Number(process.hrtime.bigint() - readStarted) / 1e9;
    const rebuilt = new SearchIndex(store, createLogger('knowledge', 'silent'));
    const rebuildStarted = process.hrtime.bigint();
    rebuilt.onApplicationBootstrap();
    await rebuilt.ready();
    const seconds = Number(process.hrtime.bigint() - rebuildStarted) / 1e9;
    replay = { seconds, events: rebuilt.status().events, readSeconds, articles: rebuilt.status().articles };
    await rebuilt.onModuleDestroy();
    if (read !== replay.events) throw new Error(`read ${read} events but the index folded ${replay.events}`);
  } finally {
    await store.close();
    await db.drop();
  }
  const replayRate = replay.events / replay.seconds;
  const readRate = replay.events / replay.readSeconds;

  writeResult({
    name: 'knowledge',
    date: new Date().toISOString(),
    machine: await describeMachine(infra.postgresUrl),
    parameters: {
      articles: articles.length,
      'locale documents': index.size,
      'labelled questions': queries.length,
      'timed searches': queries.length * QUERY_ROUNDS,
      corpus: 'the seed corpus (213) grown by `journey kb corpus --count 50000`',
      runner: 'apps/knowledge/dist (the service build), one thread',
    },
    figures: [
      {
        name: 'indexing: articles folded into the index',
        value: Math.round(articles.length / indexSeconds),
        unit: 'articles/s',
      },
      { name: 'index memory (heap after GC)', value: Math.round(heap), unit: 'MiB' },
      { name: 'search p50', value: round(ours.p50, 2), unit: 'ms' },
      { name: 'search p95', value: round(ours.p95, 2), unit: 'ms' },
      { name: 'search p99', value: round(ours.p99, 2), unit: 'ms' },
      { name: 'search throughput, one thread', value: Math.round(ours.perSecond), unit: 'queries/s' },
      {
        name: 'search p95, first round only (each question once, nothing cached before)',
        value: round(ours.firstRoundP95, 2),
        unit: 'ms',
      },
      {
        name: 'search p95, each question once after the start-up warming',
        value: round(percentile(primedOnce, 95), 2),
        unit: 'ms',
      },
      {
        name: 'search p99, each question once after the start-up warming',
        value: round(percentile(primedOnce, 99), 2),
        unit: 'ms',
      },
      {
        name: 'start-up warming: time to look up the most frequent terms',
        value: Math.round(priming.ms),
        unit: 'ms',
      },
      { name: 'start-up warming: matches it cached', value: priming.matches, unit: 'matches' },
      { name: 'search p50, term cache dropped before each search', value: round(cold.p50, 2), unit: 'ms' },
      { name: 'search p95, term cache dropped before each search', value: round(cold.p95, 2), unit: 'ms' },
      { name: 'search p99, term cache dropped before each search', value: round(cold.p99, 2), unit: 'ms' },
      ...written.flatMap((w) => [
        ...(['p50', 'p95', 'p99'] as const).map((p) => ({
          name: `search ${p} under writes (a publish every ${w.every} searches), ${w.warmer ? 'warmer between searches' : 'no warmer'}`,
          value: round(w[p], 2),
          unit: 'ms',
        })),
        ...(w.warmer
          ? [
              {
                name: `warmer (a publish every ${w.every} searches): time it ran per publish`,
                value: round(w.warmingMsPerPublish, 1),
                unit: 'ms',
              },
            ]
          : []),
      ]),
      {
        name: 'term cache: share of term lookups answered from it',
        value: round(cache.hitShare, 3),
        unit: '',
      },
      { name: 'term cache: matches held after the run', value: cache.matches, unit: 'matches' },
      { name: 'term cache: heap it took (after GC)', value: Math.round(cache.mib), unit: 'MiB' },
      { name: 'recall@5 with the seed synonym book', value: round(ours.recall, 3), unit: '' },
      { name: 'recall@5 without synonyms', value: round(withoutSynonyms.recall, 3), unit: '' },
      { name: 'peer: MiniSearch defaults, search p95', value: round(peerSearch.p95, 2), unit: 'ms' },
      { name: 'peer: MiniSearch defaults, recall@5', value: round(peerSearch.recall, 3), unit: '' },
      {
        name: 'peer: MiniSearch defaults, indexing',
        value: Math.round(articles.length / peerIndexSeconds),
        unit: 'articles/s',
      },
      {
        name: 'rebuild from PostgreSQL (a replica starting)',
        value: Math.round(replayRate),
        unit: 'events/s',
      },
      { name: 'rebuild from PostgreSQL, wall time', value: round(replay.seconds, 1), unit: 's' },
      {
        name: 'plain filtered log read of the same events (limit)',
        value: Math.round(readRate),
        unit: 'events/s',
      },
    ],
    ratios: [
      {
        name: 'search p95',
        value: round(ours.p95 / P95_TARGET_MS, 2),
        against: `the ${P95_TARGET_MS} ms target`,
        target: '≤ 1×',
        met: ours.p95 <= P95_TARGET_MS,
      },
      {
        name: 'search p95, each question once after the start-up warming',
        value: round(percentile(primedOnce, 95) / P95_TARGET_MS, 2),
        against: `the ${P95_TARGET_MS} ms target`,
        target: '≤ 1×',
        met: percentile(primedOnce, 95) <= P95_TARGET_MS,
      },
      {
        name: 'search p95, each question once, nothing cached before',
        value: round(ours.firstRoundP95 / P95_TARGET_MS, 2),
        against: `the ${P95_TARGET_MS} ms target`,
      },
      ...written.map((w) => ({
        name: `search p95 under writes (a publish every ${w.every} searches), ${w.warmer ? 'warmer between searches' : 'no warmer'}`,
        value: round(w.p95 / P95_TARGET_MS, 2),
        against: `the ${P95_TARGET_MS} ms target`,
      })),
      {
        name: 'search p95, term cache dropped before each search',
        value: round(cold.p95 / P95_TARGET_MS, 2),
        against: `the ${P95_TARGET_MS} ms target (what a search costs right after the index changed)`,
      },
      { name: 'recall@5', value: round(ours.recall / peerSearch.recall, 2), against: 'MiniSearch defaults' },
      { name: 'search p95', value: round(ours.p95 / peerSearch.p95, 2), against: 'MiniSearch defaults' },
      { name: 'rebuild rate', value: round(replayRate / readRate, 2), against: 'plain log read (limit)' },
    ],
    notes: [
      `Questions: ${queries.length} labelled ones (apps/knowledge/corpus/seed-queries.jsonl), half English, half Chinese, each asked ${QUERY_ROUNDS} times; latency is per call of the index's search (analysis, synonyms, BM25, confidence, highlights), without HTTP.`,
      'The peer is MiniSearch with its default tokenizer on the same documents and the same boosts: it splits on spaces and punctuation, so a Chinese question is one token and finds nearly nothing; the ratio shows what the analysis (bigrams, Intl.Segmenter, OpenCC, Porter2) buys, and what it costs.',
      `Recall is measured over the grown corpus: the 213 seed articles among ${(articles.length - 213).toLocaleString('en')} generated ones about other products.`,
      "The index keeps MiniSearch's results per query term and partition (BM25 scored by MiniSearch) until that partition changes, and answers a question as the OR of its terms' results, which MiniSearch scores as their sum times how many matched (a unit test compares every English question with MiniSearch's own OR). The served figures start with an empty cache and include its misses; the cold ones drop it before every search, which is what a search costs when none of its terms were looked up since its partition last changed.",
      `Start-up warming: once a replica has built its index it looks up, in ${WARM_SLICE_MS} ms slices while idle, the terms in at least 500 of a partition's documents (most frequent first, up to 2,000,000 matches a partition), so a question walks only rare terms' short postings; the figures "after the start-up warming" are taken after it, the 4-round served ones before it (the cache filling from the questions alone).`,
      `Each term's results are kept as typed arrays (document ordinal, score, fields: about 13 bytes a match) and a question's OR is added up in arrays indexed by ordinal, reused from search to search.`,
      `Under writes: the ${queries.length} questions ${QUERY_ROUNDS} times, with one more generated article (both locales, so both public partitions change) published before every ${PUBLISH_EVERY.join('th or ')}th search; the publish is not timed. With the warmer, ${WARM_SLICE_MS} ms of it run after each search (the service runs it in such slices while idle: it looks up again, most recent first, the terms a change dropped); without it, every question after a publish pays for its terms itself.`,
      'Memory is the growth of the heap and of array buffers (typed arrays live outside the heap) for the index with its stored texts (highlights and answers quote them), measured after two GCs.',
      'The rebuild folds the events a replica reads at start (article- streams) from PostgreSQL through the same catch-up subscription the service uses; the limit reads the same events with the same prefix filter and does nothing with them.',
    ],
  });
}
