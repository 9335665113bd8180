import fc from 'fast-check';
import { decideOnStoredEvents, playDecider } from '@journey/eventstore';
import { journeyCatalogue } from '@journey/contracts';
import type { ChannelIdentity } from '@journey/contracts';
import { activeMergeLock, contactDecider, identityKey, MERGE_IN_PROGRESS } from './contact.decider';
import type { ContactCommand, ContactEvent, ProfileSource } from './contact.decider';

// Properties of the contact decider over any sequence of commands, redeliveries and merges included: what
// the contacts service relies on (a replica that reads the stream back from the store decides as the one
// that kept it in memory; every event fits its contract; a redelivery changes nothing; a merge lock and an
// erasure hold; a name never goes to a less trusted source), checked on generated histories.
const C = '0b5c7c1e-3d0f-4b7e-9a53-8f1f5c2a7d11';
const uuid = (n: number, prefix = '0000') => `${prefix}0000-0000-4000-8000-${String(n).padStart(12, '0')}`;
/** Other contacts: merge candidates and survivors (the contact itself among them, to be refused). */
const others = [C, uuid(1, '9999'), uuid(2, '9999')];
const t0 = Date.parse('2026-11-23T12:00:00.000Z');
/** Moments around a 30 s merge lock, so that locks hold, lapse and are about to lapse. */
const time = fc.constantFrom(0, 10, 25, 35, 70).map((s) => new Date(t0 + s * 1000).toISOString());

/** Identities from a small pool: the same address claimed and attested, and in another case. */
const identityPool: ChannelIdentity[] = [
  { kind: 'email', value: 'li@example.com', verified: false },
  { kind: 'email', value: 'Li@Example.com', verified: true },
  { kind: 'visitor-id', value: 'v-1', verified: false },
  { kind: 'phone', value: '+8613800000000', verified: true },
];
const identities = fc
  .uniqueArray(fc.constantFrom(...identityPool), { minLength: 1, maxLength: 3, selector: identityKey })
  .map((list) => list.map((i) => ({ ...i })));

const observe: fc.Arbitrary<ContactCommand> = fc
  .record(
    {
      identities,
      name: fc.constantFrom('Li Wei', 'Wei Li', '李伟'),
      nameSource: fc.constantFrom('claimed' as const, 'attested' as const),
      observedAt: time,
      interaction: fc.record({
        n: fc.integer({ min: 1, max: 3 }),
        conversation: fc.integer({ min: 1, max: 2 }),
      }),
      journeyFact: fc.record({
        kind: fc.constantFrom('order-placed' as const, 'order-shipped' as const),
        externalId: fc.constantFrom('o-1', 'o-2'),
      }),
    },
    { requiredKeys: ['identities'] },
  )
  .map(({ interaction, journeyFact, ...o }): ContactCommand => ({
    kind: 'observe',
    contactId: C,
    ...o,
    ...(interaction
      ? {
          interaction: {
            sourceEventId: uuid(interaction.n, '1111'),
            sourceType: 'channels.message-received.v1',
            kind: 'message-received',
            channel: 'web-chat',
            channelId: 'site',
            conversationId: uuid(interaction.conversation, '2222'),
            summary: 'where is my order',
            at: '2026-11-23T10:00:00.000Z',
          },
        }
      : {}),
    ...(journeyFact
      ? {
          journeyFact: {
            ...journeyFact,
            source: 'shop',
            occurredAt: '2026-11-23T09:00:00.000Z',
            details: { total: 42 },
          },
        }
      : {}),
  }));

const command: fc.Arbitrary<ContactCommand> = fc.oneof(
  { weight: 5, arbitrary: observe },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...others).map((otherContactId): ContactCommand => ({
      kind: 'suggest-merge',
      otherContactId,
      reason: 'same email',
    })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record(
        {
          name: fc.constantFrom('Mr Li', 'Li Wei'),
          language: fc.constantFrom('zh-CN', 'en'),
          vipTier: fc.constantFrom('standard' as const, 'gold' as const),
          traits: fc.constantFrom({ pet: 'dog' }, { pet: null }),
          preferredChannel: fc.constantFrom('wechat' as const, 'email' as const),
        },
        { requiredKeys: [] },
      )
      .map((change): ContactCommand => ({ kind: 'update-profile', change, by: 'agent-1' })),
  },
  {
    weight: 1,
    arbitrary: fc.record({ granted: fc.boolean(), at: time }).map(({ granted, at }): ContactCommand => ({
      kind: 'record-consent',
      purpose: 'marketing',
      granted,
      source: 'web-form',
      at,
      by: 'agent-1',
    })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ mergedId: fc.constantFrom(...others), now: time })
      .map(({ mergedId, now }): ContactCommand => ({ kind: 'start-merge', mergedId, by: 'agent-1', now })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ mergedId: fc.constantFrom(...others), merged: fc.boolean() })
      .map(({ mergedId, merged }): ContactCommand => ({ kind: 'finish-merge', mergedId, merged })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record(
        { survivorId: fc.constantFrom(...others), now: time, survivorLockUntil: time },
        { requiredKeys: ['survivorId', 'now'] },
      )
      .map((m): ContactCommand => ({ kind: 'merge-into', by: 'agent-1', ...m })),
  },
  { weight: 2, arbitrary: fc.constant<ContactCommand>({ kind: 'split', by: 'agent-2' }) },
  {
    weight: 1,
    arbitrary: time.map((erasedAt): ContactCommand => ({ kind: 'erase', by: 'dpo', erasedAt })),
  },
);

/** Runs the commands as the handler does: decide on the state of everything stored so far, store what it decides. */
function play(commands: ContactCommand[]) {
  return playDecider(contactDecider, commands);
}

const RANK: Record<ProfileSource, number> = { claimed: 0, attested: 1, agent: 2 };
/** Mostly a known contact (an observation first), so that most commands reach its rules. */
const commands = fc
  .tuple(
    fc.option(observe, { freq: 8, nil: undefined }),
    fc.array(command, { minLength: 1, maxLength: 30, size: 'max' }),
  )
  .map(([first, rest]) => (first ? [first, ...rest] : rest));

describe('the contact decider, for any sequence of commands', () => {
  it('decides every command on a stream read back from the store as on the state kept in memory', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        decideOnStoredEvents(contactDecider, play(cs), (step, outcome) =>
          expect(outcome).toEqual(step.outcome),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('emits only events that fit their contract (the handler appends nothing else)', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        const problems = play(cs)
          .history.map((e) => journeyCatalogue.check(e.type, e.data))
          .filter((p) => p !== undefined);
        expect(problems).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('changes nothing when a command with an identity of its own is decided again right after (a redelivery)', () => {
    const redeliverable = new Set<ContactCommand['kind']>([
      'observe',
      'suggest-merge',
      'start-merge',
      'finish-merge',
      'merge-into',
      'split',
      'erase',
    ]);
    fc.assert(
      fc.property(commands, (cs) => {
        const { state } = play(cs);
        const last = cs[cs.length - 1] as ContactCommand;
        if (!redeliverable.has(last.kind)) return;
        const again = contactDecider.decide(last, state);
        expect({ kind: last.kind, events: Array.isArray(again) ? again : [] }).toEqual({
          kind: last.kind,
          events: [],
        });
      }),
      { numRuns: 500 },
    );
  });

  it('records each interaction and each journey fact once, however often they are observed', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        const { history } = play(cs);
        const interactions = history.flatMap((e) =>
          e.type === 'contacts.interaction-recorded.v1' ? [e.data.sourceEventId] : [],
        );
        const facts = history.flatMap((e) =>
          e.type === 'contacts.journey-event-recorded.v1' ? [`${e.data.kind}:${e.data.externalId}`] : [],
        );
        expect(new Set(interactions).size).toBe(interactions.length);
        expect(new Set(facts).size).toBe(facts.length);
      }),
      { numRuns: 300 },
    );
  });

  it('while a merge into it holds its lock, is neither merged away, nor erased, nor starts another merge', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        for (const { command: c, before, outcome } of play(cs).steps) {
          const now = c.kind === 'erase' ? c.erasedAt : 'now' in c ? c.now : undefined;
          const lock = now === undefined ? undefined : activeMergeLock(before, now);
          if (!lock || before.erased) continue;
          const blocked =
            (c.kind === 'merge-into' && before.mergedInto !== c.survivorId && c.survivorId !== C) ||
            c.kind === 'erase' ||
            (c.kind === 'start-merge' &&
              c.mergedId !== lock.mergedId &&
              c.mergedId !== C &&
              !before.mergedInto);
          if (blocked)
            expect({ kind: c.kind, outcome }).toEqual({
              kind: c.kind,
              outcome: 'rejected',
            });
        }
      }),
      { numRuns: 500 },
    );
    // The refusal names the lock (what the erasure waits for), not another reason.
    const locked = play([
      { kind: 'observe', contactId: C, identities: [{ kind: 'visitor-id', value: 'v-1', verified: false }] },
      { kind: 'start-merge', mergedId: others[1] as string, by: 'a', now: new Date(t0).toISOString() },
    ]).state;
    expect(
      contactDecider.decide({ kind: 'erase', by: 'dpo', erasedAt: new Date(t0).toISOString() }, locked),
    ).toEqual({
      rejected: true,
      reason: MERGE_IN_PROGRESS,
    });
  });

  it('is never merged into itself, and merges into one survivor at a time (a split comes between two)', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        let into: string | undefined;
        for (const e of play(cs).history) {
          if (e.type === 'contacts.contact-merged.v1') {
            expect(e.data.survivorId).not.toBe(C);
            expect(into).toBeUndefined();
            into = e.data.survivorId;
          } else if (e.type === 'contacts.contact-split.v1') {
            expect(e.data.survivorId).toBe(into);
            into = undefined;
          } else if (e.type === 'contacts.merge-started.v1') {
            // Only a root (not merged away) absorbs another contact, and never itself.
            expect(into).toBeUndefined();
            expect(e.data.mergedId).not.toBe(C);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never lets a name from a less trusted source replace one from a more trusted source', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        const { steps, state } = play(cs);
        let rank = -1;
        for (const { name } of [...steps.map((s) => s.before), state]) {
          const now = name ? RANK[name.source] : -1;
          expect(now).toBeGreaterThanOrEqual(rank);
          rank = now;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('once erased, records nothing more: a second erasure is done already, anything else is refused', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        for (const step of play(cs).steps.filter((s) => s.before.erased)) {
          const outcome = step.outcome === 'rejected' ? 'rejected' : step.outcome.map((e) => e.type);
          expect({ kind: step.command.kind, outcome }).toEqual({
            kind: step.command.kind,
            outcome: step.command.kind === 'erase' ? [] : 'rejected',
          });
        }
      }),
      { numRuns: 500 },
    );
  });

  it('hands every conversation the contact was seen in to the erasure, and no other', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        const { history } = play(cs);
        const at = history.findIndex((e) => e.type === 'contacts.personal-data-erased.v1');
        if (at < 0) return;
        const seen = new Set(
          history
            .slice(0, at)
            .flatMap((e) => (e.type === 'contacts.interaction-recorded.v1' ? [e.data.conversationId] : [])),
        );
        const erased = history[at] as Extract<ContactEvent, { type: 'contacts.personal-data-erased.v1' }>;
        expect(new Set(erased.data.conversationIds)).toEqual(seen);
        expect(erased.data.conversationIds).toHaveLength(seen.size);
      }),
      { numRuns: 300 },
    );
  });
});
