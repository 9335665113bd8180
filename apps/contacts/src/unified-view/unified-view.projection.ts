import type { DocumentChange, ProjectedEvent, Projection } from '@journey/projections';

/** Journey stages in order; a contact's stage only moves forward. */
export const STAGES = ['pre-sale', 'in-sale', 'post-sale'] as const;
const STAGE_OF: Record<string, number> = {
  'order-placed': 1,
  'order-delivered': 2,
  'return-requested': 2,
};

type Data = Record<string, unknown> & { contactId: string };

/**
 * The unified customer view: one document per contact with identities, journey stage, channels, the
 * timeline of every interaction and commerce fact, and merge suggestions. Adding an event type is one
 * more case here (and a test), and a version bump rebuilds it blue/green.
 */
export const unifiedViewProjection: Projection = {
  name: 'unified-view',
  version: 1,
  eventTypes: [
    'contacts.contact-created.v1',
    'contacts.identity-linked.v1',
    'contacts.interaction-recorded.v1',
    'contacts.journey-event-recorded.v1',
    'contacts.merge-suggested.v1',
  ],
  project(event: ProjectedEvent): DocumentChange[] {
    const d = event.data as Data;
    const id = d.contactId;
    switch (event.type) {
      case 'contacts.contact-created.v1':
        // The first event of a contact's stream: it sets what later events add to.
        return [
          {
            id,
            setOnInsert: { createdAt: event.time },
            set: { identities: d['identities'], ...(d['name'] ? { name: d['name'] } : {}) },
            max: { stageRank: 0 },
          },
        ];
      case 'contacts.identity-linked.v1':
        return [{ id, addToSet: { identities: d['identity'] } }];
      case 'contacts.interaction-recorded.v1':
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
                ...(d['summary'] !== undefined ? { summary: d['summary'] } : {}),
              },
            },
            addToSet: { channels: d['channel'] },
            max: { lastContactAt: d['at'] },
          },
        ];
      case 'contacts.journey-event-recorded.v1':
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
                details: d['details'],
              },
            },
            max: { stageRank: STAGE_OF[d['kind'] as string] ?? 0 },
          },
        ];
      case 'contacts.merge-suggested.v1':
        return [
          {
            id,
            addToSet: { mergeSuggestions: { otherContactId: d['otherContactId'], reason: d['reason'] } },
          },
        ];
      default:
        return [];
    }
  },
};
