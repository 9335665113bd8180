import type { KnowledgeEvent } from '@journey/contracts';
import type { DocumentChange, ProjectedEvent, Projection } from '@journey/projections';

/** A search's day (UTC), the bucket the content-gap report adds up over a period. */
export const dayOf = (iso: string) => iso.slice(0, 10);

/**
 * What readers did with the knowledge base, for the content-gap report: searches per normalised query
 * and day (how many found nothing, or nothing good), article views per locale and channel, helpful and
 * not-helpful votes with reasons, and update requests (open until their owner deals with them). The
 * readers' own words stay sealed in the event store; this read model holds counts and reasons.
 */
export const contentGapsProjection: Projection = {
  name: 'content-gaps',
  version: 1,
  // The gaps report reads searches by day, articles by open requests, and requests oldest first.
  indexes: [
    { key: { kind: 1, day: 1 }, name: 'by_kind_day' },
    { key: { kind: 1, openRequests: -1, notHelpful: -1, _id: 1 }, name: 'by_kind_attention' },
    { key: { kind: 1, status: 1, at: 1 }, name: 'by_kind_status_at' },
  ],
  eventTypes: [
    'knowledge.search-recorded.v1',
    'knowledge.article-viewed.v1',
    'knowledge.feedback-given.v1',
    'knowledge.update-requested.v1',
    'knowledge.update-request-resolved.v1',
  ],
  project(projected: ProjectedEvent): DocumentChange[] {
    const event = { type: projected.type, data: projected.data } as KnowledgeEvent;
    switch (event.type) {
      case 'knowledge.search-recorded.v1': {
        const d = event.data;
        const day = dayOf(d.at);
        const locale = d.locale ?? 'any';
        return [
          {
            id: `search:${day}:${locale}:${d.query}`,
            setOnInsert: { kind: 'search', day, locale, query: d.query },
            inc: { searches: 1, [d.outcome]: 1, [`channels.${d.channel}`]: 1 },
            max: { lastAt: d.at },
          },
        ];
      }
      case 'knowledge.article-viewed.v1': {
        const d = event.data;
        return [
          {
            id: `article:${d.articleId}`,
            setOnInsert: { kind: 'article', articleId: d.articleId },
            inc: { views: 1, [`viewsBy.${d.locale}.${d.channel}`]: 1 },
            max: { lastViewedAt: d.at },
          },
        ];
      }
      case 'knowledge.feedback-given.v1': {
        const d = event.data;
        return [
          {
            id: `article:${d.articleId}`,
            setOnInsert: { kind: 'article', articleId: d.articleId },
            inc: {
              [d.helpful ? 'helpful' : 'notHelpful']: 1,
              ...(d.reason ? { [`reasons.${d.reason}`]: 1 } : {}),
            },
            max: { lastFeedbackAt: d.at },
          },
        ];
      }
      case 'knowledge.update-requested.v1': {
        const d = event.data;
        return [
          {
            id: `article:${d.articleId}`,
            setOnInsert: { kind: 'article', articleId: d.articleId },
            inc: { openRequests: 1, requests: 1 },
            max: { lastRequestAt: d.at },
          },
          {
            id: `request:${d.requestId}`,
            setOnInsert: {
              kind: 'request',
              requestId: d.requestId,
              articleId: d.articleId,
              locale: d.locale,
              reason: d.reason,
              channel: d.channel,
              hasText: d.text !== undefined,
              at: d.at,
              status: 'open',
            },
          },
        ];
      }
      case 'knowledge.update-request-resolved.v1': {
        const d = event.data;
        return [
          { id: `article:${d.articleId}`, inc: { openRequests: -1 } },
          { id: `request:${d.requestId}`, set: { status: d.resolution, resolvedBy: d.by, resolvedAt: d.at } },
        ];
      }
      default:
        return [];
    }
  },
};
