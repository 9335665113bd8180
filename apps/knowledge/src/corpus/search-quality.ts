import type { ArticleAudience, KnowledgeEvent, KnowledgeLocale } from '@journey/contracts';
import { ArticleIndex } from '../search/domain/article-index';
import { audiencesFor } from '../search/knowledge-search';
import { corpusEvents } from './corpus-events';
import { corpusArticleId, seedQueries } from './shop-corpus';
import type { CorpusArticle } from './shop-corpus';
import { SEED_SYNONYMS } from './seed-synonyms';

/** An index with the seed corpus's synonym book configured (as an admin would). */
export function withSeedSynonyms(index = new ArticleIndex()): ArticleIndex {
  for (const [locale, sets] of Object.entries(SEED_SYNONYMS))
    index.apply({
      type: 'knowledge.synonyms-configured.v1',
      data: {
        locale: locale as KnowledgeLocale,
        sets: sets ?? [],
        by: 'corpus',
        at: '2026-01-01T00:00:00.000Z',
      },
    } as KnowledgeEvent);
  return index;
}

/** Recall@k of the labelled questions over an index of these articles. */
export function recallAt(k: number, articles: Iterable<CorpusArticle>, index = new ArticleIndex()) {
  for (const a of articles) for (const e of corpusEvents(a)) index.apply(e);
  const queries = seedQueries();
  const missed: string[] = [];
  for (const q of queries) {
    const audiences = audiencesFor(q.audience as ArticleAudience);
    const hits = index.search({ query: q.query, locale: q.locale, audiences, offset: 0, limit: k }).hits;
    if (!hits.some((h) => h.articleId === corpusArticleId(q.expected))) missed.push(`${q.locale} ${q.query}`);
  }
  return { recall: 1 - missed.length / queries.length, missed, queries: queries.length };
}
