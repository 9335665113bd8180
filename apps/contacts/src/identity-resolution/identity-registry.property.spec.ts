import fc from 'fast-check';
import { playDecider } from '@journey/eventstore';
import { journeyCatalogue } from '@journey/contracts';
import { CLAIMANTS_MAX, registryDecider } from './identity-registry';
import type { RegistryCommand, RegistryEvent } from './identity-registry';

// Properties of the identity registry's decider over any sequence of registrations and releases: what
// identity resolution relies on (an identity has at most one attested holder, the first, until it is
// released; claims never make a holder and stay bounded; an erased conversation takes no one again; a
// redelivery changes nothing; every event fits its contract), checked on generated histories.
const contactOf = (n: number) => `c0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const contact = fc.integer({ min: 1, max: 4 }).map(contactOf);
const command: fc.Arbitrary<RegistryCommand> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({ contactId: contact, attested: fc.boolean() })
      .map((r): RegistryCommand => ({ kind: 'register', ...r })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ contactId: contact, close: fc.boolean() })
      .map((r): RegistryCommand => ({ kind: 'release', ...r })),
  },
);
/** Sometimes many claims first (more contacts than the registry keeps), then anything. */
const commands = fc
  .tuple(fc.nat({ max: CLAIMANTS_MAX + 5 }), fc.array(command, { minLength: 1, maxLength: 30, size: 'max' }))
  .map(([claims, rest]) => [
    ...Array.from({ length: claims }, (_, i): RegistryCommand => ({
      kind: 'register',
      contactId: contactOf(100 + i),
      attested: false,
    })),
    ...rest,
  ]);

/** Runs the commands as the registry does: decide on everything stored so far, store what it decides. */
function play(cs: RegistryCommand[]) {
  return playDecider(registryDecider, cs);
}

describe('the identity registry decider, for any sequence of commands', () => {
  it('gives the identity to the first attested holder, who keeps it until released', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        for (const { command: c, before, outcome } of play(cs).steps) {
          const registered =
            outcome === 'rejected' ? [] : outcome.filter((e) => e.type === 'contacts.identity-registered.v1');
          for (const e of registered) if (e.data.attested) expect(before.holder).toBeUndefined();
          if (c.kind === 'register' && c.attested && before.holder === undefined && !before.closed)
            expect(registered).toEqual([
              { type: 'contacts.identity-registered.v1', data: { contactId: c.contactId, attested: true } },
            ]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the claimants distinct, bounded and apart from the holder', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        const { steps, state } = play(cs);
        for (const s of [...steps.map((x) => x.before), state]) {
          expect(new Set(s.claimants).size).toBe(s.claimants.length);
          expect(s.claimants.length).toBeLessThanOrEqual(CLAIMANTS_MAX);
          if (s.holder !== undefined) expect(s.claimants).not.toContain(s.holder);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('once closed, stays closed and refuses every registration', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        for (const { command: c, before, outcome } of play(cs).steps.filter((s) => s.before.closed)) {
          if (c.kind === 'register') expect(outcome).toBe('rejected');
          else
            expect(outcome === 'rejected' ? [] : outcome.map((e) => e.data.contactId)).toEqual(
              before.holder === c.contactId || before.claimants.includes(c.contactId) ? [c.contactId] : [],
            );
        }
        const { state, history } = play(cs);
        if (history.some((e) => e.type === 'contacts.identity-released.v1' && e.data.closed))
          expect(state.closed).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('changes nothing when the same command is decided again right after (a redelivery)', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        const { state } = play(cs);
        const last = cs[cs.length - 1] as RegistryCommand;
        const again = registryDecider.decide(last, state);
        expect({ command: last, events: Array.isArray(again) ? again : [] }).toEqual({
          command: last,
          events: [],
        });
      }),
      { numRuns: 500 },
    );
  });

  it('emits only events that fit their contract, and folds a stream read back as JSON to the same state', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        const { state, history } = play(cs);
        expect(
          history.map((e) => journeyCatalogue.check(e.type, e.data)).filter((p) => p !== undefined),
        ).toEqual([]);
        const stored = JSON.parse(JSON.stringify(history)) as RegistryEvent[];
        expect(stored.reduce(registryDecider.evolve, registryDecider.initialState())).toEqual(state);
      }),
      { numRuns: 300 },
    );
  });
});
