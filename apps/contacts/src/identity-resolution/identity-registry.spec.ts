import { CLAIMANTS_MAX, REGISTRY_CLOSED, registryDecider } from './identity-registry';
import type { RegistryEvent } from './identity-registry';

const A = 'a0000000-0000-4000-8000-000000000001';
const B = 'b0000000-0000-4000-8000-000000000002';

const fold = (events: RegistryEvent[]) =>
  events.reduce(registryDecider.evolve, registryDecider.initialState());
const decide = (events: RegistryEvent[], command: Parameters<typeof registryDecider.decide>[0]) =>
  registryDecider.decide(command, fold(events));
const registered = (contactId: string, attested: boolean): RegistryEvent => ({
  type: 'contacts.identity-registered.v1',
  data: { contactId, attested },
});

describe('the identity registry decider', () => {
  it('gives an attested identity to its first attested holder only; a later one reads who holds it', () => {
    expect(decide([], { kind: 'register', contactId: A, attested: true })).toEqual([registered(A, true)]);
    expect(decide([registered(A, true)], { kind: 'register', contactId: B, attested: true })).toEqual([]);
    expect(fold([registered(A, true)]).holder).toBe(A);
  });

  it('keeps claims apart from the holder: a claim never makes a holder, and attesting promotes a claimant', () => {
    const claims = [registered(B, false), registered(A, false)];
    expect(fold(claims)).toEqual({ holder: undefined, claimants: [B, A], closed: false });
    expect(decide(claims, { kind: 'register', contactId: A, attested: false })).toEqual([]);
    expect(fold([...claims, registered(A, true)])).toEqual({ holder: A, claimants: [B], closed: false });
    const many = Array.from({ length: CLAIMANTS_MAX }, (_, i) => registered(`c${i}`, false));
    expect(decide(many, { kind: 'register', contactId: A, attested: false })).toEqual([]);
  });

  it('forgets a holder on release, and refuses anything once a conversation is closed', () => {
    const released = decide([registered(A, true)], { kind: 'release', contactId: A, close: false });
    expect(fold([registered(A, true), ...(released as RegistryEvent[])]).holder).toBeUndefined();
    const closed = decide([registered(A, true)], { kind: 'release', contactId: A, close: true });
    expect(
      decide([registered(A, true), ...(closed as RegistryEvent[])], {
        kind: 'register',
        contactId: B,
        attested: true,
      }),
    ).toEqual({
      rejected: true,
      reason: REGISTRY_CLOSED,
    });
    expect(decide([], { kind: 'release', contactId: A, close: false })).toEqual([]);
  });
});
