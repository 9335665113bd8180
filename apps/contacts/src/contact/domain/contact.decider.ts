import { reject } from '@journey/eventstore';
import type { Decider, Rejection } from '@journey/eventstore';
import type { ChannelIdentity } from '@journey/contracts';

export type VipTier = 'standard' | 'silver' | 'gold' | 'platinum';
export type ChannelKind = 'web-chat' | 'email' | 'wechat' | 'app' | 'partner-api' | 'phone';
export type ConsentPurpose = 'marketing' | 'surveys' | 'transcripts' | 'profiling';

/** What an agent (or another system) changes on the contact's profile; absent fields stay as they are. */
export interface ProfileChange {
  name?: string;
  language?: string;
  timeZone?: string;
  vipTier?: VipTier;
  /** A value sets the trait, null removes it. */
  traits?: Record<string, string | null>;
  preferredChannel?: ChannelKind;
}

export interface Interaction {
  sourceEventId: string;
  sourceType: string;
  kind: 'conversation-started' | 'message-received' | 'message-sent' | 'call' | 'visitor-identified';
  channel: 'web-chat' | 'email' | 'wechat' | 'app' | 'partner-api' | 'phone';
  channelId: string;
  conversationId: string;
  summary?: string;
  at: string;
}

export interface JourneyFact {
  kind:
    'page-viewed' | 'lead-created' | 'quote-sent' | 'order-placed' | 'order-delivered' | 'return-requested';
  externalId: string;
  source: string;
  occurredAt: string;
  details: Record<string, string | number | boolean>;
}

export type ContactEvent =
  | {
      type: 'contacts.contact-created.v1';
      data: { contactId: string; identities: ChannelIdentity[]; name?: string };
    }
  | {
      type: 'contacts.identity-linked.v1';
      data: { contactId: string; identity: ChannelIdentity; sourceEventId?: string };
    }
  | {
      type: 'contacts.merge-suggested.v1';
      data: { contactId: string; otherContactId: string; identity?: ChannelIdentity; reason: string };
    }
  | { type: 'contacts.interaction-recorded.v1'; data: { contactId: string } & Interaction }
  | { type: 'contacts.journey-event-recorded.v1'; data: { contactId: string } & JourneyFact }
  | {
      type: 'contacts.profile-updated.v1';
      data: { contactId: string; name?: string; language?: string; timeZone?: string; by: string };
    }
  | { type: 'contacts.vip-tier-set.v1'; data: { contactId: string; tier: VipTier; by: string } }
  | {
      type: 'contacts.traits-set.v1';
      data: { contactId: string; traits: Record<string, string | null>; by: string };
    }
  | {
      type: 'contacts.preferred-channel-set.v1';
      data: { contactId: string; channel: ChannelKind; by: string };
    }
  | {
      type: 'contacts.consent-recorded.v1';
      data: {
        contactId: string;
        purpose: ConsentPurpose;
        granted: boolean;
        source: string;
        at: string;
        by: string;
      };
    }
  | { type: 'contacts.contact-merged.v1'; data: { contactId: string; survivorId: string; by: string } }
  | { type: 'contacts.contact-split.v1'; data: { contactId: string; survivorId: string; by: string } }
  | {
      type: 'contacts.personal-data-erased.v1';
      data: { contactId: string; conversationIds: string[]; by: string; erasedAt: string };
    };

export type ContactCommand =
  | {
      /** What a channel or another system saw of the customer: identities, and what happened. */
      kind: 'observe';
      contactId: string;
      identities: ChannelIdentity[];
      name?: string;
      sourceEventId?: string;
      interaction?: Interaction;
      journeyFact?: JourneyFact;
    }
  | { kind: 'suggest-merge'; otherContactId: string; identity?: ChannelIdentity; reason: string }
  | { kind: 'update-profile'; change: ProfileChange; by: string }
  | {
      kind: 'record-consent';
      purpose: ConsentPurpose;
      granted: boolean;
      source: string;
      at: string;
      by: string;
    }
  | { kind: 'merge-into'; survivorId: string; by: string }
  | { kind: 'split'; by: string }
  | { kind: 'erase'; conversationIds: string[]; by: string; erasedAt: string };

export interface ContactState {
  contactId: string | undefined;
  identities: ChannelIdentity[];
  interactions: Set<string>;
  journeyFacts: Set<string>;
  suggestions: Set<string>;
  vipTier: VipTier | undefined;
  preferredChannel: ChannelKind | undefined;
  mergedInto: string | undefined;
  erased: boolean;
}

/** Why a command on a contact was refused, with the HTTP status it answers with. */
export const CONTACT_NOT_FOUND = 'contact not found';
export const CONTACT_ERASED = "the contact's personal data was erased; it takes no more changes";

export const identityKey = (i: Pick<ChannelIdentity, 'kind' | 'value'>) =>
  `${i.kind}:${i.value.toLowerCase()}`;

function evolve(state: ContactState, event: ContactEvent): ContactState {
  switch (event.type) {
    case 'contacts.contact-created.v1':
      return { ...state, contactId: event.data.contactId, identities: event.data.identities };
    case 'contacts.identity-linked.v1': {
      const key = identityKey(event.data.identity);
      return {
        ...state,
        identities: [...state.identities.filter((i) => identityKey(i) !== key), event.data.identity],
      };
    }
    case 'contacts.merge-suggested.v1':
      return { ...state, suggestions: new Set(state.suggestions).add(event.data.otherContactId) };
    case 'contacts.interaction-recorded.v1':
      return { ...state, interactions: new Set(state.interactions).add(event.data.sourceEventId) };
    case 'contacts.journey-event-recorded.v1':
      return {
        ...state,
        journeyFacts: new Set(state.journeyFacts).add(
          `${event.data.source}:${event.data.kind}:${event.data.externalId}`,
        ),
      };
    case 'contacts.vip-tier-set.v1':
      return { ...state, vipTier: event.data.tier };
    case 'contacts.preferred-channel-set.v1':
      return { ...state, preferredChannel: event.data.channel };
    case 'contacts.contact-merged.v1':
      return { ...state, mergedInto: event.data.survivorId };
    case 'contacts.contact-split.v1':
      return { ...state, mergedInto: undefined };
    case 'contacts.personal-data-erased.v1':
      return { ...state, erased: true };
    default:
      return state;
  }
}

function decideProfile(
  contactId: string,
  change: ProfileChange,
  by: string,
  state: ContactState,
): ContactEvent[] {
  const events: ContactEvent[] = [];
  const profile = {
    ...(change.name !== undefined ? { name: change.name } : {}),
    ...(change.language !== undefined ? { language: change.language } : {}),
    ...(change.timeZone !== undefined ? { timeZone: change.timeZone } : {}),
  };
  if (Object.keys(profile).length)
    events.push({ type: 'contacts.profile-updated.v1', data: { contactId, ...profile, by } });
  if (change.vipTier !== undefined && change.vipTier !== state.vipTier)
    events.push({ type: 'contacts.vip-tier-set.v1', data: { contactId, tier: change.vipTier, by } });
  if (change.traits !== undefined && Object.keys(change.traits).length)
    events.push({ type: 'contacts.traits-set.v1', data: { contactId, traits: change.traits, by } });
  if (change.preferredChannel !== undefined && change.preferredChannel !== state.preferredChannel)
    events.push({
      type: 'contacts.preferred-channel-set.v1',
      data: { contactId, channel: change.preferredChannel, by },
    });
  return events;
}

/** Commands an agent or the data-protection officer gives about a known contact. */
function decideOnContact(
  command: Exclude<ContactCommand, { kind: 'observe' | 'suggest-merge' }>,
  contactId: string,
  state: ContactState,
): ContactEvent[] | Rejection {
  if (command.kind === 'erase') {
    if (state.erased) return []; // asked again: the keys are deleted again, nothing more is recorded
    const { conversationIds, by, erasedAt } = command;
    return [{ type: 'contacts.personal-data-erased.v1', data: { contactId, conversationIds, by, erasedAt } }];
  }
  if (state.erased) return reject(CONTACT_ERASED);
  switch (command.kind) {
    case 'update-profile':
      return decideProfile(contactId, command.change, command.by, state);
    case 'record-consent': {
      const { purpose, granted, source, at, by } = command;
      return [
        { type: 'contacts.consent-recorded.v1', data: { contactId, purpose, granted, source, at, by } },
      ];
    }
    case 'merge-into':
      if (command.survivorId === contactId) return reject('a contact cannot be merged into itself');
      if (state.mergedInto === command.survivorId) return [];
      if (state.mergedInto)
        return reject(`the contact is already merged into ${state.mergedInto}; split it first`);
      return [
        {
          type: 'contacts.contact-merged.v1',
          data: { contactId, survivorId: command.survivorId, by: command.by },
        },
      ];
    case 'split':
      if (!state.mergedInto) return reject('the contact is not merged into another');
      return [
        {
          type: 'contacts.contact-split.v1',
          data: { contactId, survivorId: state.mergedInto, by: command.by },
        },
      ];
  }
}

function decide(command: ContactCommand, state: ContactState): ContactEvent[] | Rejection {
  if (command.kind !== 'observe' && command.kind !== 'suggest-merge') {
    if (!state.contactId) return reject(CONTACT_NOT_FOUND);
    return decideOnContact(command, state.contactId, state);
  }
  if (state.erased) return reject(CONTACT_ERASED);
  if (command.kind === 'suggest-merge') {
    if (!state.contactId) return reject(CONTACT_NOT_FOUND);
    if (command.otherContactId === state.contactId || state.suggestions.has(command.otherContactId))
      return [];
    return [
      {
        type: 'contacts.merge-suggested.v1',
        data: {
          contactId: state.contactId,
          otherContactId: command.otherContactId,
          ...(command.identity ? { identity: command.identity } : {}),
          reason: command.reason,
        },
      },
    ];
  }
  const contactId = state.contactId ?? command.contactId;
  const events: ContactEvent[] = [];
  if (!state.contactId) {
    events.push({
      type: 'contacts.contact-created.v1',
      data: { contactId, identities: command.identities, ...(command.name ? { name: command.name } : {}) },
    });
  } else {
    for (const identity of command.identities) {
      const known = state.identities.find((i) => identityKey(i) === identityKey(identity));
      // New, or now attested where it was only claimed before.
      if (!known || (identity.verified && !known.verified))
        events.push({
          type: 'contacts.identity-linked.v1',
          data: {
            contactId,
            identity,
            ...(command.sourceEventId ? { sourceEventId: command.sourceEventId } : {}),
          },
        });
    }
  }
  if (command.interaction && !state.interactions.has(command.interaction.sourceEventId))
    events.push({ type: 'contacts.interaction-recorded.v1', data: { contactId, ...command.interaction } });
  const fact = command.journeyFact;
  if (fact && !state.journeyFacts.has(`${fact.source}:${fact.kind}:${fact.externalId}`))
    events.push({ type: 'contacts.journey-event-recorded.v1', data: { contactId, ...fact } });
  return events;
}

export const contactDecider: Decider<ContactCommand, ContactState, ContactEvent> = {
  initialState: () => ({
    contactId: undefined,
    identities: [],
    interactions: new Set(),
    journeyFacts: new Set(),
    suggestions: new Set(),
    vipTier: undefined,
    preferredChannel: undefined,
    mergedInto: undefined,
    erased: false,
  }),
  evolve,
  decide,
};
