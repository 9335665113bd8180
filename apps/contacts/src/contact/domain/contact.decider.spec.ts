import {
  contactDecider,
  MERGE_IN_PROGRESS,
  MERGE_LOCK_MS,
  namePrevails,
  NOT_A_ROOT,
} from './contact.decider';
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

  describe('names, by precedence', () => {
    const created = decided([], {
      kind: 'observe',
      contactId: C,
      identities: [visitor],
      name: 'visitor typed',
      nameSource: 'claimed',
    });
    const observe = (
      name: string,
      nameSource: 'claimed' | 'attested',
      observedAt?: string,
    ): ContactCommand => ({
      kind: 'observe',
      contactId: C,
      identities: [],
      name,
      nameSource,
      ...(observedAt ? { observedAt } : {}),
    });

    it('lets a name seen later reach an existing contact: attested over claimed, newer over older, agent edits over both', () => {
      const attestedName = decided(created, observe('Li Wei', 'attested', '2026-11-23T10:00:00.000Z'));
      expect(attestedName).toEqual([
        {
          type: 'contacts.profile-updated.v1',
          data: {
            contactId: C,
            name: 'Li Wei',
            nameSource: 'attested',
            observedAt: '2026-11-23T10:00:00.000Z',
            by: 'identity-resolution',
          },
        },
      ]);
      const history = [...created, ...attestedName];
      // A claim never overrides an attested name; the same name again records nothing.
      expect(decided(history, observe('Someone Else', 'claimed', '2026-11-24T10:00:00.000Z'))).toEqual([]);
      expect(decided(history, observe('Li Wei', 'attested', '2026-11-24T10:00:00.000Z'))).toEqual([]);
      // Of two attested names, the one seen later holds, whatever order they arrive in.
      expect(decided(history, observe('Li Wei (older)', 'attested', '2026-11-22T10:00:00.000Z'))).toEqual([]);
      expect(decided(history, observe('Wei Li', 'attested', '2026-11-24T10:00:00.000Z'))).toHaveLength(1);
      const agent = decided(history, { kind: 'update-profile', change: { name: 'Mr Li' }, by: 'agent-1' });
      expect(
        decided([...history, ...agent], observe('Wei Li', 'attested', '2026-11-25T10:00:00.000Z')),
      ).toEqual([]);
    });

    it('ranks sources in one function', () => {
      expect(namePrevails(undefined, 'claimed', undefined)).toBe(true);
      expect(namePrevails({ value: 'a', source: 'claimed', at: undefined }, 'claimed', undefined)).toBe(
        false,
      );
      expect(
        namePrevails({ value: 'a', source: 'claimed', at: undefined }, 'claimed', '2026-01-01T00:00:00Z'),
      ).toBe(true);
      expect(
        namePrevails({ value: 'a', source: 'agent', at: undefined }, 'attested', '2026-01-01T00:00:00Z'),
      ).toBe(false);
      expect(namePrevails({ value: 'a', source: 'agent', at: undefined }, 'agent', undefined)).toBe(true);
    });
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

  describe('merge, split and erasure', () => {
    const S = '9e9a1f5c-7a43-4d0c-8f55-1b7d3c2e4f60';
    const created = decided([], { kind: 'observe', contactId: C, identities: [visitor], interaction });
    const now = '2026-11-23T12:00:00.000Z';
    const later = (ms: number) => new Date(Date.parse(now) + ms).toISOString();

    it('while absorbing another contact, is closed to being merged away, to a second merge and to erasure, until it finishes or the lock lapses', () => {
      const M = '2e9a1f5c-7a43-4d0c-8f55-1b7d3c2e4f62';
      const started = decided(created, { kind: 'start-merge', mergedId: M, by: 'agent-1', now });
      expect(started).toEqual([
        {
          type: 'contacts.merge-started.v1',
          data: { contactId: C, mergedId: M, until: later(MERGE_LOCK_MS), by: 'agent-1' },
        },
      ]);
      const locked = given([...created, ...started]);
      expect(locked({ kind: 'merge-into', survivorId: S, by: 'a', now })).toMatchObject({
        reason: MERGE_IN_PROGRESS,
      });
      expect(locked({ kind: 'start-merge', mergedId: S, by: 'a', now })).toMatchObject({
        reason: MERGE_IN_PROGRESS,
      });
      expect(locked({ kind: 'erase', by: 'dpo', erasedAt: later(1_000) })).toMatchObject({
        reason: MERGE_IN_PROGRESS,
      });
      // A crashed merge does not close the contact for ever.
      expect(
        decided([...created, ...started], {
          kind: 'merge-into',
          survivorId: S,
          by: 'a',
          now: later(MERGE_LOCK_MS + 1),
        }),
      ).toHaveLength(1);
      // The same merge tried again: nothing new while its lock holds, a fresh lock once it lapsed.
      expect(decided([...created, ...started], { kind: 'start-merge', mergedId: M, by: 'a', now })).toEqual(
        [],
      );
      expect(
        decided([...created, ...started], {
          kind: 'start-merge',
          mergedId: M,
          by: 'a',
          now: later(MERGE_LOCK_MS),
        }),
      ).toHaveLength(1);
      // Joining a survivor whose lock is about to lapse is refused: the survivor may move after it.
      expect(
        given(created)({
          kind: 'merge-into',
          survivorId: S,
          by: 'a',
          now: later(MERGE_LOCK_MS - 1_000),
          survivorLockUntil: later(MERGE_LOCK_MS),
        }),
      ).toMatchObject({ reason: MERGE_IN_PROGRESS });
      expect(
        decided(created, {
          kind: 'merge-into',
          survivorId: S,
          by: 'a',
          now,
          survivorLockUntil: later(MERGE_LOCK_MS),
        }),
      ).toHaveLength(1);
      const finished = decided([...created, ...started], { kind: 'finish-merge', mergedId: M, merged: true });
      expect(finished).toEqual([
        { type: 'contacts.merge-finished.v1', data: { contactId: C, mergedId: M, merged: true } },
      ]);
      const after = [...created, ...started, ...finished];
      expect(decided(after, { kind: 'merge-into', survivorId: S, by: 'a', now })).toHaveLength(1);
      const state = after.reduce(contactDecider.evolve, contactDecider.initialState());
      expect([...state.mergeCandidates]).toEqual([M]);
      // A contact that is merged away is no survivor.
      const merged = decided(created, { kind: 'merge-into', survivorId: S, by: 'a', now });
      expect(
        given([...created, ...merged])({ kind: 'start-merge', mergedId: M, by: 'a', now }),
      ).toMatchObject({
        reason: expect.stringMatching(new RegExp(`^${NOT_A_ROOT} ${S}`)),
      });
    });

    it('merges into a survivor once, refuses a second survivor, and a split points back at the survivor', () => {
      const merged = decided(created, { kind: 'merge-into', survivorId: S, by: 'agent-1', now });
      expect(merged).toEqual([
        { type: 'contacts.contact-merged.v1', data: { contactId: C, survivorId: S, by: 'agent-1' } },
      ]);
      expect(
        decided([...created, ...merged], { kind: 'merge-into', survivorId: S, by: 'agent-1', now }),
      ).toEqual([]);
      expect(
        given([...created, ...merged])({ kind: 'merge-into', survivorId: C, by: 'a', now }),
      ).toMatchObject({
        reason: expect.stringMatching(/itself/),
      });
      const other = '1e9a1f5c-7a43-4d0c-8f55-1b7d3c2e4f61';
      expect(
        given([...created, ...merged])({ kind: 'merge-into', survivorId: other, by: 'a', now }),
      ).toMatchObject({
        reason: expect.stringMatching(/already merged into .*split it first/),
      });
      const split = decided([...created, ...merged], { kind: 'split', by: 'agent-2' });
      expect(split).toEqual([
        { type: 'contacts.contact-split.v1', data: { contactId: C, survivorId: S, by: 'agent-2' } },
      ]);
      expect(given([...created, ...merged, ...split])({ kind: 'split', by: 'a' })).toMatchObject({
        reason: 'the contact is not merged into another',
      });
    });

    it('erases once, then takes no more changes or observations', () => {
      const erase = {
        kind: 'erase' as const,
        by: 'dpo',
        erasedAt: '2026-11-23T12:00:00.000Z',
      };
      const erased = decided(created, erase);
      expect(erased.map((e) => e.type)).toEqual(['contacts.personal-data-erased.v1']);
      // The conversations it hands to channels are those of the state it was decided on.
      expect(erased[0]?.data).toMatchObject({ conversationIds: [interaction.conversationId] });
      expect(decided([...created, ...erased], erase)).toEqual([]);
      const after = given([...created, ...erased]);
      expect(after({ kind: 'update-profile', change: { name: 'X' }, by: 'a' })).toMatchObject({
        rejected: true,
      });
      expect(after({ kind: 'observe', contactId: C, identities: [visitor] })).toMatchObject({
        rejected: true,
      });
    });

    it('turns a profile change into one event per aspect, skipping a tier or channel that is already set', () => {
      const change = decided(created, {
        kind: 'update-profile',
        change: {
          name: 'Li Wei',
          language: 'zh-CN',
          vipTier: 'gold',
          traits: { pet: 'dog' },
          preferredChannel: 'wechat',
        },
        by: 'agent-1',
      });
      expect(change.map((e) => e.type)).toEqual([
        'contacts.profile-updated.v1',
        'contacts.vip-tier-set.v1',
        'contacts.traits-set.v1',
        'contacts.preferred-channel-set.v1',
      ]);
      expect(
        decided([...created, ...change], {
          kind: 'update-profile',
          change: { vipTier: 'gold', preferredChannel: 'wechat' },
          by: 'agent-1',
        }),
      ).toEqual([]);
    });

    it('refuses commands about a contact that does not exist', () => {
      expect(given([])({ kind: 'split', by: 'a' })).toMatchObject({ reason: 'contact not found' });
    });
  });
});
