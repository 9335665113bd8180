import { z } from 'zod';
import { CHANNELS, CONSENT_PURPOSES, VIP_TIERS } from '@journey/contracts';

// What the contacts API answers, for its OpenAPI document (the answers are built in the use cases
// and the unified view).

const timelineEntry = z
  .object({
    eventId: z.uuid(),
    at: z.iso.datetime({ offset: true }),
    kind: z.string(),
    contactId: z.uuid().describe('the contact it was recorded on (a merged one, for a survivor)'),
  })
  .catchall(z.unknown());

const customerView = z.object({
  contactId: z.uuid(),
  mergedInto: z.uuid().optional(),
  mergedContacts: z.array(z.uuid()),
  name: z.string().optional(),
  language: z.string().optional(),
  timeZone: z.string().optional(),
  vipTier: z.enum(VIP_TIERS),
  traits: z.record(z.string(), z.string()),
  preferredChannel: z.object({ channel: z.enum(CHANNELS), inferred: z.boolean() }).optional(),
  consent: z.partialRecord(
    z.enum(CONSENT_PURPOSES),
    z.object({ granted: z.boolean(), at: z.string(), source: z.string() }),
  ),
  identities: z.array(z.object({ kind: z.string(), value: z.string().optional(), verified: z.boolean() })),
  stage: z.string().describe('pre-sale, in-sale or post-sale'),
  channels: z.array(z.enum(CHANNELS)),
  lastContactAt: z.string().optional(),
  mergeSuggestions: z.array(z.object({ otherContactId: z.uuid(), reason: z.string() })),
  personalDataErasedAt: z.string().optional(),
  timelineSize: z.number().int(),
  recent: z.array(timelineEntry),
});

const recorded = z.object({
  recorded: z.array(z.string()).describe('the event types appended (none: no change)'),
});

export const CONTACTS_ANSWERS = {
  found: z.object({
    contacts: z.array(
      z.object({
        contactId: z.uuid(),
        name: z.string(),
        vipTier: z.enum(VIP_TIERS),
        lastContactAt: z.string().optional(),
        mergedInto: z.uuid().optional(),
      }),
    ),
  }),
  erased: z.object({
    contacts: z.array(z.uuid()).describe('the contact and every contact merged into it'),
    conversations: z.number().int(),
    keysDeleted: z.number().int(),
  }),
  heldBy: z.object({ contactId: z.uuid(), heldBy: z.uuid().optional() }),
  customerView,
  timeline: z.object({
    entries: z.array(timelineEntry),
    nextCursor: z.string().optional().describe('where the next page starts (opaque): pass it as cursor'),
  }),
  journeyEvent: z.object({ contactId: z.uuid().optional(), recorded: z.boolean() }),
  recorded,
  merged: recorded.extend({ survivorId: z.uuid() }),
};
