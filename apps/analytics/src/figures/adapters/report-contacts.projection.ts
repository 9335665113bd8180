import type { ContactsEvent } from '@journey/contracts';
import type { DocumentChange, ProjectedEvent, Projection } from '@journey/projections';

/**
 * What reports cut tickets by about their customer: the VIP tier, and the contact a merged one now
 * counts as (a merge is read through to its survivor; a split undoes it).
 */
export const reportContactsProjection: Projection = {
  name: 'report-contacts',
  version: 1,
  // The journey figures gather a customer's merged contacts by their survivor.
  indexes: [{ key: { survivorId: 1 }, name: 'by_survivor' }],
  eventTypes: ['contacts.vip-tier-set.v1', 'contacts.contact-merged.v1', 'contacts.contact-split.v1'],
  project(projected: ProjectedEvent): DocumentChange[] {
    const event = { type: projected.type, data: projected.data } as ContactsEvent;
    switch (event.type) {
      case 'contacts.vip-tier-set.v1':
        return [{ id: event.data.contactId, set: { vipTier: event.data.tier } }];
      case 'contacts.contact-merged.v1':
        return [{ id: event.data.contactId, set: { survivorId: event.data.survivorId } }];
      case 'contacts.contact-split.v1':
        return [{ id: event.data.contactId, unset: { survivorId: true } }];
      default:
        return [];
    }
  },
};
