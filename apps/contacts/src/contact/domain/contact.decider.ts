import { reject } from '@journey/eventstore';
import type { Decider, Rejection } from '@journey/eventstore';
import type { ChannelIdentity, JourneyEventKind } from '@journey/contracts';

export type VipTier = 'standard' | 'silver' | 'gold' | 'platinum';
export type ChannelKind = 'web-chat' | 'email' | 'wechat' | 'app' | 'partner-api' | 'phone';
export type ConsentPurpose = 'marketing' | 'surveys' | 'transcripts' | 'profiling';
/** Agent edits win over attested sources, attested over claimed ones; equal sources: the newer holds. */
export type ProfileSource = 'claimed' | 'attested' | 'agent';
const SOURCE_RANK: Record<ProfileSource, number> = { claimed: 0, attested: 1, agent: 2 };
/** How long a contact that started a merge stays closed to other merges if the merge never finishes. */
export const MERGE_LOCK_MS = 30_000;
/** A merge joins its survivor only while this much of the survivor's lock is left (clock skew, slow appends). */
export const MERGE_LOCK_MARGIN_MS = 10_000;

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
  /** Of a call's start: who rang. */
  direction?: 'inbound' | 'outbound';
  at: string;
}

export interface JourneyFact {
  kind: JourneyEventKind;
  externalId: string;
  source: string;
  occurredAt: string;
  details: Record<string, string | number | boolean>;
}

export type ContactEvent =
  | {
      type: 'contacts.contact-created.v1';
      data: { contactId: string; identities: ChannelIdentity[]; name?: string; nameSource?: ProfileSource };
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
      data: {
        contactId: string;
        name?: string;
        nameSource?: ProfileSource;
        observedAt?: string;
        language?: string;
        timeZone?: string;
        by: string;
      };
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
  | {
      type: 'contacts.merge-started.v1';
      data: { contactId: string; mergedId: string; until: string; by: string };
    }
  | { type: 'contacts.merge-finished.v1'; data: { contactId: string; mergedId: string; merged: boolean } }
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
      /** How the name is known: attested when the observation carries an identity a system vouches for. */
      nameSource?: Exclude<ProfileSource, 'agent'>;
      /** When the source saw the customer (for "newer wins" between names of equal standing). */
      observedAt?: string;
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
  /** This contact (a root, not being merged into) is about to absorb another: closed to other merges until it finishes. */
  | { kind: 'start-merge'; mergedId: string; by: string; now: string }
  | { kind: 'finish-merge'; mergedId: string; merged: boolean }
  /**
   * Joins the survivor, whose merge lock holds until `survivorLockUntil`: past it (less a margin for
   * clocks), the survivor may have moved, so the merge is refused and started again.
   */
  | { kind: 'merge-into'; survivorId: string; by: string; now: string; survivorLockUntil?: string }
  | { kind: 'split'; by: string }
  /** The conversations it lists are the ones the contact's own events name, as the decision sees them. */
  | { kind: 'erase'; by: string; erasedAt: string };

export interface ContactState {
  contactId: string | undefined;
  identities: ChannelIdentity[];
  interactions: Set<string>;
  /** The conversations its interactions happened in (what an erasure hands to channels). */
  conversations: Set<string>;
  journeyFacts: Set<string>;
  suggestions: Set<string>;
  vipTier: VipTier | undefined;
  preferredChannel: ChannelKind | undefined;
  /** Where the current name came from and when, for the precedence of names. */
  name: { value: string; source: ProfileSource; at: string | undefined } | undefined;
  mergedInto: string | undefined;
  /**
   * Every contact a merge into this one was started for: whether it is merged in now, its own state
   * says (the merge may have failed, or been split since). Kept even when the merge never finished.
   */
  mergeCandidates: Set<string>;
  /** A merge into this contact in progress. */
  mergeLock: { mergedId: string; until: string } | undefined;
  erased: boolean;
}

/** The merge into this contact that is in progress at `now`, if any. */
export const activeMergeLock = (state: ContactState, now: string) =>
  state.mergeLock && Date.parse(state.mergeLock.until) > Date.parse(now) ? state.mergeLock : undefined;

/** A merge into or out of this contact is in progress: try again in a moment. */
export const MERGE_IN_PROGRESS = 'a merge of this contact is in progress; try again in a moment';

/** Why a command on a contact was refused, with the HTTP status it answers with. */
export const CONTACT_NOT_FOUND = 'contact not found';
export const CONTACT_ERASED = "the contact's personal data was erased; it takes no more changes";
/** The survivor chosen was itself merged (into the contact named after this text). */
export const NOT_A_ROOT = 'the contact is merged into';

export const identityKey = (i: Pick<ChannelIdentity, 'kind' | 'value'>) =>
  `${i.kind}:${i.value.toLowerCase()}`;

function evolve(state: ContactState, event: ContactEvent): ContactState {
  switch (event.type) {
    case 'contacts.contact-created.v1':
      return {
        ...state,
        contactId: event.data.contactId,
        identities: event.data.identities,
        name: event.data.name
          ? { value: event.data.name, source: event.data.nameSource ?? 'claimed', at: undefined }
          : state.name,
      };
    case 'contacts.profile-updated.v1':
      return event.data.name === undefined
        ? state
        : {
            ...state,
            name: {
              value: event.data.name,
              source: event.data.nameSource ?? 'agent',
              at: event.data.observedAt,
            },
          };
    case 'contacts.merge-started.v1':
      return {
        ...state,
        mergeLock: { mergedId: event.data.mergedId, until: event.data.until },
        mergeCandidates: new Set(state.mergeCandidates).add(event.data.mergedId),
      };
    case 'contacts.merge-finished.v1':
      return { ...state, mergeLock: undefined };
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
      return {
        ...state,
        interactions: new Set(state.interactions).add(event.data.sourceEventId),
        conversations: new Set(state.conversations).add(event.data.conversationId),
      };
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

/**
 * Whether a name seen on a channel or in an order replaces the contact's: a more trusted source always
 * does, a less trusted one never; of equal standing, the one the source saw later does (a name without
 * a time counts as older). Agents' edits are the most trusted, so a seen name never undoes one.
 */
export function namePrevails(
  current: ContactState['name'],
  source: ProfileSource,
  observedAt: string | undefined,
): boolean {
  if (!current) return true;
  const rank = SOURCE_RANK[source] - SOURCE_RANK[current.source];
  if (rank !== 0) return rank > 0;
  if (source === 'agent') return true;
  if (observedAt === undefined) return false;
  return current.at === undefined || Date.parse(observedAt) > Date.parse(current.at);
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
    if (activeMergeLock(state, command.erasedAt)) return reject(MERGE_IN_PROGRESS);
    const { by, erasedAt } = command;
    const conversationIds = [...state.conversations];
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
    case 'start-merge': {
      if (command.mergedId === contactId) return reject('a contact cannot be merged into itself');
      if (state.mergedInto) return reject(`${NOT_A_ROOT} ${state.mergedInto}`);
      const lock = activeMergeLock(state, command.now);
      if (lock?.mergedId === command.mergedId) return []; // the same merge, tried again while its lock holds
      if (lock) return reject(MERGE_IN_PROGRESS);
      return [
        {
          type: 'contacts.merge-started.v1',
          data: {
            contactId,
            mergedId: command.mergedId,
            until: new Date(Date.parse(command.now) + MERGE_LOCK_MS).toISOString(),
            by: command.by,
          },
        },
      ];
    }
    case 'finish-merge':
      if (state.mergeLock?.mergedId !== command.mergedId) return [];
      return [
        {
          type: 'contacts.merge-finished.v1',
          data: { contactId, mergedId: command.mergedId, merged: command.merged },
        },
      ];
    case 'merge-into':
      if (command.survivorId === contactId) return reject('a contact cannot be merged into itself');
      if (state.mergedInto === command.survivorId) return [];
      if (state.mergedInto)
        return reject(`the contact is already merged into ${state.mergedInto}; split it first`);
      // Something is being merged into this contact: merging it away now could close a loop.
      if (activeMergeLock(state, command.now)) return reject(MERGE_IN_PROGRESS);
      if (
        command.survivorLockUntil !== undefined &&
        Date.parse(command.now) >= Date.parse(command.survivorLockUntil) - MERGE_LOCK_MARGIN_MS
      )
        return reject(MERGE_IN_PROGRESS);
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
  const nameSource = command.nameSource ?? 'claimed';
  if (!state.contactId) {
    events.push({
      type: 'contacts.contact-created.v1',
      data: {
        contactId,
        identities: command.identities,
        ...(command.name ? { name: command.name, nameSource } : {}),
      },
    });
  } else {
    if (
      command.name &&
      command.name !== state.name?.value &&
      namePrevails(state.name, nameSource, command.observedAt)
    )
      events.push({
        type: 'contacts.profile-updated.v1',
        data: {
          contactId,
          name: command.name,
          nameSource,
          ...(command.observedAt ? { observedAt: command.observedAt } : {}),
          by: 'identity-resolution',
        },
      });
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
    conversations: new Set(),
    journeyFacts: new Set(),
    suggestions: new Set(),
    vipTier: undefined,
    preferredChannel: undefined,
    name: undefined,
    mergedInto: undefined,
    mergeCandidates: new Set(),
    mergeLock: undefined,
    erased: false,
  }),
  evolve,
  decide,
};
