import { createHash } from 'node:crypto';
import type { ContactsEvent, KnowledgeEvent } from '@journey/contracts';
import type { DocumentChange, ProjectedEvent, Projection } from '@journey/projections';

/** Times as UTC ISO strings, so that ranges and sorting compare them as text. */
const utc = (at: string) => new Date(at).toISOString();

/** Which report of the shop an order is (a digest of its source and id): reported again, it counts once. */
const reportOf = (source: string, externalId: string) =>
  createHash('sha256').update(`${source}\u0000${externalId}`).digest('base64url').slice(0, 22);

/**
 * The customer's side of each conversation and each order, one document per event (its id is the
 * event's id, so a redelivery writes nothing new and no two events contend for a document): what
 * the channel mix, channel switches, pre-sale conversion and post-sale contact figures are counted
 * from. A conversation starts at the first interaction of the customer contacts attributed to it
 * (an agent's outbound message is not the customer reaching out). Nothing personal is kept: ids,
 * channels and times, never a summary or an order's details.
 */
export const journeyFactsProjection: Projection = {
  name: 'journey-facts',
  version: 1,
  // (Orders carry `report`, a digest of the shop's source and order id, to count a re-report once.)
  indexes: [
    { key: { at: 1 }, name: 'by_at' },
    { key: { contactId: 1 }, name: 'by_contact' },
  ],
  eventTypes: ['contacts.interaction-recorded.v1', 'contacts.journey-event-recorded.v1'],
  project(projected: ProjectedEvent): DocumentChange[] {
    const event = { type: projected.type, data: projected.data } as ContactsEvent;
    switch (event.type) {
      case 'contacts.interaction-recorded.v1': {
        const d = event.data;
        // The customer reaching out: not an agent's message, not a call the company made, and a call
        // by its start only (its end carries no direction).
        if (d.kind === 'message-sent') return [];
        if (d.kind === 'call' && (d.sourceType !== 'channels.call-started.v1' || d.direction === 'outbound'))
          return [];
        return [
          {
            id: projected.id,
            set: {
              k: 'conversation',
              contactId: d.contactId,
              conversationId: d.conversationId,
              channel: d.channel,
              at: utc(d.at),
            },
          },
        ];
      }
      case 'contacts.journey-event-recorded.v1':
        return event.data.kind === 'order-placed'
          ? [
              {
                id: projected.id,
                set: {
                  k: 'order',
                  contactId: event.data.contactId,
                  report: reportOf(event.data.source, event.data.externalId),
                  at: utc(event.data.occurredAt),
                },
              },
            ]
          : [];
      default:
        return [];
    }
  },
};

/**
 * What readers and the auto-answer did with the knowledge base, one document per event: views,
 * searches (the query knowledge normalised and masked, never tied to a reader), feedback (helpful or
 * not, the reason — never the comment), update requests and their resolution (never the text), and
 * each auto-answer decision of a conversation.
 */
export const knowledgeFactsProjection: Projection = {
  name: 'knowledge-facts',
  version: 1,
  indexes: [
    { key: { at: 1 }, name: 'by_at' },
    { key: { conversationId: 1 }, name: 'by_conversation' },
  ],
  eventTypes: [
    'knowledge.article-viewed.v1',
    'knowledge.search-recorded.v1',
    'knowledge.feedback-given.v1',
    'knowledge.update-requested.v1',
    'knowledge.update-request-resolved.v1',
    'knowledge.auto-answer-decided.v1',
  ],
  project(projected: ProjectedEvent): DocumentChange[] {
    const event = { type: projected.type, data: projected.data } as KnowledgeEvent;
    const fact = (set: Record<string, unknown>): DocumentChange[] => [{ id: projected.id, set }];
    switch (event.type) {
      case 'knowledge.article-viewed.v1': {
        const d = event.data;
        return fact({ k: 'view', articleId: d.articleId, channel: d.channel, at: utc(d.at) });
      }
      case 'knowledge.search-recorded.v1': {
        const d = event.data;
        return fact({ k: 'search', query: d.query, outcome: d.outcome, channel: d.channel, at: utc(d.at) });
      }
      case 'knowledge.feedback-given.v1': {
        const d = event.data;
        return fact({
          k: 'feedback',
          articleId: d.articleId,
          helpful: d.helpful,
          ...(d.reason ? { reason: d.reason } : {}),
          channel: d.channel,
          at: utc(d.at),
        });
      }
      case 'knowledge.update-requested.v1': {
        const d = event.data;
        return fact({
          k: 'update-request',
          articleId: d.articleId,
          requestId: d.requestId,
          channel: d.channel,
          at: utc(d.at),
        });
      }
      case 'knowledge.update-request-resolved.v1': {
        const d = event.data;
        // The owner resolves in the workspace: the figure counts under the agent workspace.
        return fact({
          k: 'update-resolved',
          articleId: d.articleId,
          requestId: d.requestId,
          channel: 'agent-workspace',
          at: utc(d.at),
        });
      }
      case 'knowledge.auto-answer-decided.v1': {
        const d = event.data;
        return fact({
          k: 'answer',
          conversationId: d.conversationId,
          decision: d.decision,
          reasons: d.reasons,
          channel: d.channel,
          at: utc(d.at),
        });
      }
      default:
        return [];
    }
  },
};
