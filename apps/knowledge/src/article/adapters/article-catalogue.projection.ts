import { KNOWLEDGE_LOCALES } from '@journey/contracts';
import type { KnowledgeEvent } from '@journey/contracts';
import type { DocumentChange, ProjectedEvent, Projection, ReadModelIndex } from '@journey/projections';

/**
 * The article catalogue editors and owners work from: each article with, per locale, its latest
 * revision and workflow state, reviewers and comments, what is published and until when it holds
 * (review-by, stale), what is scheduled, and whether a translation is behind its source.
 */
export const articleCatalogueProjection: Projection = {
  name: 'article-catalogue',
  version: 1,
  // The catalogue pages by last change; owners list their articles; the scheduler looks up each
  // locale's due publishes and reviews.
  indexes: [
    { key: { updatedAt: -1, _id: 1 }, name: 'by_updated' },
    { key: { owner: 1 }, name: 'by_owner' },
    ...KNOWLEDGE_LOCALES.flatMap((locale): ReadModelIndex[] => [
      { key: { [`locales.${locale}.scheduledAt`]: 1 }, name: `by_scheduled_${locale}` },
      { key: { [`locales.${locale}.reviewBy`]: 1 }, name: `by_review_${locale}` },
    ]),
  ],
  eventTypes: [
    'knowledge.article-created.v1',
    'knowledge.article-revised.v1',
    'knowledge.article-classified.v1',
    'knowledge.review-requested.v1',
    'knowledge.review-commented.v1',
    'knowledge.review-approved.v1',
    'knowledge.changes-requested.v1',
    'knowledge.publish-scheduled.v1',
    'knowledge.article-published.v1',
    'knowledge.article-unpublished.v1',
    'knowledge.article-archived.v1',
    'knowledge.article-verified.v1',
    'knowledge.article-flagged-stale.v1',
  ],
  project(projected: ProjectedEvent): DocumentChange[] {
    const event = { type: projected.type, data: projected.data } as KnowledgeEvent;
    const at = projected.time;
    switch (event.type) {
      case 'knowledge.article-created.v1': {
        const { by: _by, at: createdAt, ...d } = event.data;
        return [{ id: d.articleId, set: { ...d, archived: false, createdAt, updatedAt: at } }];
      }
      case 'knowledge.article-revised.v1': {
        const d = event.data;
        const l = `locales.${d.locale}`;
        return [
          {
            id: d.articleId,
            set: {
              [`${l}.latest`]: d.revision,
              [`${l}.title`]: d.title,
              [`${l}.tags`]: d.tags,
              [`${l}.status`]: 'draft',
              [`${l}.author`]: d.author,
              [`${l}.reviewers`]: [],
              [`${l}.updatedAt`]: d.at,
              ...(d.sourceRevision !== undefined ? { [`${l}.sourceRevision`]: d.sourceRevision } : {}),
              updatedAt: at,
            },
            unset: { [`${l}.scheduledAt`]: true },
          },
        ];
      }
      case 'knowledge.article-classified.v1': {
        const { articleId, by: _by, at: _at, ...change } = event.data;
        return [{ id: articleId, set: { ...change, updatedAt: at } }];
      }
      case 'knowledge.review-requested.v1': {
        const d = event.data;
        const l = `locales.${d.locale}`;
        return [
          {
            id: d.articleId,
            set: { [`${l}.status`]: 'in-review', [`${l}.reviewers`]: d.reviewers, updatedAt: at },
          },
        ];
      }
      case 'knowledge.review-commented.v1': {
        const d = event.data;
        // The comments themselves are read from the stream (the review view); here, how many there are.
        return [{ id: d.articleId, inc: { [`locales.${d.locale}.comments`]: 1 }, set: { updatedAt: at } }];
      }
      case 'knowledge.review-approved.v1':
        return [
          {
            id: event.data.articleId,
            set: {
              [`locales.${event.data.locale}.status`]: 'approved',
              [`locales.${event.data.locale}.approvedBy`]: event.data.by,
              updatedAt: at,
            },
          },
        ];
      case 'knowledge.changes-requested.v1':
        return [
          {
            id: event.data.articleId,
            set: {
              [`locales.${event.data.locale}.status`]: 'draft',
              [`locales.${event.data.locale}.reviewers`]: [],
              updatedAt: at,
            },
          },
        ];
      case 'knowledge.publish-scheduled.v1': {
        const d = event.data;
        const field = `locales.${d.locale}.scheduledAt`;
        return d.cancelled || !d.publishAt
          ? [{ id: d.articleId, unset: { [field]: true } }]
          : [{ id: d.articleId, set: { [field]: d.publishAt, updatedAt: at } }];
      }
      case 'knowledge.article-published.v1': {
        const d = event.data;
        const l = `locales.${d.locale}`;
        return [
          {
            id: d.articleId,
            set: {
              [`${l}.published`]: {
                revision: d.revision,
                title: d.title,
                at: d.at,
                by: d.by,
                ...(d.sourceRevision !== undefined ? { sourceRevision: d.sourceRevision } : {}),
              },
              [`${l}.reviewBy`]: d.reviewBy,
              [`${l}.stale`]: false,
              [`published.${d.locale}`]: d.revision,
              updatedAt: at,
            },
            unset: { [`${l}.scheduledAt`]: true },
          },
        ];
      }
      case 'knowledge.article-unpublished.v1': {
        const l = `locales.${event.data.locale}`;
        return [
          {
            id: event.data.articleId,
            set: { [`${l}.stale`]: false, updatedAt: at },
            unset: {
              [`${l}.published`]: true,
              [`${l}.reviewBy`]: true,
              [`${l}.scheduledAt`]: true,
              [`published.${event.data.locale}`]: true,
            },
          },
        ];
      }
      case 'knowledge.article-archived.v1': {
        const unset: Record<string, true> = { published: true };
        const set: Record<string, unknown> = { archived: true, updatedAt: at };
        for (const locale of KNOWLEDGE_LOCALES) {
          unset[`locales.${locale}.published`] = true;
          unset[`locales.${locale}.reviewBy`] = true;
          unset[`locales.${locale}.scheduledAt`] = true;
          unset[`locales.${locale}.stale`] = true;
        }
        return [{ id: event.data.articleId, set, unset }];
      }
      case 'knowledge.article-verified.v1':
        return [
          {
            id: event.data.articleId,
            set: {
              [`locales.${event.data.locale}.reviewBy`]: event.data.reviewBy,
              [`locales.${event.data.locale}.stale`]: false,
              [`locales.${event.data.locale}.verifiedBy`]: event.data.by,
              updatedAt: at,
            },
          },
        ];
      case 'knowledge.article-flagged-stale.v1':
        return [
          {
            id: event.data.articleId,
            set: {
              [`locales.${event.data.locale}.stale`]: true,
              [`locales.${event.data.locale}.flaggedAt`]: event.data.at,
            },
          },
        ];
      default:
        return [];
    }
  },
};
