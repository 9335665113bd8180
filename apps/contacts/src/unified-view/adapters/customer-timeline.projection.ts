import { ERASED } from '@journey/contracts';
import type { DocumentChange, ProjectedEvent, Projection } from '@journey/projections';

/** The tickets facts the customer's timeline shows: opened or linked, status, transfer, escalation, rating. */
const TICKET_FACTS = [
  'tickets.ticket-opened.v1',
  'tickets.contact-linked.v1',
  'tickets.status-changed.v1',
  'tickets.ticket-transferred.v1',
  'tickets.ticket-escalated.v1',
  'tickets.csat-rated.v1',
];

const erased = (value: unknown) => value === ERASED;

/** An entry's document id: the stream and revision of the event it shows (one entry per event). */
export const entryId = (streamId: string, revision: bigint | number) => `${streamId}@${revision}`;

/** Fields of an entry's document that order the timeline and are not served. */
export const ORDER_FIELDS = ['rank', 'seq'] as const;

/**
 * The customer timeline: one document per entry (an interaction, a commerce fact, a ticket fact),
 * found by the contact it was recorded on and ordered by time — a conversation's start before its
 * first message at the same moment, then in the order its stream recorded them. Paged by the index
 * that serves that order, so a customer with years of history costs a page per read, and no document
 * grows with it.
 *
 * The customer's words (a summary, a commerce fact's details, a ticket note or comment) are left out
 * once erased; an erasure reaches every entry its stream can have made — one per revision before it,
 * applied only to entries that exist — so the live path and a replay end with the same documents.
 */
export const customerTimelineProjection: Projection = {
  name: 'customer-timeline',
  version: 1,
  indexes: [{ key: { contactId: 1, at: 1, rank: 1, seq: 1, _id: 1 }, name: 'by_contact_time' }],
  eventTypes: [
    'contacts.interaction-recorded.v1',
    'contacts.journey-event-recorded.v1',
    'contacts.personal-data-erased.v1',
    'tickets.ticket-erased.v1',
    ...TICKET_FACTS,
  ],
  project(event: ProjectedEvent): DocumentChange[] {
    const d = event.data as Record<string, unknown>;
    switch (event.type) {
      case 'contacts.interaction-recorded.v1': {
        const summary = d['summary'];
        return entry(event, d['contactId'], {
          at: d['at'],
          kind: d['kind'],
          channel: d['channel'],
          conversationId: d['conversationId'],
          ...(typeof summary === 'string' && !erased(summary) ? { summary } : {}),
        });
      }
      case 'contacts.journey-event-recorded.v1': {
        const details = d['details'];
        return entry(event, d['contactId'], {
          at: d['occurredAt'],
          kind: d['kind'],
          source: d['source'],
          externalId: d['externalId'],
          ...(details !== undefined && !erased(details) ? { details } : {}),
        });
      }
      // The contact's words are gone from its stream: so from every entry that stream made.
      case 'contacts.personal-data-erased.v1':
        return everyEntryBefore(event, { summary: true, details: true });
      // The ticket's words are gone from the store: so from the entries of its facts, also a note or
      // comment that reached the timeline after the contact's own erasure (the two come on different topics).
      case 'tickets.ticket-erased.v1':
        return everyEntryBefore(event, { summary: true });
      default:
        return TICKET_FACTS.includes(event.type) ? ticketFact(event) : [];
    }
  },
};

function entry(event: ProjectedEvent, contactId: unknown, fields: Record<string, unknown>): DocumentChange[] {
  if (typeof contactId !== 'string') return [];
  return [
    {
      id: entryId(event.streamId, event.revision),
      set: {
        contactId,
        eventId: event.id,
        ...fields,
        rank: fields['kind'] === 'conversation-started' ? 0 : 1,
        seq: Number(event.revision),
      },
    },
  ];
}

function everyEntryBefore(event: ProjectedEvent, unset: Record<string, true>): DocumentChange[] {
  return Array.from({ length: Number(event.revision) }, (_, revision) => ({
    id: entryId(event.streamId, revision),
    existing: true as const,
    unset,
  }));
}

/**
 * A ticket fact on the timeline of the contact it names (those without a known customer are not the
 * customer's). Notes and comments are the customer's words: they go where the erasure removes them from
 * (summary), and a replay after the erasure leaves them out.
 */
function ticketFact(event: ProjectedEvent): DocumentChange[] {
  const d = event.data as Record<string, unknown>;
  const words = (value: unknown) => (typeof value === 'string' && !erased(value) ? { summary: value } : {});
  const base = { ticketId: d['ticketId'] };
  const fields = ((): Record<string, unknown> | undefined => {
    switch (event.type) {
      case 'tickets.ticket-opened.v1':
        return {
          ...base,
          at: d['openedAt'],
          kind: 'ticket-opened',
          group: d['group'],
          priority: d['priority'],
          origin: (d['origin'] as { kind: string }).kind,
        };
      case 'tickets.contact-linked.v1':
        return { ...base, at: event.time, kind: 'ticket-linked' };
      case 'tickets.status-changed.v1':
        return { ...base, at: d['at'], kind: 'ticket-status', from: d['from'], to: d['to'] };
      case 'tickets.ticket-transferred.v1':
        return {
          ...base,
          at: d['at'],
          kind: 'ticket-transferred',
          fromGroup: d['fromGroup'],
          toGroup: d['toGroup'],
          ...words(d['note']),
        };
      case 'tickets.ticket-escalated.v1':
        return {
          ...base,
          at: d['at'],
          kind: 'ticket-escalated',
          fromGroup: d['fromGroup'],
          ...(d['toGroup'] ? { toGroup: d['toGroup'] } : {}),
          ...(d['priority'] ? { priority: d['priority'] } : {}),
          cause: d['cause'],
          ...words(d['note']),
        };
      case 'tickets.csat-rated.v1':
        return { ...base, at: d['at'], kind: 'csat-rated', score: d['score'], ...words(d['comment']) };
      default:
        return undefined;
    }
  })();
  return fields ? entry(event, d['contactId'], fields) : [];
}
