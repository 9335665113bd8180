import { contactDecider } from './contact.decider';
import type { ContactCommand, ContactEvent } from './contact.decider';

const C = '0b5c7c1e-3d0f-4b7e-9a53-8f1f5c2a7d11';
const visitor = { kind: 'visitor-id' as const, value: 'v-1', verified: true };
const claimed = { kind: 'email' as const, value: 'li@example.com', verified: false };
const attested = { ...claimed, verified: true };
const interaction = {
  sourceEventId: '6f1d2a9e-2b8c-4f1e-8d7a-3c5b9e0f1a22',
  sourceType: 'channels.message-received.v1',
  kind: 'message-received' as const,
  channel: 'web-chat' as const,
  channelId: 'site',
  conversationId: '7a1d2a9e-2b8c-4f1e-8d7a-3c5b9e0f1a22',
  summary: 'hi',
  at: '2026-11-23T10:00:00.000Z',
};

function given(events: ContactEvent[]) {
  const state = events.reduce(contactDecider.evolve, contactDecider.initialState());
  return (command: ContactCommand) => contactDecider.decide(command, state);
}
const decided = (events: ContactEvent[], command: ContactCommand) => {
  const result = given(events)(command);
  if (!Array.isArray(result)) throw new Error(result.reason);
  return result;
};

describe('the contact decider', () => {
  it('creates the contact at its first observation, with the interaction, and records an interaction once', () => {
    const first = decided([], { kind: 'observe', contactId: C, identities: [visitor], interaction });
    expect(first.map((e) => e.type)).toEqual([
      'contacts.contact-created.v1',
      'contacts.interaction-recorded.v1',
    ]);
    expect(decided(first, { kind: 'observe', contactId: C, identities: [visitor], interaction })).toEqual([]);
  });

  it('links a new identity, and again when a claimed one becomes attested', () => {
    const created = decided([], { kind: 'observe', contactId: C, identities: [visitor] });
    const linked = decided(created, { kind: 'observe', contactId: C, identities: [claimed] });
    expect(linked).toEqual([
      { type: 'contacts.identity-linked.v1', data: { contactId: C, identity: claimed } },
    ]);
    expect(
      decided([...created, ...linked], { kind: 'observe', contactId: C, identities: [claimed] }),
    ).toEqual([]);
    expect(
      decided([...created, ...linked], { kind: 'observe', contactId: C, identities: [attested] }),
    ).toEqual([{ type: 'contacts.identity-linked.v1', data: { contactId: C, identity: attested } }]);
  });

  it('records a journey fact once per source, kind and external id', () => {
    const fact = {
      kind: 'order-placed' as const,
      externalId: 'o-1',
      source: 'shop',
      occurredAt: '2026-11-23T10:00:00.000Z',
      details: {},
    };
    const first = decided([], { kind: 'observe', contactId: C, identities: [attested], journeyFact: fact });
    expect(first.map((e) => e.type)).toEqual([
      'contacts.contact-created.v1',
      'contacts.journey-event-recorded.v1',
    ]);
    expect(
      decided(first, { kind: 'observe', contactId: C, identities: [attested], journeyFact: fact }),
    ).toEqual([]);
    expect(
      decided(first, {
        kind: 'observe',
        contactId: C,
        identities: [],
        journeyFact: { ...fact, kind: 'order-delivered' },
      }),
    ).toHaveLength(1);
  });

  it('suggests a merge with another contact once, and never with itself', () => {
    const created = decided([], { kind: 'observe', contactId: C, identities: [visitor] });
    const other = '9b5c7c1e-3d0f-4b7e-9a53-8f1f5c2a7d11';
    const suggest: ContactCommand = {
      kind: 'suggest-merge',
      otherContactId: other,
      identity: claimed,
      reason: 'same email',
    };
    const suggested = decided(created, suggest);
    expect(suggested.map((e) => e.type)).toEqual(['contacts.merge-suggested.v1']);
    expect(decided([...created, ...suggested], suggest)).toEqual([]);
    expect(decided(created, { ...suggest, otherContactId: C })).toEqual([]);
    expect(given([])(suggest)).toEqual({ rejected: true, reason: 'contact not found' });
  });
});
