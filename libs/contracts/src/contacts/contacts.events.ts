import { z } from 'zod';
import { defineEvent } from '../catalogue/event-catalogue';
import { channelIdentity, CHANNELS } from '../channels/channels.events';

const contactId = z.uuid();

export const contactCreated = defineEvent({
  type: 'contacts.contact-created.v1',
  description: 'A customer became known: the first identity a channel or another system saw for them.',
  contactScoped: true,
  schema: z.object({
    contactId,
    identities: z.array(channelIdentity).min(1),
    name: z.string().max(200).optional(),
  }),
});

export const identityLinked = defineEvent({
  type: 'contacts.identity-linked.v1',
  description:
    'An identity was linked to the contact: automatically when attested (verified), as a weak link otherwise.',
  contactScoped: true,
  schema: z.object({ contactId, identity: channelIdentity, sourceEventId: z.uuid().optional() }),
});

export const mergeSuggested = defineEvent({
  type: 'contacts.merge-suggested.v1',
  description:
    'Two contacts look like the same customer (an identity seen on both without attestation); an agent decides.',
  contactScoped: true,
  schema: z.object({
    contactId,
    otherContactId: contactId,
    identity: channelIdentity,
    reason: z.string().min(1),
  }),
});

/** The kinds of interaction the unified view's timeline shows. */
export const INTERACTION_KINDS = [
  'conversation-started',
  'message-received',
  'message-sent',
  'call',
  'visitor-identified',
] as const;

export const interactionRecorded = defineEvent({
  type: 'contacts.interaction-recorded.v1',
  description:
    "A channel interaction was attributed to the contact (the source event stays the record; this is the customer's side of it).",
  contactScoped: true,
  schema: z.object({
    contactId,
    sourceEventId: z.uuid(),
    sourceType: z.string().min(1),
    kind: z.enum(INTERACTION_KINDS),
    channel: z.enum(CHANNELS),
    channelId: z.string().min(1),
    conversationId: z.uuid(),
    summary: z.string().max(500).optional(),
    at: z.iso.datetime({ offset: true }),
  }),
});

/** Pre-sale and in-sale facts other systems report (commerce, CRM). */
export const JOURNEY_EVENT_KINDS = [
  'page-viewed',
  'lead-created',
  'quote-sent',
  'order-placed',
  'order-delivered',
  'return-requested',
] as const;

export const journeyEventRecorded = defineEvent({
  type: 'contacts.journey-event-recorded.v1',
  description:
    'A commerce or CRM fact about the customer (page viewed, lead, quote, order placed or delivered, return).',
  contactScoped: true,
  schema: z.object({
    contactId,
    kind: z.enum(JOURNEY_EVENT_KINDS),
    /** The reporting system's id for the fact: reporting it again records nothing. */
    externalId: z.string().min(1).max(200),
    source: z.string().min(1).max(100),
    occurredAt: z.iso.datetime({ offset: true }),
    details: z.record(z.string(), z.union([z.string().max(2000), z.number(), z.boolean()])).default({}),
  }),
});

export const CONTACTS_EVENTS = [
  contactCreated,
  identityLinked,
  mergeSuggested,
  interactionRecorded,
  journeyEventRecorded,
];
