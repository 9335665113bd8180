import { z } from 'zod';
import { defineEvent } from '../catalogue/event-catalogue';
import type { EventOf } from '../catalogue/event-catalogue';
import { channelIdentity, CHANNELS, IDENTITIES_MAX } from '../channels/channels.events';
import { boundedRecord } from '../size/size-limits';

const contactId = z.uuid();

/** How much a name (or another profile field) can be trusted: agent edits win, then attested, then claimed. */
export const PROFILE_SOURCES = ['claimed', 'attested', 'agent'] as const;

export const contactCreated = defineEvent({
  type: 'contacts.contact-created.v1',
  description: 'A customer became known: the first identity a channel or another system saw for them.',
  contactScoped: true,
  personalData: ['identities[].value', 'name'],
  schema: z.object({
    contactId,
    identities: z.array(channelIdentity).min(1).max(IDENTITIES_MAX),
    name: z.string().max(200).optional(),
    /** Where the name came from (absent in events recorded before it was kept: claimed). */
    nameSource: z.enum(PROFILE_SOURCES).optional(),
  }),
});

export const identityRegistered = defineEvent({
  type: 'contacts.identity-registered.v1',
  description:
    'The identity registry: one stream per identity (or conversation), named by a keyed digest of it, so it holds no personal data. The first contact registered attested holds the identity; contacts registered unattested only claim it. Identity resolution decides from these streams, with optimistic concurrency, so two replicas never give one identity to two contacts.',
  contactScoped: true,
  schema: z.object({ contactId, attested: z.boolean() }),
});

export const identityReleased = defineEvent({
  type: 'contacts.identity-released.v1',
  description:
    'The identity registry forgot a holder (its personal data was erased). A closed conversation stays closed: a message of it that arrives later is attributed to nobody.',
  contactScoped: true,
  schema: z.object({ contactId, closed: z.boolean() }),
});

export const identityLinked = defineEvent({
  type: 'contacts.identity-linked.v1',
  description:
    'An identity was linked to the contact: automatically when attested (verified), as a weak link otherwise.',
  contactScoped: true,
  personalData: ['identity.value'],
  schema: z.object({ contactId, identity: channelIdentity, sourceEventId: z.uuid().optional() }),
});

export const mergeSuggested = defineEvent({
  type: 'contacts.merge-suggested.v1',
  description:
    'Two contacts look like the same customer (an identity seen on both, or the same name); an agent decides.',
  contactScoped: true,
  personalData: ['identity.value'],
  schema: z.object({
    contactId,
    otherContactId: contactId,
    /** The identity seen on both; absent when the match is a weaker one (the same name). */
    identity: channelIdentity.optional(),
    reason: z.string().min(1).max(500),
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
  personalData: ['summary'],
  schema: z.object({
    contactId,
    sourceEventId: z.uuid(),
    sourceType: z.string().min(1).max(100),
    kind: z.enum(INTERACTION_KINDS),
    channel: z.enum(CHANNELS),
    channelId: z.string().min(1).max(100),
    conversationId: z.uuid(),
    summary: z.string().max(500).optional(),
    /** Of a call's start: whether the customer rang (inbound) or was rung (outbound). */
    direction: z.enum(['inbound', 'outbound']).optional(),
    at: z.iso.datetime({ offset: true }),
  }),
});

/** Pre-sale and in-sale facts other systems report (commerce, CRM). */
export const JOURNEY_EVENT_KINDS = [
  'page-viewed',
  'lead-created',
  'quote-sent',
  'order-placed',
  'payment-failed',
  'order-shipped',
  'order-delivered',
  'return-requested',
] as const;
export type JourneyEventKind = (typeof JOURNEY_EVENT_KINDS)[number];

/** The most entries a journey fact's details hold. */
export const JOURNEY_DETAILS_MAX_KEYS = 32;

/** Free-form facts about a journey event (order total, page, campaign…): a bounded flat record. */
export const journeyEventDetails = boundedRecord(
  z.string().min(1).max(64),
  z.union([z.string().max(2000), z.number(), z.boolean()]),
  JOURNEY_DETAILS_MAX_KEYS,
);

export const journeyEventRecorded = defineEvent({
  type: 'contacts.journey-event-recorded.v1',
  description:
    'A commerce or CRM fact about the customer (page viewed, lead, quote, order placed, payment failed, order shipped or delivered, return). Tickets opens proactive tickets from them by rule (a late shipment, a failed payment, a return).',
  contactScoped: true,
  personalData: ['details'],
  schema: z.object({
    contactId,
    kind: z.enum(JOURNEY_EVENT_KINDS),
    /** The reporting system's id for the fact: reporting it again records nothing. */
    externalId: z.string().min(1).max(200),
    source: z.string().min(1).max(100),
    occurredAt: z.iso.datetime({ offset: true }),
    details: journeyEventDetails.default({}),
  }),
});

const actor = z.string().min(1).max(200);

export const profileUpdated = defineEvent({
  type: 'contacts.profile-updated.v1',
  description:
    "An agent or another system changed the contact's name, language or time zone; a name seen on a channel or in an order updates it too, by the precedence in nameSource.",
  contactScoped: true,
  personalData: ['name'],
  schema: z.object({
    contactId,
    name: z.string().min(1).max(200).optional(),
    /** Where the name came from: agent edits (the default) win over attested, attested over claimed. */
    nameSource: z.enum(PROFILE_SOURCES).optional(),
    /** When the source saw it: of two names from equally trusted sources, the newer holds. */
    observedAt: z.iso.datetime({ offset: true }).optional(),
    /** BCP 47, e.g. zh-CN, en. */
    language: z
      .string()
      .max(35)
      .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/)
      .optional(),
    /** IANA, e.g. Asia/Shanghai. */
    timeZone: z.string().min(1).max(64).optional(),
    by: actor,
  }),
});

/** Service tiers, lowest first; routing and SLA policies read them. */
export const VIP_TIERS = ['standard', 'silver', 'gold', 'platinum'] as const;

export const vipTierSet = defineEvent({
  type: 'contacts.vip-tier-set.v1',
  description: "The contact's service tier changed (routing and SLA policies use it).",
  contactScoped: true,
  schema: z.object({ contactId, tier: z.enum(VIP_TIERS), by: actor }),
});

/** The most traits one change sets or removes. */
export const TRAITS_MAX = 50;

/** A trait's name: a lower-case word. */
export const traitKey = z
  .string()
  .max(40)
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'trait keys are lower-case words, up to 40 characters');

export const traitsSet = defineEvent({
  type: 'contacts.traits-set.v1',
  description:
    'Traits of the contact were set (a value) or removed (null), e.g. pet: dog; routing matches agents who share them.',
  contactScoped: true,
  personalData: ['traits'],
  schema: z.object({
    contactId,
    traits: boundedRecord(traitKey, z.string().min(1).max(200).nullable(), TRAITS_MAX).refine(
      (t) => Object.keys(t).length > 0,
      'at least one trait',
    ),
    by: actor,
  }),
});

export const preferredChannelSet = defineEvent({
  type: 'contacts.preferred-channel-set.v1',
  description:
    'The channel to reach the contact on was set explicitly (without it, the view infers it from where the customer last wrote).',
  contactScoped: true,
  schema: z.object({ contactId, channel: z.enum(CHANNELS), by: actor }),
});

/** What a customer can consent to. */
export const CONSENT_PURPOSES = ['marketing', 'surveys', 'transcripts', 'profiling'] as const;

export const consentRecorded = defineEvent({
  type: 'contacts.consent-recorded.v1',
  description: 'The customer gave or withdrew consent for a purpose; the newest answer per purpose holds.',
  contactScoped: true,
  schema: z.object({
    contactId,
    purpose: z.enum(CONSENT_PURPOSES),
    granted: z.boolean(),
    /** Where it was given: a form, a chat, an agent's note of a call. */
    source: z.string().min(1).max(100),
    at: z.iso.datetime({ offset: true }),
    by: actor,
  }),
});

export const mergeStarted = defineEvent({
  type: 'contacts.merge-started.v1',
  description:
    'This contact is about to absorb another. Until the merge finishes (or `until` passes, after a crash) it can be neither merged into a third contact nor erased: merges decided this way never make a loop.',
  contactScoped: true,
  schema: z.object({ contactId, mergedId: contactId, until: z.iso.datetime({ offset: true }), by: actor }),
});

export const mergeFinished = defineEvent({
  type: 'contacts.merge-finished.v1',
  description:
    'The merge this contact started is over: `merged` says whether the other contact is now part of it.',
  contactScoped: true,
  schema: z.object({ contactId, mergedId: contactId, merged: z.boolean() }),
});

export const contactMerged = defineEvent({
  type: 'contacts.contact-merged.v1',
  description:
    "This contact was merged into the surviving one: by an agent, or by identity resolution when an attesting system names both contacts' identities at once. Nothing moves: the view shows both as one, and a split undoes it.",
  contactScoped: true,
  schema: z.object({ contactId, survivorId: contactId, by: actor }),
});

export const contactSplit = defineEvent({
  type: 'contacts.contact-split.v1',
  description: 'A merge was undone: the contact stands on its own again, with every interaction it had.',
  contactScoped: true,
  schema: z.object({ contactId, survivorId: contactId, by: actor }),
});

export const personalDataErased = defineEvent({
  type: 'contacts.personal-data-erased.v1',
  description:
    "The customer's personal data was erased: the contact's key is deleted, and channels, acting on this event, erases the conversations listed, so the encrypted fields of every event about them read as [erased] from now on.",
  contactScoped: true,
  schema: z.object({
    contactId,
    /** Bounded so that the event fits a Kafka message; a contact has far fewer conversations. */
    conversationIds: z.array(z.uuid()).max(10_000),
    by: actor,
    erasedAt: z.iso.datetime({ offset: true }),
  }),
});

export const CONTACTS_EVENTS = [
  contactCreated,
  identityRegistered,
  identityReleased,
  identityLinked,
  mergeSuggested,
  interactionRecorded,
  journeyEventRecorded,
  profileUpdated,
  vipTierSet,
  traitsSet,
  preferredChannelSet,
  consentRecorded,
  mergeStarted,
  mergeFinished,
  contactMerged,
  contactSplit,
  personalDataErased,
] as const;

/** Every contacts event, type and data, from the contracts above. */
export type ContactsEvent = EventOf<(typeof CONTACTS_EVENTS)[number]>;
