import type { KnowledgeEvent, KnowledgeLocale } from '@journey/contracts';
import { corpusArticleId } from './shop-corpus';
import type { CorpusArticle } from './shop-corpus';

/**
 * The events a corpus article is folded from once imported and published (created, then each locale
 * published): what benchmarks and search-quality specs feed an index with, without the workflow.
 */
export function corpusEvents(article: CorpusArticle, at = '2026-01-01T00:00:00.000Z'): KnowledgeEvent[] {
  const articleId = corpusArticleId(article.externalId);
  const events: KnowledgeEvent[] = [
    {
      type: 'knowledge.article-created.v1',
      data: {
        articleId,
        sourceLocale: article.sourceLocale,
        owner: 'corpus',
        category: article.category,
        products: article.products,
        audience: article.audience,
        reviewIntervalDays: article.reviewIntervalDays,
        by: 'corpus',
        at,
      },
    } as KnowledgeEvent,
  ];
  for (const [locale, content] of Object.entries(article.locales) as [
    KnowledgeLocale,
    NonNullable<CorpusArticle['locales'][KnowledgeLocale]>,
  ][]) {
    if (!content.published) continue;
    events.push({
      type: 'knowledge.article-published.v1',
      data: {
        articleId,
        locale,
        revision: 1,
        title: content.title,
        body: content.body,
        tags: content.tags,
        ...(locale !== article.sourceLocale ? { sourceRevision: 1 } : {}),
        reviewBy: '2027-01-01T00:00:00.000Z',
        by: 'corpus',
        at,
      },
    } as KnowledgeEvent);
  }
  return events;
}
