import type MiniSearch from 'minisearch';
import type { ArticleAudience, KnowledgeEvent, KnowledgeLocale } from '@journey/contracts';
import { corpusEvents } from '../../corpus/corpus-events';
import { grownArticles, seedQueries } from '../../corpus/shop-corpus';
import { ArticleIndex, highlight, highlighter } from './article-index';
import { analyze } from './text-analysis';

const at = '2026-11-24T10:00:00.000Z';
let n = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

function article(
  index: ArticleIndex,
  a: {
    title: string;
    body: string;
    locale?: KnowledgeLocale;
    audience?: ArticleAudience;
    tags?: string[];
    products?: string[];
  },
): string {
  const articleId = uuid();
  const locale = a.locale ?? 'en';
  const events: KnowledgeEvent[] = [
    {
      type: 'knowledge.article-created.v1',
      data: {
        articleId,
        sourceLocale: locale,
        owner: 'olga',
        products: a.products ?? [],
        audience: a.audience ?? 'public',
        reviewIntervalDays: 90,
        by: 'ann',
        at,
      },
    },
    {
      type: 'knowledge.article-published.v1',
      data: {
        articleId,
        locale,
        revision: 1,
        title: a.title,
        body: a.body,
        tags: a.tags ?? [],
        reviewBy: at,
        by: 'ann',
        at,
      },
    },
  ];
  for (const e of events) index.apply(e);
  return articleId;
}

const search = (
  index: ArticleIndex,
  query: string,
  extra: Partial<Parameters<ArticleIndex['search']>[0]> = {},
) => index.search({ query, audiences: ['public'], offset: 0, limit: 10, ...extra });

describe('text analysis', () => {
  it('folds traditional Chinese to simplified and makes bigrams, so a word inside a longer phrase meets', () => {
    expect(analyze('運費')).toEqual(expect.arrayContaining(['运费']));
    expect(analyze('退货运费险怎么理赔')).toEqual(expect.arrayContaining(['运费', '费险', '理赔']));
  });

  it('stems English and drops stop words', () => {
    expect(analyze('How do I return the items I ordered?')).toEqual(['return', 'item', 'order']);
  });
});

describe('the article index', () => {
  it('finds a Chinese word inside a longer phrase, in either script', () => {
    const index = new ArticleIndex();
    const id = article(index, {
      title: '退货运费险怎么理赔',
      body: '购买时勾选运费险，退货后自动理赔。',
      locale: 'zh-CN',
    });
    article(index, { title: '发票怎么开', body: '在订单详情页申请电子发票。', locale: 'zh-CN' });
    expect(search(index, '运费').hits.map((h) => h.articleId)).toEqual([id]);
    expect(search(index, '運費險').hits[0]?.articleId).toBe(id);
  });

  it('tolerates a typo in English and ranks a title match above a body match', () => {
    const index = new ArticleIndex();
    const body = article(index, {
      title: 'Shipping times',
      body: 'A refund for a lost parcel takes 5 days.',
    });
    const title = article(index, { title: 'Refund policy', body: 'How we pay you back.' });
    expect(search(index, 'refumd').hits.map((h) => h.articleId)).toEqual([title, body]);
    expect(search(index, 'refund').hits[0]?.highlights.title).toBe('<mark>Refund</mark> policy');
  });

  it('applies synonyms per locale', () => {
    const index = new ArticleIndex();
    const id = article(index, { title: 'Refund policy', body: 'Money back within 14 days.' });
    expect(search(index, 'reimbursement').total).toBe(0);
    index.apply({
      type: 'knowledge.synonyms-configured.v1',
      data: { locale: 'en', sets: [['refund', 'reimbursement']], by: 'admin', at },
    });
    expect(search(index, 'reimbursement', { locale: 'en' }).hits.map((h) => h.articleId)).toEqual([id]);
  });

  it('never shows internal or VIP articles to the public, and filters by product and locale', () => {
    const index = new ArticleIndex();
    const pub = article(index, {
      title: 'Parcel locker pickup',
      body: 'Use the code.',
      products: ['locker'],
    });
    const internal = article(index, {
      title: 'Parcel locker override',
      body: 'Staff code.',
      audience: 'internal',
    });
    const vip = article(index, {
      title: 'Parcel locker concierge',
      body: 'VIP.',
      audience: 'vip',
      products: ['locker'],
    });
    expect(search(index, 'parcel locker').hits.map((h) => h.articleId)).toEqual([pub]);
    expect(
      new Set(search(index, 'parcel locker', { audiences: ['public', 'vip'] }).hits.map((h) => h.articleId)),
    ).toEqual(new Set([pub, vip]));
    expect(search(index, 'parcel', { audiences: ['public', 'vip', 'internal'] }).total).toBe(3);
    expect(
      search(index, 'parcel', { audiences: ['public', 'internal'], products: ['locker'] }).hits.map(
        (h) => h.articleId,
      ),
    ).toEqual([pub]);
    expect(search(index, 'parcel', { locale: 'zh-CN' }).total).toBe(0);
    expect(internal).toBeDefined();
  });

  it('moves an article out of public search when it is classified internal, and back', () => {
    const index = new ArticleIndex();
    const id = article(index, {
      title: 'Courier strike plan',
      body: 'Which couriers to use during the strike.',
    });
    const search = (audiences: ArticleAudience[]) =>
      index.search({ query: 'courier strike', audiences, offset: 0, limit: 5 }).hits.map((h) => h.articleId);
    expect(search(['public'])).toEqual([id]);
    const classify = (audience: ArticleAudience) =>
      index.apply({
        type: 'knowledge.article-classified.v1',
        data: { articleId: id, audience, by: 'sue', at },
      } as KnowledgeEvent);
    classify('internal');
    expect(search(['public'])).toEqual([]);
    expect(search(['public', 'vip', 'internal'])).toEqual([id]);
    classify('public');
    expect(search(['public'])).toEqual([id]);
    expect(index.size).toBe(1);
  });

  it('ranks the words most articles use in titles only, yet still counts them for confidence', () => {
    const index = new ArticleIndex();
    // 2,100 articles say "order" in their body: the word is common.
    for (let i = 0; i < 2_100; i++)
      article(index, { title: `Topic ${i}`, body: `Open your order page for topic ${i}.` });
    const target = article(index, {
      title: 'Refund timing',
      body: 'A refund reaches your order card in five days.',
    });
    const hit = index.search({ query: 'order refund', audiences: ['public'], offset: 0, limit: 3 }).hits[0];
    expect(hit?.articleId).toBe(target);
    // Both words are in the document: coverage 1, neither in the title but "refund".
    expect(hit?.confidence).toBeCloseTo(1 * (0.75 + 0.25 * 0.5), 3);
  });

  it('pages in a fixed order and reports a confidence between 0 and 1', () => {
    const index = new ArticleIndex();
    for (let i = 0; i < 5; i++) article(index, { title: `Gift card ${i}`, body: 'Gift cards never expire.' });
    const all = search(index, 'gift card', { limit: 5 }).hits.map((h) => h.articleId);
    const pages = [0, 2, 4].flatMap((offset) =>
      search(index, 'gift card', { offset, limit: 2 }).hits.map((h) => h.articleId),
    );
    expect(pages).toEqual(all);
    const top = search(index, 'gift card expire').hits[0];
    expect(top?.confidence).toBeGreaterThan(0.7);
    expect(search(index, 'gift voucher warranty').hits[0]?.confidence).toBeLessThan(0.5);
  });

  it('forgets an unpublished or archived article', () => {
    const index = new ArticleIndex();
    const id = article(index, { title: 'Warranty claims', body: 'Two years.' });
    index.apply({
      type: 'knowledge.article-unpublished.v1',
      data: { articleId: id, locale: 'en', by: 'olga', at },
    });
    expect(search(index, 'warranty').total).toBe(0);
  });

  it('scores alike right after an article is published again and ever after (its old postings go at once)', () => {
    const index = new ArticleIndex();
    // The last one published again: its old postings come after the others' (MiniSearch walks them in order).
    const ids = ['Invoice copies', 'Invoice errors', 'Company invoices'].map((title) =>
      article(index, { title, body: `${title}: ask on the order page for an invoice.` }),
    );
    index.apply({
      type: 'knowledge.article-published.v1',
      data: {
        articleId: ids[2] as string,
        locale: 'en',
        revision: 2,
        title: 'Company invoices',
        body: 'Download any invoice from the order page.',
        tags: [],
        reviewBy: at,
        by: 'ann',
        at,
      },
    });
    const first = search(index, 'invoice order');
    index.termResults.clear();
    expect(search(index, 'invoice order')).toEqual(first);
  });

  it('leaves nothing of a search that failed half-way to the next one (no internal article reaches the public)', () => {
    const index = new ArticleIndex();
    const secret = article(index, {
      title: 'Kettle recall',
      body: 'Internal: kettle batch 7.',
      audience: 'internal',
    });
    const open = article(index, { title: 'Kettle care', body: 'Descale the kettle monthly.' });
    const internal = (
      index as unknown as { partitions: Map<string, { search: (t: string) => unknown }> }
    ).partitions.get('en|internal');
    const original = internal?.search.bind(internal);
    if (!internal || !original) throw new Error('no internal partition');
    internal.search = (term: string, ...rest: unknown[]) => {
      if (term === 'batch') throw new RangeError('simulated failure mid-search');
      return (original as (...a: unknown[]) => unknown)(term, ...rest);
    };
    expect(() => search(index, 'kettle batch', { audiences: ['internal', 'public'] })).toThrow(RangeError);
    expect(search(index, 'kettle').hits.map((h) => h.articleId)).toEqual([open]);
    expect(search(index, 'kettle').hits.map((h) => h.articleId)).not.toContain(secret);
  });

  it('highlights escaped text: a body cannot inject markup through a highlight', () => {
    expect(highlight('<img src=x onerror=alert(1)> refund now', highlighter(['refund']), true)).toBe(
      '&lt;img src=x onerror=alert(1)&gt; <mark>refund</mark> now',
    );
  });
});

describe('the term cache', () => {
  // MiniSearch knows each document by its ordinal in the index.
  type Internals = { partitions: Map<string, MiniSearch<{ ordinal: number }>>; idsByOrdinal: string[] };
  const BOOST = { title: 3, tags: 2, text: 1 };
  // A grown corpus big enough for words in over 1,000 documents (matched in titles and tags only).
  const grown = () => {
    const index = new ArticleIndex();
    for (const a of grownArticles(4_000)) for (const e of corpusEvents(a)) index.apply(e);
    return index;
  };
  const questions = seedQueries()
    .filter((q) => q.locale === 'en' && q.audience === 'public')
    .map((q) => q.query);

  const withCommonWords = new Set<string>();

  /** MiniSearch's own answer to the whole query: one OR of every term, common words in titles and tags. */
  const reference = (index: ArticleIndex, query: string) => {
    const { partitions, idsByOrdinal } = index as unknown as Internals;
    const mini = partitions.get('en|public') as MiniSearch<{ ordinal: number }>;
    const terms = [...new Set(analyze(query))];
    const documents = mini.documentCount;
    const common = terms.filter((t) => {
      const n = mini.search(t).length;
      return n > 1_000 && n > documents * 0.1;
    });
    const rare = terms.filter((t) => !common.includes(t));
    if (common.length) withCommonWords.add(query);
    const results = mini.search(
      {
        combineWith: 'OR',
        queries: [
          ...(rare.length ? [{ combineWith: 'OR' as const, queries: rare }] : []),
          ...(common.length
            ? [{ combineWith: 'OR' as const, queries: common, fields: ['title', 'tags'] }]
            : []),
        ],
      },
      { boost: BOOST },
    );
    return results.map((r) => ({ ...r, id: idsByOrdinal[r.id as number] }));
  };

  it("answers a query from its terms' cached results with MiniSearch's scores and order", () => {
    const index = grown();
    let compared = 0;
    for (const round of [1, 2])
      for (const query of questions) {
        const ours = index.search({ query, locale: 'en', audiences: ['public'], offset: 0, limit: 10 });
        const theirs = reference(index, query);
        expect({ query, round, total: ours.total }).toEqual({ query, round, total: theirs.length });
        // Scores equal to rounding (the sums are added in another order); ties may order differently.
        ours.hits.forEach((hit, i) => {
          const same = theirs.find((r) => r.id === `${hit.articleId}:en`);
          expect(same?.score).toBeCloseTo(hit.score, 2);
          expect(hit.score).toBeCloseTo(theirs[i]?.score ?? -1, 2);
          compared += 1;
        });
      }
    expect(compared).toBeGreaterThan(300);
    expect(withCommonWords.size).toBeGreaterThan(5);
    expect(index.termResults.hits).toBeGreaterThan(index.termResults.misses);
  });

  it('drops a partition’s cached results when it changes: a new article is found, and every score moves', () => {
    const index = grown();
    const query = 'kettle descaling';
    const first = search(index, query, { locale: 'en' });
    const id = article(index, { title: 'Kettle descaling', body: 'Descale the kettle with citric acid.' });
    const second = search(index, query, { locale: 'en' });
    expect(second.hits[0]?.articleId).toBe(id);
    expect(second.total).toBe(first.total + 1);
    // The documents found before score as a fresh MiniSearch would score them now (document count changed).
    const theirs = reference(index, query);
    for (const hit of second.hits)
      expect(hit.score).toBeCloseTo(theirs.find((r) => r.id === `${hit.articleId}:en`)?.score ?? -1, 2);
    // A partition that did not change keeps its cache.
    const zh = () =>
      index.search({ query: '退货', locale: 'zh-CN', audiences: ['public'], offset: 0, limit: 5 });
    zh();
    const misses = index.termResults.misses;
    article(index, { title: 'Gift wrap', body: 'We wrap gifts.' });
    zh();
    expect(index.termResults.misses).toBe(misses);
  });

  it('looks the dropped terms up again while idle: the questions after a change find them cached, scored anew', () => {
    const index = grown();
    const asked = questions.slice(0, 40);
    const ask = () =>
      asked.map((query) => index.search({ query, locale: 'en', audiences: ['public'], offset: 0, limit: 5 }));
    ask();
    article(index, { title: 'Kettle descaling', body: 'Descale the kettle with citric acid.' });
    // Nothing is served from before the change: the warmer looks every dropped term up on the new index.
    expect(index.warm(performance.now() + 60_000)).toBe(0);
    const misses = index.termResults.misses;
    const answers = ask();
    expect(index.termResults.misses).toBe(misses);
    answers.forEach((answer, i) => {
      const theirs = reference(index, asked[i] as string);
      expect(answer.total).toBe(theirs.length);
      for (const hit of answer.hits)
        expect(hit.score).toBeCloseTo(theirs.find((r) => r.id === `${hit.articleId}:en`)?.score ?? -1, 2);
    });
    // A deadline already past warms nothing and says what waits.
    article(index, { title: 'Gift wrap', body: 'We wrap gifts.' });
    expect(index.warm(0)).toBeGreaterThan(0);
  });

  it('looks up the most frequent terms before any question asks, so a question walks only rare ones', () => {
    const index = grown();
    const frequency = (index as unknown as { frequency: Map<string, Map<string, number>> }).frequency;
    const frequent = [...(frequency.get('en|public') ?? [])].filter(([, n]) => n >= 500).map(([t]) => t);
    expect(frequent.length).toBeGreaterThan(10);
    expect(index.warm(performance.now() + 60_000)).toBe(0);
    const cached = index.termResults.matches;
    expect(cached).toBeGreaterThan(0);
    // A question of frequent words only is answered without walking any postings.
    const misses = index.termResults.misses;
    const answer = search(index, frequent.slice(0, 3).join(' '), { locale: 'en' });
    expect(answer.total).toBeGreaterThan(500);
    expect(index.termResults.misses).toBe(misses);
  });

  it('keeps the document words a typo or a prefix matched, for confidence and highlights', () => {
    const index = grown();
    const id = article(index, { title: 'Kettle descaling', body: 'Descale the kettle with citric acid.' });
    for (const round of [1, 2]) {
      const typo = search(index, 'kettel descaling', { locale: 'en' });
      expect({ round, top: typo.hits[0]?.articleId }).toEqual({ round, top: id });
      expect(typo.hits[0]?.highlights.title).toBe('<mark>Kettle</mark> <mark>descaling</mark>');
      const typed = search(index, 'kettle desc', { locale: 'en', asYouType: true });
      expect(typed.hits[0]?.articleId).toBe(id);
      expect(typed.hits[0]?.confidence).toBe(1);
      expect(typed.hits[0]?.highlights.title).toContain('<mark>descaling</mark>');
    }
  });
});
