import type { ReadModel } from '@journey/projections';
import { articleCatalogueProjection } from './article/adapters/article-catalogue.projection';
import { contentGapsProjection } from './feedback/adapters/content-gaps.projection';

/**
 * The projections the knowledge service owns, in its MongoDB database: what its replay entry point
 * (`node apps/knowledge/dist/replay.js`) rebuilds and what `journey projections` reports. (The search
 * index is not one of them: each replica folds the article log into memory itself; see SearchIndex.)
 */
export const ARTICLE_CATALOGUE: ReadModel = {
  projection: articleCatalogueProjection,
  service: 'knowledge',
  topics: ['journey.knowledge.v1'],
};
export const CONTENT_GAPS: ReadModel = {
  projection: contentGapsProjection,
  service: 'knowledge',
  topics: ['journey.knowledge.v1'],
};

export const READ_MODELS: readonly ReadModel[] = [ARTICLE_CATALOGUE, CONTENT_GAPS];
