import { reject } from '@journey/eventstore';
import type { Decider, Rejection } from '@journey/eventstore';
import type { ChannelIdentity } from '@journey/contracts';

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
      data: { contactId: string; otherContactId: string; identity: ChannelIdentity; reason: string };
    }
  | { type: 'contacts.interaction-recorded.v1'; data: { contactId: string } & Interaction }
  | { type: 'contacts.journey-event-recorded.v1'; data: { contactId: string } & JourneyFact };

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
  | { kind: 'suggest-merge'; otherContactId: string; identity: ChannelIdentity; reason: string };

export interface ContactState {
  contactId: string | undefined;
  identities: ChannelIdentity[];
  interactions: Set<string>;
  journeyFacts: Set<string>;
  suggestions: Set<string>;
}

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
  }
}

function decide(command: ContactCommand, state: ContactState): ContactEvent[] | Rejection {
  if (command.kind === 'suggest-merge') {
    if (!state.contactId) return reject('contact not found');
    if (command.otherContactId === state.contactId || state.suggestions.has(command.otherContactId))
      return [];
    return [
      {
        type: 'contacts.merge-suggested.v1',
        data: {
          contactId: state.contactId,
          otherContactId: command.otherContactId,
          identity: command.identity,
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
  }),
  evolve,
  decide,
};
