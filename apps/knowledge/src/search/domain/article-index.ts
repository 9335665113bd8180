import MiniSearch from 'minisearch';
import type { Query, SearchResult } from 'minisearch';
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
/** How much body text a hit keeps for highlighting (the index has it all). */
const TEXT_KEPT = 20_000;
const SNIPPET = 160;

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
  private readonly mini = new MiniSearch<IndexedArticle>({
    fields: ['title', 'tags', 'text'],
    storeFields: [],
    idField: 'id',
    extractField: (doc, field) => {
      const value = (doc as unknown as Record<string, unknown>)[field];
      return Array.isArray(value) ? value.join(' ') : (value as string);
    },
    tokenize: (text) => analyze(text),
    processTerm: (term) => term,
    searchOptions: { tokenize: (text) => text.split(' ').filter(Boolean), processTerm: (term) => term },
  });
  private readonly docs = new Map<string, IndexedArticle>();
  private readonly meta = new Map<string, ArticleMeta>();
  private readonly synonyms = new Map<KnowledgeLocale, Map<string, string[]>>();
  /** Per article: the source locale's published revision (for out-of-date translations). */
  private readonly sourcePublished = new Map<string, number>();

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
        if (d.audience) meta.audience = d.audience;
        if (d.products) meta.products = d.products;
        if (d.category) meta.category = d.category;
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

  private put(doc: IndexedArticle): void {
    if (this.docs.has(doc.id)) this.mini.discard(doc.id);
    this.docs.set(doc.id, doc);
    this.mini.add(doc);
  }

  private remove(id: string): void {
    if (!this.docs.has(id)) return;
    this.mini.discard(id);
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
    const query: Query = {
      combineWith: 'OR',
      queries: groups.map((group, i) => ({
        combineWith: 'OR',
        queries: group,
        fuzzy: (t: string) => (isLatinTerm(t) && t.length >= 5 ? 0.2 : false),
        prefix: (t: string) => Boolean(request.asYouType) && i === last && isLatinTerm(t) && t.length >= 3,
      })),
    };
    const audiences = new Set(request.audiences);
    const products = request.products?.length ? new Set(request.products) : undefined;
    const results = this.mini.search(query, {
      boost: BOOST,
      filter: (r) => {
        const doc = this.docs.get(r.id as string);
        const meta = doc && this.meta.get(doc.articleId);
        if (!doc || !meta || !audiences.has(meta.audience)) return false;
        if (request.locale && doc.locale !== request.locale) return false;
        if (request.category && meta.category !== request.category) return false;
        if (products && !meta.products.some((p) => products.has(p))) return false;
        return true;
      },
    });
    // Ties in a fixed order, so that every replica pages alike.
    results.sort((a, b) => b.score - a.score || String(a.id).localeCompare(String(b.id)));
    const page = results.slice(request.offset, request.offset + request.limit);
    return {
      total: results.length,
      terms,
      hits: page.map((r) => this.hit(r, groups)),
    };
  }

  private hit(result: SearchResult, groups: string[][]): SearchHit {
    const doc = this.docs.get(result.id as string) as IndexedArticle;
    const meta = this.meta.get(doc.articleId) as ArticleMeta;
    // terms[i] is a document term that query term queryTerms[i] matched (itself, a typo of it, a completion).
    const matched = new Set(result.queryTerms);
    const matchedInTitle = new Set(
      result.terms
        .filter((t) => result.match[t]?.includes('title'))
        .map((t) => result.queryTerms[result.terms.indexOf(t)]),
    );
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
        title: highlight(doc.title, result.terms, false, doc.matchable.title),
        snippet: highlight(doc.text.slice(0, TEXT_KEPT), result.terms, true, doc.matchable.text),
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

/** Marks the matched terms in a text (escaped); as a snippet, the window around the first match. */
export function highlight(
  text: string,
  terms: readonly string[],
  snippet: boolean,
  source: string = matchableText(text),
): string {
  const patterns = [...new Set(terms)]
    .filter((t) => t.length > 0)
    .sort((a, b) => b.length - a.length)
    .map((t) => (isLatinTerm(t) ? `\\b${escapeRegExp(t)}[\\p{L}\\p{N}]*` : escapeRegExp(t)));
  if (patterns.length === 0) return escapeHtml(snippet ? text.slice(0, SNIPPET) : text);
  const matcher = new RegExp(patterns.join('|'), 'giu');
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
