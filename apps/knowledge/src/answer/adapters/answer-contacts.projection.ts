import type { DocumentChange, ProjectedEvent, Projection } from '@journey/projections';

type Data = Record<string, unknown>;

/**
 * What auto-answer needs to know of a customer, from contacts' events: which contact each conversation
 * belongs to, the contact's VIP tier, and the contact it was merged into. No personal data: ids and a tier.
 */
export const answerContactsProjection: Projection = {
  name: 'answer-contacts',
  version: 2,
  eventTypes: [
    'contacts.interaction-recorded.v1',
    'contacts.vip-tier-set.v1',
    'contacts.contact-merged.v1',
    'contacts.contact-split.v1',
  ],
  project(event: ProjectedEvent): DocumentChange[] {
    const d = event.data as Data;
    switch (event.type) {
      case 'contacts.interaction-recorded.v1':
        return [
          {
            id: `conversation:${d['conversationId'] as string}`,
            set: { kind: 'conversation', contactId: d['contactId'] },
          },
        ];
      case 'contacts.vip-tier-set.v1':
        return [{ id: `contact:${d['contactId'] as string}`, set: { kind: 'contact', vipTier: d['tier'] } }];
      default:
        return [];
    }
  },
};
