import type { KnowledgeEvent } from '@journey/contracts';
import type { DocumentChange, ProjectedEvent, Projection } from '@journey/projections';

/**
 * What auto-answer decided in each conversation, for the agent who takes it over: the last decision
 * with its reasons and suggested articles, and counts of answers and hand-offs. Article ids and
 * titles only; the customer's words stay in channels' sealed events.
 */
export const conversationSuggestionsProjection: Projection = {
  name: 'conversation-suggestions',
  version: 1,
  eventTypes: ['knowledge.auto-answer-decided.v1'],
  project(projected: ProjectedEvent): DocumentChange[] {
    const event = { type: projected.type, data: projected.data } as KnowledgeEvent;
    if (event.type !== 'knowledge.auto-answer-decided.v1') return [];
    const d = event.data;
    return [
      {
        id: d.conversationId,
        set: {
          conversationId: d.conversationId,
          channel: d.channel,
          ...(d.contactId ? { contactId: d.contactId } : {}),
          last: {
            messageId: d.messageId,
            decision: d.decision,
            reasons: d.reasons,
            confidence: d.confidence,
            threshold: d.threshold,
            suggestions: d.suggestions,
            ...(d.answer
              ? {
                  answer: {
                    replyId: d.answer.replyId,
                    articleId: d.answer.articleId,
                    locale: d.answer.locale,
                  },
                }
              : {}),
            at: d.at,
          },
        },
        inc: { [d.decision === 'answered' ? 'answered' : 'handedOff']: 1 },
      },
    ];
  },
};
