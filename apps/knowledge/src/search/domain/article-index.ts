import MiniSearch from 'minisearch';
import type { SearchResult } from 'minisearch';
import { KNOWLEDGE_LOCALES } from '@journey/contracts';
import type { ArticleAudience, KnowledgeEvent, KnowledgeLocale } from '@journey/contracts';
import { plainTextOf } from '../../article/domain/markdown';
import { analyze, foldText, isLatinTerm, queryTerms } from './text-analysis';

/** One published locale of an article, as search holds it. */
export interface IndexedArticle {
  id: string;
  articleId: string;
  locale: KnowledgeLocale;
  revision: number;
  title: string;
  tags: string[];
  /** The Markdown body (rendered for readers). */
  body: string;
  /** The body as plain text (indexed, quoted in highlights and automatic answers). */
  text: string;
  /** Title and text (up to TEXT_KEPT) as highlighting matches them, folded once at indexing. */
  matchable: { title: string; text: string };
  sourceRevision?: number;
  publishedAt: string;
  stale: boolean;
}

interface ArticleMeta {
  audience: ArticleAudience;
  products: string[];
  category?: string;
  sourceLocale: KnowledgeLocale;
  archived: boolean;
}

export interface SearchRequest {
  query: string;
  locale?: KnowledgeLocale;
  /** The audiences the reader may see (public only, for an anonymous reader). */
  audiences: readonly ArticleAudience[];
  products?: readonly string[];
  category?: string;
  offset: number;
  limit: number;
  /** Completes the last word (as-you-type suggestions in the widget). */
  asYouType?: boolean;
}

export interface SearchHit {
  articleId: string;
  locale: KnowledgeLocale;
  title: string;
  audience: ArticleAudience;
  products: string[];
  category?: string;
  tags: string[];
  score: number;
  /** 0–1: how much of the query the article covers, weighted to its title (what auto-answer compares to its threshold). */
  confidence: number;
  /** HTML-escaped, with the matched words in <mark>. */
  highlights: { title: string; snippet: string };
  stale: boolean;
  /** A translation made from an older revision than its source's published one. */
  outdated: boolean;
}

export interface SearchAnswer {
  total: number;
  hits: SearchHit[];
  /** The distinct terms the query was analysed into. */
  terms: string[];
}

const BOOST = { title: 3, tags: 2, text: 1 };
/**
 * A query word in more than this share of the searched documents (and more than COMMON_TERM_MIN of
 * them) is matched in titles and tags only: in bodies it would score next to nothing and cost a walk
 * over most of the postings. The hits' coverage still finds it in their bodies.
 */
const COMMON_TERM_SHARE = 0.1;
const COMMON_TERM_MIN = 1_000;
/**
 * How many single-term matches the term cache holds over every partition (about 13 bytes each). A
 * partition's entries are dropped whenever one of its documents is added or removed, since every BM25
 * score in it depends on its document count and field lengths.
 */
const CACHED_MATCHES_MAX = 6_000_000;
/**
 * The terms whose walk costs most (those in at least PRIMED_MIN of a partition's documents) are looked up
 * by the warmer before any question asks for them, most frequent first, up to PRIMED_MATCHES_MAX matches a
 * partition; a question then walks only rare terms' short postings.
 */
const PRIMED_MIN = 500;
const PRIMED_MATCHES_MAX = 2_000_000;
/** How many of a changed partition's lookups the warmer repeats (the most recently used). */
const WARM_LOOKUPS_MAX = 2_000;
/** The fields a common word is matched in. */
const HEAD_FIELDS = ['title', 'tags'];
/** How much body text a hit keeps for highlighting (the index has it all). */
const TEXT_KEPT = 20_000;
const SNIPPET = 160;

/** A document as MiniSearch holds it: known by its ordinal (a number: cheaper to carry than the id). */
type Numbered = IndexedArticle & { ordinal: number };

function newMiniSearch(seen: (terms: string[]) => void): MiniSearch<Numbered> {
  return new MiniSearch<Numbered>({
    fields: ['title', 'tags', 'text'],
    storeFields: [],
    idField: 'ordinal',
    extractField: (doc, field) => {
      const value = (doc as unknown as Record<string, unknown>)[field];
      return Array.isArray(value) ? value.join(' ') : (value as string);
    },
    tokenize: (text) => {
      const terms = analyze(text);
      seen(terms);
      return terms;
    },
    processTerm: (term) => term,
    searchOptions: { tokenize: (text) => text.split(' ').filter(Boolean), processTerm: (term) => term },
  });
}

interface Ranked {
  id: unknown;
  score: number;
}

const before = (a: Ranked, b: Ranked) =>
  b.score !== a.score ? b.score < a.score : String(a.id) < String(b.id);

/** The first n results by score, then id: a bounded insertion, not a sort of every match. */
export function topResults<T extends Ranked>(results: Iterable<T>, n: number): T[] {
  if (n <= 0) return [];
  if (n > 200) return [...results].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0)).slice(0, n);
  const top: T[] = [];
  for (const r of results) {
    if (top.length === n && !before(r, top[n - 1] as T)) continue;
    let i = Math.min(top.length, n - 1);
    if (top.length < n) top.push(r);
    else top[i] = r;
    while (i > 0 && before(r, top[i - 1] as T)) {
      top[i] = top[i - 1] as T;
      i -= 1;
    }
    top[i] = r;
  }
  return top;
}

/** The fields a single-term match was found in, one bit each (as MiniSearch names them). */
const FIELD_BITS: Record<string, number> = { title: 1, tags: 2, text: 4 };
const fieldsOf = (mask: number) => Object.keys(FIELD_BITS).filter((f) => mask & (FIELD_BITS[f] as number));

/**
 * MiniSearch's results for one query term in one partition, kept compact: the documents (by the index's
 * ordinal, ascending), their scores (BM25 over the fields with boosts and typo and prefix weights, as
 * MiniSearch computed them) and the fields matched. About 13 bytes a match, where MiniSearch's result
 * objects take some 370. A typo-tolerant or prefix lookup also keeps which document words it matched.
 */
export interface TermMatches {
  readonly term: string;
  readonly ordinals: Int32Array;
  readonly scores: Float64Array;
  readonly fields: Uint8Array;
  /** Typo or prefix lookups only: the document words each match is for, with their fields. */
  readonly derived?: Array<Record<string, string[]>>;
}

/** Packs MiniSearch's single-term results by document ordinal (a numeric sort, not a comparator). */
function compact(term: string, results: SearchResult[], exact: boolean) {
  const n = results.length;
  const keys = new Float64Array(n);
  // ordinal × 2^21 + position: one number per match that sorts by ordinal and remembers its result.
  const SPAN = 2 ** 21;
  const packable = n < SPAN;
  for (let i = 0; i < n; i++) keys[i] = ((results[i] as SearchResult).id as number) * SPAN + i;
  const idOf = (i: number) => (results[i] as SearchResult).id as number;
  const order: number[] | Float64Array = packable
    ? keys.sort()
    : [...Array(n).keys()].sort((a, b) => idOf(a) - idOf(b));
  const ordinals = new Int32Array(n);
  const scores = new Float64Array(n);
  const fields = new Uint8Array(n);
  const derived: Array<Record<string, string[]>> | undefined = exact ? undefined : new Array(n);
  for (let j = 0; j < n; j++) {
    const i = packable ? (order[j] as number) % SPAN : (order[j] as number);
    const r = results[i] as SearchResult;
    ordinals[j] = packable ? Math.floor((order[j] as number) / SPAN) : idOf(i);
    scores[j] = r.score;
    let mask = 0;
    for (const found of Object.values(r.match)) for (const f of found) mask |= FIELD_BITS[f] ?? 0;
    fields[j] = mask;
    if (derived) derived[j] = r.match;
  }
  return { term, ordinals, scores, fields, ...(derived ? { derived } : {}) };
}

/** Where a document is in a term's matches (binary search over the ordinals), or -1. */
function positionOf(matches: TermMatches, ordinal: number): number {
  let lo = 0;
  let hi = matches.ordinals.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = matches.ordinals[mid] as number;
    if (at === ordinal) return mid;
    if (at < ordinal) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** A cached lookup: its matches, when a search last used it, and what it counts against the bound. */
interface CachedTerm {
  lookup: TermLookup;
  matches: TermMatches;
  used: number;
  weight: number;
}

/**
 * What a lookup's matches count against CACHED_MATCHES_MAX: one per match (13 bytes), the entry itself as
 * 32 (its key and arrays, even when empty), and a typo or prefix match's document words as 16 more each.
 */
const weightOf = (m: TermMatches) => m.ordinals.length * (m.derived ? 17 : 1) + 32;

/** One single-term lookup in a partition: the term, where it is looked for, and how loosely. */
interface TermLookup {
  readonly term: string;
  /** A common word: looked for in titles and tags only. */
  readonly head: boolean;
  readonly typo: number | false;
  readonly complete: boolean;
}

const keyOf = (l: TermLookup) =>
  `${l.term}\u0000${l.head ? 'head' : 'all'}\u0000${l.typo}\u0000${l.complete}`;

/**
 * MiniSearch's results per query term and partition, kept until the partition changes. A query is the
 * OR of its terms, which MiniSearch scores as the sum of the terms' scores times how many of them matched:
 * so a query is answered from its terms' cached results with the same scores, and a word many questions
 * share (a product, "refund", "退货") is walked once per change of the index, not once per question.
 *
 * A change drops the partition's results (every BM25 score in it may move) but remembers what was looked
 * up, most recent last, so that a warmer can look those terms up again while the replica is idle — as
 * Solr autowarms its caches for a new searcher — instead of the next questions each paying for them.
 * A search never reads a result computed before the change.
 */
class TermResults {
  private readonly byPartition = new Map<string, Map<string, CachedTerm>>();
  /** Per partition: what was cached before it changed, to look up again (most recently used last). */
  private readonly toWarm = new Map<string, { lookup: TermLookup; used: number }[]>();
  /** Counts uses: an entry's stamp says when a search last read it (the bound evicts the oldest stamps). */
  private clock = 0;
  private size = 0;
  hits = 0;
  misses = 0;

  get(partition: string, lookup: TermLookup, compute: () => TermMatches): TermMatches {
    const found = this.byPartition.get(partition)?.get(keyOf(lookup));
    if (found) {
      this.hits += 1;
      found.used = ++this.clock;
      return found.matches;
    }
    this.misses += 1;
    return this.keep(partition, lookup, compute(), ++this.clock);
  }

  private keep(partition: string, lookup: TermLookup, matches: TermMatches, used: number): TermMatches {
    const weight = weightOf(matches);
    if (weight > CACHED_MATCHES_MAX / 4) return matches;
    let cached = this.byPartition.get(partition);
    if (!cached) this.byPartition.set(partition, (cached = new Map()));
    cached.set(keyOf(lookup), { lookup, matches, used, weight });
    this.size += weight;
    if (this.size > CACHED_MATCHES_MAX) this.evict();
    return matches;
  }

  /** Over the bound: the least recently used entries go, over every partition, down to 90% of it. */
  private evict(): void {
    const entries = [...this.byPartition].flatMap(([partition, map]) =>
      [...map].map(([key, entry]) => ({ partition, key, entry })),
    );
    entries.sort((x, y) => x.entry.used - y.entry.used);
    for (const { partition, key, entry } of entries) {
      if (this.size <= CACHED_MATCHES_MAX * 0.9) return;
      this.byPartition.get(partition)?.delete(key);
      this.size -= entry.weight;
    }
  }

  /** Lookups for the warmer to make in a partition, the last first (each stamped as used now, in order). */
  enqueue(partition: string, lookups: readonly TermLookup[]): void {
    this.wait(
      partition,
      lookups.map((lookup) => ({ lookup, used: ++this.clock })),
    );
  }

  /** A partition changed: every score in it may have. Its lookups wait for the warmer. */
  drop(partition: string): void {
    const cached = this.byPartition.get(partition);
    if (!cached) return;
    for (const v of cached.values()) this.size -= v.weight;
    this.byPartition.delete(partition);
    this.wait(
      partition,
      [...cached.values()].map(({ lookup, used }) => ({ lookup, used })),
    );
  }

  /** Adds to a partition's waiting lookups, in order of last use, the most recent WARM_LOOKUPS_MAX kept. */
  private wait(partition: string, lookups: { lookup: TermLookup; used: number }[]): void {
    const waiting = [...(this.toWarm.get(partition) ?? []), ...lookups].sort((x, y) => x.used - y.used);
    this.toWarm.set(partition, waiting.slice(-WARM_LOOKUPS_MAX));
  }

  /**
   * Looks up again, most recently used first, what a change dropped, until the deadline (performance.now()).
   * An entry keeps the stamp of its last use by a search. Returns how many lookups still wait.
   */
  warm(
    deadline: number,
    compute: (partition: string, lookup: TermLookup) => TermMatches | undefined,
  ): number {
    let waiting = 0;
    for (const [partition, lookups] of this.toWarm) {
      while (lookups.length > 0 && performance.now() < deadline) {
        const { lookup, used } = lookups.pop() as { lookup: TermLookup; used: number };
        if (this.byPartition.get(partition)?.has(keyOf(lookup))) continue;
        const matches = compute(partition, lookup);
        if (matches) this.keep(partition, lookup, matches, used);
      }
      if (lookups.length === 0) this.toWarm.delete(partition);
      waiting += lookups.length;
    }
    return waiting;
  }

  /** Forgets every cached result and what waits to be warmed (the benchmark's cold figure). */
  clear(): void {
    this.byPartition.clear();
    this.toWarm.clear();
    this.size = 0;
  }

  /** What the cache holds, in matches (an entry's own cost and a typo or prefix match's words counted in). */
  get matches(): number {
    return this.size;
  }
}

interface Scored {
  id: string;
  ordinal: number;
  score: number;
}

/**
 * A query's running OR over one partition: per document ordinal the sum of its terms' scores and how many
 * matched, in arrays reused from search to search (a search runs to its end before the next starts).
 */
class Accumulator {
  private sums = new Float64Array(1024);
  private counts = new Uint32Array(1024);
  private touched = new Int32Array(1024);
  private length = 0;

  add(matches: TermMatches): void {
    const { ordinals, scores } = matches;
    const last = ordinals.length ? (ordinals[ordinals.length - 1] as number) : -1;
    if (last >= this.sums.length) this.grow(last + 1);
    if (this.length + ordinals.length > this.touched.length) {
      const touched = new Int32Array(Math.max(this.touched.length * 2, this.length + ordinals.length));
      touched.set(this.touched.subarray(0, this.length));
      this.touched = touched;
    }
    const { sums, counts, touched } = this;
    for (let i = 0; i < ordinals.length; i++) {
      const o = ordinals[i] as number;
      if (counts[o] === 0) touched[this.length++] = o;
      sums[o] = (sums[o] as number) + (scores[i] as number);
      counts[o] = (counts[o] as number) + 1;
    }
  }

  /** Clears what was added and not drained (a search that stopped half-way must leave nothing behind). */
  reset(): void {
    for (let i = 0; i < this.length; i++) {
      const o = this.touched[i] as number;
      this.sums[o] = 0;
      this.counts[o] = 0;
    }
    this.length = 0;
  }

  /** Every document matched, with MiniSearch's OR score; the arrays are cleared for the next search. */
  drain(idOf: (ordinal: number) => string): Scored[] {
    const out = new Array<Scored>(this.length);
    for (let i = 0; i < this.length; i++) {
      const o = this.touched[i] as number;
      out[i] = { id: idOf(o), ordinal: o, score: (this.sums[o] as number) * (this.counts[o] as number) };
    }
    this.reset();
    return out;
  }

  private grow(size: number): void {
    const n = Math.max(size, this.sums.length * 2);
    const sums = new Float64Array(n);
    sums.set(this.sums);
    const counts = new Uint32Array(n);
    counts.set(this.counts);
    this.sums = sums;
    this.counts = counts;
  }
}

/**
 * One document's result as MiniSearch gives it for the whole query: its score, and each document term matched
 * (terms[i]) beside the query term it matched for (queryTerms[i]), with the fields it was found in.
 */
function merged(id: string, ordinal: number, score: number, parts: readonly TermMatches[]): SearchResult {
  const terms: string[] = [];
  const queryTerms: string[] = [];
  const match: Record<string, string[]> = {};
  for (const part of parts) {
    const at = positionOf(part, ordinal);
    if (at < 0) continue;
    const found = part.derived?.[at] ?? { [part.term]: fieldsOf(part.fields[at] as number) };
    for (const [term, fields] of Object.entries(found)) {
      terms.push(term);
      queryTerms.push(part.term);
      match[term] = [...new Set([...(match[term] ?? []), ...fields])];
    }
  }
  return { id, score, terms, queryTerms, match };
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The search index: a fold of the article and synonym events into MiniSearch (BM25, field boosts,
 * typo tolerance and prefix search for Latin terms), with this platform's text analysis. The same events
 * in the same order give the same index, so every replica (each folding the log itself) answers alike,
 * and a rebuild is a replay.
 */
export class ArticleIndex {
  /**
   * One MiniSearch per locale and audience: a public search in a locale reads the postings of that
   * locale's public articles only. (Term statistics are per partition, as Elasticsearch's are per shard.)
   */
  private readonly partitions = new Map<string, MiniSearch<Numbered>>();
  /** Which partition each document is in. */
  private readonly partitionOf = new Map<string, string>();
  /** Per partition: in how many of its documents each term occurs (kept exact on add and discard). */
  private readonly frequency = new Map<string, Map<string, number>>();
  /** The same over every partition (a word some article uses is not a typo). */
  private readonly vocabulary = new Map<string, number>();
  /** The terms of the document being added (MiniSearch's tokenizer reports them here). */
  private collecting: Set<string> | undefined;
  private readonly docs = new Map<string, IndexedArticle>();
  private readonly meta = new Map<string, ArticleMeta>();
  private readonly synonyms = new Map<KnowledgeLocale, Map<string, string[]>>();
  /** Per article: the source locale's published revision (for out-of-date translations). */
  private readonly sourcePublished = new Map<string, number>();
  /** Each partition's results per query term, until it changes. */
  readonly termResults = new TermResults();
  /** A number per document id, for the compact term results (kept for the index's lifetime). */
  private readonly ordinals = new Map<string, number>();
  private readonly idsByOrdinal: string[] = [];
  private readonly accumulator = new Accumulator();
  /** The partitions whose most frequent terms were given to the warmer (once each: later, it repeats what was cached). */
  private readonly primed = new Set<string>();

  get size(): number {
    return this.docs.size;
  }

  /** Folds one event in (events of other kinds are ignored). */
  apply(event: KnowledgeEvent): void {
    switch (event.type) {
      case 'knowledge.article-created.v1': {
        const d = event.data;
        this.meta.set(d.articleId, {
          audience: d.audience,
          products: d.products,
          ...(d.category ? { category: d.category } : {}),
          sourceLocale: d.sourceLocale,
          archived: false,
        });
        return;
      }
      case 'knowledge.article-classified.v1': {
        const d = event.data;
        const meta = this.meta.get(d.articleId);
        if (!meta) return;
        if (d.products) meta.products = d.products;
        if (d.category) meta.category = d.category;
        if (d.audience && d.audience !== meta.audience) {
          meta.audience = d.audience;
          // Its published locales move to the partition of their new audience.
          for (const locale of KNOWLEDGE_LOCALES) {
            const doc = this.docs.get(`${d.articleId}:${locale}`);
            if (doc) {
              this.remove(doc.id);
              this.put(doc);
            }
          }
        }
        return;
      }
      case 'knowledge.article-published.v1': {
        const d = event.data;
        const meta = this.meta.get(d.articleId);
        if (!meta || meta.archived) return;
        const text = plainTextOf(d.body);
        if (d.locale === meta.sourceLocale) this.sourcePublished.set(d.articleId, d.revision);
        this.put({
          id: `${d.articleId}:${d.locale}`,
          articleId: d.articleId,
          locale: d.locale,
          revision: d.revision,
          title: d.title,
          tags: d.tags,
          body: d.body,
          text,
          matchable: { title: matchableText(d.title), text: matchableText(text.slice(0, TEXT_KEPT)) },
          ...(d.sourceRevision !== undefined ? { sourceRevision: d.sourceRevision } : {}),
          publishedAt: d.at,
          stale: false,
        });
        return;
      }
      case 'knowledge.article-unpublished.v1':
        this.remove(`${event.data.articleId}:${event.data.locale}`);
        if (this.meta.get(event.data.articleId)?.sourceLocale === event.data.locale)
          this.sourcePublished.delete(event.data.articleId);
        return;
      case 'knowledge.article-archived.v1': {
        const meta = this.meta.get(event.data.articleId);
        if (meta) meta.archived = true;
        for (const locale of KNOWLEDGE_LOCALES) this.remove(`${event.data.articleId}:${locale}`);
        this.sourcePublished.delete(event.data.articleId);
        return;
      }
      case 'knowledge.article-flagged-stale.v1':
      case 'knowledge.article-verified.v1': {
        const doc = this.docs.get(`${event.data.articleId}:${event.data.locale}`);
        if (doc) doc.stale = event.type === 'knowledge.article-flagged-stale.v1';
        return;
      }
      case 'knowledge.synonyms-configured.v1': {
        const map = new Map<string, string[]>();
        for (const set of event.data.sets) {
          const analysed = set.map((term) => queryTerms(term)).filter((t) => t.length > 0);
          for (const terms of analysed)
            for (const term of terms) {
              const others = analysed.filter((t) => t !== terms).flat();
              map.set(
                term,
                [...new Set([...(map.get(term) ?? []), ...others])].filter((t) => t !== term),
              );
            }
        }
        this.synonyms.set(event.data.locale, map);
        return;
      }
      default:
        return;
    }
  }

  private partition(key: string): MiniSearch<Numbered> {
    let mini = this.partitions.get(key);
    if (!mini) {
      mini = newMiniSearch((terms) => {
        for (const t of terms) this.collecting?.add(t);
      });
      this.partitions.set(key, mini);
    }
    return mini;
  }

  private count(key: string, terms: Iterable<string>, by: 1 | -1): void {
    let frequency = this.frequency.get(key);
    if (!frequency) this.frequency.set(key, (frequency = new Map()));
    for (const t of terms) {
      for (const map of [frequency, this.vocabulary]) {
        const n = (map.get(t) ?? 0) + by;
        if (n > 0) map.set(t, n);
        else map.delete(t);
      }
    }
  }

  private put(doc: IndexedArticle): void {
    this.remove(doc.id);
    const audience = (this.meta.get(doc.articleId) as ArticleMeta).audience;
    const key = `${doc.locale}|${audience}`;
    this.docs.set(doc.id, doc);
    this.partitionOf.set(doc.id, key);
    if (!this.ordinals.has(doc.id)) {
      this.ordinals.set(doc.id, this.idsByOrdinal.length);
      this.idsByOrdinal.push(doc.id);
    }
    this.collecting = new Set();
    this.termResults.drop(key);
    this.partition(key).add({ ...doc, ordinal: this.ordinals.get(doc.id) as number });
    this.count(key, this.collecting, 1);
    this.collecting = undefined;
  }

  private remove(id: string): void {
    const key = this.partitionOf.get(id);
    const doc = this.docs.get(id);
    if (key === undefined || !doc) return;
    this.termResults.drop(key);
    // Removed now, postings and counts (a discard leaves them for later and scores differ until then).
    this.partition(key).remove({ ...doc, ordinal: this.ordinals.get(id) as number });
    // The same terms MiniSearch took from its fields, counted out again.
    this.count(
      key,
      new Set([...analyze(doc.title), ...analyze(doc.tags.join(' ')), ...analyze(doc.text)]),
      -1,
    );
    this.partitionOf.delete(id);
    this.docs.delete(id);
  }

  /** A published locale of an article, if the reader may see it. */
  get(
    articleId: string,
    locale: KnowledgeLocale,
    audiences: readonly ArticleAudience[],
  ): (IndexedArticle & ArticleMeta) | undefined {
    const doc = this.docs.get(`${articleId}:${locale}`);
    const meta = this.meta.get(articleId);
    if (!doc || !meta || !audiences.includes(meta.audience)) return undefined;
    return { ...doc, ...meta };
  }

  /** True when a published translation was made from an older revision than its source's published one. */
  isOutdated(articleId: string, locale: KnowledgeLocale): boolean {
    const doc = this.docs.get(`${articleId}:${locale}`);
    const meta = this.meta.get(articleId);
    const source = this.sourcePublished.get(articleId);
    if (!doc || !meta || locale === meta.sourceLocale || source === undefined) return false;
    return (doc.sourceRevision ?? 0) < source;
  }

  /** The locales of an article that are published now. */
  localesOf(articleId: string): KnowledgeLocale[] {
    return KNOWLEDGE_LOCALES.filter((locale) => this.docs.has(`${articleId}:${locale}`));
  }

  private synonymsOf(term: string, locale?: KnowledgeLocale): string[] {
    if (locale) return this.synonyms.get(locale)?.get(term) ?? [];
    return [...new Set([...this.synonyms.values()].flatMap((m) => m.get(term) ?? []))];
  }

  /**
   * The lookups of a partition's most frequent terms (in at least PRIMED_MIN documents, up to
   * PRIMED_MATCHES_MAX matches), least frequent first: the warmer makes them from the end.
   */
  private frequentLookups(key: string): TermLookup[] {
    const documents = this.partitions.get(key)?.documentCount ?? 0;
    const frequent = [...(this.frequency.get(key) ?? [])]
      .filter(([, n]) => n >= PRIMED_MIN)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const lookups: TermLookup[] = [];
    let matches = 0;
    for (const [term, n] of frequent) {
      if ((matches += n) > PRIMED_MATCHES_MAX) break;
      // As a search in this partition alone looks it up (a common word: in titles and tags only).
      const head = n > COMMON_TERM_MIN && n > documents * COMMON_TERM_SHARE;
      lookups.push({ term, head, typo: false, complete: false });
    }
    return lookups.reverse();
  }

  /** One term's matches in one partition, by MiniSearch, packed. */
  private lookUp(mini: MiniSearch<Numbered>, l: TermLookup): TermMatches {
    const results = mini.search(l.term, {
      boost: BOOST,
      ...(l.head ? { fields: HEAD_FIELDS } : {}),
      fuzzy: l.typo,
      prefix: l.complete,
    });
    return compact(l.term, results, !l.typo && !l.complete);
  }

  /**
   * Looks up again, until the deadline (a performance.now() time), the terms a change of their partition
   * dropped from the cache, most recently used first; returns how many still wait. The service calls it
   * in short slices while idle, so the questions after a publish find their terms cached again.
   */
  warm(deadline: number): number {
    for (const key of this.partitions.keys()) {
      if (this.primed.has(key)) continue;
      this.primed.add(key);
      this.termResults.enqueue(key, this.frequentLookups(key));
    }
    return this.termResults.warm(deadline, (key, lookup) => {
      const mini = this.partitions.get(key);
      return mini ? this.lookUp(mini, lookup) : undefined;
    });
  }

  search(request: SearchRequest): SearchAnswer {
    const terms = queryTerms(request.query);
    if (terms.length === 0) return { total: 0, hits: [], terms };
    const groups = terms.map((term) => [term, ...this.synonymsOf(term, request.locale)]);
    const last = terms.length - 1;
    const locales = request.locale ? [request.locale] : KNOWLEDGE_LOCALES;
    const keys = locales.flatMap((locale) => request.audiences.map((audience) => `${locale}|${audience}`));
    const indexes = keys.flatMap((key) => this.partitions.get(key) ?? []);
    const documents = indexes.reduce((n, mini) => n + mini.documentCount, 0);
    const isCommon = (t: string) => {
      const n = keys.reduce((sum, key) => sum + (this.frequency.get(key)?.get(t) ?? 0), 0);
      return n > COMMON_TERM_MIN && n > documents * COMMON_TERM_SHARE;
    };
    const common = new Set(groups.flat().filter(isCommon));
    const lastTerms = new Set(groups[last]);
    // Typo tolerance for words the articles do not use (a known word is not a typo of another);
    // as-you-type, the last word is completed.
    const fuzzy = (t: string) => (isLatinTerm(t) && t.length >= 5 && !this.vocabulary.has(t) ? 0.2 : false);
    const prefix = (t: string) =>
      Boolean(request.asYouType) && lastTerms.has(t) && isLatinTerm(t) && t.length >= 3;
    // Every term and synonym OR-ed in one level, as MiniSearch scores an OR: each term's BM25 added up, times
    // how many terms matched. A common word is matched in titles and tags only.
    const everyTerm = [...new Set(groups.flat())];
    // The audiences are the partitions searched; only a category or products need a filter.
    const products = request.products?.length ? new Set(request.products) : undefined;
    const filtered = Boolean(request.category || products);
    const accepted = (id: string): boolean => {
      const meta = this.meta.get((this.docs.get(id) as IndexedArticle).articleId);
      if (!meta) return false;
      if (request.category && meta.category !== request.category) return false;
      if (products && !meta.products.some((p) => products.has(p))) return false;
      return true;
    };
    const idOf = (ordinal: number) => this.idsByOrdinal[ordinal] as string;
    const parts: TermMatches[] = [];
    let matches: Scored[] = [];
    // Whatever happens, the next search starts from empty sums (another reader's documents never carry over).
    this.accumulator.reset();
    try {
      for (const key of keys) {
        const mini = this.partitions.get(key);
        if (!mini) continue;
        for (const term of everyTerm) {
          const lookup: TermLookup = {
            term,
            head: common.has(term),
            typo: fuzzy(term),
            complete: prefix(term),
          };
          const found = this.termResults.get(key, lookup, () => this.lookUp(mini, lookup));
          this.accumulator.add(found);
          parts.push(found);
        }
        // A document is in one partition: each partition's OR is complete on its own.
        const scored = this.accumulator.drain(idOf);
        matches = matches.length ? matches.concat(scored) : scored;
      }
    } finally {
      this.accumulator.reset();
    }
    if (filtered) matches = matches.filter((m) => accepted(m.id));
    // Ties in a fixed order (by id), so that every replica pages alike; only the page is ordered fully.
    const page = topResults(matches, request.offset + request.limit)
      .slice(request.offset)
      .map((m) => merged(m.id, m.ordinal, m.score, parts));
    // One highlighter for the page: the words the query matched in any of its hits.
    const matcher = highlighter(page.flatMap((r) => r.terms));
    return {
      total: matches.length,
      terms,
      hits: page.map((r) => this.hit(r, groups, common, matcher)),
    };
  }

  private hit(
    result: SearchResult,
    groups: string[][],
    common: ReadonlySet<string>,
    matcher: RegExp | undefined,
  ): SearchHit {
    const doc = this.docs.get(result.id as string) as IndexedArticle;
    const meta = this.meta.get(doc.articleId) as ArticleMeta;
    // terms[i] is a document term that query term queryTerms[i] matched (itself, a typo of it, a completion).
    const matched = new Set(result.queryTerms);
    const matchedInTitle = new Set(
      result.terms
        .filter((t) => result.match[t]?.includes('title'))
        .map((t) => result.queryTerms[result.terms.indexOf(t)]),
    );
    // A common word was matched in titles and tags only: it is looked for in this document's body.
    if (common.size > 0) {
      const inBody = new Set(analyze(doc.text));
      for (const t of common) if (inBody.has(t)) matched.add(t);
    }
    let covered = 0;
    let titled = 0;
    for (const group of groups) {
      if (group.some((t) => matched.has(t))) covered += 1;
      if (group.some((t) => matchedInTitle.has(t))) titled += 1;
    }
    const coverage = covered / groups.length;
    const titleShare = titled / groups.length;
    return {
      articleId: doc.articleId,
      locale: doc.locale,
      title: doc.title,
      audience: meta.audience,
      products: meta.products,
      ...(meta.category ? { category: meta.category } : {}),
      tags: doc.tags,
      score: Math.round(result.score * 1000) / 1000,
      confidence: Math.round(coverage * (0.75 + 0.25 * titleShare) * 1000) / 1000,
      highlights: {
        title: highlight(doc.title, matcher, false, doc.matchable.title),
        snippet: highlight(doc.text.slice(0, TEXT_KEPT), matcher, true, doc.matchable.text),
      },
      stale: doc.stale,
      outdated: this.isOutdated(doc.articleId, doc.locale),
    };
  }
}

/**
 * A text as highlighting searches it: folded like the index (same length for the scripts folded here),
 * else only lower-cased, so that a match's offsets hold in the original.
 */
export function matchableText(text: string): string {
  const folded = foldText(text);
  return folded.length === text.length ? folded : text.toLowerCase();
}

/** The pattern that finds these terms (a Latin term with the rest of its word), longest first. */
export function highlighter(terms: readonly string[]): RegExp | undefined {
  const patterns = [...new Set(terms)]
    .filter((t) => t.length > 0)
    .sort((a, b) => b.length - a.length)
    .map((t) => (isLatinTerm(t) ? `\\b${escapeRegExp(t)}[\\p{L}\\p{N}]*` : escapeRegExp(t)));
  return patterns.length ? new RegExp(patterns.join('|'), 'giu') : undefined;
}

/** Marks the matched terms in a text (escaped); as a snippet, the window around the first match. */
export function highlight(
  text: string,
  matcher: RegExp | undefined,
  snippet: boolean,
  source: string = matchableText(text),
): string {
  if (!matcher) return escapeHtml(snippet ? text.slice(0, SNIPPET) : text);
  // Matches are found in the matchable text and cut from the original.
  let from = 0;
  let to = text.length;
  if (snippet) {
    matcher.lastIndex = 0;
    const first = matcher.exec(source);
    const at = first ? first.index : 0;
    from = Math.max(0, at - SNIPPET / 4);
    to = Math.min(text.length, from + SNIPPET);
  }
  let out = from > 0 ? '…' : '';
  let cursor = from;
  matcher.lastIndex = from;
  for (let m = matcher.exec(source); m && m.index < to; m = matcher.exec(source)) {
    if (m[0].length === 0) {
      matcher.lastIndex += 1;
      continue;
    }
    const end = Math.min(m.index + m[0].length, to);
    out +=
      escapeHtml(text.slice(cursor, m.index)) + '<mark>' + escapeHtml(text.slice(m.index, end)) + '</mark>';
    cursor = end;
  }
  out += escapeHtml(text.slice(cursor, to));
  return to < text.length ? `${out}…` : out;
}
