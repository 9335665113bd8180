import { ERASED } from '@journey/contracts';
import type { DocumentChange, ProjectedEvent, Projection } from '@journey/projections';

/** Journey stages in order; a contact's stage only moves forward. */
export const STAGES = ['pre-sale', 'in-sale', 'post-sale'] as const;
const STAGE_OF: Record<string, number> = {
  'order-placed': 1,
  'payment-failed': 1,
  'order-shipped': 1,
  'order-delivered': 2,
  'return-requested': 2,
};

/** The tickets facts the customer's timeline shows: opened or linked, status, transfer, escalation, rating. */
const TICKET_FACTS = [
  'tickets.ticket-opened.v1',
  'tickets.contact-linked.v1',
  'tickets.status-changed.v1',
  'tickets.ticket-transferred.v1',
  'tickets.ticket-escalated.v1',
  'tickets.csat-rated.v1',
  'tickets.ticket-erased.v1',
];

type Data = Record<string, unknown> & { contactId: string };

const erased = (value: unknown) => value === ERASED;

/** An identity as the view keeps it: without its value once that is erased. */
function identity(i: { kind: string; value: string; verified: boolean }) {
  return erased(i.value) ? { kind: i.kind, verified: i.verified } : i;
}

/**
 * The unified customer view: one document per contact with identities, profile, tier, traits,
 * consent, journey stage, channels, the timeline of every interaction and commerce fact, merge links
 * and suggestions. Adding an event type is one more case here (and a test); a version bump rebuilds
 * it blue/green.
 *
 * Erased personal data is absent from the document, never a placeholder: a field that reads [erased]
 * on replay is left out, and the erasure event removes the same fields from what the live path built,
 * so both paths end with the same document.
 */
export const unifiedViewProjection: Projection = {
  name: 'unified-view',
  version: 4,
  eventTypes: [
    'contacts.contact-created.v1',
    'contacts.identity-linked.v1',
    'contacts.interaction-recorded.v1',
    'contacts.journey-event-recorded.v1',
    'contacts.merge-suggested.v1',
    'contacts.profile-updated.v1',
    'contacts.vip-tier-set.v1',
    'contacts.traits-set.v1',
    'contacts.preferred-channel-set.v1',
    'contacts.consent-recorded.v1',
    'contacts.contact-merged.v1',
    'contacts.contact-split.v1',
    'contacts.personal-data-erased.v1',
    ...TICKET_FACTS,
  ],
  project(event: ProjectedEvent): DocumentChange[] {
    const d = event.data as Data;
    const id = d.contactId;
    switch (event.type) {
      case 'contacts.contact-created.v1': {
        const name = d['name'];
        return [
          {
            id,
            // The timeline is always there, so that an erasure's timeline.$[] update finds an array
            // (and a ticket fact that arrived first on its own topic is kept).
            setOnInsert: { timeline: [] },
            set: {
              createdAt: event.time,
              identities: (d['identities'] as Parameters<typeof identity>[0][]).map(identity),
              ...(name !== undefined && !erased(name) ? { name } : {}),
            },
            max: { stageRank: 0 },
          },
        ];
      }
      case 'contacts.identity-linked.v1':
        return [{ id, push: { identities: identity(d['identity'] as Parameters<typeof identity>[0]) } }];
      case 'contacts.interaction-recorded.v1': {
        const summary = d['summary'];
        const inbound = d['kind'] === 'message-received';
        return [
          {
            id,
            push: {
              timeline: {
                eventId: event.id,
                at: d['at'],
                kind: d['kind'],
                channel: d['channel'],
                conversationId: d['conversationId'],
                ...(summary !== undefined && !erased(summary) ? { summary } : {}),
              },
            },
            addToSet: { channels: d['channel'] },
            // When the customer last wrote from each channel: the latest is the preferred channel unless
            // one is set. By time, not by the order events arrive in (two channels' streams interleave).
            max: {
              lastContactAt: d['at'],
              ...(inbound ? { [`lastInboundAt.${d['channel'] as string}`]: d['at'] } : {}),
            },
          },
        ];
      }
      case 'contacts.journey-event-recorded.v1': {
        const details = d['details'];
        return [
          {
            id,
            push: {
              timeline: {
                eventId: event.id,
                at: d['occurredAt'],
                kind: d['kind'],
                source: d['source'],
                externalId: d['externalId'],
                ...(details !== undefined && !erased(details) ? { details } : {}),
              },
            },
            max: { stageRank: STAGE_OF[d['kind'] as string] ?? 0 },
          },
        ];
      }
      case 'contacts.merge-suggested.v1':
        return [
          {
            id,
            addToSet: { mergeSuggestions: { otherContactId: d['otherContactId'], reason: d['reason'] } },
          },
        ];
      case 'contacts.profile-updated.v1': {
        const set: Record<string, unknown> = {};
        if (d['name'] !== undefined && !erased(d['name'])) set['name'] = d['name'];
        if (d['language'] !== undefined) set['language'] = d['language'];
        if (d['timeZone'] !== undefined) set['timeZone'] = d['timeZone'];
        return Object.keys(set).length ? [{ id, set }] : [];
      }
      case 'contacts.vip-tier-set.v1':
        return [{ id, set: { vipTier: d['tier'] } }];
      case 'contacts.traits-set.v1': {
        const traits = d['traits'];
        if (erased(traits)) return [{ id, unset: { traits: true } }];
        const set: Record<string, unknown> = {};
        const unset: Record<string, true> = {};
        for (const [key, value] of Object.entries(traits as Record<string, string | null>))
          if (value === null) unset[`traits.${key}`] = true;
          else set[`traits.${key}`] = value;
        return [{ id, set, unset }];
      }
      case 'contacts.preferred-channel-set.v1':
        return [{ id, set: { preferredChannel: d['channel'] } }];
      case 'contacts.consent-recorded.v1':
        return [
          {
            id,
            set: {
              [`consent.${d['purpose'] as string}`]: {
                granted: d['granted'],
                at: d['at'],
                source: d['source'],
              },
            },
          },
        ];
      case 'contacts.contact-merged.v1':
        return [
          { id, set: { mergedInto: d['survivorId'] } },
          { id: d['survivorId'] as string, addToSet: { mergedContacts: id } },
        ];
      case 'contacts.contact-split.v1':
        return [
          { id, unset: { mergedInto: true } },
          { id: d['survivorId'] as string, pull: { mergedContacts: id } },
        ];
      case 'contacts.personal-data-erased.v1':
        return [
          {
            id,
            set: { erasedAt: d['erasedAt'] },
            unset: {
              name: true,
              traits: true,
              'identities.$[].value': true,
              'timeline.$[].summary': true,
              'timeline.$[].details': true,
            },
          },
        ];
      default:
        return TICKET_FACTS.includes(event.type) ? ticketFact(event) : [];
    }
  },
};

/**
 * A ticket fact on the timeline of the contact it names (those without a known customer are not the
 * view's). Notes and comments are the customer's words: they go where the erasure removes them from
 * (summary), and a replay after the erasure leaves them out.
 */
function ticketFact(event: ProjectedEvent): DocumentChange[] {
  const d = event.data as Record<string, unknown>;
  const contactId = d['contactId'];
  if (typeof contactId !== 'string') return [];
  // The ticket's words are gone from the store: so from the timeline too, also a note or comment that
  // reached the view after the contact's own erasure (the two come on different topics).
  if (event.type === 'tickets.ticket-erased.v1')
    return [{ id: contactId, unset: { 'timeline.$[].summary': true } }];
  const words = (value: unknown) => (typeof value === 'string' && !erased(value) ? { summary: value } : {});
  const base = { eventId: event.id, ticketId: d['ticketId'] };
  const entry = ((): Record<string, unknown> | undefined => {
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
  return entry ? [{ id: contactId, push: { timeline: entry } }] : [];
}
