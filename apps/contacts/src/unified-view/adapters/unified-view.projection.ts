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

type Data = Record<string, unknown> & { contactId: string };

const erased = (value: unknown) => value === ERASED;

/**
 * What the exact-name lookup compares: the name trimmed, in Unicode's compatibility form, lower case
 * (so "ＡＮＮ Lee " and "ann lee" are one name). Erased with the name.
 */
export const nameKeyOf = (name: string) => name.trim().normalize('NFKC').toLowerCase();

/** The name and its lookup key, or nothing for an erased or absent name. */
const named = (name: unknown) =>
  typeof name === 'string' && !erased(name) ? { name, nameKey: nameKeyOf(name) } : {};

/** An identity as the view keeps it: without its value once that is erased. */
function identity(i: { kind: string; value: string; verified: boolean }) {
  return erased(i.value) ? { kind: i.kind, verified: i.verified } : i;
}

/**
 * The unified customer view: one document per contact with identities, profile, tier, traits,
 * consent, journey stage, channels, last contact, merge links and suggestions. The timeline is a read
 * model of its own (customer-timeline, one document per entry), so no document here grows with the
 * customer's history. Adding an event type is one more case here (and a test); a version bump rebuilds
 * it blue/green.
 *
 * Erased personal data is absent from the document, never a placeholder: a field that reads [erased]
 * on replay is left out, and the erasure event removes the same fields from what the live path built,
 * so both paths end with the same document.
 */
export const unifiedViewProjection: Projection = {
  name: 'unified-view',
  version: 5,
  // Identity resolution looks up new customers' names exactly; merges read a contact's merged ones by id.
  indexes: [{ key: { nameKey: 1 }, name: 'by_name_key' }],
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
  ],
  project(event: ProjectedEvent): DocumentChange[] {
    const d = event.data as Data;
    const id = d.contactId;
    switch (event.type) {
      case 'contacts.contact-created.v1':
        return [
          {
            id,
            set: {
              createdAt: event.time,
              identities: (d['identities'] as Parameters<typeof identity>[0][]).map(identity),
              ...named(d['name']),
            },
            max: { stageRank: 0 },
          },
        ];
      case 'contacts.identity-linked.v1':
        return [{ id, push: { identities: identity(d['identity'] as Parameters<typeof identity>[0]) } }];
      case 'contacts.interaction-recorded.v1': {
        const inbound = d['kind'] === 'message-received';
        return [
          {
            id,
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
      case 'contacts.journey-event-recorded.v1':
        return [{ id, max: { stageRank: STAGE_OF[d['kind'] as string] ?? 0 } }];
      case 'contacts.merge-suggested.v1':
        return [
          {
            id,
            addToSet: { mergeSuggestions: { otherContactId: d['otherContactId'], reason: d['reason'] } },
          },
        ];
      case 'contacts.profile-updated.v1': {
        const set: Record<string, unknown> = { ...named(d['name']) };
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
            // timeline: the array a document built before v5 still holds (entries have their own read
            // model now); removing it from a v5 document changes nothing.
            unset: { name: true, nameKey: true, traits: true, 'identities.$[].value': true, timeline: true },
          },
        ];
      default:
        return [];
    }
  },
};
