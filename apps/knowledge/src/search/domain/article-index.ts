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
 * How many single-term matches the term cache holds over every partition (about 200 bytes each). A
 * partition's entries are dropped whenever one of its documents is added or removed, since every BM25
 * score in it depends on its document count and field lengths.
 */
const CACHED_MATCHES_MAX = 500_000;
/** The fields a common word is matched in. */
const HEAD_FIELDS = ['title', 'tags'];
/** How much body text a hit keeps for highlighting (the index has it all). */
const TEXT_KEPT = 20_000;
const SNIPPET = 160;

function newMiniSearch(seen: (terms: string[]) => void): MiniSearch<IndexedArticle> {
  return new MiniSearch<IndexedArticle>({
    fields: ['title', 'tags', 'text'],
    storeFields: [],
    idField: 'id',
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

/** One document's matches of a query: the single-term results it is in (one per query term matched). */
interface Accumulated {
  id: string;
  /** MiniSearch's OR: the terms' BM25 scores added up, times the number of query terms matched. */
  score: number;
  sum: number;
  parts: SearchResult[];
}

/**
 * MiniSearch's results for one query term in one partition (each scored by MiniSearch: BM25 over the
 * fields, boosts, typo and prefix weights), kept until the partition changes. A query is the OR of its
 * terms, which MiniSearch scores as the sum of the terms' scores times how many of them matched: so a query
 * is answered from its terms' cached results with the same scores, and a word many questions share (a
 * product, "refund", "退货") is walked once per change of the index, not once per question.
 */
class TermResults {
  private readonly byPartition = new Map<string, Map<string, SearchResult[]>>();
  private size = 0;
  hits = 0;
  misses = 0;

  get(partition: string, key: string, compute: () => SearchResult[]): SearchResult[] {
    let cached = this.byPartition.get(partition);
    const found = cached?.get(key);
    if (found) {
      this.hits += 1;
      return found;
    }
    this.misses += 1;
    const results = compute();
    if (results.length > CACHED_MATCHES_MAX / 4) return results;
    if (!cached) this.byPartition.set(partition, (cached = new Map()));
    cached.set(key, results);
    this.size += results.length;
    // Over the bound: the oldest terms go first, from this partition and then the others.
    for (const map of [cached, ...this.byPartition.values()])
      for (const [k, v] of map) {
        if (this.size <= CACHED_MATCHES_MAX) return results;
        if (map === cached && k === key) break;
        map.delete(k);
        this.size -= v.length;
      }
    return results;
  }

  /** A partition changed: every score in it may have. */
  drop(partition: string): void {
    const cached = this.byPartition.get(partition);
    if (!cached) return;
    for (const v of cached.values()) this.size -= v.length;
    this.byPartition.delete(partition);
  }

  /** Forgets every cached result (the benchmark's cold figure). */
  clear(): void {
    this.byPartition.clear();
    this.size = 0;
  }

  /** How many single-term matches are held (for the benchmark). */
  get matches(): number {
    return this.size;
  }
}

/**
 * One document's result as MiniSearch gives it for the whole query: its score, and each document term matched
 * (terms[i]) beside the query term it matched for (queryTerms[i]), with the fields it was found in.
 */
function merged(m: Accumulated): SearchResult {
  const terms: string[] = [];
  const queryTerms: string[] = [];
  const match: Record<string, string[]> = {};
  for (const part of m.parts)
    for (const term of part.terms) {
      terms.push(term);
      queryTerms.push(part.queryTerms[0] as string);
      match[term] = [...new Set([...(match[term] ?? []), ...(part.match[term] ?? [])])];
    }
  return { id: m.id, score: m.score, terms, queryTerms, match };
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
  private readonly partitions = new Map<string, MiniSearch<IndexedArticle>>();
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

  private partition(key: string): MiniSearch<IndexedArticle> {
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
    this.collecting = new Set();
    this.termResults.drop(key);
    this.partition(key).add(doc);
    this.count(key, this.collecting, 1);
    this.collecting = undefined;
  }

  private remove(id: string): void {
    const key = this.partitionOf.get(id);
    const doc = this.docs.get(id);
    if (key === undefined || !doc) return;
    this.termResults.drop(key);
    this.partition(key).discard(id);
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
    const matches = new Map<string, Accumulated>();
    for (const key of keys) {
      const mini = this.partitions.get(key);
      if (!mini) continue;
      for (const term of everyTerm) {
        const fields = common.has(term) ? HEAD_FIELDS : undefined;
        const typo = fuzzy(term);
        const complete = prefix(term);
        const results = this.termResults.get(
          key,
          `${term}\u0000${fields ? 'head' : 'all'}\u0000${typo}\u0000${complete}`,
          () =>
            mini.search(term, { boost: BOOST, ...(fields ? { fields } : {}), fuzzy: typo, prefix: complete }),
        );
        for (const r of results) {
          const id = r.id as string;
          const found = matches.get(id);
          if (found) {
            found.sum += r.score;
            found.parts.push(r);
            found.score = found.sum * found.parts.length;
          } else matches.set(id, { id, score: r.score, sum: r.score, parts: [r] });
        }
      }
    }
    if (filtered) for (const id of matches.keys()) if (!accepted(id)) matches.delete(id);
    // Ties in a fixed order (by id), so that every replica pages alike; only the page is ordered fully.
    const page = topResults(matches.values(), request.offset + request.limit)
      .slice(request.offset)
      .map(merged);
    // One highlighter for the page: the words the query matched in any of its hits.
    const matcher = highlighter(page.flatMap((r) => r.terms));
    return {
      total: matches.size,
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
