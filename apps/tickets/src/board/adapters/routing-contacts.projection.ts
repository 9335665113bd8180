import { ERASED } from '@journey/contracts';
import type { DocumentChange, ProjectedEvent, Projection } from '@journey/projections';

type Data = Record<string, unknown>;

/**
 * What routing knows of a customer: their VIP tier, traits and language (from contacts), the agents
 * who served them (from assignments), and which contact each conversation belongs to. Traits are the
 * customer's personal data: erasure removes them here too.
 */
export const routingContactsProjection: Projection = {
  name: 'routing-contacts',
  version: 1,
  eventTypes: [
    'contacts.vip-tier-set.v1',
    'contacts.traits-set.v1',
    'contacts.profile-updated.v1',
    'contacts.interaction-recorded.v1',
    'contacts.personal-data-erased.v1',
    'tickets.ticket-assigned.v1',
  ],
  project(event: ProjectedEvent): DocumentChange[] {
    const d = event.data as Data;
    const contact = `contact:${d['contactId'] as string}`;
    switch (event.type) {
      case 'contacts.vip-tier-set.v1':
        return [{ id: contact, set: { vipTier: d['tier'] } }];
      case 'contacts.traits-set.v1': {
        const traits = d['traits'];
        if (traits === ERASED || typeof traits !== 'object' || traits === null) return [];
        const set: Record<string, unknown> = {};
        const unset: Record<string, true> = {};
        for (const [k, v] of Object.entries(traits)) {
          if (v === null) unset[`traits.${k}`] = true;
          else set[`traits.${k}`] = v;
        }
        return [{ id: contact, set, unset }];
      }
      case 'contacts.profile-updated.v1':
        return d['language'] ? [{ id: contact, set: { language: d['language'] } }] : [];
      case 'contacts.interaction-recorded.v1':
        return [{ id: `conversation:${d['conversationId'] as string}`, set: { contactId: d['contactId'] } }];
      case 'contacts.personal-data-erased.v1':
        return [{ id: contact, set: { erased: true }, unset: { traits: true, language: true } }];
      case 'tickets.ticket-assigned.v1':
        return d['contactId']
          ? [{ id: `contact:${d['contactId'] as string}`, addToSet: { previousAgents: d['agentId'] } }]
          : [];
      default:
        return [];
    }
  },
};
