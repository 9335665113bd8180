import { ERASED } from '@journey/contracts';
import type { TicketsEvent } from '@journey/contracts';
import type { DocumentChange, ProjectedEvent, Projection } from '@journey/projections';
import { queryTerms } from '../../search/domain/text-analysis';

/** The most search terms a case keeps per field (what candidate lookups match on). */
export const CASE_TERMS_MAX = 150;
/** How much of the last agent reply a case keeps (what an agent reads in the suggestion). */
export const CASE_REPLY_KEPT = 2_000;

const termsOf = (text: string) => queryTerms(text).slice(0, CASE_TERMS_MAX);

/**
 * Tickets as cases an agent can learn from: the subject (for a conversation's ticket, the opening of
 * the customer's first message), the last public agent reply (bots and auto-replies left out), and
 * whether it is solved now. Each text keeps its analysed terms (the same analysis as article search;
 * a change to it bumps this version) so that candidates are found by an index lookup and ranked in
 * memory. The texts are the customer's and the agent's words: erasure of the ticket removes them
 * and their terms, and a replay after erasure reads them as [erased], which keeps nothing either.
 */
export const solvedCasesProjection: Projection = {
  name: 'solved-cases',
  version: 1,
  // Similar cases are looked up per word, newest solved first. The names are MongoDB's defaults, which
  // these indexes already have where the service created them itself before (a second name for the same
  // key is refused, and the service would not start).
  indexes: [
    { key: { subjectTerms: 1 }, name: 'subjectTerms_1' },
    { key: { replyTerms: 1 }, name: 'replyTerms_1' },
    { key: { solved: 1, solvedAt: -1 }, name: 'solved_1_solvedAt_-1' },
  ],
  eventTypes: [
    'tickets.ticket-opened.v1',
    'tickets.ticket-updated.v1',
    'tickets.reply-posted.v1',
    'tickets.status-changed.v1',
    'tickets.ticket-merged.v1',
    'tickets.ticket-erased.v1',
  ],
  project(projected: ProjectedEvent): DocumentChange[] {
    const event = { type: projected.type, data: projected.data } as TicketsEvent;
    switch (event.type) {
      case 'tickets.ticket-opened.v1': {
        const d = event.data;
        const subject = d.subject && d.subject !== ERASED ? d.subject : undefined;
        return [
          {
            id: d.ticketId,
            setOnInsert: { ticketId: d.ticketId, openedAt: d.openedAt },
            set: {
              group: d.group,
              channel: d.origin.kind === 'conversation' ? d.origin.channel : 'none',
              tags: d.tags,
              solved: false,
              ...(subject ? { subject, subjectTerms: termsOf(subject) } : {}),
            },
          },
        ];
      }
      case 'tickets.ticket-updated.v1': {
        const d = event.data;
        const set: Record<string, unknown> = {};
        if (d.subject && d.subject !== ERASED)
          Object.assign(set, { subject: d.subject, subjectTerms: termsOf(d.subject) });
        if (d.tags) set['tags'] = d.tags;
        return Object.keys(set).length ? [{ id: d.ticketId, set }] : [];
      }
      case 'tickets.reply-posted.v1': {
        const d = event.data;
        if (d.automated || d.text === ERASED) return [];
        const reply = d.text.slice(0, CASE_REPLY_KEPT);
        return [{ id: d.ticketId, set: { reply, replyTerms: termsOf(reply), repliedBy: d.authorId } }];
      }
      case 'tickets.status-changed.v1': {
        const d = event.data;
        if (d.to === 'solved') return [{ id: d.ticketId, set: { solved: true, solvedAt: d.at } }];
        if (d.from === 'solved' && d.to !== 'closed') return [{ id: d.ticketId, set: { solved: false } }];
        return [];
      }
      case 'tickets.ticket-merged.v1':
        // The surviving ticket is the case; a merged one would suggest the same story twice.
        return [{ id: event.data.ticketId, set: { merged: true } }];
      case 'tickets.ticket-erased.v1':
        return [
          {
            id: event.data.ticketId,
            set: { erased: true },
            unset: { subject: true, subjectTerms: true, reply: true, replyTerms: true, repliedBy: true },
          },
        ];
      default:
        return [];
    }
  },
};
